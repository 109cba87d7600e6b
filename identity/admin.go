package identity

import (
	"context"
	"fmt"
)

// ListUsers returns all users without password hashes or TOTP seeds.
func (s *Service) ListUsers(ctx context.Context) ([]*User, error) {
	users, err := s.cfg.Directory.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	for i, u := range users {
		users[i] = redactUser(u)
	}
	return users, nil
}

// DeleteUser removes a user. Tokens already issued stay valid until they
// expire; refresh tokens stop working because the user no longer exists.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return fmt.Errorf("delete user %q: %w", name, err)
	}
	if err := s.cfg.Directory.DeleteUser(ctx, u.Name); err != nil {
		return fmt.Errorf("delete user %q: %w", name, err)
	}
	return nil
}

// SetUserDisabled blocks (or unblocks) a user's sign-ins and refreshes.
func (s *Service) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	u, err := s.lookupUser(ctx, name)
	if err != nil {
		return fmt.Errorf("disable user %q: %w", name, err)
	}
	u.Disabled = disabled
	if err := s.cfg.Directory.PutUser(ctx, u); err != nil {
		return fmt.Errorf("disable user %q: %w", name, err)
	}
	return nil
}

// ListServicePrincipals returns all service principals with their secret
// digests removed (hints and expiry dates remain).
func (s *Service) ListServicePrincipals(ctx context.Context) ([]*ServicePrincipal, error) {
	sps, err := s.cfg.Directory.ListServicePrincipals(ctx)
	if err != nil {
		return nil, fmt.Errorf("list service principals: %w", err)
	}
	for _, sp := range sps {
		for i := range sp.Secrets {
			sp.Secrets[i].Hash = ""
		}
	}
	return sps, nil
}

// DeleteServicePrincipal removes a service principal and its credentials.
func (s *Service) DeleteServicePrincipal(ctx context.Context, appID string) error {
	if err := s.cfg.Directory.DeleteServicePrincipal(ctx, appID); err != nil {
		return fmt.Errorf("delete service principal %q: %w", appID, err)
	}
	return nil
}
