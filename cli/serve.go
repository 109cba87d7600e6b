package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/server"
)

// serveEnv are the environment variables that fix bootstrap values.
var serveEnv = []string{"PALISADE_TENANT_ID", "PALISADE_SUBSCRIPTION_ID", "PALISADE_ADMIN_CLIENT_ID",
	"PALISADE_ADMIN_CLIENT_SECRET", "PALISADE_ADMIN_PASSWORD", "PALISADE_ADMIN_TOTP_SECRET"}

// serveGCPercent is the garbage collector's target for `palisade serve`
// when GOGC is not set.
const serveGCPercent = 300

func newServeCommand() *cobra.Command {
	var cfg server.Config
	var locations, retention, debugAddr string
	var trustIssuers []string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the Palisade server: ARM API, Azure Policy and the built-in sign-in",
		Long: `Run the Palisade server. On first start it creates the tenant, its root management group,
a subscription, an administrator service principal and the user 'admin', and prints their ids and
one-time secrets. These environment variables fix the generated values:
  ` + strings.Join(serveEnv, "\n  ") + `

Plain HTTP is allowed on loopback addresses only; any other address needs --tls-cert/--tls-key or
--tls-self-signed (which writes a local CA to DATA/tls/ca.pem for clients to trust).
SIGINT or SIGTERM stops the server after in-flight requests finish.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg.TenantID = os.Getenv("PALISADE_TENANT_ID")
			cfg.SubscriptionID = os.Getenv("PALISADE_SUBSCRIPTION_ID")
			cfg.AdminClientID = os.Getenv("PALISADE_ADMIN_CLIENT_ID")
			cfg.AdminClientSecret = os.Getenv("PALISADE_ADMIN_CLIENT_SECRET")
			cfg.AdminPassword = os.Getenv("PALISADE_ADMIN_PASSWORD")
			cfg.AdminTOTPSecret = os.Getenv("PALISADE_ADMIN_TOTP_SECRET")
			if locations != "" {
				for _, l := range strings.Split(locations, ",") {
					l = strings.TrimSpace(l)
					if l == "" {
						continue
					}
					cfg.Locations = append(cfg.Locations, api.Location{Name: strings.ToLower(strings.ReplaceAll(l, " ", "")), DisplayName: l, GeographyGroup: "Custom"})
				}
			}
			if retention != "" {
				d, err := parseRetention(retention)
				if err != nil {
					return usageErrorf("--activity-log-retention: %v", err)
				}
				cfg.ActivityLogRetention = d
			}
			for _, t := range trustIssuers {
				iss, err := parseTrustedIssuer(t)
				if err != nil {
					return usageErrorf("--trust-issuer %q: %v", t, err)
				}
				cfg.ExternalIssuers = append(cfg.ExternalIssuers, iss)
			}
			cfg.Out = stdoutOf(c)
			cfg.Logger = slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil))
			if os.Getenv("GOGC") == "" {
				// A server trades memory for CPU: collecting when the heap has
				// grown to four times the live data, not twice, halves the
				// collector's work (about 5% of the CPU under load).
				debug.SetGCPercent(serveGCPercent)
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if debugAddr != "" {
				if err := serveDebug(ctx, debugAddr, cfg.Logger); err != nil {
					return usageErrorf("--debug-addr: %v", err)
				}
			}
			return runServer(ctx, cfg)
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.Addr, "addr", server.DefaultAddr, "`HOST:PORT` to listen on")
	f.StringVar(&cfg.DataDir, "data", "./"+server.DefaultDataDir, "data `DIR` (SQLite database, generated certificates)")
	f.StringVar(&cfg.StoreDSN, "store", "", "store `DSN`: empty for SQLite in --data, or postgres://user:pass@host/db")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate `FILE` (PEM)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key `FILE` (PEM)")
	f.BoolVar(&cfg.TLSSelfSigned, "tls-self-signed", false, "generate a local CA and certificate under DATA/tls")
	f.StringVar(&cfg.PublicURL, "public-url", "", "externally visible base `URL` when behind a proxy")
	f.StringVar(&locations, "locations", "", "comma-separated region display names to offer instead of Azure's public regions")
	f.StringVar(&retention, "activity-log-retention", "90d", "how long activity-log events are kept (`DURATION`: 90d, 720h)")
	f.StringArrayVar(&trustIssuers, "trust-issuer", nil,
		"also accept tokens of an OIDC issuer: `ISSUER_URL=AUDIENCE[,AUDIENCE…][;claim=name,…]`, e.g. an Entra tenant's https://login.microsoftonline.com/{tid}/v2.0=https://management.core.windows.net/ (repeatable)")
	f.StringVar(&debugAddr, "debug-addr", "", "loopback `HOST:PORT` serving Go's profiler (/debug/pprof/) for performance work")
	return c
}

// serveDebug serves net/http/pprof on a loopback address until ctx ends. It is a separate
// listener so that profiles never share the API's address or its authentication.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug listener", "err", err)
		}
	}()
	return nil
}

// parseRetention reads a duration in days ("90d") or Go's notation ("720h").
func parseRetention(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 90d or 720h", s)
	}
	return d, nil
}

// parseTrustedIssuer reads ISSUER_URL=AUDIENCE[,AUDIENCE…][;claim=name,…]: the issuer whose
// tokens to accept, the audiences they must carry, and optional claim renames (for an IdP that
// names the object id "sub", say: oid=sub).
func parseTrustedIssuer(s string) (identity.ExternalIssuer, error) {
	spec, mapping, _ := strings.Cut(s, ";")
	issuer, auds, ok := strings.Cut(spec, "=")
	if !ok || !strings.HasPrefix(issuer, "https://") && !strings.HasPrefix(issuer, "http://") || auds == "" {
		return identity.ExternalIssuer{}, fmt.Errorf("want ISSUER_URL=AUDIENCE, with the issuer's http(s) URL")
	}
	iss := identity.ExternalIssuer{IssuerURL: issuer}
	for _, a := range strings.Split(auds, ",") {
		if a = strings.TrimSpace(a); a != "" {
			iss.Audiences = append(iss.Audiences, a)
		}
	}
	if mapping != "" {
		iss.ClaimMap = map[string]string{}
		for _, m := range strings.Split(mapping, ",") {
			k, v, ok := strings.Cut(m, "=")
			if !ok || k == "" || v == "" {
				return identity.ExternalIssuer{}, fmt.Errorf("claim mapping %q is not claim=name", m)
			}
			iss.ClaimMap[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return iss, nil
}

// runServer starts the server and serves until ctx ends.
func runServer(ctx context.Context, cfg server.Config) error {
	s, err := server.New(cfg)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(cfg.Out, "Listening on %s (tenant %s)\n", s.URL(), s.TenantID())
	if err := s.Run(ctx); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	return nil
}
