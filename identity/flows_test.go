package identity_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/palisade/palisade/identity"
)

func oauthConfig(e *env) *oauth2.Config {
	return &oauth2.Config{
		ClientID: identity.CLIClientID,
		Endpoint: oauth2.Endpoint{AuthURL: e.svc.AuthorizeEndpoint(), TokenURL: e.svc.TokenEndpoint(),
			DeviceAuthURL: e.svc.DeviceAuthorizationEndpoint(), AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "http://127.0.0.1:8400/callback",
		Scopes:      []string{armScope, "offline_access"},
	}
}

// Authorization code with PKCE through the sign-in page, as the CLI does
// with golang.org/x/oauth2: password only, password plus a chosen TOTP
// step, and a claims request that demands MFA (RFC 7636, RFC 6749 §4.1).
func TestAuthorizationCodePKCE(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "erin", "erin-password")
	cfg := oauthConfig(e)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())

	cases := []struct {
		name     string
		claims   string
		chooseMF bool
		amr      []any
		acrs     []any
	}{
		{"password only", "", false, []any{"pwd"}, nil},
		{"user chooses TOTP", "", true, []any{"pwd", "mfa"}, nil},
		{"claims demand p1", identity.MFAClaims, false, []any{"pwd", "mfa"}, []any{"p1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, e)
			verifier := oauth2.GenerateVerifier()
			opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
			if tc.claims != "" {
				opts = append(opts, oauth2.SetAuthURLParam("claims", tc.claims))
			}
			state := "state-" + tc.name
			login := b.get(cfg.AuthCodeURL(state, opts...))
			if login.status != 200 || login.fields.Get("step") != "password" {
				t.Fatalf("sign-in page: %d %s", login.status, login.body)
			}
			if tc.claims != "" && !strings.Contains(login.body, "requires multi-factor") {
				t.Error("page does not say MFA is required")
			}
			form := url.Values{"username": {"erin"}, "password": {"erin-password"}}
			if tc.chooseMF {
				form.Set("mfa", "1")
			}
			next := b.submit(e.srv.URL, login, form)
			if tc.amr[len(tc.amr)-1] == "mfa" {
				if next.fields.Get("step") != "otp" {
					t.Fatalf("expected the TOTP step, got %d %s", next.status, next.body)
				}
				next = b.submit(e.srv.URL, next, url.Values{"otp": {e.freshCode(t, secret)}})
			}
			if next.status != 302 {
				t.Fatalf("expected a redirect, got %d %s", next.status, next.body)
			}
			loc, err := url.Parse(next.location)
			if err != nil || loc.Host != "127.0.0.1:8400" || loc.Query().Get("state") != state {
				t.Fatalf("redirect %q", next.location)
			}
			code := loc.Query().Get("code")
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption("wrong-"+verifier)); err == nil {
				t.Fatal("exchange with a wrong verifier succeeded")
			}
			// the code was consumed by the failed attempt: a one-time code
			// stays one-time
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "54005") {
				t.Fatalf("second redemption: %v", err)
			}
			// a fresh sign-in, redeemed properly
			login = b.get(cfg.AuthCodeURL(state, opts...))
			next = b.submit(e.srv.URL, login, form)
			if next.fields.Get("step") == "otp" {
				next = b.submit(e.srv.URL, next, url.Values{"otp": {e.freshCode(t, secret)}})
			}
			loc, _ = url.Parse(next.location)
			tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}
			c := claimsOf(t, tok.AccessToken)
			if !reflect.DeepEqual(c["amr"], tc.amr) {
				t.Errorf("amr %v want %v", c["amr"], tc.amr)
			}
			if got, ok := c["acrs"]; (tc.acrs == nil) == ok || (ok && !reflect.DeepEqual(got, tc.acrs)) {
				t.Errorf("acrs %v want %v", got, tc.acrs)
			}
			if tok.RefreshToken == "" {
				t.Error("no refresh token")
			}
		})
	}
}

