// Package portal is Palisade's web UI: the Azure portal's Policy blades
// (overview, definitions, assignments with the Assign policy wizard), the
// activity log and resource groups and resources, served by `palisade
// serve` itself from server-rendered html/template pages with small
// hand-written scripts and CSS embedded in the binary.
//
// The portal signs users in against the built-in identity issuer in-process
// (password, then a TOTP code or enrolment of an authenticator) and keeps
// their tokens on the server; the browser holds only an HttpOnly session
// cookie. Every read and write goes through the ARM API handler in-process
// with the signed-in user's bearer token, so role checks, policy
// enforcement and the activity log apply exactly as for any other client.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultPrefix is the path the portal is served under by default.
const DefaultPrefix = "/portal/"

// Config configures a Portal.
type Config struct {
	// API is the ARM REST handler (server.Server.API()); every read and
	// write is sent to it in-process with the user's token. Required.
	API http.Handler
	// Identity is the built-in issuer users sign in against. Required.
	Identity *identity.Service
	// Prefix is the path the portal is mounted under; DefaultPrefix when
	// empty. It must start and end with "/".
	Prefix string
	// Store, when set, serves the lists of large collections (assignments,
	// resource groups, resources) directly, after ARM has confirmed that
	// the user can read the subscription; see reads.go. Writes always go
	// through API.
	Store store.Store
	// SubscriptionID is the subscription pages open on; the first one the
	// user can see when empty.
	SubscriptionID string
	// SecureCookies forces the Secure attribute on the session cookie; it
	// is set anyway on requests that arrived over TLS.
	SecureCookies bool
	// IdleTimeout ends a session unused this long (1 h when zero);
	// Lifetime ends any session this old (12 h when zero).
	IdleTimeout, Lifetime time.Duration
	// Logger receives internal errors; slog.Default when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Portal is the web UI. It is safe for concurrent use.
type Portal struct {
	cfg      Config
	log      *slog.Logger
	sessions *sessions
	pages    map[string]*template.Template
	mux      *http.ServeMux
	cache    policyCache
	sums     summaries

	locMu     sync.Mutex
	locations map[string][]location // by subscription
}

// New checks cfg, parses the embedded templates and returns the portal.
func New(cfg Config) (*Portal, error) {
	if cfg.API == nil || cfg.Identity == nil {
		return nil, errors.New("portal: Config.API and Config.Identity are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(cfg.Prefix, "/") || !strings.HasSuffix(cfg.Prefix, "/") {
		return nil, fmt.Errorf("portal: Config.Prefix %q must start and end with '/'", cfg.Prefix)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = time.Hour
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Portal{cfg: cfg, log: cfg.Logger, sessions: newSessions(cfg.IdleTimeout, cfg.Lifetime, cfg.Now)}
	if p.log == nil {
		p.log = slog.Default()
	}
	if err := p.parseTemplates(); err != nil {
		return nil, err
	}
	if cfg.Store != nil {
		p.cache.warm = func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := p.storeAssignments(ctx); err != nil {
				p.log.Warn("portal: load policy assignments", "err", err)
			}
		}
		cfg.Store.Subscribe(p.cache.invalidate)
		p.cache.mu.Lock()
		p.cache.startWarm()
		p.cache.mu.Unlock()
	}
	p.routes()
	return p, nil
}

// Handler serves the portal. Mount it at Config.Prefix:
//
//	mux.Handle("/portal/", p.Handler())
func (p *Portal) Handler() http.Handler { return p.mux }

// Prefix is the path the portal is served under.
func (p *Portal) Prefix() string { return p.cfg.Prefix }

// handlerFunc is a page handler for a signed-in user.
type handlerFunc func(w http.ResponseWriter, r *http.Request, se *session)

// routes registers every page.
func (p *Portal) routes() {
	m := http.NewServeMux()
	pre := p.cfg.Prefix
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET "+pre+"static/", http.StripPrefix(pre+"static/", cacheStatic(http.FileServerFS(static))))

	m.HandleFunc("GET "+pre+"signin", p.anon(p.signInPage))
	m.HandleFunc("POST "+pre+"signin", p.anonPost(p.signInPost))
	m.HandleFunc("GET "+pre+"signin/verify", p.anon(p.verifyPage))
	m.HandleFunc("POST "+pre+"signin/verify", p.anonPost(p.verifyPost))
	m.HandleFunc("GET "+pre+"signin/qr.png", p.anon(p.enrolQR))
	m.HandleFunc("POST "+pre+"signout", p.post(p.signOut))
	m.HandleFunc("GET "+pre+"stepup", p.page(p.stepUpPage))
	m.HandleFunc("POST "+pre+"stepup", p.post(p.stepUpPost))

	m.HandleFunc("GET "+pre+"{$}", p.page(p.overview))
	m.HandleFunc("GET "+pre+"definitions", p.page(p.definitions))
	m.HandleFunc("GET "+pre+"definition", p.page(p.definitionDetail))
	m.HandleFunc("GET "+pre+"assignments", p.page(p.assignments))
	m.HandleFunc("GET "+pre+"assignment", p.page(p.assignmentDetail))
	m.HandleFunc("GET "+pre+"assign", p.page(p.wizardPage))
	m.HandleFunc("POST "+pre+"assign", p.post(p.wizardPost))
	m.HandleFunc("POST "+pre+"assignment/delete", p.post(p.assignmentDelete))
	m.HandleFunc("GET "+pre+"activity", p.page(p.activity))
	m.HandleFunc("GET "+pre+"resourcegroups", p.page(p.resourceGroups))
	m.HandleFunc("POST "+pre+"resourcegroups", p.post(p.resourceGroupCreate))
	m.HandleFunc("GET "+pre+"resources", p.page(p.resources))
	m.HandleFunc("GET "+pre+"resources/new", p.page(p.resourceNewPage))
	m.HandleFunc("POST "+pre+"resources", p.post(p.resourceCreate))
	m.HandleFunc("POST "+pre+"resources/delete", p.post(p.resourceDelete))
	m.HandleFunc(pre, func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, nil, http.StatusNotFound, "Not found", "There is no portal page at "+r.URL.Path+".")
	})
	p.mux = m
}

