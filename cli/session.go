package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
)

// Environment variables the client commands read.
const (
	// ServerEnv names the server when --server is not given.
	ServerEnv = "PALISADE_SERVER"
	// CAFileEnv names a PEM file of the CA to trust when --ca-file is not given.
	CAFileEnv = "PALISADE_CA_FILE"
)

// Terminal access, replaceable by tests: where prompts read their answers
// and whether a person is there to answer them.
var (
	stdin       io.Reader = os.Stdin
	interactive           = func() bool {
		return isatty.IsTerminal(os.Stdin.Fd()) && isatty.IsTerminal(os.Stderr.Fd())
	}
)

// errNotLoggedIn is az's wording when no account is set up.
var errNotLoggedIn = &ExitError{Code: 1, Err: errors.New("Please run 'palisade login' to setup account.")}

// session is one client command's connection: the saved profile, the server
// and an ARM client whose tokens come from the profile.
type session struct {
	cmd  *cobra.Command
	prof *client.Profile
	hc   *http.Client
	log  *client.Logger
	arm  *client.ARM
	// reader is the buffered prompt input, shared by successive prompts.
	reader *bufio.Reader
}

// addConnFlags adds --server and --ca-file to a command group; they override
// PALISADE_SERVER / PALISADE_CA_FILE and the saved profile.
func addConnFlags(c *cobra.Command) {
	c.PersistentFlags().String("server", "", "Palisade server `URL` (default: $PALISADE_SERVER, then the signed-in profile's)")
	c.PersistentFlags().String("ca-file", "", "PEM `FILE` of a CA to trust for the server's certificate (default: $PALISADE_CA_FILE)")
}

// flagString reads a string flag from the command or its parents; "" when
// the command has no such flag.
func flagString(c *cobra.Command, name string) string {
	f := c.Flags().Lookup(name)
	if f == nil {
		f = c.InheritedFlags().Lookup(name)
	}
	if f == nil {
		return ""
	}
	return f.Value.String()
}

// newSession loads the profile and prepares the ARM client. needLogin
// refuses to go on without a saved sign-in.
func newSession(c *cobra.Command, needLogin bool) (*session, error) {
	prof, err := client.LoadProfile()
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	s := &session{cmd: c, prof: prof}
	if server := firstNonEmpty(flagString(c, "server"), os.Getenv(ServerEnv)); server != "" {
		server = strings.TrimRight(server, "/")
		if prof.Server != "" && !strings.EqualFold(server, prof.Server) {
			if needLogin {
				return nil, &ExitError{Code: 1, Err: fmt.Errorf("the saved sign-in is for %s, not %s; run 'palisade login --server %s'", prof.Server, server, server)}
			}
			// signing in to another server: nothing of the old one applies
			prof = &client.Profile{}
			s.prof = prof
		}
		prof.Server = server
	}
	if ca := firstNonEmpty(flagString(c, "ca-file"), os.Getenv(CAFileEnv)); ca != "" {
		prof.CAFile = ca
	}
	if needLogin && (prof.Server == "" || prof.Token == nil) {
		return nil, errNotLoggedIn
	}
	if s.hc, err = client.HTTPClient(prof.CAFile); err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	g := globalsOf(c)
	if g.debug {
		s.log = client.NewLogger(c.ErrOrStderr())
	}
	s.arm = &client.ARM{Server: prof.Server, HTTP: s.hc, Log: s.log, Token: s.token}
	if interactive() {
		s.arm.StepUp = s.stepUp
	}
	return s, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// authority is the token endpoint of the session's server.
func (s *session) authority() *client.Authority {
	return &client.Authority{Server: s.prof.Server, Tenant: s.prof.TenantID, HTTP: s.hc, Log: s.log}
}

// token returns the cached access token, renewing it silently (refresh
// token, or the service principal's secret) when it expires within 5
// minutes, as azure-identity does.
func (s *session) token(ctx context.Context) (string, error) {
	t := s.prof.Token
	if t == nil {
		return "", errNotLoggedIn
	}
	if time.Until(t.ExpiresOn) > 5*time.Minute {
		return t.AccessToken, nil
	}
	var tr *client.TokenResponse
	var err error
	switch {
	case s.prof.UserType == "servicePrincipal" && t.ClientSecret != "":
		tr, err = s.authority().ClientCredentials(ctx, s.prof.User, t.ClientSecret)
	case t.RefreshToken != "":
		tr, err = s.authority().Refresh(ctx, t.RefreshToken, "")
	default:
		return "", &ExitError{Code: 1, Err: errors.New("the saved token expired. Please run 'palisade login' to setup account.")}
	}
	if err != nil {
		return "", &ExitError{Code: 1, Err: fmt.Errorf("renew the access token: %w. Please run 'palisade login' to setup account.", err)}
	}
	if err := s.storeToken(tr, t.ClientSecret); err != nil {
		return "", err
	}
	return s.prof.Token.AccessToken, nil
}

// storeToken saves a fresh token in the profile.
func (s *session) storeToken(tr *client.TokenResponse, secret string) error {
	t := &client.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ClientSecret: secret,
		ExpiresOn: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}
	if claims, err := client.TokenClaims(tr.AccessToken); err == nil {
		if exp, ok := claims["exp"].(float64); ok {
			t.ExpiresOn = time.Unix(int64(exp), 0)
		}
		if tid, ok := claims["tid"].(string); ok && tid != "" {
			s.prof.TenantID = tid
		}
	}
	if t.RefreshToken == "" && s.prof.Token != nil && secret == "" {
		t.RefreshToken = s.prof.Token.RefreshToken
	}
	s.prof.Token = t
	if err := s.prof.Save(); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	return nil
}

