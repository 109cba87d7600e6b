package identity_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"

	"github.com/palisade/palisade/identity"
)

// personCredential signs a person in with the password grant; when the SDK
// passes a claims challenge it also sends a TOTP code, as a CLI would after
// prompting. With ignoreClaims it behaves like a credential that cannot
// step up.
type personCredential struct {
	t            *testing.T
	e            *env
	user, pass   string
	secret       string
	ignoreClaims bool

	mu     sync.Mutex
	claims []string
}

func (c *personCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.claims = append(c.claims, opts.Claims)
	c.mu.Unlock()
	form := passwordForm(c.user, c.pass, "", "")
	if opts.Claims != "" && !c.ignoreClaims {
		form.Set("claims", opts.Claims)
		form.Set("otp", c.e.freshCode(c.t, c.secret))
	}
	status, body := c.e.token(c.t, form)
	if status != 200 {
		return azcore.AccessToken{}, errors.New(body["error_description"].(string))
	}
	return azcore.AccessToken{Token: body["access_token"].(string), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// armStub stands in for the ARM layer: it verifies the bearer token and
// answers a write by a user without MFA with ARM's 401 claims challenge.
func armStub(t *testing.T, e *env) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := e.ver.Verify(r.Context(), strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}`))
			return
		}
		if r.Method == http.MethodPut && p.Kind == identity.KindUser && !p.MFA() {
			w.Header().Set("WWW-Authenticate", identity.MFAChallenge(e.svc.AuthorizeEndpoint()))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"RequestDisallowedByPolicy","message":"Resource was disallowed by policy. Reasons: 'MFA is required.'."}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1","name":"rg1","location":"westeurope","properties":{"provisioningState":"Succeeded"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func rgClient(t *testing.T, armSrv *httptest.Server, cred azcore.TokenCredential) *armresources.ResourceGroupsClient {
	c, err := armresources.NewResourceGroupsClient("00000000-0000-0000-0000-000000000001", cred, &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{Transport: armSrv.Client(), Cloud: cloud.Configuration{
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Endpoint: armSrv.URL, Audience: identity.AudienceManagementCore}},
		}},
		DisableRPRegistration: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The Azure SDK's ARM bearer policy answers MFAChallenge by asking its
// credential again with the decoded claims and retrying once; the issuer
// then grants a token with amr mfa and acrs p1 and the write succeeds.
func TestSDKStepUpOnClaimsChallenge(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "kate", "kate-password")
	armSrv := armStub(t, e)
	loc := "westeurope"

	cred := &personCredential{t: t, e: e, user: "kate", pass: "kate-password", secret: secret}
	if _, err := rgClient(t, armSrv, cred).CreateOrUpdate(context.Background(), "rg1", armresources.ResourceGroup{Location: &loc}, nil); err != nil {
		t.Fatalf("write after step-up: %v", err)
	}
	if len(cred.claims) != 2 || cred.claims[0] != "" || cred.claims[1] != identity.MFAClaims {
		t.Errorf("credential saw claims %q", cred.claims)
	}

	stuck := &personCredential{t: t, e: e, user: "kate", pass: "kate-password", secret: secret, ignoreClaims: true}
	_, err := rgClient(t, armSrv, stuck).CreateOrUpdate(context.Background(), "rg1", armresources.ResourceGroup{Location: &loc}, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 401 || re.ErrorCode != "RequestDisallowedByPolicy" {
		t.Fatalf("credential that cannot step up: %v", err)
	}

	// a service principal is never challenged
	appID, spSecret := newSP(t, e)
	spCred, err := azidentity.NewClientSecretCredential(testTenant, appID, spSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.srv.URL + "/"}, Transport: e.srv.Client()},
		DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rgClient(t, armSrv, spCred).CreateOrUpdate(context.Background(), "rg1", armresources.ResourceGroup{Location: &loc}, nil); err != nil {
		t.Fatalf("service principal write: %v", err)
	}
}

// MSAL's username/password flow works against the issuer (it first asks
// /common/UserRealm/{user}), and a claims demand it cannot meet surfaces
// Entra's AADSTS50076.
func TestAzureSDKUsernamePasswordCredential(t *testing.T) {
	e := newEnv(t)
	e.userWithTOTP(t, "liam", "liam-password")
	// the password flow is deprecated in azidentity but still what scripts
	// without a browser use
	cred, err := azidentity.NewUsernamePasswordCredential(testTenant, identity.CLIClientID, "liam", "liam-password",
		&azidentity.UsernamePasswordCredentialOptions{
			ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.srv.URL + "/"}, Transport: e.srv.Client()},
			DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{armScope}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.ver.Verify(context.Background(), tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != identity.KindUser || p.UPN != "liam@palisade.local" || p.MFA() {
		t.Errorf("principal %+v", p)
	}
	_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{armScope}, Claims: identity.MFAClaims})
	if err == nil || !strings.Contains(err.Error(), "AADSTS50076") {
		t.Fatalf("claims demand without a second factor: %v", err)
	}
}
