package cli

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// signInPage drives the server's sign-in pages as a person with a browser
// would: it keeps cookies, submits each form with its hidden fields and
// stops at redirects.
type signInPage struct {
	t      *testing.T
	client *http.Client
	base   string
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

func newSignInPage(t *testing.T, base string) *signInPage {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &signInPage{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// form is a fetched page's form, or its redirect.
type form struct {
	action, location, body string
	fields                 url.Values
}

func (b *signInPage) read(resp *http.Response, err error) (form, error) {
	if err != nil {
		return form{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	f := form{body: string(body), location: resp.Header.Get("Location"), fields: url.Values{}}
	for _, m := range hiddenField.FindAllStringSubmatch(f.body, -1) {
		f.fields.Set(m[1], html.UnescapeString(m[2]))
	}
	if m := formAction.FindStringSubmatch(f.body); m != nil {
		f.action = html.UnescapeString(m[1])
	}
	return f, nil
}

func (b *signInPage) submit(f form, extra url.Values) (form, error) {
	v := url.Values{}
	for k, x := range f.fields {
		v[k] = x
	}
	for k, x := range extra {
		v[k] = x
	}
	target := f.action
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	return b.read(b.client.PostForm(target, v))
}

// signIn fills the password page and, when one follows, the TOTP page.
func (b *signInPage) signIn(start form, code string) (form, error) {
	f, err := b.submit(start, url.Values{"username": {"admin"}, "password": {tPassword}})
	if err != nil || f.fields.Get("step") != "otp" {
		return f, err
	}
	return b.submit(f, url.Values{"otp": {code}})
}

// lineWriter is a concurrency-safe stderr that hands each written chunk
// to a channel, so that a test can act on a message while the command
// waits.
type lineWriter struct {
	mu  sync.Mutex
	buf strings.Builder
	ch  chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.ch <- string(p):
	default:
	}
	return len(p), nil
}

// The device code flow: the CLI prints the page and code, polls, and saves
// the token once the user has signed in (with a second factor) elsewhere.
func TestLoginDeviceCode(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	code := srv.nextCode(t)
	stderr := &lineWriter{ch: make(chan string, 16)}
	done := make(chan int, 1)
	var stdout strings.Builder
	go func() {
		done <- Main([]string{"login", "--server", srv.URL(), "--use-device-code", "-o", "none"}, &stdout, stderr)
	}()
	msgRE := regexp.MustCompile(`open the page (\S+) and enter the code (\S+) to authenticate`)
	var m []string
	for m == nil {
		select {
		case s := <-stderr.ch:
			m = msgRE.FindStringSubmatch(s)
		case c := <-done:
			t.Fatalf("login ended (%d) before showing a code: %s", c, stderr.buf.String())
		}
	}
	b := newSignInPage(t, srv.URL())
	entry, err := b.read(b.client.Get(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	start, err := b.submit(entry, url.Values{"user_code": {m[2]}})
	if err != nil {
		t.Fatal(err)
	}
	final, err := b.signIn(start, code)
	if err != nil || !strings.Contains(final.body, "signed in") {
		t.Fatalf("device sign-in page: %v %s", err, final.body)
	}
	if c := <-done; c != 0 {
		t.Fatalf("login --use-device-code: exit %d: %s", c, stderr.buf.String())
	}
	if r := mustRun(t, "account", "show", "--query", "user.name", "-o", "tsv"); !strings.HasPrefix(r.stdout, "admin") {
		t.Errorf("signed-in user = %q", r.stdout)
	}
	mustRun(t, "group", "list", "-o", "none")
}

// The browser flow: authorization code with PKCE to a loopback redirect.
func TestLoginBrowser(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	code := srv.nextCode(t)
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	var authorizeURL string
	errc := make(chan error, 1)
	openBrowser = func(u string) error {
		authorizeURL = u
		go func() {
			b := newSignInPage(t, srv.URL())
			start, err := b.read(b.client.Get(u))
			if err != nil {
				errc <- err
				return
			}
			f, err := b.signIn(start, code)
			if err != nil {
				errc <- err
				return
			}
			if f.location == "" {
				errc <- io.ErrUnexpectedEOF
				return
			}
			_, err = b.read(b.client.Get(f.location)) // the loopback redirect with the code
			errc <- err
		}()
		return nil
	}
	r := mustRun(t, "login", "--server", srv.URL(), "-o", "none")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(authorizeURL)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("code_challenge") == "" ||
		!strings.HasPrefix(q.Query().Get("redirect_uri"), "http://localhost:") {
		t.Errorf("authorize URL lacks PKCE or a loopback redirect: %s", authorizeURL)
	}
	if !strings.Contains(r.stderr, "web browser has been opened") {
		t.Errorf("stderr = %q", r.stderr)
	}
	mustRun(t, "group", "list", "-o", "none")
}
