// Package client is the HTTP side of the palisade command line: the signed-in
// profile and its token cache in the user's configuration folder, the OAuth
// grants the CLI uses against the built-in issuer, and an ARM client that
// sends requests with a bearer token, refreshes it silently, logs requests
// for --debug with secrets redacted, and hands claims challenges (MFA
// step-up) back to the caller.
package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ConfigDirEnv overrides the folder the profile is kept in (as
// AZURE_CONFIG_DIR does for az); by default it is palisade/ under the user's
// configuration folder ($XDG_CONFIG_HOME or ~/.config on Linux).
const ConfigDirEnv = "PALISADE_CONFIG_DIR"

// profileFile is the file name of the profile inside the configuration folder.
const profileFile = "profile.json"

// Subscription is one subscription the signed-in principal can see, kept as
// az keeps it in azureProfile.json so that `account list` works offline.
type Subscription struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	State     string `json:"state"`
	TenantID  string `json:"tenantId"`
	IsDefault bool   `json:"isDefault"`
}

// Token is a cached access token with what is needed to renew it without
// asking the user again: a refresh token for users, the client secret for
// service principals (the file is readable by its owner only, as az's
// service-principal cache is).
type Token struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	ExpiresOn    time.Time `json:"expiresOn"`
	ClientSecret string    `json:"clientSecret,omitempty"`
}

// Profile is everything `palisade login` remembers: which server, which
// principal, its subscriptions and its tokens.
type Profile struct {
	// Server is the base URL of the Palisade server.
	Server string `json:"server"`
	// CAFile is a PEM file of the certificate authority to trust for Server.
	CAFile string `json:"caFile,omitempty"`
	// TenantID is the tenant the principal signed in to.
	TenantID string `json:"tenantId,omitempty"`
	// User is the user name or the service principal's application id.
	User string `json:"user,omitempty"`
	// UserType is "user" or "servicePrincipal", as az's account show says.
	UserType string `json:"userType,omitempty"`
	// LoginMethod is how the user signed in ("password", "devicecode",
	// "browser"): step-up repeats it.
	LoginMethod string `json:"loginMethod,omitempty"`
	// Subscriptions are the subscriptions found at sign-in.
	Subscriptions []Subscription `json:"subscriptions,omitempty"`
	// Token is the cached ARM token.
	Token *Token `json:"token,omitempty"`
}

// ConfigDir returns the folder the profile lives in.
func ConfigDir() (string, error) {
	if d := os.Getenv(ConfigDirEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder: %w", err)
	}
	return filepath.Join(base, "palisade"), nil
}

// LoadProfile reads the saved profile; a missing file gives an empty
// profile and no error.
func LoadProfile() (*Profile, error) {
	dir, err := ConfigDir()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, profileFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &Profile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	p := &Profile{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("read profile %s: %w", filepath.Join(dir, profileFile), err)
	}
	return p, nil
}

// Save writes the profile with permissions 0600 in a 0700 folder, replacing
// the file atomically so that a crash never leaves half a token cache.
func (p *Profile) Save() error {
	dir, err := ConfigDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode profile: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".profile-*")
	if err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save profile: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save profile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, profileFile)); err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	return nil
}

// Clear removes the saved profile (logout).
func Clear() error {
	dir, err := ConfigDir()
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, profileFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove profile: %w", err)
	}
	return nil
}

// DefaultSubscription returns the subscription marked default, or nil.
func (p *Profile) DefaultSubscription() *Subscription {
	for i := range p.Subscriptions {
		if p.Subscriptions[i].IsDefault {
			return &p.Subscriptions[i]
		}
	}
	if len(p.Subscriptions) > 0 {
		return &p.Subscriptions[0]
	}
	return nil
}
