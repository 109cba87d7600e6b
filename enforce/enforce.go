// Package enforce connects the policy decision (policy/decide) to the store: it keeps a compiled
// snapshot of every policy object in force, rebuilt as soon as any of them (or the
// management-group hierarchy) changes, and it gathers what a decision needs from the store —
// the resource group and subscription objects that resourceGroup() and subscription() return,
// and the related resources of auditIfNotExists/deployIfNotExists.
//
// # Basics
//
// An Engine subscribes to the store's change notifications. A change marks the snapshot stale;
// the next request rebuilds it, so an assignment, override, selector, exemption or
// enforcement-mode change governs the very next request — in every replica, since the PostgreSQL
// store relays notifications between them.
package enforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

// Store document types the snapshot is built from (lower case, as the store keeps them).
const (
	typeDefinition        = "microsoft.authorization/policydefinitions"
	typeDefinitionVersion = "microsoft.authorization/policydefinitions/versions"
	typeSetDefinition     = "microsoft.authorization/policysetdefinitions"
	typeAssignment        = "microsoft.authorization/policyassignments"
	typeExemption         = "microsoft.authorization/policyexemptions"
	typeManagementGroup   = "microsoft.management/managementgroups"
	typeGroupMembership   = "microsoft.management/managementgroups/subscriptions"
)

// watched are the types whose change invalidates the snapshot.
var watched = map[string]bool{
	typeDefinition: true, typeDefinitionVersion: true, typeSetDefinition: true, typeAssignment: true,
	typeExemption: true, typeManagementGroup: true, typeGroupMembership: true,
}

// Engine serves decisions from an up-to-date snapshot of the policy objects in a store.
type Engine struct {
	st  store.Store
	log *slog.Logger

	mu      sync.Mutex // serialises rebuilds
	snap    atomic.Pointer[decide.Snapshot]
	version atomic.Uint64 // bumped by every relevant change
	built   atomic.Uint64 // the version the current snapshot was built from
	cache   parseCache
}

// New returns an engine over st and subscribes to its changes.
func New(st store.Store, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{st: st, log: log}
	e.version.Store(1)
	st.Subscribe(func(types []string) {
		for _, t := range types {
			if watched[strings.ToLower(t)] {
				e.version.Add(1)
				return
			}
		}
	})
	return e
}

// Invalidate marks the snapshot stale (for changes made outside the store's notifications).
func (e *Engine) Invalidate() { e.version.Add(1) }

// Snapshot returns the snapshot of the policy objects in force, rebuilding it (in a read
// transaction of its own) when something changed since it was built.
func (e *Engine) Snapshot(ctx context.Context) (*decide.Snapshot, error) {
	return e.snapshot(ctx, nil)
}

// SnapshotIn is Snapshot for a caller already inside a store transaction: a rebuild reads
// through tx instead of opening a second transaction (which the SQLite store's single writer
// cannot nest).
func (e *Engine) SnapshotIn(ctx context.Context, tx store.Tx) (*decide.Snapshot, error) {
	return e.snapshot(ctx, tx)
}

