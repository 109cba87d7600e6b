package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/cli/client"
	"github.com/palisade/palisade/server"
)

// --debug shows requests and responses in azure-core's layout, but never a
// password, TOTP code, client secret, access or refresh token.
func TestDebugRedactsSecrets(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	code := srv.nextCode(t)
	r := mustRun(t, "login", "--server", srv.URL(), "-u", "admin", "-p", tPassword, "--otp", code, "--debug", "-o", "none")
	prof, err := client.LoadProfile()
	if err != nil {
		t.Fatal(err)
	}
	r2 := mustRun(t, "group", "list", "--debug")
	r3 := mustRun(t, "login", "--service-principal", "-u", tClientID, "-p", tSecret, "--debug", "-o", "none")
	all := r.stderr + r2.stderr + r3.stderr
	for _, want := range []string{"DEBUG: Request URL: '" + srv.URL(), "DEBUG: Request method: 'POST'", "DEBUG: Response status: 200",
		"'Authorization': 'REDACTED'", "password=REDACTED", "otp=REDACTED", "client_secret=REDACTED", `"access_token":"REDACTED"`} {
		if !strings.Contains(all, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	for _, secret := range []string{tPassword, "=" + code, tSecret, prof.Token.AccessToken, prof.Token.RefreshToken} {
		if strings.Contains(all, secret) || strings.Contains(all, strings.ReplaceAll(secret, " ", "+")) {
			t.Errorf("debug output shows a secret %.12q…", secret)
		}
	}
	if r := mustRun(t, "group", "list"); r.stderr != "" {
		t.Errorf("without --debug stderr = %q", r.stderr)
	}
}

// An expiring token is renewed silently: with the refresh token for a
// user, with the saved secret for a service principal.
func TestSilentRefresh(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	expire := func() *client.Profile {
		t.Helper()
		p, err := client.LoadProfile()
		if err != nil {
			t.Fatal(err)
		}
		p.Token.ExpiresOn = time.Now().Add(time.Minute) // within the 5-minute margin
		if err := p.Save(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mustRun(t, "login", "--server", srv.URL(), "-u", "admin", "-p", tPassword, "-o", "none")
	before := expire()
	mustRun(t, "group", "list", "-o", "none")
	after, _ := client.LoadProfile()
	if after.Token.AccessToken == before.Token.AccessToken || after.Token.RefreshToken == before.Token.RefreshToken ||
		time.Until(after.Token.ExpiresOn) < 30*time.Minute {
		t.Errorf("the user token was not refreshed (rotated refresh token, new expiry)")
	}

	mustRun(t, "login", "--service-principal", "-u", tClientID, "-p", tSecret, "-o", "none")
	before = expire()
	mustRun(t, "group", "list", "-o", "none")
	after, _ = client.LoadProfile()
	if after.Token.AccessToken == before.Token.AccessToken || time.Until(after.Token.ExpiresOn) < 30*time.Minute {
		t.Errorf("the service principal token was not renewed")
	}

	// A refresh token the server no longer honours asks for a new sign-in.
	mustRun(t, "login", "-u", "admin", "-p", tPassword, "-o", "none")
	p := expire()
	p.Token.RefreshToken = "revoked"
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	if r := pal(t, "group", "list"); r.code != 1 || !strings.Contains(r.stderr, "palisade login") {
		t.Errorf("stale refresh token: exit %d, %q", r.code, r.stderr)
	}

	// A token the server refuses: ARM's error, then what to do.
	p, _ = client.LoadProfile()
	p.Token.AccessToken = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9."
	p.Token.ExpiresOn = time.Now().Add(time.Hour)
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	r := pal(t, "group", "list")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ERROR: (InvalidAuthenticationToken") || !strings.HasSuffix(r.stderr, "Please run 'palisade login' to setup account.\n") {
		t.Errorf("refused token: %+v", r)
	}
}

// Signing in at a terminal asks for the password and the TOTP code; the
// token then carries MFA. account commands show what az shows.
func TestInteractiveLoginAndAccount(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	withTerminal(t, tPassword+"\n"+srv.nextCode(t)+"\n")
	r := mustRun(t, "login", "--server", srv.URL(), "-u", "admin")
	if !strings.Contains(r.stderr, "Password for admin: ") || !strings.Contains(r.stderr, "Authenticator code") {
		t.Errorf("prompts: %q", r.stderr)
	}
	var subs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("login output: %v\n%s", err, r.stdout)
	}
	if subs[0]["id"] != tSub || subs[0]["isDefault"] != true || subs[0]["tenantId"] != tTenant {
		t.Errorf("subscription entry = %v", subs[0])
	}
	if u, _ := subs[0]["user"].(map[string]any); u["name"] != "admin" || u["type"] != "user" {
		t.Errorf("user = %v", subs[0]["user"])
	}

	r = mustRun(t, "account", "get-access-token")
	var tok map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &tok); err != nil {
		t.Fatal(err)
	}
	claims, err := client.TokenClaims(tok["accessToken"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if amr, _ := claims["amr"].([]any); len(amr) != 2 || amr[1] != "mfa" {
		t.Errorf("amr = %v, want [pwd mfa]", claims["amr"])
	}
	if tok["tokenType"] != "Bearer" || tok["subscription"] != tSub || tok["tenant"] != tTenant {
		t.Errorf("get-access-token = %v", tok)
	}

	if r := mustRun(t, "account", "show", "--query", "id", "-o", "tsv"); r.stdout != tSub+"\n" {
		t.Errorf("account show id = %q", r.stdout)
	}
	r = mustRun(t, "account", "list", "-o", "table")
	if !strings.Contains(r.stdout, "SubscriptionId") || !strings.Contains(r.stdout, tSub) {
		t.Errorf("account list table:\n%s", r.stdout)
	}
	mustRun(t, "account", "set", "--subscription", tSub)
	if r := pal(t, "account", "set", "--subscription", "nope"); r.code != 1 || !strings.Contains(r.stderr, "Subscription 'nope' not found") {
		t.Errorf("set unknown: %+v", r)
	}
	r = mustRun(t, "account", "list-locations", "--query", "[?name=='westeurope'].displayName", "-o", "tsv")
	if r.stdout != "West Europe\n" {
		t.Errorf("list-locations = %q", r.stdout)
	}
	mustRun(t, "logout")
	if r := pal(t, "account", "show"); r.code != 1 || !strings.Contains(r.stderr, "palisade login") {
		t.Errorf("after logout: %+v", r)
	}
}

// --verbose adds az's INFO lines on stderr and leaves stdout alone.
func TestVerbose(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "-o", "none")
	quiet := mustRun(t, "monitor", "activity-log", "list", "--max-events", "1")
	loud := mustRun(t, "monitor", "activity-log", "list", "--max-events", "1", "--verbose")
	if !strings.Contains(loud.stderr, "INFO: OData Filter: eventTimestamp ge ") || !strings.Contains(loud.stderr, "INFO: Command ran in ") {
		t.Errorf("verbose stderr = %q", loud.stderr)
	}
	var q, l []any
	if quiet.stderr != "" || json.Unmarshal([]byte(quiet.stdout), &q) != nil || json.Unmarshal([]byte(loud.stdout), &l) != nil || len(q) != len(l) {
		t.Errorf("verbose changed stdout or quiet wrote stderr: %q\n%s\n%s", quiet.stderr, quiet.stdout, loud.stdout)
	}
}

// Signing in to another server starts a new profile (tenant, tokens and
// subscriptions of the old one do not carry over); other commands refuse a
// --server that is not the signed-in one.
func TestSwitchServer(t *testing.T) {
	a, b := startTestServer(t), startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", a.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	if r := pal(t, "group", "list", "--server", b.URL()); r.code != 1 || !strings.Contains(r.stderr, "palisade login --server "+b.URL()) {
		t.Errorf("other server without login: %+v", r)
	}
	mustRun(t, "login", "--server", b.URL(), "-u", "admin", "-p", tPassword, "-o", "none")
	p, err := client.LoadProfile()
	if err != nil || p.Server != b.URL() || p.UserType != "user" || p.Token.ClientSecret != "" {
		t.Errorf("profile after switching: %+v %v", p, err)
	}
	mustRun(t, "group", "list", "-o", "none")
}

// A server with a self-signed certificate: refused without its CA, trusted
// with --ca-file or PALISADE_CA_FILE; PALISADE_SERVER names the server.
func TestSelfSignedServer(t *testing.T) {
	srv := startConfigured(t, t.TempDir(), func(c *server.Config) { c.TLSSelfSigned = true })
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("URL %s", srv.URL())
	}
	cliEnv(t)
	r := pal(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret)
	if r.code != 1 || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("without the CA: %+v", r)
	}
	mustRun(t, "login", "--server", srv.URL(), "--ca-file", srv.TLSFiles().CA, "--service-principal", "-u", tClientID, "-p", tSecret, "-o", "none")
	mustRun(t, "group", "list", "-o", "none") // the CA is remembered

	cliEnv(t)
	t.Setenv(ServerEnv, srv.URL())
	t.Setenv(CAFileEnv, srv.TLSFiles().CA)
	mustRun(t, "login", "--service-principal", "-u", tClientID, "-p", tSecret, "-o", "none")
	t.Setenv(CAFileEnv, "")
	mustRun(t, "group", "create", "-n", "rg-tls", "-l", "eastus", "-o", "none")
}
