package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/palisade/palisade/identity"
)

// DirectoryPrincipalType returns a Handlers.PrincipalType lookup over the
// built-in identity directory: "User" for a user's object id,
// "ServicePrincipal" for a service principal's, "" for an unknown id.
// Principals of external issuers are not in the directory; assigning them a
// role needs an explicit principalType, as Azure asks for principals it has
// not replicated yet.
func DirectoryPrincipalType(dir identity.Directory) func(ctx context.Context, objectID string) (string, error) {
	return func(ctx context.Context, objectID string) (string, error) {
		if u, err := dir.GetUserByID(ctx, objectID); err == nil && u != nil {
			return "User", nil
		} else if err != nil && !errors.Is(err, identity.ErrNotFound) {
			return "", fmt.Errorf("look up user %s: %w", objectID, err)
		}
		sps, err := dir.ListServicePrincipals(ctx)
		if err != nil {
			return "", fmt.Errorf("list service principals: %w", err)
		}
		for _, sp := range sps {
			if strings.EqualFold(sp.ObjectID, objectID) {
				return "ServicePrincipal", nil
			}
		}
		return "", nil
	}
}
