package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/identity/memdir"
)

const testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// clock is real time plus an offset tests can move forward, so real
// clients (which use time.Now) and the service agree until a test jumps.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// recorder collects sign-in events.
type recorder struct {
	mu     sync.Mutex
	events []identity.SignInEvent
}

func (r *recorder) RecordSignIn(_ context.Context, ev identity.SignInEvent) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) identity.SignInEvent {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		t.Fatal("no sign-in event recorded")
	}
	return r.events[len(r.events)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// spyDirectory records the JSON of everything written to the directory so
// tests can check that no secret is stored in clear.
type spyDirectory struct {
	*memdir.Directory
	mu     sync.Mutex
	writes []string
}

func (d *spyDirectory) PutUser(ctx context.Context, u *identity.User) error {
	b, _ := json.Marshal(u)
	d.mu.Lock()
	d.writes = append(d.writes, string(b))
	d.mu.Unlock()
	return d.Directory.PutUser(ctx, u)
}

func (d *spyDirectory) PutServicePrincipal(ctx context.Context, sp *identity.ServicePrincipal) error {
	b, _ := json.Marshal(sp)
	d.mu.Lock()
	d.writes = append(d.writes, string(b))
	d.mu.Unlock()
	return d.Directory.PutServicePrincipal(ctx, sp)
}

// env is a running issuer behind an HTTPS test server.
type env struct {
	svc   *identity.Service
	srv   *httptest.Server
	dir   *spyDirectory
	keys  *memdir.KeyStore
	clock *clock
	rec   *recorder
	ver   *identity.Verifier
}

// cheapArgon keeps password hashing fast in tests.
var cheapArgon = identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func newEnv(t testing.TB, mod ...func(*identity.Config)) *env {
	t.Helper()
	e := &env{dir: &spyDirectory{Directory: memdir.NewDirectory()}, keys: &memdir.KeyStore{}, clock: &clock{}, rec: &recorder{}}
	var h http.Handler
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := identity.Config{
		TenantID: testTenant, BaseURL: e.srv.URL, Directory: e.dir, Values: memdir.NewValues(e.clock.Now),
		Keys: e.keys, Recorder: e.rec, Now: e.clock.Now, Argon2: cheapArgon, DevicePollInterval: time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	svc, err := identity.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc, h = svc, svc.Handler()
	e.ver, err = identity.NewVerifier(identity.VerifierConfig{Builtin: svc, Recorder: e.rec, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) url(path string) string { return e.srv.URL + "/" + testTenant + path }

// postForm posts to the token endpoint and decodes the JSON answer.
func (e *env) token(t testing.TB, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := e.srv.Client().PostForm(e.url("/oauth2/v2.0/token"), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("token response %d is not JSON: %s", resp.StatusCode, body)
	}
	return resp.StatusCode, m
}

// userWithTOTP creates a user and confirms a TOTP authenticator, returning
// the seed.
func (e *env) userWithTOTP(t *testing.T, name, password string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := e.svc.CreateUser(ctx, name, strings.ToUpper(name), password); err != nil {
		t.Fatal(err)
	}
	enr, err := e.svc.EnrollTOTP(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	// confirm with the previous step's code so the current step stays
	// unused for the test itself
	if err := e.svc.ConfirmTOTP(ctx, name, totpAt(t, enr.Secret, e.clock.Now().Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	return enr.Secret
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// claimsOf decodes a JWT payload without verifying it.
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const armScope = "https://management.core.windows.net//.default"

func passwordForm(user, pass, code, claims string) url.Values {
	f := url.Values{"grant_type": {"password"}, "client_id": {identity.CLIClientID}, "username": {user},
		"password": {pass}, "scope": {armScope + " offline_access openid"}}
	if code != "" {
		f.Set("otp", code)
	}
	if claims != "" {
		f.Set("claims", claims)
	}
	return f
}

func errorCodes(m map[string]any) []any { c, _ := m["error_codes"].([]any); return c }

func hasCode(m map[string]any, code float64) bool {
	for _, c := range errorCodes(m) {
		if c == code {
			return true
		}
	}
	return false
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// freshCode moves the clock to the next TOTP step and returns its code, so
// every use in a test is a code that has not been used before.
func (e *env) freshCode(t *testing.T, secret string) string {
	t.Helper()
	e.clock.Advance(30 * time.Second)
	return totpAt(t, secret, e.clock.Now())
}
