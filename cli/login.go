package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"strings"
	"time"

	"github.com/pkg/browser"
	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
)

// subscriptionsAPIVersion is the Microsoft.Resources version the CLI lists
// subscriptions with.
const subscriptionsAPIVersion = "2022-12-01"

// loginOptions are the arguments of `palisade login`.
type loginOptions struct {
	username, password, otp, tenant, claims string
	deviceCode, servicePrincipal            bool
}

func newLoginCommand() *cobra.Command {
	var o loginOptions
	c := &cobra.Command{
		Use:   "login",
		Short: "Sign in to a Palisade server",
		Long: `Sign in to a Palisade server and remember the tokens.

By default a browser opens the server's sign-in page (authorization code with PKCE). Use
--use-device-code on a machine without a browser, --username/--password for a password sign-in
(you are asked for your authenticator code; --otp gives it for automation), or
--service-principal with an application id and client secret.

The server comes from --server, $PALISADE_SERVER or the previous sign-in. Tokens are kept in
palisade/profile.json under your configuration folder (readable by you only) and renewed
silently.`,
		Example: `  palisade login --server https://palisade.example:8443 --ca-file ca.pem
  palisade login --server http://127.0.0.1:8080 -u admin
  palisade login -u admin -p "$PASSWORD" --otp 123456
  palisade login --use-device-code
  palisade login --service-principal -u $APP_ID -p $SECRET --tenant $TENANT_ID
  palisade login -u admin --claims-challenge "eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlcyI6WyJwMSJdfX19"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, false, func(ctx context.Context, s *session) (any, error) { return login(ctx, s, o) })
		},
	}
	addConnFlags(c)
	f := c.Flags()
	f.StringVarP(&o.username, "username", "u", "", "user name, or the application id with --service-principal")
	f.StringVarP(&o.password, "password", "p", "", "password, or the client secret with --service-principal (asked for when omitted)")
	f.StringVar(&o.otp, "otp", "", "authenticator (TOTP) `CODE`, for sign-ins without a prompt")
	f.StringVarP(&o.tenant, "tenant", "t", "", "tenant `ID` (default: the server's)")
	f.BoolVar(&o.deviceCode, "use-device-code", false, "sign in with a code entered in a browser elsewhere")
	f.BoolVar(&o.servicePrincipal, "service-principal", false, "sign in as a service principal with a client secret")
	f.StringVar(&o.claims, "claims-challenge", "", "base64 claims challenge a server sent (MFA step-up)")
	return c
}

// login signs in, saves the profile and returns the subscriptions as az does.
func login(ctx context.Context, s *session, o loginOptions) (any, error) {
	p := s.prof
	if p.Server == "" {
		return nil, usageErrorf("no server: give --server URL or set %s", ServerEnv)
	}
	if o.tenant != "" {
		p.TenantID = o.tenant
	}
	claims := ""
	if o.claims != "" {
		var err error
		if claims, err = (&client.Challenge{Claims: o.claims}).DecodedClaims(); err != nil {
			return nil, usageErrorf("argument --claims-challenge: %v", err)
		}
	}
	auth := s.authority()
	var tr *client.TokenResponse
	var err error
	secret := ""
	switch {
	case o.servicePrincipal:
		if o.username == "" {
			return nil, usageErrorf("--service-principal needs --username APP_ID and --password SECRET")
		}
		if claims != "" {
			return nil, usageErrorf("a service principal cannot satisfy a claims challenge: it has no second factor")
		}
		if secret = o.password; secret == "" {
			if secret, err = s.ask("Client secret: "); err != nil {
				return nil, err
			}
		}
		tr, err = auth.ClientCredentials(ctx, o.username, secret)
		p.User, p.UserType, p.LoginMethod = o.username, "servicePrincipal", "secret"
	case o.username != "":
		p.User, p.UserType, p.LoginMethod = o.username, "user", "password"
		password := o.password
		if password == "" {
			if password, err = s.ask(fmt.Sprintf("Password for %s: ", o.username)); err != nil {
				return nil, err
			}
		}
		otp := o.otp
		if otp == "" && interactive() {
			q := "Authenticator code (TOTP; press Enter to sign in without one): "
			if claims != "" {
				q = "Authenticator code (TOTP): "
			}
			if otp, err = s.promptSecret(q); err != nil {
				return nil, err
			}
		}
		tr, err = auth.Password(ctx, o.username, password, otp, claims)
	case o.deviceCode:
		p.User, p.UserType, p.LoginMethod = "", "user", "devicecode"
		tr, err = auth.DeviceCode(ctx, claims, func(msg string) { fmt.Fprintln(s.cmd.ErrOrStderr(), msg) })
	default:
		p.User, p.UserType, p.LoginMethod = "", "user", "browser"
		tr, err = browserLogin(ctx, s, auth, claims)
	}
	if err != nil {
		return nil, &ExitError{Code: 1, Err: fmt.Errorf("sign-in failed: %w", err)}
	}
	p.Token = nil
	if err := s.storeToken(tr, secret); err != nil {
		return nil, err
	}
	if p.User == "" {
		if c, err := client.TokenClaims(tr.AccessToken); err == nil {
			p.User, _ = c["upn"].(string)
		}
	}
	subs, err := fetchSubscriptions(ctx, s)
	if err != nil {
		return nil, err
	}
	p.Subscriptions = subs
	if err := p.Save(); err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	if len(subs) == 0 {
		warn(s.cmd, "No subscriptions found for %s.", p.User)
	}
	return accountList(p), nil
}

// openBrowser shows a URL in the user's browser; tests replace it.
var openBrowser = browser.OpenURL

// ask prompts for a secret value; without a terminal it refuses, so that a
// script never hangs on a prompt.
func (s *session) ask(question string) (string, error) {
	if !interactive() {
		return "", usageErrorf("%s is required when there is no terminal to ask on", strings.TrimSuffix(strings.TrimSpace(question), ":"))
	}
	return s.promptSecret(question)
}

// fetchSubscriptions lists the subscriptions the new token can see,
// keeping the previous default when it is still there.
func fetchSubscriptions(ctx context.Context, s *session) ([]client.Subscription, error) {
	prev := ""
	if d := s.prof.DefaultSubscription(); d != nil {
		prev = d.ID
	}
	items, err := s.arm.List(ctx, "/subscriptions", url.Values{"api-version": {subscriptionsAPIVersion}}, 0)
	if err != nil {
		return nil, err
	}
	var subs []client.Subscription
	found := false
	for _, it := range items {
		m, _ := it.(map[string]any)
		sub := client.Subscription{ID: str(m, "subscriptionId"), Name: str(m, "displayName"), State: str(m, "state"),
			TenantID: firstNonEmpty(str(m, "tenantId"), s.prof.TenantID)}
		if sub.ID == prev {
			sub.IsDefault, found = true, true
		}
		subs = append(subs, sub)
	}
	if !found && len(subs) > 0 {
		subs[0].IsDefault = true
	}
	return subs, nil
}

// str reads a string field of a JSON object ("" when absent).
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// browserLogin runs the authorization-code flow with PKCE: a loopback
// listener receives the code the server's sign-in page redirects to.
func browserLogin(ctx context.Context, s *session, auth *client.Authority, claims string) (*client.TokenResponse, error) {
	verifier, challenge, err := client.NewPKCE()
	if err != nil {
		return nil, err
	}
	st := make([]byte, 16)
	if _, err := rand.Read(st); err != nil {
		return nil, fmt.Errorf("generate state: %w", err)
	}
	state := hex.EncodeToString(st)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the sign-in redirect: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://localhost:%d/", ln.Addr().(*net.TCPAddr).Port)
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("state") != state:
			http.Error(w, "The sign-in answer does not match this sign-in. Close this window and try again.", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			fmt.Fprintln(w, "Sign-in failed. You can close this window.")
			done <- result{err: fmt.Errorf("%s: %s", q.Get("error"), q.Get("error_description"))}
		default:
			fmt.Fprintln(w, "You have signed in to Palisade. You can close this window.")
			done <- result{code: q.Get("code")}
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	u := auth.AuthorizeURL(redirect, state, challenge, claims)
	w := s.cmd.ErrOrStderr()
	if err := openBrowser(u); err != nil {
		fmt.Fprintf(w, "Open this address in a browser to sign in:\n%s\n", u)
	} else {
		fmt.Fprintf(w, "A web browser has been opened at %s. Continue the sign-in there. If no browser is available, use 'palisade login --use-device-code'.\n", auth.Server)
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		return nil, errors.New("timed out waiting for the browser sign-in")
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		return auth.AuthCode(ctx, r.code, verifier, redirect)
	}
}

func newLogoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "logout",
		Short:   "Sign out: forget the saved tokens and subscriptions",
		Example: "  palisade logout",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := client.Clear(); err != nil {
				return failure(c, err)
			}
			return nil
		},
	}
}
