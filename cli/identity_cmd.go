package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/server"
)

// identityArgs say where the directory is: the signed-in server's admin
// API, or the server's data folder (or store DSN) opened in-process, for
// the first administrator and on the server's host.
type identityArgs struct {
	data, store string
}

func (a *identityArgs) register(c *cobra.Command) {
	c.PersistentFlags().StringVar(&a.data, "data", "", "work on the server's data `DIR` directly (on its host; no sign-in needed)")
	c.PersistentFlags().StringVar(&a.store, "store", "", "work on the store `DSN` directly when the server uses PostgreSQL")
}

// with runs fn against the directory and prints its result. Over the data
// folder nothing listens for requests: the server is built only for its
// store and issuer, and closed again.
func (a *identityArgs) with(c *cobra.Command, fn func(ctx context.Context, d directory) (any, error)) error {
	if a.data == "" && a.store == "" {
		return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
			return fn(ctx, remoteDirectory{s: s})
		})
	}
	if err := checkOutputArgs(globalsOf(c)); err != nil {
		return failure(c, err)
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
	result, err := fn(c.Context(), localDirectory{svc: srv.Identity()})
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

By default the commands use the signed-in server's admin API (/providers/Palisade.Identity).
With --data (or --store) they open the server's data folder (or store) directly instead, so
they work before anyone can sign in: use that on the server's host for the first administrators.`,
	}
	addConnFlags(c)
	var a identityArgs
	a.register(c)
	users := &cobra.Command{Use: "user", Short: "Manage users"}
	users.AddCommand(newUserCreateCommand(&a), newUserListCommand(&a), newUserDeleteCommand(&a),
		newUserResetPasswordCommand(&a), newUserEnrollMFACommand(&a))
	sps := &cobra.Command{Use: "sp", Short: "Manage service principals"}
	cred := &cobra.Command{Use: "credential", Short: "Manage a service principal's client secrets"}
	cred.AddCommand(newSPCredentialResetCommand(&a), newSPCredentialListCommand(&a), newSPCredentialDeleteCommand(&a))
	sps.AddCommand(newSPCreateCommand(&a), newSPListCommand(&a), newSPDeleteCommand(&a), cred)
	c.AddCommand(users, sps)
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

func newUserCreateCommand(a *identityArgs) *cobra.Command {
	var name, display, password string
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a user (a password is generated and printed when --password is omitted)",
		Example: `  palisade identity user create -n alice --display-name "Alice Example"
  palisade identity user create --data ./palisade-data -n alice`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				pw, generated, err := passwordOrNew(password)
				if err != nil {
					return nil, err
				}
				u, err := d.createUser(ctx, name, firstNonEmpty(display, name), pw)
				if err != nil {
					return nil, err
				}
				if generated {
					u["password"] = pw
				}
				return u, nil
			})
		},
	}
	c.Flags().StringVarP(&name, "name", "n", "", "sign-in name")
	c.Flags().StringVar(&display, "display-name", "", "display name (default: the sign-in name)")
	c.Flags().StringVarP(&password, "password", "p", "", "password (default: a generated one, printed once)")
	return c
}

func newUserListCommand(a *identityArgs) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List users",
		Example: "  palisade identity user list --query \"[].{Name: name, MFA: properties.mfaEnabled}\" -o table",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) { return d.listUsers(ctx) })
		},
	}
}

func newUserDeleteCommand(a *identityArgs) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use: "delete", Short: "Delete a user", Example: "  palisade identity user delete -n alice", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				return nil, d.deleteUser(ctx, name)
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
		Example: "  palisade identity user reset-password -n alice", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				pw, generated, err := passwordOrNew(password)
				if err != nil {
					return nil, err
				}
				if err := d.setPassword(ctx, name, pw); err != nil {
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
		Example: "  palisade identity user enroll-mfa -n alice\n  palisade identity user enroll-mfa -n alice --confirm 123456",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--name/-n", name); err != nil {
					return nil, err
				}
				if confirm != "" {
					return d.confirmMFA(ctx, name, confirm)
				}
				en, err := d.enrollMFA(ctx, name)
				if err != nil {
					return nil, err
				}
				w := c.ErrOrStderr()
				fmt.Fprintf(w, "Scan this QR code with an authenticator app, or enter the seed %s.\n\n%s\n%s\n\n", en.secret, en.qrText, en.uri)
				if !interactive() {
					fmt.Fprintf(w, "Then activate it: %s --name %s --confirm CODE\n", c.CommandPath(), name)
					return map[string]any{"name": name, "secret": en.secret, "otpauthUri": en.uri, "mfaEnabled": false}, nil
				}
				code, err := promptLine(w, "Code shown by the app: ")
				if err != nil {
					return nil, err
				}
				return d.confirmMFA(ctx, name, code)
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

