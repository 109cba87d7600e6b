package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/server"
)

// identityArgs say where the directory is: the server's data folder (or
// store DSN), opened in-process, for the first administrator and for hosts
// where the server runs.
type identityArgs struct {
	data, store string
}

func (a *identityArgs) register(c *cobra.Command) {
	c.PersistentFlags().StringVar(&a.data, "data", "", "the server's data `DIR` (opened directly, on the server's host)")
	c.PersistentFlags().StringVar(&a.store, "store", "", "store `DSN` when the server uses PostgreSQL")
}

// withDirectory opens the data folder's identity service, runs fn and
// closes everything again. Nothing listens for requests: the server is
// built only for its store and issuer.
func (a *identityArgs) withDirectory(c *cobra.Command, fn func(ctx context.Context, svc *identity.Service) (any, error)) error {
	g := globalsOf(c)
	if err := checkOutputArgs(g); err != nil {
		return failure(c, err)
	}
	if a.data == "" && a.store == "" {
		return failure(c, usageErrorf("give --data DIR (the server's data folder) or --store DSN: users and service principals are managed on the server's host"))
	}
	if a.data != "" && a.store == "" {
		if st, err := os.Stat(a.data); err != nil || !st.IsDir() {
			return failure(c, &ExitError{Code: 1, Err: fmt.Errorf("data folder %s does not exist; run 'palisade serve --data %s' once to set it up", a.data, a.data)})
		}
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: a.data, StoreDSN: a.store, Out: c.ErrOrStderr()})
	if err != nil {
		return failure(c, &ExitError{Code: 1, Err: fmt.Errorf("open %s: %w", firstNonEmpty(a.store, a.data), err)})
	}
	defer srv.Close()
	result, err := fn(c.Context(), srv.Identity())
	if err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			err = &ExitError{Code: 1, Err: err}
		}
		return failure(c, err)
	}
	return writeResult(c, result)
}

func newIdentityCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "identity",
		Short: "Manage the built-in directory: users, their authenticators, service principals",
		Long: `Manage the users and service principals of the built-in identity provider.

These commands open the server's data folder (--data) or store (--store) directly, so they work
before anyone can sign in: use them on the server's host to create the first administrators.`,
	}
	var a identityArgs
	a.register(c)
	users := &cobra.Command{Use: "user", Short: "Manage users"}
	users.AddCommand(newUserCreateCommand(&a), newUserListCommand(&a), newUserDeleteCommand(&a),
		newUserResetPasswordCommand(&a), newUserEnrollMFACommand(&a))
	sps := &cobra.Command{Use: "sp", Short: "Manage service principals"}
	cred := &cobra.Command{Use: "credential", Short: "Manage a service principal's client secrets"}
	cred.AddCommand(newSPCredentialResetCommand(&a))
	sps.AddCommand(newSPCreateCommand(&a), newSPListCommand(&a), newSPDeleteCommand(&a), cred)
	c.AddCommand(users, sps)
	return c
}

// userView is a user as the CLI prints it (never hashes or seeds).
func userView(u *identity.User) map[string]any {
	return map[string]any{"name": u.Name, "displayName": u.DisplayName, "id": u.ObjectID,
		"mfaEnrolled": u.HasTOTP(), "accountEnabled": !u.Disabled, "createdDateTime": u.Created.UTC().Format(time.RFC3339)}
}

func newUserCreateCommand(a *identityArgs) *cobra.Command {
	var name, display, password string
	c := &cobra.Command{
		Use:     "create",
		Short:   "Create a user (a password is generated and printed when --password is omitted)",
		Example: "  palisade identity user create --data ./palisade-data -n alice --display-name \"Alice Example\"",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				pw, generated, err := passwordOrNew(password)
				if err != nil {
					return nil, err
				}
				u, err := svc.CreateUser(ctx, name, firstNonEmpty(display, name), pw)
				if err != nil {
					return nil, &ExitError{Code: 1, Err: err}
				}
				out := userView(u)
				if generated {
					out["password"] = pw
				}
				return out, nil
			})
		},
	}
	c.Flags().StringVarP(&name, "name", "n", "", "sign-in name")
	c.Flags().StringVar(&display, "display-name", "", "display name (default: the sign-in name)")
	c.Flags().StringVarP(&password, "password", "p", "", "password (default: a generated one, printed once)")
	return c
}

