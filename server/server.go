// Package server runs `palisade serve`: it opens the store, bootstraps the
// tenant, starts the built-in identity issuer and serves it together with
// the ARM REST API on one listener, over plain HTTP on loopback or HTTPS
// elsewhere.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/portal"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

// DefaultAddr is where `palisade serve` listens by default: loopback only,
// where plain HTTP is allowed.
const DefaultAddr = "127.0.0.1:8080"

// DefaultDataDir is the default data folder.
const DefaultDataDir = "palisade-data"

// Config configures a Server. The zero value serves DefaultAddr from
// DefaultDataDir with a generated tenant.
type Config struct {
	// Addr is HOST:PORT to listen on; port 0 picks a free port.
	Addr string
	// DataDir holds the SQLite database and generated TLS files.
	DataDir string
	// StoreDSN selects the store: empty or "sqlite" for DataDir/palisade.db,
	// a "postgres://" URL for PostgreSQL (see OpenStore).
	StoreDSN string
	// Store, when set, is used instead of opening one; the Server does not
	// close it.
	Store store.Store

	// TLSCert and TLSKey are PEM files; TLSSelfSigned generates a local CA
	// and certificate under DataDir/tls instead. Without either, Addr must
	// be a loopback address.
	TLSCert, TLSKey string
	TLSSelfSigned   bool
	// PublicURL is the externally visible base URL when it differs from
	// the listener's (behind a proxy); it is the token issuer's base.
	PublicURL string

	// Bootstrap values (PALISADE_TENANT_ID, …); generated when empty.
	TenantID, SubscriptionID         string
	AdminClientID, AdminClientSecret string
	AdminPassword, AdminTOTPSecret   string

	// Locations overrides the region list; api.PublicLocations when empty.
	Locations []api.Location
	// ActivityLogRetention is how long activity-log events are kept; 90 days when zero.
	ActivityLogRetention time.Duration
	// ExternalIssuers are further OIDC issuers whose tokens are accepted (an Entra tenant, a
	// company IdP), besides the built-in issuer.
	ExternalIssuers []identity.ExternalIssuer
	// PageSize is the number of items per list page; 100 when zero.
	PageSize int
	// Out receives the first-start report (ids and one-time secrets);
	// os.Stdout when nil.
	Out io.Writer
	// Logger receives operational logs; slog.Default when nil.
	Logger *slog.Logger
	// Now is the clock for tokens; time.Now when nil (tests move it).
	Now func() time.Time
	// Argon2 are the password-hash parameters (tests use cheap ones).
	Argon2 identity.Argon2Params
	// ShutdownTimeout bounds how long Run waits for in-flight requests
	// after its context ends; 30 s when zero.
	ShutdownTimeout time.Duration
}

// Server is a running Palisade: store, identity issuer and ARM API on one
// listener.
type Server struct {
	cfg      Config
	log      *slog.Logger
	st       store.Store
	ownStore bool
	ln       net.Listener
	http     *http.Server
	url      string
	tls      *SelfSignedFiles

	ident    *identity.Service
	verifier *identity.Verifier
	portal   http.Handler
	arm      *api.Handler
	subID    string

	inflight  atomic.Int64
	closeOnce sync.Once
	closeErr  error
}