func newSPCreateCommand(a *identityArgs) *cobra.Command {
	var name, appID string
	var years int
	c := &cobra.Command{
		Use:     "create",
		Short:   "Create a service principal with a client secret (printed once)",
		Example: "  palisade identity sp create -n ci-pipeline\n  palisade identity sp create --data ./palisade-data -n bootstrap",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--display-name/-n", name); err != nil {
					return nil, err
				}
				sp, err := d.createSP(ctx, appID, name)
				if err != nil {
					return nil, err
				}
				props, _ := sp["properties"].(map[string]any)
				id := str(props, "appId")
				secret, err := d.addSecret(ctx, id, time.Duration(years)*365*24*time.Hour, false)
				if err != nil {
					return nil, err
				}
				// the shape of az ad sp create-for-rbac's output
				return map[string]any{"appId": id, "displayName": str(props, "displayName"), "password": secret, "tenant": d.tenantID()}, nil
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
		Use: "list", Short: "List service principals",
		Example: "  palisade identity sp list --query \"[].{AppId: name, Name: properties.displayName}\" -o table",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) { return d.listSPs(ctx) })
		},
	}
}

func newSPDeleteCommand(a *identityArgs) *cobra.Command {
	var id string
	c := &cobra.Command{
		Use: "delete", Short: "Delete a service principal", Example: "  palisade identity sp delete --id $APP_ID", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--id", id); err != nil {
					return nil, err
				}
				return nil, d.deleteSP(ctx, id)
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	return c
}

func newSPCredentialResetCommand(a *identityArgs) *cobra.Command {
	var id string
	var years int
	var appendNew bool
	c := &cobra.Command{
		Use:   "reset",
		Short: "Issue a new client secret for a service principal (printed once)",
		Long: `Issue a new client secret. As with az ad sp credential reset, the earlier secrets are
revoked unless --append is given; tokens already issued stay valid until they expire.`,
		Example: "  palisade identity sp credential reset --id $APP_ID --years 2\n  palisade identity sp credential reset --id $APP_ID --append",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--id", id); err != nil {
					return nil, err
				}
				secret, err := d.addSecret(ctx, id, time.Duration(years)*365*24*time.Hour, !appendNew)
				if err != nil {
					return nil, err
				}
				return map[string]any{"appId": id, "password": secret, "tenant": d.tenantID()}, nil
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	c.Flags().IntVar(&years, "years", 1, "years the secret stays valid")
	c.Flags().BoolVar(&appendNew, "append", false, "keep the existing secrets instead of revoking them")
	return c
}

func newSPCredentialListCommand(a *identityArgs) *cobra.Command {
	var id string
	c := &cobra.Command{
		Use:     "list",
		Short:   "List a service principal's client secrets (key id, hint, end date; never the secret)",
		Example: "  palisade identity sp credential list --id $APP_ID -o table",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--id", id); err != nil {
					return nil, err
				}
				sps, err := d.listSPs(ctx)
				if err != nil {
					return nil, err
				}
				for _, v := range sps {
					sp, _ := v.(map[string]any)
					props, _ := sp["properties"].(map[string]any)
					if strings.EqualFold(str(props, "appId"), id) {
						if creds, ok := props["passwordCredentials"].([]any); ok {
							return creds, nil
						}
						return []any{}, nil
					}
				}
				return nil, &ExitError{Code: 1, Err: fmt.Errorf("the service principal %q was not found", id)}
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	return c
}

func newSPCredentialDeleteCommand(a *identityArgs) *cobra.Command {
	var id, keyID string
	c := &cobra.Command{
		Use:     "delete",
		Short:   "Revoke one client secret of a service principal",
		Example: "  palisade identity sp credential delete --id $APP_ID --key-id $KEY_ID",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return a.with(c, func(ctx context.Context, d directory) (any, error) {
				if err := requireFlags("--id", id, "--key-id", keyID); err != nil {
					return nil, err
				}
				return nil, d.removeSecret(ctx, id, keyID)
			})
		},
	}
	c.Flags().StringVar(&id, "id", "", "application (client) id")
	c.Flags().StringVar(&keyID, "key-id", "", "key id of the secret, from credential list")
	return c
}