// passwordOrNew returns password, or a generated one.
func passwordOrNew(password string) (string, bool, error) {
	if password != "" {
		return password, false, nil
	}
	pw, err := identity.NewClientSecret()
	if err != nil {
		return "", false, fmt.Errorf("generate a password: %w", err)
	}
	return pw, true, nil
}

func newUserListCommand(a *identityArgs) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List users", Example: "  palisade identity user list --data ./palisade-data -o table", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				users, err := svc.ListUsers(ctx)
				if err != nil {
					return nil, err
				}
				out := []any{}
				for _, u := range users {
					out = append(out, userView(u))
				}
				return out, nil
			})
		},
	}
}

func newUserDeleteCommand(a *identityArgs) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use: "delete", Short: "Delete a user", Example: "  palisade identity user delete --data ./palisade-data -n alice", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				return nil, svc.DeleteUser(ctx, name)
			})
		},
	}
	c.Flags().StringVarP(&name, "name", "n", "", "sign-in name")
	return c
}

func newUserResetPasswordCommand(a *identityArgs) *cobra.Command {
	var name, password string
	c := &cobra.Command{
		Use: "reset-password", Short: "Set a user's password (generated and printed when --password is omitted)",
		Example: "  palisade identity user reset-password --data ./palisade-data -n alice", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				pw, generated, err := passwordOrNew(password)
				if err != nil {
					return nil, err
				}
				if err := svc.SetPassword(ctx, name, pw); err != nil {
					return nil, err
				}
				if generated {
					return map[string]any{"name": name, "password": pw}, nil
				}
				return nil, nil
			})
		},
	}
	c.Flags().StringVarP(&name, "name", "n", "", "sign-in name")
	c.Flags().StringVarP(&password, "password", "p", "", "new password (default: a generated one, printed once)")
	return c
}

func newUserEnrollMFACommand(a *identityArgs) *cobra.Command {
	var name, confirm string
	c := &cobra.Command{
		Use:   "enroll-mfa",
		Short: "Register an authenticator app (TOTP) for a user",
		Long: `Start a TOTP enrolment: the QR code appears in the terminal (with the otpauth URI and
the seed for manual entry). On a terminal you are then asked for the first code, which activates
the authenticator; otherwise activate it with --confirm CODE.`,
		Example: "  palisade identity user enroll-mfa --data ./palisade-data -n alice\n  palisade identity user enroll-mfa --data ./palisade-data -n alice --confirm 123456",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				if confirm != "" {
					if err := svc.ConfirmTOTP(ctx, name, confirm); err != nil {
						return nil, &ExitError{Code: 1, Err: fmt.Errorf("confirm the authenticator of %s: %w", name, err)}
					}
					return map[string]any{"name": name, "mfaEnrolled": true}, nil
				}
				en, err := svc.EnrollTOTP(ctx, name)
				if err != nil {
					return nil, err
				}
				w := c.ErrOrStderr()
				fmt.Fprintf(w, "Scan this QR code with an authenticator app, or enter the seed %s.\n\n%s\n%s\n\n", en.Secret, en.QRText, en.URI)
				if !interactive() {
					fmt.Fprintf(w, "Then activate it: palisade identity user enroll-mfa --data %s -n %s --confirm CODE\n", a.data, name)
					return map[string]any{"name": name, "secret": en.Secret, "uri": en.URI, "mfaEnrolled": false}, nil
				}
				code, err := promptLine(w, "Code shown by the app: ")
				if err != nil {
					return nil, err
				}
				if err := svc.ConfirmTOTP(ctx, name, code); err != nil {
					return nil, &ExitError{Code: 1, Err: fmt.Errorf("confirm the authenticator of %s: %w", name, err)}
				}
				return map[string]any{"name": name, "mfaEnrolled": true}, nil
			})
		},
	}
	c.Flags().StringVarP(&name, "name", "n", "", "sign-in name")
	c.Flags().StringVar(&confirm, "confirm", "", "activate a pending enrolment with its first `CODE`")
	return c
}

