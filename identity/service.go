package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// CLIClientID is the client id of Palisade's built-in public client (the
// CLI and the portal). Users sign in through it; it has no secret.
const CLIClientID = "palisade-cli"

// ARM audiences. A token requested for scope
// "https://management.core.windows.net//.default" carries aud
// "https://management.core.windows.net/"; ARM accepts all four spellings.
const (
	AudienceManagementCore  = "https://management.core.windows.net/"
	AudienceManagementAzure = "https://management.azure.com/"
)

// DefaultAudiences are the audiences ARM accepts, in the order ARM lists
// them in its InvalidAuthenticationTokenAudience message.
var DefaultAudiences = []string{
	"https://management.core.windows.net/",
	"https://management.core.windows.net",
	"https://management.azure.com/",
	"https://management.azure.com",
}

// Config configures a Service.
type Config struct {
	// TenantID is the directory (tenant) id, a GUID. Required.
	TenantID string
	// BaseURL is the externally visible URL of the issuer without a trailing
	// slash, e.g. "https://palisade.example:8443". Required; the token
	// issuer is BaseURL + "/" + TenantID + "/v2.0".
	BaseURL string
	// Domain is appended to sign-in names to form UPNs ("admin@<Domain>").
	// Defaults to "palisade.local".
	Domain string

	Directory Directory
	Values    Values
	Keys      KeyStore
	// Recorder receives every sign-in attempt; optional.
	Recorder SignInRecorder

	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TokenLifetime is the access-token lifetime; 1 h by default.
	TokenLifetime time.Duration
	// RefreshLifetime is the refresh-token lifetime; 90 days by default,
	// as Entra's default inactivity window.
	RefreshLifetime time.Duration
	// DevicePollInterval is the interval announced for device-code polling;
	// 5 s by default (RFC 8628).
	DevicePollInterval time.Duration
	// Argon2 are the password-hash parameters; DefaultArgon2 when zero.
	Argon2 Argon2Params
	// Lockout controls failed sign-in throttling; DefaultLockout when zero.
	Lockout LockoutPolicy
	// ExtraAudiences are further resources (besides ARM's) a client may
	// request tokens for, e.g. a custom API's application id URI.
	ExtraAudiences []string
	// RedirectURIs are extra redirect URIs allowed for the built-in public
	// client, besides loopback addresses on any port (e.g. the portal's
	// callback URL).
	RedirectURIs []string
	// GroupsOf returns the object ids of the groups a user belongs to; they
	// are placed in the token's groups claim, as Entra does, so that role
	// assignments to groups apply. Optional.
	GroupsOf func(ctx context.Context, userObjectID string) ([]string, error)
}

// LockoutPolicy throttles password guessing: after MaxFailures failed
// sign-ins within Window the account is locked for Duration.
type LockoutPolicy struct {
	MaxFailures int
	Window      time.Duration
	Duration    time.Duration
}

// DefaultLockout locks an account for 15 minutes after 5 failures in 15
// minutes.
var DefaultLockout = LockoutPolicy{MaxFailures: 5, Window: 15 * time.Minute, Duration: 15 * time.Minute}

// Service is the built-in issuer: it manages users and service principals,
// runs the OAuth 2.0 flows and signs tokens. It is safe for concurrent use.
type Service struct {
	cfg  Config
	keys *keySet
	rec  SignInRecorder
	now  func() time.Time
	// totpMu makes "check the step is unused, then mark it used" atomic
	// within this process.
	totpMu sync.Mutex
	// failMu serialises updates of failed sign-in counters within this
	// process, so parallel guesses are all counted.
	failMu sync.Mutex
}

