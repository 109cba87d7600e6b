package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/portal"
)

// forms are every form the portal serves: the page it is on and what it
// sends. Each must refuse a missing or wrong CSRF token.
var forms = []struct {
	name, page, action string
	form               url.Values
	signedIn           bool
}{
	{"sign-in", "/portal/signin", "/portal/signin", url.Values{"username": {"admin"}, "password": {adminPassword}}, false},
	{"second factor", "/portal/signin", "/portal/signin/verify", url.Values{"code": {"123456"}}, false},
	{"sign-out", "/portal/", "/portal/signout", url.Values{}, true},
	{"step-up", "/portal/stepup", "/portal/stepup", url.Values{"password": {adminPassword}}, true},
	{"assign policy", "/portal/assign", "/portal/assign", url.Values{"action": {"create"}, "scope": {"/subscriptions/" + testSub},
		"definitionId": {"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"}, "displayName": {"x"}, "name": {"csrf-probe"}}, true},
	{"delete assignment", "/portal/assignments", "/portal/assignment/delete", url.Values{"id": {"/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyAssignments/x"}}, true},
	{"create resource group", "/portal/resourcegroups", "/portal/resourcegroups", url.Values{"name": {"rg-csrf"}, "location": {"eastus"}}, true},
	{"create resource", "/portal/resources/new", "/portal/resources", url.Values{"resourceGroup": {"rg-csrf"}, "type": {"Microsoft.Storage/storageAccounts"}, "name": {"x"}}, true},
	{"delete resource", "/portal/resources", "/portal/resources/delete", url.Values{"id": {"/subscriptions/" + testSub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"}}, true},
}

func TestFormsRejectMissingOrWrongCSRF(t *testing.T) {
	s := startStack(t)
	admin := s.browser(t)
	admin.signIn(s, "admin", adminPassword, adminTOTP)
	anon := s.browser(t)
	anon.get("/portal/signin") // a pre-sign-in session with its own token
	for _, f := range forms {
		b := anon
		if f.signedIn {
			b = admin
		}
		for _, tok := range []struct{ name, value string }{{"missing", ""}, {"wrong", "not-the-token"}, {"other session's", anon.csrf("/portal/signin")}} {
			if b == anon && tok.name == "other session's" {
				tok.value = admin.csrf("/portal/")
			}
			t.Run(f.name+"/"+tok.name, func(t *testing.T) {
				form := url.Values{}
				for k, v := range f.form {
					form[k] = v
				}
				if tok.value != "" {
					form.Set("csrf", tok.value)
				}
				pg := b.do(http.MethodPost, f.action, form)
				if pg.Status != http.StatusForbidden || !strings.Contains(pg.Body, "CSRF") {
					t.Fatalf("POST %s with %s token: %d, want 403 naming CSRF", f.action, tok.name, pg.Status)
				}
			})
		}
	}
	// Nothing was created and the admin is still signed in.
	if pg := admin.get("/portal/resourcegroups"); pg.Status != http.StatusOK || strings.Contains(pg.Body, "rg-csrf") {
		t.Fatalf("after refused forms: %d, rg-csrf present: %v", pg.Status, strings.Contains(pg.Body, "rg-csrf"))
	}
	if pg := admin.get("/portal/assignments"); strings.Contains(pg.Body, "csrf-probe") {
		t.Fatalf("a refused form created an assignment")
	}
}

func TestPagesNeedASession(t *testing.T) {
	s := startStack(t)
	b := s.browser(t)
	for _, path := range []string{"/portal/", "/portal/definitions", "/portal/definition?id=x", "/portal/assignments",
		"/portal/assignment?id=x", "/portal/assign", "/portal/activity", "/portal/resourcegroups", "/portal/resources",
		"/portal/resources/new", "/portal/stepup"} {
		pg := b.get(path)
		if pg.Status != http.StatusSeeOther || !strings.HasPrefix(pg.Location, "/portal/signin?next=") {
			t.Errorf("GET %s without a session: %d to %q, want 303 to the sign-in page", path, pg.Status, pg.Location)
		}
	}
	// Forms without a session are refused too (signed-in forms answer 401).
	for _, f := range forms {
		if !f.signedIn {
			continue
		}
		if pg := b.do(http.MethodPost, f.action, f.form); pg.Status != http.StatusUnauthorized && pg.Status != http.StatusForbidden {
			t.Errorf("POST %s without a session: %d", f.action, pg.Status)
		}
	}
	// After sign-out the old cookie no longer opens pages.
	b.signIn(s, "admin", adminPassword, adminTOTP)
	if pg := b.get("/portal/"); pg.Status != http.StatusOK {
		t.Fatalf("overview after sign-in: %d", pg.Status)
	}
	b.post("/portal/", "/portal/signout", url.Values{})
	if pg := b.get("/portal/"); pg.Status != http.StatusSeeOther {
		t.Fatalf("overview after sign-out: %d", pg.Status)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	s := startStack(t)
	resp, err := http.Get(s.web.URL + "/portal/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"palisade_portal=", "Path=/portal/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %s", c, want)
		}
	}
	if strings.Contains(c, "Secure") {
		t.Errorf("plain-HTTP cookie is marked Secure: %q", c)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	// Under TLS (or SecureCookies) the cookie is Secure.
	p, err := portal.New(portal.Config{API: s.srv.API(), Identity: s.srv.Identity(), SecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r, _ := http.NewRequest(http.MethodGet, "http://x/portal/signin", nil)
	p.Handler().ServeHTTP(w, r)
	if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("SecureCookies cookie %q is not Secure", c)
	}
}

func TestWrongPasswordAndCode(t *testing.T) {
	s := startStack(t)
	b := s.browser(t)
	pg := b.post("/portal/signin", "/portal/signin", url.Values{"username": {"admin"}, "password": {"wrong"}})
	if pg.Status != http.StatusUnauthorized || !strings.Contains(pg.Body, `id="signin-error"`) {
		t.Fatalf("wrong password: %d %s", pg.Status, pg.Body)
	}
	pg = b.post("/portal/signin", "/portal/signin", url.Values{"username": {"admin"}, "password": {adminPassword}})
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("password: %d", pg.Status)
	}
	pg = b.post("/portal/signin/verify", "/portal/signin/verify", url.Values{"code": {"000000"}})
	if pg.Status != http.StatusUnauthorized || !strings.Contains(pg.Body, `id="signin-error"`) {
		t.Fatalf("wrong code: %d %s", pg.Status, pg.Body)
	}
	if pg = b.get("/portal/"); pg.Status != http.StatusSeeOther {
		t.Fatalf("a wrong code signed the user in: %d", pg.Status)
	}
}

// TestTokenRefreshedWhenExpired moves the clock past the access token's
// lifetime: the next page refreshes the token with the refresh token
// instead of sending the user back to sign in.
func TestTokenRefreshedWhenExpired(t *testing.T) {
	s := startStack(t, func(c *portal.Config) { c.IdleTimeout = 24 * time.Hour })
	b := s.browser(t)
	b.signIn(s, "admin", adminPassword, adminTOTP)
	before := s.portal.TestSessionToken("admin")
	s.clock.Advance(3 * time.Hour)
	if pg := b.get("/portal/assignments"); pg.Status != http.StatusOK {
		t.Fatalf("page after the token expired: %d %s", pg.Status, pg.Location)
	}
	after := s.portal.TestSessionToken("admin")
	if after == "" || after == before {
		t.Fatalf("the access token was not refreshed")
	}
}

// TestUserWithoutRoleSeesNoAccess: a signed-in user without a role on the
// subscription gets ARM's refusal as a 403 page, not the store's lists.
func TestUserWithoutRoleSeesNoAccess(t *testing.T) {
	s := startStack(t)
	if _, err := s.srv.Identity().CreateUser(context.Background(), "norole", "No Role", userPassword); err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.signIn(s, "norole", userPassword, "")
	for _, path := range []string{"/portal/assignments", "/portal/resources", "/portal/resourcegroups"} {
		pg := b.get(path)
		if pg.Status != http.StatusForbidden || !strings.Contains(pg.Body, "No access") {
			t.Errorf("GET %s as a user without a role: %d, want 403 No access", path, pg.Status)
		}
	}
}
