package identity_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/palisade/palisade/identity"
)

// signWith signs claims with key under kid.
func signWith(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := sig.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// issuerKey returns the service's current signing key from its key store.
func (e *env) issuerKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	keys, err := e.keys.LoadKeys(context.Background())
	if err != nil || len(keys) == 0 {
		t.Fatal("no keys", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(keys[0].PKCS8)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey), keys[0].KID
}

var armTimeRE = regexp.MustCompile(`^The access token expiry UTC time '\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M' is earlier than current UTC time '\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M'\.$`)

func rawJWT(header, claims map[string]any, sig []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Every forged or unusable token is refused with the ARM error code the
// ARM layer returns, and the refusal is recorded. ARM's audience message as
// real ARM sends it: https://github.com/Azure-Samples/active-directory-dotnetcore-daemon-v2/issues/145;
// the expiry message and its time format: https://github.com/microsoft/foundry-dev-tools/issues/461
func TestVerifyRefusesBadTokens(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	_, body := e.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
	good := body["access_token"].(string)
	key, kid := e.issuerKey(t)
	now := e.clock.Now()
	userClaims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"aud": identity.AudienceManagementCore, "iss": e.svc.Issuer(), "tid": testTenant,
			"oid": "0b0b0b0b-0000-0000-0000-000000000001", "idtyp": "user", "upn": "mallory@palisade.local",
			"amr": []string{"pwd", "mfa"}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hsToken := func() string {
		h, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid})
		c, _ := json.Marshal(userClaims(nil))
		in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
		m := hmac.New(sha256.New, pubPEM)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	tamper := func() string {
		parts := strings.Split(good, ".")
		c := claimsOf(t, good)
		c["amr"] = []string{"pwd", "mfa"}
		b, _ := json.Marshal(c)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}

	cases := []struct {
		name  string
		token string
		code  string
		msg   string
	}{
		{"tampered payload", tamper(), identity.CodeInvalidToken, ""},
		{"signed by another key under our kid", signWith(t, otherKey, kid, userClaims(nil)), identity.CodeInvalidToken, ""},
		{"unknown kid", signWith(t, otherKey, "not-a-kid", userClaims(nil)), identity.CodeInvalidToken, ""},
		{"alg none", rawJWT(map[string]any{"alg": "none", "typ": "JWT"}, userClaims(nil), nil), identity.CodeInvalidToken, ""},
		{"HS256 with the RSA public key as secret", hsToken(), identity.CodeInvalidToken, ""},
		{"expired", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["iat"], c["nbf"], c["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(-3*time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
		})), identity.CodeExpiredToken, "is earlier than current UTC time"},
		{"not yet valid", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["nbf"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(2*time.Hour).Unix()
		})), identity.CodeInvalidToken, "not yet valid"},
		// ARM's message for a token without a principal id:
		// https://github.com/Azure/azure-sdk-for-java/issues/1714
		{"no oid", signWith(t, key, kid, userClaims(func(c map[string]any) { delete(c, "oid") })), identity.CodeInvalidToken, "at least one of the claims 'puid' or 'altsecid' or 'oid' should be present"},
		{"no exp", signWith(t, key, kid, userClaims(func(c map[string]any) { delete(c, "exp") })), identity.CodeInvalidToken, ""},
		{"wrong audience", signWith(t, key, kid, userClaims(func(c map[string]any) { c["aud"] = "https://graph.microsoft.com" })),
			identity.CodeInvalidAudience, "'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'"},
		{"untrusted issuer", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["iss"] = "https://login.microsoftonline.com/" + testTenant + "/v2.0"
		})), identity.CodeInvalidToken, ""},
		{"other tenant of this issuer", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["iss"] = e.srv.URL + "/11111111-2222-3333-4444-555555555555/v2.0"
		})), identity.CodeInvalidTenant, "wrong issuer"},
		// ARM's wording names the expected tenant's issuer and authority:
		// https://github.com/Azure/azure-sdk-for-python/issues/38382
		{"other tenant of this issuer, v1.0 form", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["iss"] = e.srv.URL + "/11111111-2222-3333-4444-555555555555/"
		})), identity.CodeInvalidTenant, "It must match the tenant '" + e.srv.URL + "/" + testTenant + "/v2.0' associated with this subscription. Please use the authority (URL) '" + e.srv.URL + "/" + testTenant + "' to get the token."},
		{"Entra v1.0 issuer", signWith(t, key, kid, userClaims(func(c map[string]any) {
			c["iss"] = "https://sts.windows.net/" + testTenant + "/"
		})), identity.CodeInvalidToken, ""},
		{"garbage", "not.a.token", identity.CodeInvalidToken, ""},
		{"empty", "", identity.CodeInvalidToken, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.rec.count()
			p, err := e.ver.Verify(context.Background(), tc.token)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			var ae *identity.AuthError
			if !errors.As(err, &ae) || ae.Code != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			if !strings.Contains(ae.Message, tc.msg) {
				t.Errorf("message %q lacks %q", ae.Message, tc.msg)
			}
			if tc.code == identity.CodeExpiredToken && !armTimeRE.MatchString(ae.Message) {
				t.Errorf("message %q does not use ARM's time format", ae.Message)
			}
			if e.rec.count() != before+1 {
				t.Fatal("refusal not recorded")
			}
			if ev := e.rec.last(t); ev.Result != identity.SignInFailure || ev.ErrorCode != tc.code || ev.Method != "bearer" {
				t.Errorf("recorded %+v", ev)
			}
		})
	}
	// the untampered token passes, and a token within the clock skew too
	if _, err := e.ver.Verify(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	skewed := signWith(t, key, kid, userClaims(func(c map[string]any) { c["nbf"] = now.Add(2 * time.Minute).Unix() }))
	if _, err := e.ver.Verify(context.Background(), skewed); err != nil {
		t.Fatalf("token within the 5-minute skew refused: %v", err)
	}
}