func TestAuthorizeRejectsBadRequests(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.CreateUser(context.Background(), "frank", "", "frank-password"); err != nil {
		t.Fatal(err)
	}
	cfg := oauthConfig(e)
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, e)

	t.Run("foreign redirect URI shows an error page", func(t *testing.T) {
		c := *cfg
		c.RedirectURL = "https://evil.example/callback"
		p := b.get(c.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		if p.status != 400 || p.location != "" || !strings.Contains(p.body, "AADSTS50011") {
			t.Fatalf("%d %q %s", p.status, p.location, p.body)
		}
	})
	t.Run("missing PKCE redirects with invalid_request", func(t *testing.T) {
		p := b.get(cfg.AuthCodeURL("s"))
		if p.status != 302 || !strings.Contains(p.location, "error=invalid_request") {
			t.Fatalf("%d %q", p.status, p.location)
		}
	})
	t.Run("form without the CSRF token is refused", func(t *testing.T) {
		login := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		login.fields.Set("csrf", "forged-forged-forged-forged-forged-forged")
		p := b.submit(e.srv.URL, login, url.Values{"username": {"frank"}, "password": {"frank-password"}})
		if p.status != 403 || p.location != "" {
			t.Fatalf("%d %q", p.status, p.location)
		}
	})
	t.Run("another browser cannot complete the sign-in", func(t *testing.T) {
		login := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		other := newBrowser(t, e)
		p := other.submit(e.srv.URL, login, url.Values{"username": {"frank"}, "password": {"frank-password"}})
		if p.status != 403 {
			t.Fatalf("%d %s", p.status, p.body)
		}
	})
	t.Run("wrong password re-renders the form", func(t *testing.T) {
		login := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		p := b.submit(e.srv.URL, login, url.Values{"username": {"frank"}, "password": {"nope-nope"}})
		if p.status != 200 || !strings.Contains(p.body, "AADSTS50126") || p.fields.Get("step") != "password" {
			t.Fatalf("%d %s", p.status, p.body)
		}
	})
	t.Run("MFA demanded from a user without authenticator", func(t *testing.T) {
		login := b.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("claims", identity.MFAClaims)))
		p := b.submit(e.srv.URL, login, url.Values{"username": {"frank"}, "password": {"frank-password"}})
		if p.location != "" || !strings.Contains(p.body, "AADSTS50079") {
			t.Fatalf("%d %q %s", p.status, p.location, p.body)
		}
	})
}

// Device authorization grant with golang.org/x/oauth2 (RFC 8628): the user
// enters the code on the device page and signs in, with MFA when the
// device request carried the claims demand.
func TestDeviceCode(t *testing.T) {
	e := newEnv(t)
	secret := e.userWithTOTP(t, "gina", "gina-password")
	cfg := oauthConfig(e)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())

	da, err := cfg.DeviceAuth(ctx, oauth2.SetAuthURLParam("claims", identity.MFAClaims))
	if err != nil {
		t.Fatal(err)
	}
	if da.UserCode == "" || da.VerificationURI != e.url("/oauth2/deviceauth") || da.Interval != 1 {
		t.Fatalf("device auth %+v", da)
	}
	// before the user signs in, polling answers authorization_pending
	status, body := e.token(t, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {identity.CLIClientID}, "device_code": {da.DeviceCode}})
	if status != 400 || body["error"] != "authorization_pending" {
		t.Fatalf("%d %v", status, body)
	}
	// polling again at once is too fast
	status, body = e.token(t, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {identity.CLIClientID}, "device_code": {da.DeviceCode}})
	if status != 400 || body["error"] != "slow_down" {
		t.Fatalf("%d %v", status, body)
	}

	done := make(chan error, 1)
	go func() {
		b := newBrowser(t, e)
		entry := b.get(da.VerificationURI)
		wrong := b.submit(e.srv.URL, entry, url.Values{"user_code": {"BBBBBBBBB"}})
		if !strings.Contains(wrong.body, "didn") {
			done <- errf("wrong user code accepted: %s", wrong.body)
			return
		}
		login := b.submit(e.srv.URL, entry, url.Values{"user_code": {strings.ToLower(da.UserCode)}})
		if login.fields.Get("step") != "password" {
			done <- errf("no password page: %s", login.body)
			return
		}
		otpPage := b.submit(e.srv.URL, login, url.Values{"username": {"gina"}, "password": {"gina-password"}})
		if otpPage.fields.Get("step") != "otp" {
			done <- errf("no TOTP page although MFA was demanded: %s", otpPage.body)
			return
		}
		final := b.submit(e.srv.URL, otpPage, url.Values{"otp": {e.freshCode(t, secret)}})
		if !strings.Contains(final.body, "signed in") {
			done <- errf("sign-in not completed: %s", final.body)
			return
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, tok.AccessToken)
	if !reflect.DeepEqual(c["amr"], []any{"pwd", "mfa"}) || !reflect.DeepEqual(c["acrs"], []any{"p1"}) {
		t.Errorf("amr %v acrs %v", c["amr"], c["acrs"])
	}
	// the device code is one-time
	status, _ = e.token(t, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {identity.CLIClientID}, "device_code": {da.DeviceCode}})
	if status != 400 {
		t.Fatalf("device code redeemed twice: %d", status)
	}
}

func TestDeviceCodeExpires(t *testing.T) {
	e := newEnv(t)
	cfg := oauthConfig(e)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.srv.Client())
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(16 * time.Minute)
	status, body := e.token(t, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"},
		"client_id": {identity.CLIClientID}, "device_code": {da.DeviceCode}})
	if status != 400 || body["error"] != "expired_token" || !hasCode(body, 70019) {
		t.Fatalf("%d %v", status, body)
	}
}

type testErr string

func (e testErr) Error() string { return string(e) }

func errf(format string, args ...any) error {
	return testErr(strings.TrimSpace(sprintf(format, args...)))
}