// cacheStatic lets browsers keep the embedded files for a day.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// secure reports whether cookies set for r get the Secure attribute.
func (p *Portal) secure(r *http.Request) bool { return p.cfg.SecureCookies || r.TLS != nil }

// securityHeaders are sent with every page.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// page wraps a GET handler that needs a signed-in user; others are sent
// to the sign-in page and come back afterwards.
func (p *Portal) page(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		se := p.sessions.get(r)
		if se == nil || se.user == "" {
			http.Redirect(w, r, p.cfg.Prefix+"signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !p.ensureToken(r, se) {
			http.Redirect(w, r, p.cfg.Prefix+"signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, se)
	}
}

// post wraps a form handler that needs a signed-in user and a valid CSRF
// token.
func (p *Portal) post(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		se := p.sessions.get(r)
		if se == nil || se.user == "" {
			p.renderError(w, r, nil, http.StatusUnauthorized, "Signed out", "Your session has ended. Sign in again.")
			return
		}
		if !csrfOK(se, r) {
			p.renderError(w, r, se, http.StatusForbidden, "Form expired", "The form was not sent from this session (missing or wrong CSRF token). Reload the page and try again.")
			return
		}
		if !p.ensureToken(r, se) {
			http.Redirect(w, r, p.cfg.Prefix+"signin", http.StatusSeeOther)
			return
		}
		h(w, r, se)
	}
}

// anon wraps a sign-in page: it needs a session (created on the spot) for
// its CSRF token, but no user.
func (p *Portal) anon(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		se := p.sessions.get(r)
		if se == nil {
			se = p.sessions.create(w, r, p.cfg.Prefix, p.secure(r), nil)
		}
		h(w, r, se)
	}
}

// anonPost wraps a sign-in form: the session must exist and the CSRF token
// match.
func (p *Portal) anonPost(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		se := p.sessions.get(r)
		if !csrfOK(se, r) {
			p.renderError(w, r, nil, http.StatusForbidden, "Form expired", "The form was not sent from this session (missing or wrong CSRF token). Reload the page and try again.")
			return
		}
		h(w, r, se)
	}
}
