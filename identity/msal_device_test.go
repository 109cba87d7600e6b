package identity_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/palisade/palisade/identity"
)

// azidentity's DeviceCodeCredential (MSAL's device flow) signs a person in
// through the device page; asked again with ARM's MFA claims it runs a new
// device flow in which the page demands the TOTP code, and the token then
// carries MFA.
func TestAzureSDKDeviceCodeCredential(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "quinn", "quinn-password")
	var mu sync.Mutex
	var prompts []azidentity.DeviceCodeMessage
	cred, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.srv.URL + "/"}, Transport: e.srv.Client()},
		DisableInstanceDiscovery: true,
		TenantID:                 testTenant,
		ClientID:                 identity.CLIClientID,
		UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
			mu.Lock()
			prompts = append(prompts, m)
			mu.Unlock()
			go func() {
				b := newBrowser(t, e)
				entry := b.get(m.VerificationURL)
				login := b.submit(e.srv.URL, entry, url.Values{"user_code": {m.UserCode}})
				next := b.submit(e.srv.URL, login, url.Values{"username": {"quinn"}, "password": {"quinn-password"}})
				if next.fields.Get("step") == "otp" {
					b.submit(e.srv.URL, next, url.Values{"otp": {e.freshCode(t, secret)}})
				}
			}()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{armScope}, EnableCAE: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.ver.Verify(ctx, tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p.UPN != "quinn@palisade.local" || p.MFA() {
		t.Errorf("first sign-in: %+v", p)
	}
	tok, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{armScope}, EnableCAE: true, Claims: identity.MFAClaims})
	if err != nil {
		t.Fatal(err)
	}
	p, err = e.ver.Verify(ctx, tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if !p.MFA() || p.RequestIdentity()["acrs"] != "p1" {
		t.Errorf("step-up sign-in: %v", p.Claims)
	}
	if len(prompts) != 2 || !strings.HasPrefix(prompts[0].VerificationURL, e.srv.URL) {
		t.Errorf("prompts %+v", prompts)
	}
}
