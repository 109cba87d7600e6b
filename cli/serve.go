package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/server"
)

// serveEnv are the environment variables that fix bootstrap values.
var serveEnv = []string{"PALISADE_TENANT_ID", "PALISADE_SUBSCRIPTION_ID", "PALISADE_ADMIN_CLIENT_ID",
	"PALISADE_ADMIN_CLIENT_SECRET", "PALISADE_ADMIN_PASSWORD", "PALISADE_ADMIN_TOTP_SECRET"}

func newServeCommand() *cobra.Command {
	var cfg server.Config
	var locations string
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
			cfg.Out = stdoutOf(c)
			cfg.Logger = slog.New(slog.NewTextHandler(c.ErrOrStderr(), nil))
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
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
	return c
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
