package client

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The WWW-Authenticate header of ARM's MFA enforcement, as captured in
// Azure/azure-sdk-for-python#41739, and variants a client must tell apart.
func TestParseChallenge(t *testing.T) {
	const arm = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlcyI6WyJwMSJdfX19"`
	tests := []struct {
		name, header string
		want         string // decoded claims; "" for no challenge
	}{
		{"ARM MFA", arm, `{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}`},
		{"padded", `Bearer error="insufficient_claims", claims="eyJhIjoxfQ=="`, `{"a":1}`},
		{"unpadded accepted", `Bearer error="insufficient_claims", claims="eyJhIjoxfQ"`, `{"a":1}`},
		{"other scheme first", `PoP nonce="x", Bearer error="insufficient_claims", claims="eyJhIjoxfQ=="`, `{"a":1}`},
		{"case of the scheme", `bearer error="insufficient_claims", claims="eyJhIjoxfQ=="`, `{"a":1}`},
		{"invalid token is not a step-up", `Bearer error="invalid_token", error_description="expired"`, ""},
		{"no claims", `Bearer error="insufficient_claims"`, ""},
		{"no bearer", `Basic realm="x"`, ""},
		{"empty", ``, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ParseChallenge(tt.header)
			if tt.want == "" {
				if c != nil {
					t.Fatalf("challenge %+v, want none", c)
				}
				return
			}
			if c == nil {
				t.Fatal("no challenge")
			}
			got, err := c.DecodedClaims()
			if err != nil || got != tt.want {
				t.Errorf("claims %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

// Secrets never reach the --debug log.
func TestLoggerRedacts(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b)
	req, _ := http.NewRequest("POST", "https://palisade.example/t/oauth2/v2.0/token", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	l.Request(req, url.Values{"password": {"hunter2"}, "otp": {"123456"}, "username": {"admin"}})
	l.Response(&http.Response{StatusCode: 200, Header: http.Header{}}, []byte(`{"access_token":"tok-abc","refresh_token":"ref-abc","expires_in":3600}`))
	l.RequestBody([]byte(`{"properties":{"secret":"x"}}`))
	out := b.String()
	for _, s := range []string{"secret-token", "hunter2", "123456", "tok-abc", "ref-abc"} {
		if strings.Contains(out, s) {
			t.Errorf("log shows %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"username=admin", `"expires_in":3600`, "'Authorization': 'REDACTED'"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %q:\n%s", s, out)
		}
	}
	var nilLogger *Logger
	nilLogger.Printf("no panic on a nil logger")
}

// The profile is private to its owner and round-trips.
func TestProfileSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	t.Setenv(ConfigDirEnv, dir)
	p := &Profile{Server: "https://x", Subscriptions: []Subscription{{ID: "a"}, {ID: "b", IsDefault: true}}, Token: &Token{AccessToken: "t"}}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, profileFile): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, st.Mode().Perm(), want)
		}
	}
	q, err := LoadProfile()
	if err != nil || q.Server != "https://x" || q.DefaultSubscription().ID != "b" || q.Token.AccessToken != "t" {
		t.Errorf("loaded %+v, %v", q, err)
	}
	if err := Clear(); err != nil {
		t.Fatal(err)
	}
	if q, err := LoadProfile(); err != nil || q.Server != "" {
		t.Errorf("after Clear: %+v, %v", q, err)
	}
}
