package identity_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/palisade/palisade/identity"
)

// fakeIdP is an external OIDC issuer: discovery, a JWKS it can rotate, and
// a signer.
type fakeIdP struct {
	srv       *httptest.Server
	mu        sync.Mutex
	key       *rsa.PrivateKey
	kid       string
	jwksCalls atomic.Int32
}

func newFakeIdP(t *testing.T) *fakeIdP {
	f := &fakeIdP{}
	f.rotate(t, "k1")
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": f.srv.URL, "jwks_uri": f.srv.URL + "/keys",
			"authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		f.jwksCalls.Add(1)
		f.mu.Lock()
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: f.kid, Algorithm: "RS256", Use: "sig"}}}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(set)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIdP) rotate(t *testing.T, kid string) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.key, f.kid = k, kid
	f.mu.Unlock()
}

func (f *fakeIdP) sign(t *testing.T, claims map[string]any) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	base := map[string]any{"iss": f.srv.URL, "aud": "api://palisade", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		base[k] = v
	}
	return signWith(t, f.key, f.kid, base)
}

// Tokens of a configured external issuer are verified through discovery and
// its JWKS (go-oidc), with claim mapping, audience checks and key rotation.
func TestExternalIssuer(t *testing.T) {
	idp := newFakeIdP(t)
	rec := &recorder{}
	v, err := identity.NewVerifier(identity.VerifierConfig{Recorder: rec, External: []identity.ExternalIssuer{{
		IssuerURL: idp.srv.URL, Audiences: []string{"api://palisade"},
		ClaimMap: map[string]string{"oid": "sub", "upn": "email"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct {
		name   string
		claims map[string]any
		kind   identity.PrincipalKind
		oid    string
		upn    string
		mfa    bool
		code   string
	}{
		{"user mapped from sub and email", map[string]any{"sub": "u-123", "email": "kim@corp.example", "amr": []string{"pwd", "otp", "mfa"}},
			identity.KindUser, "u-123", "kim@corp.example", true, ""},
		{"Entra-shaped user keeps its oid", map[string]any{"sub": "pairwise", "oid": "real-oid", "idtyp": "user", "upn": "lee@corp.example"},
			identity.KindUser, "real-oid", "lee@corp.example", false, ""},
		{"managed identity", map[string]any{"sub": "mi-1", "idtyp": "app", "appid": "mi-app", "xms_mirid": "/subscriptions/x/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"},
			identity.KindManagedIdentity, "mi-1", "", false, ""},
		{"app without idtyp", map[string]any{"sub": "app-1", "azp": "client-1"},
			identity.KindServicePrincipal, "app-1", "", false, ""},
		{"wrong audience", map[string]any{"sub": "u", "aud": "api://other"}, "", "", "", false, identity.CodeInvalidAudience},
		{"expired", map[string]any{"sub": "u", "exp": time.Now().Add(-time.Hour).Unix()}, "", "", "", false, identity.CodeExpiredToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(ctx, idp.sign(t, tc.claims))
			if tc.code != "" {
				var ae *identity.AuthError
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Fatalf("error %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.kind || p.ObjectID != tc.oid || p.UPN != tc.upn || p.MFA() != tc.mfa {
				t.Errorf("principal %+v", p)
			}
		})
	}
	calls := idp.jwksCalls.Load()
	idp.rotate(t, "k2")
	if _, err := v.Verify(ctx, idp.sign(t, map[string]any{"sub": "after-rotation"})); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	if idp.jwksCalls.Load() == calls {
		t.Error("the key set was not refetched for the new kid")
	}
	// a token claiming the external issuer but signed elsewhere
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := signWith(t, other, "k2", map[string]any{"iss": idp.srv.URL, "aud": "api://palisade", "sub": "x", "exp": time.Now().Add(time.Hour).Unix()})
	var ae *identity.AuthError
	if _, err := v.Verify(ctx, forged); !errors.As(err, &ae) || ae.Code != identity.CodeInvalidToken {
		t.Fatalf("forged external token: %v", err)
	}
	if ev := rec.last(t); ev.Result != identity.SignInFailure {
		t.Errorf("event %+v", ev)
	}
}

// With JWKSURL the issuer needs no discovery document; an issuer whose
// discovery cannot be fetched refuses its tokens without panicking.
func TestExternalIssuerWithoutDiscovery(t *testing.T) {
	idp := newFakeIdP(t)
	ctx := context.Background()
	direct, err := identity.NewVerifier(identity.VerifierConfig{External: []identity.ExternalIssuer{{
		IssuerURL: idp.srv.URL, JWKSURL: idp.srv.URL + "/keys", Audiences: []string{"api://palisade"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := direct.Verify(ctx, idp.sign(t, map[string]any{"oid": "o1", "idtyp": "app"})); err != nil || p.ObjectID != "o1" {
		t.Fatalf("%+v %v", p, err)
	}
	broken, err := identity.NewVerifier(identity.VerifierConfig{External: []identity.ExternalIssuer{{
		IssuerURL: idp.srv.URL + "/nowhere", Audiences: []string{"api://palisade"}}}})
	if err != nil {
		t.Fatal(err)
	}
	tok := signWith(t, idp.key, idp.kid, map[string]any{"iss": idp.srv.URL + "/nowhere", "aud": "api://palisade", "oid": "o", "exp": time.Now().Add(time.Hour).Unix()})
	var ae *identity.AuthError
	if _, err := broken.Verify(ctx, tok); !errors.As(err, &ae) || ae.Code != identity.CodeInvalidToken {
		t.Fatalf("issuer without discovery: %v", err)
	}
}

func TestExternalIssuerConfig(t *testing.T) {
	if _, err := identity.NewVerifier(identity.VerifierConfig{External: []identity.ExternalIssuer{{IssuerURL: "https://idp.example"}}}); err == nil {
		t.Fatal("issuer without audiences accepted")
	}
}
