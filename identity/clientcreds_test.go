package identity_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/palisade/palisade/identity"
)

func newSP(t testing.TB, e *env) (appID, secret string) {
	t.Helper()
	boot, err := e.svc.EnsureServicePrincipal(context.Background(), "", "", "deployer")
	if err != nil {
		t.Fatal(err)
	}
	return boot.AppID, boot.Secret
}

// Service principals get app tokens: idtyp "app", appidacr "1" for a
// secret, no amr and no scp, so they never carry MFA.
func TestClientCredentialsSecret(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	cases := []struct {
		name   string
		form   url.Values
		status int
		code   float64
	}{
		{"valid secret", url.Values{"client_id": {appID}, "client_secret": {secret}}, 200, 0},
		{"valid secret with MFA claims", url.Values{"client_id": {appID}, "client_secret": {secret}, "claims": {identity.MFAClaims}}, 200, 0},
		{"wrong secret", url.Values{"client_id": {appID}, "client_secret": {secret + "x"}}, 401, 7000215},
		{"no secret", url.Values{"client_id": {appID}}, 401, 7000218},
		{"unknown app", url.Values{"client_id": {"00000000-0000-0000-0000-00000000dead"}, "client_secret": {secret}}, 400, 700016},
		{"scope without .default", url.Values{"client_id": {appID}, "client_secret": {secret}, "scope": {"https://management.azure.com/user_impersonation"}}, 400, 70011},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("grant_type", "client_credentials")
			if tc.form.Get("scope") == "" {
				tc.form.Set("scope", armScope)
			}
			status, body := e.token(t, tc.form)
			if status != tc.status {
				t.Fatalf("status %d want %d: %v", status, tc.status, body)
			}
			ev := e.rec.last(t)
			if ev.Kind != identity.KindServicePrincipal {
				t.Errorf("recorded kind %q", ev.Kind)
			}
			if tc.code != 0 {
				if !hasCode(body, tc.code) || ev.Result != identity.SignInFailure {
					t.Fatalf("codes %v, event %+v", body["error_codes"], ev)
				}
				return
			}
			c := claimsOf(t, body["access_token"].(string))
			if c["idtyp"] != "app" || c["appid"] != appID || c["appidacr"] != "1" {
				t.Errorf("claims %v", c)
			}
			for _, k := range []string{"amr", "scp", "acrs", "upn"} {
				if _, ok := c[k]; ok {
					t.Errorf("app token carries %s: %v", k, c[k])
				}
			}
			p, err := e.ver.Verify(context.Background(), body["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != identity.KindServicePrincipal || p.MFA() || p.Caller() != appID {
				t.Errorf("principal %+v", p)
			}
		})
	}
}

func selfSignedCert(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "deployer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// A client assertion signed by a registered certificate's key gets an app
// token with appidacr "2"; an assertion cannot be replayed and a key that is
// not registered is refused. Format: https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials
func TestClientAssertion(t *testing.T) {
	e := newEnv(t)
	appID, _ := newSP(t, e)
	cert, key := selfSignedCert(t)
	if err := e.svc.AddCertificate(context.Background(), appID, cert); err != nil {
		t.Fatal(err)
	}
	_, otherKey := selfSignedCert(t)
	assertion := func(k *rsa.PrivateKey, aud string) string {
		sum := sha256.Sum256(cert.Raw)
		opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5t#S256", base64.StdEncoding.EncodeToString(sum[:]))
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: k}, opts)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		s, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: appID, Subject: appID, Audience: jwt.Audience{aud},
			ID:        base64.RawURLEncoding.EncodeToString(sum[:8]) + now.Format("150405.000000000"),
			NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(10 * time.Minute))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	form := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "scope": {armScope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a}}
	}
	good := assertion(key, e.svc.TokenEndpoint())
	status, body := e.token(t, form(good))
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	if c := claimsOf(t, body["access_token"].(string)); c["appidacr"] != "2" || c["idtyp"] != "app" {
		t.Errorf("claims %v", c)
	}
	if ev := e.rec.last(t); ev.Method != "client_assertion" || ev.Result != identity.SignInSuccess {
		t.Errorf("event %+v", ev)
	}
	for name, a := range map[string]string{
		"replayed":     good,
		"unregistered": assertion(otherKey, e.svc.TokenEndpoint()),
		"wrong aud":    assertion(key, "https://login.example.com/token"),
	} {
		if status, body := e.token(t, form(a)); status != 401 || !hasCode(body, 700027) {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
}

// The real Azure SDK credential gets a token from the issuer: MSAL fetches
// {authority}/{tenant}/v2.0/.well-known/openid-configuration, checks the
// issuer host, then calls the token endpoint; Verify accepts the result.
func TestAzureSDKClientSecretCredential(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.srv.URL + "/"}, Transport: e.srv.Client()}
	cred, err := azidentity.NewClientSecretCredential(testTenant, appID, secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{armScope}, EnableCAE: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(tok.ExpiresOn); d < 55*time.Minute || d > 61*time.Minute {
		t.Errorf("ExpiresOn in %v, want about 1h", d)
	}
	p, err := e.ver.Verify(context.Background(), tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != identity.KindServicePrincipal || p.AppID != appID || p.Audience != identity.AudienceManagementCore {
		t.Errorf("principal %+v", p)
	}

	cert, key := selfSignedCert(t)
	if err := e.svc.AddCertificate(context.Background(), appID, cert); err != nil {
		t.Fatal(err)
	}
	certCred, err := azidentity.NewClientCertificateCredential(testTenant, appID, []*x509.Certificate{cert}, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err = certCred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err = e.ver.Verify(context.Background(), tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Claims["appidacr"] != "2" || p.Audience != "https://management.azure.com" {
		t.Errorf("certificate token claims %v", p.Claims)
	}
}
