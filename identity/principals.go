package identity

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// CreateUser adds a user with a password. It fails if the name is taken.
func (s *Service) CreateUser(ctx context.Context, name, displayName, password string) (*User, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, " \t/\\") {
		return nil, fmt.Errorf("create user %q: invalid name", name)
	}
	if len(password) < 8 {
		return nil, fmt.Errorf("create user %q: password must have at least 8 characters", name)
	}
	if _, err := s.cfg.Directory.GetUser(ctx, name); err == nil {
		return nil, fmt.Errorf("create user %q: already exists", name)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	hash, err := HashPassword(password, s.cfg.Argon2)
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	if displayName == "" {
		displayName = name
	}
	u := &User{ObjectID: newGUID(), Name: name, DisplayName: displayName, PasswordHash: hash, Created: s.now().UTC()}
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	return redactUser(u), nil
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	if len(password) < 8 {
		return fmt.Errorf("set password for %q: password must have at least 8 characters", name)
	}
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return fmt.Errorf("set password for %q: %w", name, err)
	}
	if u.PasswordHash, err = HashPassword(password, s.cfg.Argon2); err != nil {
		return fmt.Errorf("set password for %q: %w", name, err)
	}
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return fmt.Errorf("set password for %q: %w", name, err)
	}
	return nil
}

// GetUser returns a user without its password hash or TOTP seed.
func (s *Service) GetUser(ctx context.Context, name string) (*User, error) {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("get user %q: %w", name, err)
	}
	return redactUser(u), nil
}

// redactUser strips the secrets from a user before it leaves the package,
// keeping a marker that a TOTP authenticator exists.
func redactUser(u *User) *User {
	c := *u
	c.PasswordHash = ""
	if c.TOTPSecret != "" {
		c.TOTPSecret = "(enrolled)"
	}
	if c.PendingTOTPSecret != "" {
		c.PendingTOTPSecret = "(pending)"
	}
	return &c
}

// CreateServicePrincipal registers a workload identity. An empty appID gets
// a generated GUID.
func (s *Service) CreateServicePrincipal(ctx context.Context, appID, displayName string) (*ServicePrincipal, error) {
	if appID == "" {
		appID = newGUID()
	}
	if strings.EqualFold(appID, CLIClientID) {
		return nil, fmt.Errorf("create service principal %q: reserved client id", appID)
	}
	if _, err := s.cfg.Directory.GetServicePrincipal(ctx, appID); err == nil {
		return nil, fmt.Errorf("create service principal %q: already exists", appID)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("create service principal %q: %w", appID, err)
	}
	sp := &ServicePrincipal{AppID: appID, ObjectID: newGUID(), DisplayName: displayName, Created: s.now().UTC()}
	if err := s.cfg.Directory.PutServicePrincipal(ctx, sp); err != nil {
		return nil, fmt.Errorf("create service principal %q: %w", appID, err)
	}
	return sp, nil
}

// AddClientSecret adds a client secret to a service principal and returns
// it; this is the only time the secret is available. An empty secret is
// generated. validFor ≤ 0 means two years (the Entra portal's longest
// recommended lifetime). Earlier secrets stay valid.
func (s *Service) AddClientSecret(ctx context.Context, appID, secret string, validFor time.Duration) (string, error) {
	return s.addClientSecret(ctx, appID, secret, validFor, false)
}

// ResetClientSecret replaces every client secret of a service principal
// with one new, generated secret and returns it: what `az ad sp credential
// reset` does without --append. Tokens already issued stay valid until they
// expire, as in Entra.
func (s *Service) ResetClientSecret(ctx context.Context, appID string, validFor time.Duration) (string, error) {
	return s.addClientSecret(ctx, appID, "", validFor, true)
}

func (s *Service) addClientSecret(ctx context.Context, appID, secret string, validFor time.Duration, replace bool) (string, error) {
	sp, err := s.cfg.Directory.GetServicePrincipal(ctx, appID)
	if err != nil {
		return "", fmt.Errorf("add secret to %q: %w", appID, err)
	}
	if secret == "" {
		if secret, err = NewClientSecret(); err != nil {
			return "", fmt.Errorf("add secret to %q: %w", appID, err)
		}
	}
	if len(secret) < 16 {
		return "", fmt.Errorf("add secret to %q: secret must have at least 16 characters", appID)
	}
	if validFor <= 0 {
		validFor = 2 * 365 * 24 * time.Hour
	}
	if replace {
		sp.Secrets = nil
	}
	sp.Secrets = append(sp.Secrets, SecretCredential{
		KeyID: newGUID(), Hint: secret[:3], Hash: HashClientSecret(secret), Expires: s.now().Add(validFor).UTC(),
	})
	if err := s.cfg.Directory.PutServicePrincipal(ctx, sp); err != nil {
		return "", fmt.Errorf("add secret to %q: %w", appID, err)
	}
	return secret, nil
}

