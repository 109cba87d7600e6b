package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/identity/memdir"
)

// EnsureAdmin creates "admin" once with a password and an active TOTP
// authenticator; its printed enrolment works for an MFA sign-in.
func TestEnsureAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	boot, err := e.svc.EnsureAdmin(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if boot == nil || len(boot.Password) < 16 || boot.TOTP == nil {
		t.Fatalf("bootstrap %+v", boot)
	}
	if !strings.HasPrefix(boot.TOTP.URI, "otpauth://totp/Palisade:admin@palisade.local?") ||
		!strings.Contains(boot.TOTP.URI, "secret="+boot.TOTP.Secret) || !strings.Contains(boot.TOTP.URI, "period=30") {
		t.Errorf("URI %q", boot.TOTP.URI)
	}
	if _, err := png.Decode(bytes.NewReader(boot.TOTP.QRPNG)); err != nil {
		t.Errorf("QR PNG: %v", err)
	}
	if !strings.ContainsAny(boot.TOTP.QRText, "█▀▄") {
		t.Errorf("QR text %q", boot.TOTP.QRText)
	}
	_, body := e.token(t, passwordForm("admin", boot.Password, e.freshCode(t, boot.TOTP.Secret), identity.MFAClaims))
	if c := claimsOf(t, body["access_token"].(string)); c["upn"] != "admin@palisade.local" || len(c["amr"].([]any)) != 2 {
		t.Errorf("admin token claims %v", c)
	}
	again, err := e.svc.EnsureAdmin(ctx, "", "")
	if err != nil || again != nil {
		t.Fatalf("second EnsureAdmin: %+v, %v", again, err)
	}

	// given values are used as given
	e2 := newEnv(t)
	boot, err = e2.svc.EnsureAdmin(ctx, "a-given-password", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if boot.Password != "a-given-password" || boot.TOTP.Secret != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" {
		t.Errorf("bootstrap %+v", boot)
	}
	if _, err := e2.svc.EnsureAdmin(context.Background(), "x", "not base32!"); err != nil {
		t.Fatalf("existing admin must short-circuit: %v", err)
	}
	sp, err := e2.svc.EnsureServicePrincipal(ctx, "11111111-2222-3333-4444-555555555555", "a-given-secret-of-length", "ci")
	if err != nil || sp.AppID != "11111111-2222-3333-4444-555555555555" || sp.Secret != "a-given-secret-of-length" {
		t.Fatalf("%+v %v", sp, err)
	}
	if sp, err := e2.svc.EnsureServicePrincipal(ctx, "11111111-2222-3333-4444-555555555555", "", "ci"); sp != nil || err != nil {
		t.Fatalf("second EnsureServicePrincipal: %+v %v", sp, err)
	}
}

// The terminal QR rendering packs two module rows per line (golden file
// for a fixed URI).
func TestHalfBlockQRGolden(t *testing.T) {
	q, err := qrcode.New("otpauth://totp/Palisade:admin@palisade.local?issuer=Palisade&secret=JBSWY3DPEHPK3PXP", qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	bm := q.Bitmap()
	text := identity.HalfBlockQR(bm)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != (len(bm)+1)/2 {
		t.Errorf("%d lines for %d rows", len(lines), len(bm))
	}
	golden(t, "qr_halfblock.golden.txt", []byte(text))
	small := identity.HalfBlockQR([][]bool{{true, false}, {false, true}, {true, true}})
	// light modules are drawn, dark ones left blank; a missing last row is light
	if small != "▄▀\n▄▄\n" {
		t.Errorf("small bitmap rendered %q", small)
	}
}

// Nothing stored holds a password, a client secret or a TOTP seed in a
// form that is returned to callers; passwords are argon2id PHC strings.
func TestNoSecretsInClear(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const pw = "very-secret-password"
	u, err := e.svc.CreateUser(ctx, "jack", "Jack", pw)
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash != "" {
		t.Errorf("CreateUser returned the hash %q", u.PasswordHash)
	}
	enr, err := e.svc.EnrollTOTP(ctx, "jack")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmTOTP(ctx, "jack", e.freshCode(t, enr.Secret)); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.GetUser(ctx, "jack")
	if err != nil {
		t.Fatal(err)
	}
	if got.TOTPSecret == enr.Secret || got.PasswordHash != "" || !got.HasTOTP() {
		t.Errorf("GetUser leaks secrets: %+v", got)
	}
	appID, secret := newSP(t, e)
	if _, err := e.svc.AddClientSecret(ctx, appID, "", 0); err != nil {
		t.Fatal(err)
	}

	e.dir.mu.Lock()
	writes := strings.Join(e.dir.writes, "\n")
	e.dir.mu.Unlock()
	for _, s := range []string{pw, secret} {
		if strings.Contains(writes, s) {
			t.Errorf("directory received %q in clear", s)
		}
	}
	stored, _ := e.dir.Directory.GetUser(ctx, "jack")
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("stored hash %q", stored.PasswordHash)
	}
	sp, _ := e.dir.Directory.GetServicePrincipal(ctx, appID)
	for _, c := range sp.Secrets {
		if !strings.HasPrefix(c.Hash, "sha256$") || len(c.Hint) != 3 {
			t.Errorf("stored secret credential %+v", c)
		}
	}
}

