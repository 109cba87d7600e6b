package identity_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade/palisade/identity"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file (run with -update to accept):\n%s", name, got)
	}
}

// ClaimsObject gives the claims the names and string values ARM uses in
// requestContext().identity and the activity log's claims. Long names: the
// Administrative sample event of
// https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema
// (amr "rsa,mfa", scope, objectidentifier, tenantid, upn, name,
// nameidentifier; iat/nbf/exp as strings; aud, iss, appid, appidacr, ver
// short). idtyp, appid and acrs are read by their short names in
// https://learn.microsoft.com/en-us/azure/governance/policy/how-to/using-request-context-identity
// and the MFA built-in reads the amr long name and splits acrs on ",".
func TestClaimsObject(t *testing.T) {
	cases := []struct {
		name   string
		claims map[string]any
		want   map[string]any
	}{
		{"amr joined and renamed",
			map[string]any{"amr": []any{"pwd", "mfa"}},
			map[string]any{"http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd,mfa"}},
		{"single acrs stays short",
			map[string]any{"acrs": []any{"p1"}},
			map[string]any{"acrs": "p1"}},
		{"several acrs",
			map[string]any{"acrs": []string{"c1", "p1"}},
			map[string]any{"acrs": "c1,p1"}},
		{"object and tenant ids",
			map[string]any{"oid": "f409edeb-4d29-44b5-9763-ee9348ad91bb", "tid": "1114444b-7467-4144-a616-e3a5d63e147b"},
			map[string]any{"http://schemas.microsoft.com/identity/claims/objectidentifier": "f409edeb-4d29-44b5-9763-ee9348ad91bb",
				"http://schemas.microsoft.com/identity/claims/tenantid": "1114444b-7467-4144-a616-e3a5d63e147b"}},
		{"user names",
			map[string]any{"upn": "rob@contoso.com", "unique_name": "rob@contoso.com", "name": "Rob Robertson", "sub": "b-24Jf94A3FH2sHWVIFqO3-RSJEiv24Jnif3gj7s"},
			map[string]any{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "rob@contoso.com",
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": "rob@contoso.com", "name": "Rob Robertson",
				"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": "b-24Jf94A3FH2sHWVIFqO3-RSJEiv24Jnif3gj7s"}},
		{"scope and acr",
			map[string]any{"scp": "user_impersonation", "acr": "1"},
			map[string]any{"http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
				"http://schemas.microsoft.com/claims/authnclassreference": "1"}},
		{"short claims kept",
			map[string]any{"idtyp": "app", "appid": "355249ed-15d9-460d-8481-84026b065942", "appidacr": "2", "aud": "https://management.core.windows.net/", "ver": "1.0"},
			map[string]any{"idtyp": "app", "appid": "355249ed-15d9-460d-8481-84026b065942", "appidacr": "2", "aud": "https://management.core.windows.net/", "ver": "1.0"}},
		{"numbers as decimal strings",
			map[string]any{"iat": float64(1234567890), "exp": json.Number("1234571490"), "nbf": int64(1234567890)},
			map[string]any{"iat": "1234567890", "exp": "1234571490", "nbf": "1234567890"}},
		{"booleans, objects, nulls",
			map[string]any{"xms_flag": true, "_claim_sources": map[string]any{"src1": map[string]any{"endpoint": "https://graph.microsoft.com/x"}}, "gone": nil},
			map[string]any{"xms_flag": "true", "_claim_sources": `{"src1":{"endpoint":"https://graph.microsoft.com/x"}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := identity.ClaimsObject(tc.claims); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// The identity object of a real user token with MFA, as the policy engine
// and the activity log see it (golden file, volatile values masked).
func TestRequestIdentityGolden(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "ivy", "ivy-password")
	_, body := e.token(t, passwordForm("ivy", "ivy-password", e.freshCode(t, secret), identity.MFAClaims))
	p, err := e.ver.Verify(context.Background(), body["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	obj := p.RequestIdentity()
	for k, v := range obj {
		if _, ok := v.(string); !ok {
			t.Errorf("%s is %T, want string", k, v)
		}
	}
	masked := map[string]any{}
	volatile := map[string]bool{"iat": true, "nbf": true, "exp": true, "uti": true, "iss": true,
		"http://schemas.microsoft.com/identity/claims/objectidentifier":        true,
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": true}
	for k, v := range obj {
		if volatile[k] {
			v = "(" + k[strings.LastIndex(k, "/")+1:] + ")"
		}
		masked[k] = v
	}
	out, _ := json.MarshalIndent(masked, "", "  ")
	golden(t, "request_identity_user_mfa.golden.json", append(out, '\n'))

	// the MFA rule's view: split(amr long name, ',') contains "mfa",
	// split(acrs, ',') contains "p1", idtyp is "user"
	amr := strings.Split(obj["http://schemas.microsoft.com/claims/authnmethodsreferences"].(string), ",")
	if !reflect.DeepEqual(amr, []string{"pwd", "mfa"}) || obj["acrs"] != "p1" || obj["idtyp"] != "user" {
		t.Errorf("identity %v", obj)
	}
}

// An app token's identity has idtyp "app" and neither amr nor acrs.
func TestRequestIdentityApp(t *testing.T) {
	e := newEnv(t)
	appID, secret := newSP(t, e)
	_, body := e.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {appID}, "client_secret": {secret}, "scope": {armScope}})
	p, err := e.ver.Verify(context.Background(), body["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	obj := p.RequestIdentity()
	if obj["idtyp"] != "app" || obj["appid"] != appID {
		t.Errorf("identity %v", obj)
	}
	for _, k := range []string{"http://schemas.microsoft.com/claims/authnmethodsreferences", "acrs", "http://schemas.microsoft.com/identity/claims/scope"} {
		if _, ok := obj[k]; ok {
			t.Errorf("app identity has %s", k)
		}
	}
}

// The challenge matches ARM's captured header layout
// (https://github.com/Azure/azure-sdk-for-python/issues/41739) and its
// claims decode with padded standard base64, as azcore's bearer policy does.
func TestMFAChallenge(t *testing.T) {
	got := identity.MFAChallenge("https://palisade.example/" + testTenant + "/oauth2/v2.0/authorize")
	want := `Bearer realm="", authorization_uri="https://palisade.example/` + testTenant +
		`/oauth2/v2.0/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlcyI6WyJwMSJdfX19"`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	i := strings.Index(got, `claims="`)
	enc := strings.TrimSuffix(got[i+len(`claims="`):], `"`)
	dec, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || string(dec) != `{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}` {
		t.Fatalf("decoded %q, %v", dec, err)
	}
	if len(enc)%4 != 0 {
		t.Errorf("claims %q is not padded", enc)
	}
}