// RemoveClientSecret revokes the client secret whose key id is keyID
// (compared case-insensitively, as GUIDs are). A service principal without
// that secret gives ErrNotFound.
func (s *Service) RemoveClientSecret(ctx context.Context, appID, keyID string) error {
	sp, err := s.cfg.Directory.GetServicePrincipal(ctx, appID)
	if err != nil {
		return fmt.Errorf("remove secret %q from %q: %w", keyID, appID, err)
	}
	kept := sp.Secrets[:0:0]
	for _, c := range sp.Secrets {
		if !strings.EqualFold(c.KeyID, keyID) {
			kept = append(kept, c)
		}
	}
	if len(kept) == len(sp.Secrets) {
		return fmt.Errorf("remove secret %q from %q: no secret with that key id: %w", keyID, appID, ErrNotFound)
	}
	sp.Secrets = kept
	if err := s.cfg.Directory.PutServicePrincipal(ctx, sp); err != nil {
		return fmt.Errorf("remove secret %q from %q: %w", keyID, appID, err)
	}
	return nil
}

// AddCertificate registers a certificate whose private key may sign client
// assertions for the service principal.
func (s *Service) AddCertificate(ctx context.Context, appID string, cert *x509.Certificate) error {
	sp, err := s.cfg.Directory.GetServicePrincipal(ctx, appID)
	if err != nil {
		return fmt.Errorf("add certificate to %q: %w", appID, err)
	}
	sp.Certificates = append(sp.Certificates, CertificateCredential{KeyID: newGUID(), DER: cert.Raw, Expires: cert.NotAfter.UTC()})
	if err := s.cfg.Directory.PutServicePrincipal(ctx, sp); err != nil {
		return fmt.Errorf("add certificate to %q: %w", appID, err)
	}
	return nil
}

// AdminName is the sign-in name of the bootstrap administrator.
const AdminName = "admin"

// AdminBootstrap is what EnsureAdmin created; print it once.
type AdminBootstrap struct {
	User     *User
	Password string
	TOTP     *TOTPEnrollment
}

// EnsureAdmin creates the user "admin" on first start, with the given
// password and TOTP seed or generated ones, and an active authenticator.
// When the user already exists it returns (nil, nil): secrets are shown only
// once.
func (s *Service) EnsureAdmin(ctx context.Context, password, totpSecret string) (*AdminBootstrap, error) {
	if _, err := s.cfg.Directory.GetUser(ctx, AdminName); err == nil {
		return nil, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	var err error
	if password == "" {
		if password, err = randomString(20, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"); err != nil {
			return nil, fmt.Errorf("ensure admin: %w", err)
		}
	}
	if _, err := s.CreateUser(ctx, AdminName, "Administrator", password); err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	opts := totp.GenerateOpts{Issuer: totpIssuer, AccountName: s.upn(AdminName), Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20}
	if totpSecret != "" {
		dec, err := decodeBase32(totpSecret)
		if err != nil {
			return nil, fmt.Errorf("ensure admin: totp secret: %w", err)
		}
		opts.Secret = dec
	}
	key, err := totp.Generate(opts)
	if err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	enr, err := newEnrollment(key.Secret(), key.URL())
	if err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	u, err := s.cfg.Directory.GetUser(ctx, AdminName)
	if err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	u.TOTPSecret = key.Secret()
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	return &AdminBootstrap{User: redactUser(u), Password: password, TOTP: enr}, nil
}

// SPBootstrap is what EnsureServicePrincipal created; print it once.
type SPBootstrap struct {
	AppID    string
	ObjectID string
	Secret   string
}

// EnsureServicePrincipal creates the bootstrap service principal with the
// given (or a generated) client id and secret. When it already exists it
// returns (nil, nil).
func (s *Service) EnsureServicePrincipal(ctx context.Context, appID, secret, displayName string) (*SPBootstrap, error) {
	if appID != "" {
		if _, err := s.cfg.Directory.GetServicePrincipal(ctx, appID); err == nil {
			return nil, nil
		} else if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("ensure service principal: %w", err)
		}
	}
	if displayName == "" {
		displayName = "palisade-bootstrap"
	}
	sp, err := s.CreateServicePrincipal(ctx, appID, displayName)
	if err != nil {
		return nil, fmt.Errorf("ensure service principal: %w", err)
	}
	secret, err = s.AddClientSecret(ctx, sp.AppID, secret, 0)
	if err != nil {
		return nil, fmt.Errorf("ensure service principal: %w", err)
	}
	return &SPBootstrap{AppID: sp.AppID, ObjectID: sp.ObjectID, Secret: secret}, nil
}