func TestPasswordHashFormat(t *testing.T) {
	h, err := identity.HashPassword("pässwörd", identity.DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"pässwörd", true}, {"passwörd", false}, {"", false}} {
		ok, err := identity.CheckPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v", tc.pw, ok, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=x$AAAA$AAAA", "$argon2id$v=18$m=8,t=1,p=1$AAAA$AAAA"} {
		if _, err := identity.CheckPassword(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

// Tokens survive a restart (keys come from the KeyStore) and a rotation
// (the previous key stays published); after a second rotation the oldest
// key is gone and its tokens are refused.
func TestKeyRotationAndRestart(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	get := func() string {
		_, body := e.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
		return body["access_token"].(string)
	}
	old := get()
	ctx := context.Background()

	restarted, err := identity.New(ctx, identity.Config{TenantID: testTenant, BaseURL: e.srv.URL, Directory: e.dir,
		Values: memdir.NewValues(nil), Keys: e.keys})
	if err != nil {
		t.Fatal(err)
	}
	fresh := func(svc *identity.Service) *identity.Verifier {
		v, err := identity.NewVerifier(identity.VerifierConfig{Builtin: svc, CacheSize: -1})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if _, err := fresh(restarted).Verify(ctx, old); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
	if err := e.svc.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(jwksOf(t, e).Keys); n != 2 {
		t.Fatalf("JWKS publishes %d keys after a rotation, want 2", n)
	}
	v := fresh(e.svc)
	if _, err := v.Verify(ctx, old); err != nil {
		t.Fatalf("token signed before the rotation: %v", err)
	}
	if _, err := v.Verify(ctx, get()); err != nil {
		t.Fatalf("token signed after the rotation: %v", err)
	}
	if err := e.svc.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh(e.svc).Verify(ctx, old); err == nil {
		t.Fatal("token of a retired key still verifies")
	}
}

type jwks struct {
	Keys []struct {
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		Alg string `json:"alg"`
		Use string `json:"use"`
		N   string `json:"n"`
		E   string `json:"e"`
	} `json:"keys"`
}

func jwksOf(t *testing.T, e *env) jwks {
	t.Helper()
	resp, err := e.srv.Client().Get(e.url("/discovery/v2.0/keys"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jwks
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid == "" || k.N == "" {
			t.Errorf("key %+v", k)
		}
	}
	return set
}

// The discovery document names the endpoints at Entra's v2.0 paths; the
// "organizations" alias serves the same document and other tenants get
// AADSTS90002.
func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	get := func(path string) (int, map[string]any) {
		resp, err := e.srv.Client().Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	status, doc := get("/" + testTenant + "/v2.0/.well-known/openid-configuration")
	if status != 200 {
		t.Fatal(status)
	}
	want := map[string]any{
		"issuer":                        e.srv.URL + "/" + testTenant + "/v2.0",
		"token_endpoint":                e.srv.URL + "/" + testTenant + "/oauth2/v2.0/token",
		"authorization_endpoint":        e.srv.URL + "/" + testTenant + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint": e.srv.URL + "/" + testTenant + "/oauth2/v2.0/devicecode",
		"jwks_uri":                      e.srv.URL + "/" + testTenant + "/discovery/v2.0/keys",
		"claims_parameter_supported":    true,
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	if s, alias := get("/organizations/v2.0/.well-known/openid-configuration"); s != 200 || alias["issuer"] != want["issuer"] {
		t.Errorf("organizations alias: %d %v", s, alias["issuer"])
	}
	if s, body := get("/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration"); s != http.StatusBadRequest || !hasCode(body, 90002) {
		t.Errorf("unknown tenant: %d %v", s, body)
	}
	if n := len(jwksOf(t, e).Keys); n != 1 {
		t.Errorf("fresh JWKS has %d keys", n)
	}
}