// A cached verification does not outlive the token.
func TestVerifyCacheHonoursExpiry(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	_, body := e.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
	tok := body["access_token"].(string)
	if _, err := e.ver.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(66 * time.Minute)
	var ae *identity.AuthError
	if _, err := e.ver.Verify(context.Background(), tok); !errors.As(err, &ae) || ae.Code != identity.CodeExpiredToken {
		t.Fatalf("after expiry: %v", err)
	}
}

// Refresh tokens rotate: each is usable once; presenting a rotated one
// again revokes the whole family, including the newest token.
func TestRefreshTokenRotation(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "henry", "henry-password")
	_, body := e.token(t, passwordForm("henry", "henry-password", "", ""))
	rt1 := body["refresh_token"].(string)
	refresh := func(rt, claims string) (int, map[string]any) {
		f := url.Values{"grant_type": {"refresh_token"}, "client_id": {identity.CLIClientID}, "refresh_token": {rt}, "scope": {armScope}}
		if claims != "" {
			f.Set("claims", claims)
		}
		return e.token(t, f)
	}
	// a session without MFA cannot satisfy a claims demand for p1
	status, body := refresh(rt1, identity.MFAClaims)
	if status != 400 || body["error"] != "interaction_required" || !hasCode(body, 50076) {
		t.Fatalf("%d %v", status, body)
	}
	if !strings.Contains(body["error_description"].(string), "multi-factor authentication") {
		t.Errorf("description %q", body["error_description"])
	}
	// ... and that refusal did not consume the token
	status, body = refresh(rt1, "")
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	rt2 := body["refresh_token"].(string)
	if c := claimsOf(t, body["access_token"].(string)); c["amr"].([]any)[0] != "pwd" || len(c["amr"].([]any)) != 1 {
		t.Errorf("refreshed amr %v", c["amr"])
	}
	if rt2 == rt1 {
		t.Fatal("refresh token not rotated")
	}
	if status, body = refresh(rt1, ""); status != 400 || !hasCode(body, 50173) {
		t.Fatalf("reuse of rotated token: %d %v", status, body)
	}
	if status, body = refresh(rt2, ""); status != 400 || !hasCode(body, 50173) {
		t.Fatalf("family not revoked after reuse: %d %v", status, body)
	}

	// an MFA session keeps its amr and can satisfy the claims demand
	_, body = e.token(t, passwordForm("henry", "henry-password", e.freshCode(t, secret), ""))
	status, body = refresh(body["refresh_token"].(string), identity.MFAClaims)
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	c := claimsOf(t, body["access_token"].(string))
	if len(c["amr"].([]any)) != 2 || c["acrs"].([]any)[0] != "p1" {
		t.Errorf("claims %v", c)
	}
}

// Concurrent redemptions of one refresh token or one TOTP code: exactly
// one succeeds.
func TestConcurrentOneTimeValues(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "pia", "pia-password")
	_, body := e.token(t, passwordForm("pia", "pia-password", "", ""))
	rt := body["refresh_token"].(string)
	code := e.freshCode(t, secret)

	run := func(form url.Values) int {
		var wg sync.WaitGroup
		var ok atomic.Int32
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if status, _ := e.token(t, form); status == 200 {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		return int(ok.Load())
	}
	if n := run(url.Values{"grant_type": {"refresh_token"}, "client_id": {identity.CLIClientID}, "refresh_token": {rt}, "scope": {armScope}}); n != 1 {
		t.Errorf("refresh token redeemed %d times", n)
	}
	if n := run(passwordForm("pia", "pia-password", code, "")); n != 1 {
		t.Errorf("TOTP code accepted %d times", n)
	}
}
