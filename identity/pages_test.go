package identity_test

import (
	"net/http"
	"regexp"
	"testing"

	"golang.org/x/oauth2"

	"github.com/palisade/palisade/identity"
)

var volatileFields = regexp.MustCompile(`name="(csrf|flow)" value="[^"]*"`)

// The sign-in page as served (golden file; CSRF token and flow id masked),
// with the headers that keep it out of frames and caches.
func TestSignInPageGolden(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	cfg := oauthConfig(e)
	resp, err := b.client.Get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("claims", identity.MFAClaims), oauth2.SetAuthURLParam("login_hint", `x"><script>alert(1)</script>`)))
	if err != nil {
		t.Fatal(err)
	}
	p := b.read(resp, nil)
	for h, want := range map[string]string{
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	var csrfCookie bool
	for _, c := range resp.Cookies() {
		if c.Name == "palisade_signin_csrf" {
			csrfCookie = c.HttpOnly && c.Secure && c.SameSite == http.SameSiteStrictMode
		}
	}
	if !csrfCookie {
		t.Error("CSRF cookie missing or not HttpOnly+Secure+SameSite=Strict")
	}
	golden(t, "signin_password_mfa.golden.html", []byte(volatileFields.ReplaceAllString(p.body, `name="$1" value="(masked)"`)))
}