// New opens the store, bootstraps the tenant on first start, and starts
// listening (so URL is known before Run). Call Run to serve and Close to
// release everything.
func New(cfg Config) (_ *Server, err error) {
	ctx := context.Background()
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", cfg.Addr, err)
	}
	useTLS := cfg.TLSSelfSigned || cfg.TLSCert != "" || cfg.TLSKey != ""
	if !useTLS && !isLoopback(host) {
		return nil, fmt.Errorf("plain HTTP is allowed on loopback addresses only; use --tls-cert/--tls-key or --tls-self-signed to listen on %s", cfg.Addr)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if s.st = cfg.Store; s.st == nil {
		if s.st, err = OpenStore(ctx, cfg.StoreDSN, cfg.DataDir); err != nil {
			return nil, err
		}
		s.ownStore = true
	}

	s.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	var tlsCfg *tls.Config
	if useTLS {
		scheme = "https"
		certFile, keyFile := cfg.TLSCert, cfg.TLSKey
		if cfg.TLSSelfSigned {
			hosts := []string{"localhost", "127.0.0.1", "::1"}
			if host != "" && host != "0.0.0.0" && host != "::" && !contains(hosts, host) {
				hosts = append([]string{host}, hosts...)
			}
			if h, _ := os.Hostname(); h != "" && !contains(hosts, h) {
				hosts = append(hosts, h)
			}
			f, err := ensureSelfSigned(filepath.Join(cfg.DataDir, "tls"), hosts, time.Now())
			if err != nil {
				return nil, fmt.Errorf("self-signed certificate: %w", err)
			}
			s.tls, certFile, keyFile = &f, f.Cert, f.Key
		}
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	s.url = strings.TrimSuffix(cfg.PublicURL, "/")
	if s.url == "" {
		s.url = scheme + "://" + urlHost(host, s.ln.Addr().(*net.TCPAddr).Port)
	}

	if err := s.bootstrap(ctx); err != nil {
		return nil, err
	}
	pt, err := portal.New(portal.Config{API: s.arm, Identity: s.ident, Store: s.st, SubscriptionID: s.subID,
		SecureCookies: useTLS, Logger: s.log, Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	s.portal = pt.Handler()
	// No ServeMux in front: it answers a path that is not clean (an empty
	// segment, "." or "..") with a redirect to the cleaned path, which a
	// client follows with its PUT or DELETE; ARM does not, and an id with
	// an empty segment must be refused (the API names the bad segment).
	s.http = &http.Server{Handler: s.count(s.route(s.ident.Handler())), TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	return s, nil
}

// route sends the identity issuer's paths ({tenant}/oauth2/…,
// {tenant}/v2.0/…, {tenant}/discovery/…) to the issuer, /metadata/endpoints
// to the cloud description and everything else to the ARM API.
func (s *Server) route(idh http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "//") {
			// A client joining an endpoint that ends in "/" (as the cloud
			// description's do) with a path that starts with one sends
			// "//subscriptions/…": served as the path it meant.
			r.URL.Path = "/" + strings.TrimLeft(r.URL.Path, "/")
			r.URL.RawPath = ""
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		first, rest, _ := strings.Cut(p, "/")
		if rest != "" && (strings.EqualFold(first, s.ident.TenantID()) || first == "common" || first == "organizations") {
			seg, _, _ := strings.Cut(rest, "/")
			if seg == "oauth2" || seg == "v2.0" || seg == "discovery" {
				idh.ServeHTTP(w, r)
				return
			}
		}
		if s.portal != nil && (strings.HasPrefix(p, "portal/") || p == "portal") {
			s.portal.ServeHTTP(w, r)
			return
		}
		if p == "" && r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			// A browser opening the server's address lands in the portal.
			http.Redirect(w, r, portal.DefaultPrefix, http.StatusFound)
			return
		}
		if p == "metadata/endpoints" {
			s.serveMetadata(w, r)
			return
		}
		s.arm.ServeHTTP(w, r)
	})
}

// count tracks requests being handled, for drain.
func (s *Server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// serveMetadata answers the cloud-endpoints document Terraform and the
// Azure CLI read to configure a custom cloud.
func (s *Server) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	api.WriteJSON(w, http.StatusOK, map[string]any{
		"name":            "Palisade",
		"resourceManager": s.url + "/",
		"authentication": map[string]any{
			"loginEndpoint":    s.url + "/",
			"audiences":        []string{identity.AudienceManagementCore, identity.AudienceManagementAzure},
			"tenant":           "common",
			"identityProvider": "AAD",
		},
		"suffixes": map[string]any{},
	})
}

// Run serves until ctx ends, then shuts down gracefully: the listener
// closes, in-flight requests finish (up to ShutdownTimeout), so every
// acknowledged write is committed, and the store is closed.
func (s *Server) Run(ctx context.Context) error {
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	go s.background(jobs)
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.http.TLSConfig != nil {
			err = s.http.ServeTLS(s.ln, "", "")
		} else {
			err = s.http.Serve(s.ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return errors.Join(err, s.Close())
	case <-ctx.Done():
	}
	return errors.Join(s.drain(), <-errc, s.Close())
}

// drain stops accepting connections and waits until no request is being
// handled (or ShutdownTimeout passes). http.Server.Shutdown alone would
// also wait up to 5 s for connections a client opened but never used;
// those carry no request, so they are closed as soon as the handlers are
// done.
func (s *Server) drain() error {
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.http.Shutdown(sctx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil && s.inflight.Load() == 0 {
				return nil // only unused connections were left
			}
			if err != nil {
				return fmt.Errorf("shutdown with %d requests still running: %w", s.inflight.Load(), err)
			}
			return nil
		case <-tick.C:
			if s.inflight.Load() == 0 {
				cancel()
			}
		}
	}
}

// Close stops listening and closes the store if the Server opened it.
// Prefer cancelling Run's context, which lets requests finish first.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.http != nil {
			s.closeErr = s.http.Close()
		} else if s.ln != nil {
			s.closeErr = s.ln.Close()
		}
		if s.ownStore && s.st != nil {
			s.closeErr = errors.Join(s.closeErr, s.st.Close())
		}
	})
	return s.closeErr
}

// URL is the server's base URL ("https://127.0.0.1:8443"): the ARM
// endpoint and the identity authority host.
func (s *Server) URL() string { return s.url }

// TLSFiles returns the generated CA and certificate files, or nil unless
// TLSSelfSigned.
func (s *Server) TLSFiles() *SelfSignedFiles { return s.tls }

// TenantID returns the tenant id.
func (s *Server) TenantID() string { return s.ident.TenantID() }

// SubscriptionID returns the bootstrap subscription id.
func (s *Server) SubscriptionID() string { return s.subID }

// API returns the ARM handler, to register provider handlers on it
// (api.Handler.SetPolicyHandlers) before Run.
func (s *Server) API() *api.Handler { return s.arm }

// Identity returns the built-in issuer.
func (s *Server) Identity() *identity.Service { return s.ident }

// Store returns the store.
func (s *Server) Store() store.Store { return s.st }

// OpenStore opens the store a DSN names: "" or "sqlite" for the SQLite
// database in dataDir, "sqlite:DIR" for one in DIR, "postgres://…" or
// "postgresql://…" for PostgreSQL.
func OpenStore(ctx context.Context, dsn, dataDir string) (store.Store, error) {
	switch {
	case dsn == "" || dsn == "sqlite":
		st, err := sqlite.Open(dataDir)
		if err != nil {
			return nil, fmt.Errorf("open SQLite store in %s: %w", dataDir, err)
		}
		return st, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		dir := strings.TrimPrefix(dsn, "sqlite:")
		st, err := sqlite.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("open SQLite store in %s: %w", dir, err)
		}
		return st, nil
	case isPostgres(dsn):
		return openPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("--store %q: want sqlite, sqlite:DIR or a postgres:// URL", dsn)
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func urlHost(host string, port int) string {
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(port))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
