package portal_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/portal"
	"github.com/palisade/palisade/server"
)

const (
	testTenant    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testSub       = portal.TestSub
	adminPassword = "correct horse battery staple"
	// adminTOTP is the administrator's fixed authenticator seed.
	adminTOTP    = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	userPassword = "a long password for the second user"
)

// clock is real time plus an offset a test moves forward, so that each
// TOTP code a test sends falls in a fresh 30-second step.
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

// stack is a running server with the portal served beside it.
type stack struct {
	srv    *server.Server
	portal *portal.Portal
	web    *httptest.Server
	clock  *clock
}

// startStack starts server.New on a free port with fixed bootstrap values
// and serves the portal and the server's handlers from one test server:
// the portal's prefix to the portal, the issuer's paths to the issuer and
// everything else to the ARM API.
func startStack(t testing.TB, mod ...func(*portal.Config)) *stack {
	t.Helper()
	c := &clock{}
	srv, err := server.New(server.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), TenantID: testTenant, SubscriptionID: testSub,
		AdminPassword: adminPassword, AdminTOTPSecret: adminTOTP, Out: io.Discard,
		Argon2: identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, Now: c.Now,
		ShutdownTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	cfg := portal.Config{API: srv.API(), Identity: srv.Identity(), Store: srv.Store(), SubscriptionID: srv.SubscriptionID(), Now: c.Now}
	for _, m := range mod {
		m(&cfg)
	}
	p, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(portal.DefaultPrefix, p.Handler())
	mux.Handle("/", srv.API())
	web := httptest.NewServer(mux)
	t.Cleanup(func() {
		web.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server Run: %v", err)
		}
	})
	return &stack{srv: srv, portal: p, web: web, clock: c}
}

// code returns the current TOTP code for a seed after moving the clock to
// a fresh step (codes cannot be replayed).
func (s *stack) code(t testing.TB, secret string) string {
	t.Helper()
	s.clock.Advance(31 * time.Second)
	c, err := totp.GenerateCodeCustom(secret, s.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (s *stack) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.web.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one response.
type page struct {
	Status   int
	Location string
	Body     string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, resp.Body)
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: buf.String()}
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) page {
	b.t.Helper()
	form.Set("csrf", b.csrf(from))
	return b.do(http.MethodPost, path, form)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a page's forms.
func (b *browser) csrf(from string) string {
	b.t.Helper()
	pg := b.get(from)
	m := csrfRE.FindStringSubmatch(pg.Body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s (%d): %.400s", from, pg.Status, pg.Body)
	}
	return m[1]
}

// signIn signs a user in with password and, when secret is set, a TOTP
// code; without it the user skips enrolment.
func (b *browser) signIn(s *stack, user, password, secret string) {
	b.t.Helper()
	pg := b.post("/portal/signin", "/portal/signin", url.Values{"username": {user}, "password": {password}})
	if pg.Status != http.StatusSeeOther {
		b.t.Fatalf("sign-in password step: %d %.600s", pg.Status, pg.Body)
	}
	form := url.Values{}
	if secret != "" {
		form.Set("code", s.code(b.t, secret))
	} else {
		form.Set("skip", "1")
	}
	pg = b.post("/portal/signin/verify", "/portal/signin/verify", form)
	if pg.Status != http.StatusSeeOther {
		b.t.Fatalf("sign-in second step: %d %.600s", pg.Status, pg.Body)
	}
}