// prompt asks a question on stderr and reads one line of input.
func (s *session) prompt(question string) (string, error) {
	if s.reader == nil {
		s.reader = bufio.NewReader(stdin)
	}
	fmt.Fprint(s.cmd.ErrOrStderr(), question)
	line, err := s.reader.ReadString('\n')
	if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// promptSecret is prompt for a password or code: on a real terminal the
// answer is not echoed.
func (s *session) promptSecret(question string) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok {
		return s.prompt(question)
	}
	answer, err := withoutEcho(f, func() (string, error) { return s.prompt(question) })
	fmt.Fprintln(s.cmd.ErrOrStderr())
	return answer, err
}

// stepUp answers an MFA claims challenge interactively: it tells the user
// why, signs them in again with the second factor (password and TOTP code,
// or the device code flow when that is how they signed in) asking for the
// challenged claims, and saves the new token; the ARM client then retries.
func (s *session) stepUp(ctx context.Context, re *client.ResponseError) error {
	claims, err := re.Challenge.DecodedClaims()
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if s.prof.UserType == "servicePrincipal" {
		// nothing to sign in with: show the refusal as it is
		return re
	}
	w := s.cmd.ErrOrStderr()
	if re.ARM.Code != "" {
		fmt.Fprintf(w, "WARNING: (%s) %s\n", re.ARM.Code, re.ARM.Message)
	}
	fmt.Fprintln(w, "This operation requires multi-factor authentication. Sign in again with your second factor to continue.")
	tr, err := s.signInWithClaims(ctx, claims, "")
	if err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("multi-factor sign-in: %w", err)}
	}
	return s.storeToken(tr, "")
}

// signInWithClaims signs the profile's user in again asking for claims,
// prompting for what is missing (the password, the TOTP code).
func (s *session) signInWithClaims(ctx context.Context, claims, otp string) (*client.TokenResponse, error) {
	if s.prof.LoginMethod == "devicecode" {
		return s.authority().DeviceCode(ctx, claims, func(msg string) { fmt.Fprintln(s.cmd.ErrOrStderr(), msg) })
	}
	user := s.prof.User
	if user == "" {
		var err error
		if user, err = s.prompt("Username: "); err != nil {
			return nil, err
		}
	}
	password, err := s.promptSecret(fmt.Sprintf("Password for %s: ", user))
	if err != nil {
		return nil, err
	}
	if otp == "" {
		if otp, err = s.promptSecret("Authenticator code (TOTP): "); err != nil {
			return nil, err
		}
	}
	return s.authority().Password(ctx, user, password, otp, claims)
}
