package authz

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Permissions returns the permission blocks of every role assigned to p or
// its groups at scope or above, once per role: what ARM's
// Permissions_ListForResourceGroup and Permissions_ListForResource answer, so
// that a portal can tell which buttons a caller may use.
func (s *Snapshot) Permissions(p Principal, scope armid.ID) []Permission {
	out := []Permission{}
	if scope.IsZero() {
		return out
	}
	chain := s.chain(scope.Key(), nil)
	seen := map[*compiledRole]bool{}
	for _, id := range append([]string{p.ObjectID}, p.Groups...) {
		pg := s.byPrincipal[strings.ToLower(id)]
		if pg == nil {
			continue
		}
		for _, g := range pg.list {
			if seen[g.role] || !inChain(g.scopeKey, chain) {
				continue
			}
			seen[g.role] = true
			for _, b := range g.role.def.Properties.Permissions {
				out = append(out, copyPermission(b))
			}
		}
	}
	return out
}

func inChain(key string, chain []string) bool {
	for _, k := range chain {
		if k == key {
			return true
		}
	}
	return false
}

// copyPermission copies a block with [] for empty lists.
func copyPermission(p Permission) Permission {
	c := func(s []string) []string { return append([]string{}, s...) }
	return Permission{Actions: c(p.Actions), NotActions: c(p.NotActions), DataActions: c(p.DataActions), NotDataActions: c(p.NotDataActions)}
}

// ServePermissions serves GET {scope}/providers/Microsoft.Authorization/
// permissions: the caller's own permissions at the scope
// ({"value":[{"actions","notActions","dataActions","notDataActions"}]}). The
// router mounts it for the collection type
// "Microsoft.Authorization/permissions"; every caller may read its own
// permissions.
func (h *Handlers) ServePermissions(w http.ResponseWriter, c Call) {
	if c.HTTP.Method != http.MethodGet || !c.Collection {
		h.fail(w, methodNotAllowed(c.HTTP.Method))
		return
	}
	ctx := c.HTTP.Context()
	var s *Snapshot
	err := h.Store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = LoadSnapshot(ctx, tx, h.Hierarchy)
		return err
	})
	if err != nil {
		h.fail(w, fmt.Errorf("permissions at %s: %w", c.ID, err))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Value []Permission `json:"value"`
	}{s.Permissions(c.Caller, c.ID)})
}
