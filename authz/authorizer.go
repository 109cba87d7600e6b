package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// Lower-cased document types the Authorizer reads and watches.
const (
	roleDefinitionDocType = "microsoft.authorization/roledefinitions"
	roleAssignmentDocType = "microsoft.authorization/roleassignments"
	managementGroupPrefix = "microsoft.management/managementgroups"
)

// HierarchyFunc reads the management-group tree in tx: parents maps the key
// (lower-cased id) of every subscription and management group to its parent
// group's id, and rootGroupID is the tenant root group's id. StoredHierarchy
// reads it from the documents the management-group API stores.
type HierarchyFunc func(ctx context.Context, tx store.Tx) (parents map[string]string, rootGroupID string, err error)

// Authorizer answers RBAC checks from a Snapshot of the stored role
// definitions and assignments, rebuilt when the store reports a change to
// either or to the management-group tree, so that a committed change governs
// the very next check. It is safe for concurrent use.
type Authorizer struct {
	store     store.Store
	hierarchy HierarchyFunc

	snap  atomic.Pointer[Snapshot]
	dirty atomic.Bool
	mu    sync.Mutex // one reload at a time
}

// NewAuthorizer returns an Authorizer over st that subscribes to its
// changes; the first check loads the snapshot. hierarchy may be nil for
// StoredHierarchy. With a nil st the Authorizer only checks against the
// snapshot given to Load (for tests and tools).
func NewAuthorizer(st store.Store, hierarchy HierarchyFunc) *Authorizer {
	if hierarchy == nil {
		hierarchy = StoredHierarchy
	}
	a := &Authorizer{store: st, hierarchy: hierarchy}
	a.snap.Store(NewSnapshot(Objects{}))
	if st != nil {
		a.dirty.Store(true)
		st.Subscribe(a.changed)
	}
	return a
}

// changed is the store subscription: mark the snapshot stale when role
// objects or the management-group tree may have changed.
func (a *Authorizer) changed(types []string) {
	if types == nil {
		a.dirty.Store(true)
		return
	}
	for _, t := range types {
		if t == roleDefinitionDocType || t == roleAssignmentDocType || strings.HasPrefix(t, managementGroupPrefix) {
			a.dirty.Store(true)
			return
		}
	}
}

// Load installs s as the snapshot checks use.
func (a *Authorizer) Load(s *Snapshot) {
	a.snap.Store(s)
}

// Snapshot returns the snapshot in force, rebuilding it first when the
// store reported a change since the last build.
func (a *Authorizer) Snapshot(ctx context.Context) (*Snapshot, error) {
	if a.store != nil && a.dirty.Load() {
		if err := a.reloadIfDirty(ctx); err != nil {
			return nil, err
		}
	}
	return a.snap.Load(), nil
}

// Reload rebuilds the snapshot from the store now.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.dirty.Store(true)
	return a.reloadIfDirty(ctx)
}

func (a *Authorizer) reloadIfDirty(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.dirty.Load() {
		return nil // another goroutine rebuilt it while this one waited
	}
	// Clear the flag before reading: a commit during the read sets it
	// again and the next check reads once more.
	a.dirty.Store(false)
	var s *Snapshot
	err := a.store.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = LoadSnapshot(ctx, tx, a.hierarchy)
		return err
	})
	if err != nil {
		a.dirty.Store(true)
		return fmt.Errorf("authz: reload role assignments: %w", err)
	}
	a.snap.Store(s)
	return nil
}

// LoadSnapshot reads every role definition and role assignment document in
// tx, and the management-group tree through hierarchy (StoredHierarchy when
// nil), and compiles them. Documents that do not decode are reported in the
// snapshot's Problems.
func LoadSnapshot(ctx context.Context, tx store.Tx, hierarchy HierarchyFunc) (*Snapshot, error) {
	if hierarchy == nil {
		hierarchy = StoredHierarchy
	}
	var o Objects
	var problems []error
	defs, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleDefinitionDocType}})
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		var rd RoleDefinition
		if err := json.Unmarshal(d.Body, &rd); err != nil {
			problems = append(problems, fmt.Errorf("role definition %s: %w", d.ID, err))
			continue
		}
		o.RoleDefinitions = append(o.RoleDefinitions, &rd)
	}
	assigns, err := store.ListAll(ctx, tx, store.Query{Types: []string{roleAssignmentDocType}})
	if err != nil {
		return nil, err
	}
	for _, d := range assigns {
		var ra RoleAssignment
		if err := json.Unmarshal(d.Body, &ra); err != nil {
			problems = append(problems, fmt.Errorf("role assignment %s: %w", d.ID, err))
			continue
		}
		if ra.ID == "" {
			ra.ID = d.ID
		}
		o.RoleAssignments = append(o.RoleAssignments, &ra)
	}
	if o.Parents, o.RootGroupID, err = hierarchy(ctx, tx); err != nil {
		return nil, fmt.Errorf("management-group hierarchy: %w", err)
	}
	s := NewSnapshot(o)
	s.Problems = append(problems, s.Problems...)
	return s, nil
}

// Check returns nil when a role assignment to p (or one of its groups) at
// scope or above grants action, and an *AuthorizationFailedError naming the
// caller, action and scope otherwise. Any other error means the role
// assignments could not be read; the request must then fail (500), not
// proceed.
func (a *Authorizer) Check(ctx context.Context, p Principal, action string, scope armid.ID) error {
	return a.check(ctx, p, action, scope, false)
}

// CheckDataAction is Check for a data action, matched against the roles'
// dataActions and notDataActions.
func (a *Authorizer) CheckDataAction(ctx context.Context, p Principal, action string, scope armid.ID) error {
	return a.check(ctx, p, action, scope, true)
}

func (a *Authorizer) check(ctx context.Context, p Principal, action string, scope armid.ID, data bool) error {
	s, err := a.Snapshot(ctx)
	if err != nil {
		return err
	}
	if s.Allowed(p, action, scope, data) {
		return nil
	}
	return &AuthorizationFailedError{Caller: p.Caller, ObjectID: p.ObjectID, Action: action, Scope: scope.String()}
}

// PrincipalOf converts a verified token's principal for checks: its object
// id, the groups claim, and the caller name ARM shows (UPN for users,
// application id for applications).
func PrincipalOf(p *identity.Principal) Principal {
	if p == nil {
		return Principal{}
	}
	out := Principal{ObjectID: p.ObjectID, Caller: p.Caller()}
	switch g := p.Claims["groups"].(type) {
	case []any:
		for _, v := range g {
			if s, ok := v.(string); ok {
				out.Groups = append(out.Groups, s)
			}
		}
	case []string:
		out.Groups = append(out.Groups, g...)
	}
	return out
}