func (e *Engine) snapshot(ctx context.Context, tx store.Tx) (*decide.Snapshot, error) {
	want := e.version.Load()
	if s := e.snap.Load(); s != nil && e.built.Load() == want {
		return s, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	want = e.version.Load()
	if s := e.snap.Load(); s != nil && e.built.Load() == want {
		return s, nil
	}
	var objs decide.Objects
	var err error
	if tx != nil {
		objs, err = e.cache.load(ctx, tx)
	} else {
		err = e.st.View(ctx, func(tx store.Tx) error {
			var err error
			objs, err = e.cache.load(ctx, tx)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("load policy objects: %w", err)
	}
	s := decide.NewSnapshot(objs)
	for _, p := range s.Problems {
		e.log.Warn("policy assignment skipped", "err", p)
	}
	e.snap.Store(s)
	e.built.Store(want)
	return s, nil
}

// Load reads the policy objects in force and the management-group hierarchy from the store:
// every assignment and exemption, and only the initiatives and definitions the assignments use
// (a store holding Azure's whole imported library parses a handful of definitions, not 5,000).
func Load(ctx context.Context, tx store.Tx) (decide.Objects, error) {
	return (&parseCache{}).load(ctx, tx)
}

// parseCache keeps compiled definitions and initiatives by key and ETag, so that a rebuild
// after a change parses only what changed.
type parseCache struct {
	mu   sync.Mutex
	defs map[string]cachedDef
	sets map[string]cachedSet
}

type cachedDef struct {
	etag string
	def  *policy.Definition
}

type cachedSet struct {
	etag string
	set  *policy.SetDefinition
}

func (c *parseCache) load(ctx context.Context, tx store.Tx) (decide.Objects, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.defs == nil {
		c.defs, c.sets = map[string]cachedDef{}, map[string]cachedSet{}
	}
	var o decide.Objects
	err := each(ctx, tx, typeAssignment, func(d *store.Document, v any) error {
		a, err := policy.AssignmentFromValue(v)
		if err != nil {
			return fmt.Errorf("assignment %s: %w", d.ID, err)
		}
		a.ID, a.Name = d.ID, d.Name
		o.Assignments = append(o.Assignments, a)
		return nil
	})
	if err != nil {
		return o, err
	}
	err = each(ctx, tx, typeExemption, func(d *store.Document, v any) error {
		x, err := policy.ExemptionFromValue(v)
		if err != nil {
			return fmt.Errorf("exemption %s: %w", d.ID, err)
		}
		x.ID, x.Name = d.ID, d.Name
		o.Exemptions = append(o.Exemptions, x)
		return nil
	})
	if err != nil {
		return o, err
	}
	neededDefs := map[string]bool{}
	seenSets := map[string]bool{}
	for _, a := range o.Assignments {
		key := strings.ToLower(a.PolicyDefinitionID)
		if !policy.IsSetDefinitionID(key) {
			neededDefs[key] = true
			continue
		}
		if seenSets[key] {
			continue
		}
		seenSets[key] = true
		set, err := c.set(ctx, tx, key)
		if err != nil || set == nil {
			continue // the snapshot reports the assignment as a problem
		}
		o.SetDefinitions = append(o.SetDefinitions, set)
		for _, r := range set.PolicyDefinitions {
			neededDefs[strings.ToLower(r.PolicyDefinitionID)] = true
		}
	}
	for key := range neededDefs {
		def, err := c.definition(ctx, tx, key)
		if err != nil {
			return o, err
		}
		if def != nil {
			o.Definitions = append(o.Definitions, def)
		}
		err = each(ctx, tx, typeDefinitionVersion, func(d *store.Document, v any) error {
			if !strings.HasPrefix(d.Key, key+"/") {
				return nil
			}
			def, err := policy.DefinitionFromValue(v, policy.Options{})
			if err != nil {
				return fmt.Errorf("definition version %s: %w", d.ID, err)
			}
			def.ID, def.Name = d.ID, d.Name
			o.DefinitionVersions = append(o.DefinitionVersions, def)
			return nil
		}, key)
		if err != nil {
			return o, err
		}
	}
	o.Parents, o.RootGroupID, err = hierarchy(ctx, tx)
	return o, err
}

// definition returns a compiled definition by key: stored (parsed once per ETag) or shipped.
func (c *parseCache) definition(ctx context.Context, tx store.Tx, key string) (*policy.Definition, error) {
	d, err := tx.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		if def, ok := builtin.Definition(key); ok && strings.EqualFold(def.ID, key) {
			return def, nil
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cd, ok := c.defs[key]; ok && cd.etag == d.ETag && d.ETag != "" {
		return cd.def, nil
	}
	v, err := expr.DecodeJSON(d.Body)
	if err != nil {
		return nil, fmt.Errorf("definition %s: %w", d.ID, err)
	}
	def, err := policy.DefinitionFromValue(v, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("definition %s: %w", d.ID, err)
	}
	def.ID, def.Name = d.ID, d.Name
	c.defs[key] = cachedDef{d.ETag, def}
	return def, nil
}

// set returns a decoded initiative by key, parsed once per ETag.
func (c *parseCache) set(ctx context.Context, tx store.Tx, key string) (*policy.SetDefinition, error) {
	d, err := tx.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cs, ok := c.sets[key]; ok && cs.etag == d.ETag && d.ETag != "" {
		return cs.set, nil
	}
	v, err := expr.DecodeJSON(d.Body)
	if err != nil {
		return nil, fmt.Errorf("set definition %s: %w", d.ID, err)
	}
	set, err := policy.SetDefinitionFromValue(v)
	if err != nil {
		return nil, fmt.Errorf("set definition %s: %w", d.ID, err)
	}
	set.ID, set.Name = d.ID, d.Name
	c.sets[key] = cachedSet{d.ETag, set}
	return set, nil
}

// hierarchy reads management-group parents and subscription memberships.
func hierarchy(ctx context.Context, tx store.Tx) (map[string]string, string, error) {
	parents := map[string]string{}
	root := ""
	err := each(ctx, tx, typeManagementGroup, func(d *store.Document, v any) error {
		parent := strField(v, "properties", "details", "parent", "id")
		if parent == "" {
			root = d.ID
			return nil
		}
		parents[d.Key] = strings.ToLower(parent)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	err = each(ctx, tx, typeGroupMembership, func(d *store.Document, v any) error {
		parent := strField(v, "properties", "parent", "id")
		if parent != "" {
			parents["/subscriptions/"+strings.ToLower(d.Name)] = strings.ToLower(parent)
		}
		return nil
	})
	return parents, root, err
}

// each decodes every document of a type (under a key, when one is given).
func each(ctx context.Context, tx store.Tx, typ string, fn func(*store.Document, any) error, under ...string) error {
	q := store.Query{Types: []string{typ}}
	if len(under) > 0 {
		q.Under = under[0]
	}
	return store.Each(ctx, tx, q, func(d *store.Document) error {
		v, err := expr.DecodeJSON(d.Body)
		if err != nil {
			return fmt.Errorf("%s: %w", d.ID, err)
		}
		return fn(d, v)
	})
}

// strField walks nested objects by property names.
func strField(v any, path ...string) string {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v, _ = expr.Lookup(m, p)
	}
	s, _ := v.(string)
	return s
}

// Getter reads one document by key: a store.Tx, or a cache in front of one.
type Getter interface {
	Get(ctx context.Context, key string) (*store.Document, error)
}

// ScopeObjects returns what resourceGroup() and subscription() return for a resource: the stored
// resource group and subscription in ARM's shape (resourceGroup() always carries managedBy, null
// when unset, because Azure's own definitions read it directly). With a cache, objects built
// from an unchanged document are reused; callers must not modify them.
func ScopeObjects(ctx context.Context, tx Getter, id armid.ID, cache *ScopeCache) (rg, sub map[string]any, err error) {
	if s := id.SubscriptionID(); s != "" {
		raw := "/subscriptions/" + s // the object carries the request's casing of the id
		d, _ := tx.Get(ctx, strings.ToLower(raw))
		sub = cache.object(raw, d, func() map[string]any {
			o := map[string]any{"id": "/subscriptions/" + s, "subscriptionId": s, "tags": map[string]any{}}
			if d != nil {
				mergeObject(o, d.Body, "displayName", "tenantId", "tags", "state")
			}
			return o
		})
	}
	if g := id.ResourceGroup(); g != "" {
		raw := "/subscriptions/" + id.SubscriptionID() + "/resourceGroups/" + g
		d, _ := tx.Get(ctx, strings.ToLower(raw))
		rg = cache.object(raw, d, func() map[string]any {
			o := map[string]any{"id": "/subscriptions/" + id.SubscriptionID() + "/resourceGroups/" + g, "name": g,
				"type": "Microsoft.Resources/resourceGroups", "managedBy": nil, "tags": map[string]any{},
				"properties": map[string]any{"provisioningState": "Succeeded"}}
			if d != nil {
				mergeObject(o, d.Body, "id", "name", "location", "managedBy", "tags", "properties")
			}
			return o
		})
	}
	return rg, sub, nil
}

// ScopeCache remembers the objects ScopeObjects builds from stored resource groups and
// subscriptions, by key and ETag, so that every write in a group does not decode the group's and
// the subscription's JSON again. A nil *ScopeCache caches nothing.
type ScopeCache struct {
	mu sync.Mutex
	m  map[string]scopeEntry
}

type scopeEntry struct {
	etag string
	obj  map[string]any
}

// maxScopeEntries bounds a ScopeCache; it starts over when full.
const maxScopeEntries = 4096

// object returns the object cached under key (the id as the request spells it) for d's version,
// or builds and caches one. Objects of missing documents (nil d) are not cached.
func (c *ScopeCache) object(key string, d *store.Document, build func() map[string]any) map[string]any {
	if c == nil || d == nil {
		return build()
	}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.etag == d.ETag {
		return e.obj
	}
	o := build()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxScopeEntries {
		c.m = make(map[string]scopeEntry)
	}
	c.m[key] = scopeEntry{etag: d.ETag, obj: o}
	c.mu.Unlock()
	return o
}

func mergeObject(dst map[string]any, body []byte, keys ...string) {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	for _, k := range keys {
		if x, ok := v[k]; ok && x != nil {
			dst[k] = expr.Normalize(x)
		}
	}
}

// Related loads the related resources of an existence outcome from the store.
func Related(ctx context.Context, tx store.Tx, q decide.RelatedQuery) ([]map[string]any, error) {
	var out []map[string]any
	seen := map[string]bool{}
	for _, scope := range q.Scopes {
		sid, err := armid.Parse(scope)
		if err != nil {
			continue
		}
		query := store.Query{Types: []string{strings.ToLower(q.Type)}, Under: sid.Key()}
		err = store.Each(ctx, tx, query, func(d *store.Document) error {
			if seen[d.Key] {
				return nil
			}
			if id, err := armid.Parse(d.ID); err != nil || !q.IsRelated(id) {
				return nil
			}
			seen[d.Key] = true
			if v, err := expr.DecodeJSON(d.Body); err == nil {
				if m, ok := v.(map[string]any); ok {
					out = append(out, m)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("related resources of type %s: %w", q.Type, err)
		}
	}
	return out, nil
}