// promptLine asks on w and reads one line from the CLI's input.
func promptLine(w io.Writer, question string) (string, error) {
	s := &session{cmd: &cobra.Command{}}
	s.cmd.SetErr(w)
	return s.prompt(question)
}

// spView is a service principal as the CLI prints it (hints, no digests).
func spView(sp *identity.ServicePrincipal) map[string]any {
	creds := []any{}
	for _, s := range sp.Secrets {
		creds = append(creds, map[string]any{"keyId": s.KeyID, "hint": s.Hint, "endDateTime": s.Expires.UTC().Format(time.RFC3339)})
	}
	return map[string]any{"appId": sp.AppID, "id": sp.ObjectID, "displayName": sp.DisplayName, "passwordCredentials": creds}
}

func newSPCreateCommand(a *identityArgs) *cobra.Command {
	var name, appID string
	var years int
	c := &cobra.Command{
		Use:     "create",
		Short:   "Create a service principal with a client secret (printed once)",
		Example: "  palisade identity sp create --data ./palisade-data -n ci-pipeline",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--display-name/-n", name); err != nil {
					return nil, err
				}
				sp, err := svc.CreateServicePrincipal(ctx, appID, name)
				if err != nil {
					return nil, &ExitError{Code: 1, Err: err}
				}
				secret, err := svc.AddClientSecret(ctx, sp.AppID, "", time.Duration(years)*365*24*time.Hour)
				if err != nil {
					return nil, err
				}
				// the shape of az ad sp create-for-rbac's output
				return map[string]any{"appId": sp.AppID, "displayName": sp.DisplayName, "password": secret, "tenant": svc.TenantID()}, nil
			})
		},
	}
	c.Flags().StringVarP(&name, "display-name", "n", "", "display name")
	c.Flags().StringVar(&appID, "app-id", "", "application (client) id to use (default: a new GUID)")
	c.Flags().IntVar(&years, "years", 1, "years the secret stays valid")
	return c
}

func newSPListCommand(a *identityArgs) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List service principals", Example: "  palisade identity sp list --data ./palisade-data -o table", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				sps, err := svc.ListServicePrincipals(ctx)
				if err != nil {
					return nil, err
				}
				out := []any{}
				for _, sp := range sps {
					out = append(out, spView(sp))
				}
				return out, nil
			})
		},
	}
}

func newSPDeleteCommand(a *identityArgs) *cobra.Command {
	var id string
	c := &cobra.Command{
		Use: "delete", Short: "Delete a service principal", Example: "  palisade identity sp delete --data ./palisade-data --id $APP_ID", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--id", id); err != nil {
					return nil, err
				}
				return nil, svc.DeleteServicePrincipal(ctx, id)
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	return c
}

func newSPCredentialResetCommand(a *identityArgs) *cobra.Command {
	var id string
	var years int
	c := &cobra.Command{
		Use:   "reset",
		Short: "Issue a new client secret for a service principal (printed once)",
		Long: `Issue a new client secret. Earlier secrets stay valid until they expire (as with
az's --append); delete and re-create the service principal to revoke them at once.`,
		Example: "  palisade identity sp credential reset --data ./palisade-data --id $APP_ID",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withDirectory(c, func(ctx context.Context, svc *identity.Service) (any, error) {
				if err := requireFlags("--id", id); err != nil {
					return nil, err
				}
				secret, err := svc.AddClientSecret(ctx, id, "", time.Duration(years)*365*24*time.Hour)
				if err != nil {
					return nil, err
				}
				return map[string]any{"appId": id, "password": secret, "tenant": svc.TenantID()}, nil
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	c.Flags().IntVar(&years, "years", 1, "years the secret stays valid")
	return c
}
