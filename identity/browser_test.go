package identity_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser drives the server-rendered sign-in pages like a person with a
// cookie-keeping browser would.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T, e *env) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base := e.srv.Client()
	return &browser{t: t, client: &http.Client{Transport: base.Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a fetched page: status, body, redirect target and the form.
type page struct {
	status   int
	body     string
	location string
	action   string
	fields   url.Values
}

var (
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
)

func (b *browser) read(resp *http.Response, err error) page {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), fields: url.Values{}}
	for _, m := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		p.fields.Set(m[1], html.UnescapeString(m[2]))
	}
	if m := actionRE.FindStringSubmatch(p.body); m != nil {
		p.action = html.UnescapeString(m[1])
	}
	return p
}

func (b *browser) get(u string) page { return b.read(b.client.Get(u)) }

// submit posts the page's form with its hidden fields plus extra.
func (b *browser) submit(base string, p page, extra url.Values) page {
	b.t.Helper()
	if p.action == "" {
		b.t.Fatalf("page has no form: %s", p.body)
	}
	f := url.Values{}
	for k, v := range p.fields {
		f[k] = v
	}
	for k, v := range extra {
		f[k] = v
	}
	target := p.action
	if strings.HasPrefix(target, "/") {
		target = base + target
	}
	return b.read(b.client.PostForm(target, f))
}