// New validates cfg, loads (or creates) the signing keys and returns the
// service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.TenantID == "" {
		return nil, errors.New("identity: TenantID is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("identity: BaseURL %q must be an absolute URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Directory == nil || cfg.Values == nil || cfg.Keys == nil {
		return nil, errors.New("identity: Directory, Values and Keys are required")
	}
	if cfg.Domain == "" {
		cfg.Domain = "palisade.local"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.RefreshLifetime <= 0 {
		cfg.RefreshLifetime = 90 * 24 * time.Hour
	}
	if cfg.DevicePollInterval <= 0 {
		cfg.DevicePollInterval = 5 * time.Second
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.Lockout == (LockoutPolicy{}) {
		cfg.Lockout = DefaultLockout
	}
	rec := cfg.Recorder
	if rec == nil {
		rec = nopRecorder{}
	}
	ks, err := loadKeySet(ctx, cfg.Keys, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return &Service{cfg: cfg, keys: ks, rec: rec, now: cfg.Now}, nil
}

// TenantID returns the tenant id.
func (s *Service) TenantID() string { return s.cfg.TenantID }

// Issuer returns the token issuer, BaseURL/{tenant}/v2.0.
func (s *Service) Issuer() string { return s.cfg.BaseURL + "/" + s.cfg.TenantID + "/v2.0" }

// TokenEndpoint returns the token endpoint URL.
func (s *Service) TokenEndpoint() string {
	return s.cfg.BaseURL + "/" + s.cfg.TenantID + "/oauth2/v2.0/token"
}

// AuthorizeEndpoint returns the authorization endpoint URL, the value a
// claims challenge names as authorization_uri.
func (s *Service) AuthorizeEndpoint() string {
	return s.cfg.BaseURL + "/" + s.cfg.TenantID + "/oauth2/v2.0/authorize"
}

// DeviceAuthorizationEndpoint returns the device-code endpoint URL.
func (s *Service) DeviceAuthorizationEndpoint() string {
	return s.cfg.BaseURL + "/" + s.cfg.TenantID + "/oauth2/v2.0/devicecode"
}

// JWKSURL returns the key-set URL.
func (s *Service) JWKSURL() string {
	return s.cfg.BaseURL + "/" + s.cfg.TenantID + "/discovery/v2.0/keys"
}

// RotateKeys makes a fresh key the signing key; the previous key stays
// published so tokens it signed keep verifying until they expire.
func (s *Service) RotateKeys(ctx context.Context) error { return s.keys.rotate(ctx) }

// RotateKeysIfOlder rotates the signing key when the current one is older
// than maxAge, and reports whether it did. The server calls it
// periodically (for example daily with maxAge of 30 days).
func (s *Service) RotateKeysIfOlder(ctx context.Context, maxAge time.Duration) (bool, error) {
	k, err := s.keys.current()
	if err != nil {
		return false, fmt.Errorf("rotate keys: %w", err)
	}
	if s.now().Sub(k.created) < maxAge {
		return false, nil
	}
	if err := s.keys.rotate(ctx); err != nil {
		return false, fmt.Errorf("rotate keys: %w", err)
	}
	return true, nil
}

// upn returns the user principal name for a sign-in name.
func (s *Service) upn(name string) string {
	if strings.Contains(name, "@") {
		return name
	}
	return name + "@" + s.cfg.Domain
}

// lookupUser finds a user by sign-in name or by UPN in this domain.
func (s *Service) lookupUser(ctx context.Context, name string) (*User, error) {
	name = strings.TrimSpace(name)
	u, err := s.cfg.Directory.GetUser(ctx, name)
	if errors.Is(err, ErrNotFound) {
		if local, dom, ok := strings.Cut(name, "@"); ok && strings.EqualFold(dom, s.cfg.Domain) {
			return s.cfg.Directory.GetUser(ctx, local)
		}
	}
	return u, err
}

// putJSON and getJSON store small JSON records in Values.
func (s *Service) putJSON(ctx context.Context, ns, key string, v any, expires time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", ns, err)
	}
	if err := s.cfg.Values.Put(ctx, ns, key, b, expires); err != nil {
		return fmt.Errorf("store %s: %w", ns, err)
	}
	return nil
}

func (s *Service) getJSON(ctx context.Context, ns, key string, v any, take bool) error {
	var b []byte
	var err error
	if take {
		b, err = s.cfg.Values.Take(ctx, ns, key)
	} else {
		b, err = s.cfg.Values.Get(ctx, ns, key)
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", ns, err)
	}
	return nil
}
