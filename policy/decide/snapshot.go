// Package decide makes the per-request policy decision: which assignments govern a resource,
// what their rules say about the request, and what Azure would do about it — change the request
// (append, modify), refuse it (deny, denyAction, a failed evaluation), record it (audit,
// auditAction), or check related resources after the write (auditIfNotExists,
// deployIfNotExists).
//
// # Basics
//
// A Snapshot holds every policy object in force, compiled and indexed by scope. It is built once
// from the stored objects (NewSnapshot) and replaced whole when any of them changes, so a change
// governs the very next request. Snapshot.Decide is safe for concurrent use and touches only the
// assignments at the resource's scope and above it.
//
// # Caveats
//
// Decide does not read the store: existence effects come back as ExistenceChecks for the caller to
// resolve against related resources (CheckExistence), after the write.
package decide

import (
	"fmt"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
)

// Objects are the stored policy objects a snapshot is built from.
type Objects struct {
	// Definitions holds every policy definition by its full id (built-in and custom).
	Definitions []*policy.Definition
	// DefinitionVersions holds older versions: ids like {definitionId}/versions/1.0.0.
	DefinitionVersions []*policy.Definition
	SetDefinitions     []*policy.SetDefinition
	// Assignments must have ID set; Scope is derived from the ID when empty.
	Assignments []*policy.Assignment
	Exemptions  []*policy.Exemption
	// Parents maps the key (lower-cased id) of each subscription and management group to its
	// parent management group's id; the tenant root group has none.
	Parents map[string]string
	// RootGroupID is the tenant root management group's id, the top of every chain.
	RootGroupID string
}

// Snapshot is an immutable, compiled view of the policy objects in force.
type Snapshot struct {
	byScope    map[string][]*compiled // scope key → assignments at that scope
	exemptions map[string][]*policy.Exemption
	parents    map[string]string
	rootGroup  string
	count      int
	// Problems lists assignments that could not be compiled (their definition is missing or
	// invalid); they are skipped.
	Problems []error
}

// compiled is one assignment resolved to the definitions it applies.
type compiled struct {
	a         *policy.Assignment
	scopeKey  string
	notScopes []string
	set       *policy.SetDefinition
	members   []*member
	// versioned holds, for a single-definition assignment with definitionVersion overrides, the
	// member each override's version pattern (lower case) selects, as a one-element list.
	versioned map[string][]*member
}

// membersFor returns the members that apply to the subject: those of the version a matching
// definitionVersion override selects, else the assignment's own.
func (c *compiled) membersFor(sub policy.SelectorSubject) []*member {
	if c.versioned == nil {
		return c.members
	}
	if v, ok := c.a.DefinitionVersionOverride(sub); ok {
		if ms, ok := c.versioned[strings.ToLower(v)]; ok {
			return ms
		}
	}
	return c.members
}

// member is one definition applied by an assignment (the definition itself, or one member of an
// initiative) with its effective parameters and effect.
type member struct {
	def        *policy.Definition
	ref        *policy.DefinitionReference // nil for a single definition
	params     policy.ParameterValues
	effect     policy.Effect
	effectErr  error
	readsAuth  bool
	paramsJSON map[string]any // the assignment's parameters as recorded in events
	policyObj  map[string]any // what policy() returns, fixed per member
}

// AssignmentCount is the number of assignments in force.
func (s *Snapshot) AssignmentCount() int { return s.count }

// NewSnapshot compiles the objects. An assignment whose definition cannot be found is recorded
// in Problems and skipped; the rest still apply.
func NewSnapshot(o Objects) *Snapshot {
	s := &Snapshot{
		byScope:    map[string][]*compiled{},
		exemptions: map[string][]*policy.Exemption{},
		parents:    map[string]string{},
		rootGroup:  strings.ToLower(o.RootGroupID),
	}
	for k, v := range o.Parents {
		s.parents[strings.ToLower(k)] = strings.ToLower(v)
	}
	defs := map[string]*policy.Definition{}
	for _, d := range o.Definitions {
		defs[strings.ToLower(d.ID)] = d
	}
	versions := map[string][]*policy.Definition{}
	for _, d := range o.DefinitionVersions {
		base := strings.ToLower(d.ID)
		if i := strings.Index(base, "/versions/"); i >= 0 {
			base = base[:i]
		}
		versions[base] = append(versions[base], d)
	}
	sets := map[string]*policy.SetDefinition{}
	for _, sd := range o.SetDefinitions {
		sets[strings.ToLower(sd.ID)] = sd
	}
	for _, a := range o.Assignments {
		c, err := compileAssignment(a, defs, versions, sets)
		if err != nil {
			s.Problems = append(s.Problems, fmt.Errorf("assignment %s: %w", a.ID, err))
			continue
		}
		s.byScope[c.scopeKey] = append(s.byScope[c.scopeKey], c)
		s.count++
	}
	for _, e := range o.Exemptions {
		key := strings.ToLower(scopeOf(e.ID, "policyexemptions"))
		s.exemptions[key] = append(s.exemptions[key], e)
	}
	// A stable order: by assignment id within a scope, so decisions and messages are repeatable.
	for _, list := range s.byScope {
		sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].a.ID) < strings.ToLower(list[j].a.ID) })
	}
	return s
}

// scopeOf strips "/providers/Microsoft.Authorization/{kind}/{name}" from an extension resource id.
func scopeOf(id, kind string) string {
	lower := strings.ToLower(id)
	i := strings.LastIndex(lower, "/providers/microsoft.authorization/"+kind+"/")
	if i < 0 {
		return id
	}
	if i == 0 {
		return "/"
	}
	return id[:i]
}

func compileAssignment(a *policy.Assignment, defs map[string]*policy.Definition, versions map[string][]*policy.Definition, sets map[string]*policy.SetDefinition) (*compiled, error) {
	scope := a.Scope
	if scope == "" {
		scope = scopeOf(a.ID, "policyassignments")
	}
	c := &compiled{a: a, scopeKey: strings.ToLower(scope)}
	if c.scopeKey != "/" {
		c.scopeKey = strings.TrimRight(c.scopeKey, "/")
	}
	for _, ns := range a.NotScopes {
		c.notScopes = append(c.notScopes, strings.TrimRight(strings.ToLower(ns), "/"))
	}
	assigned := map[string]any{}
	for k, v := range a.Parameters {
		if entry, ok := v.(map[string]any); ok {
			if val, ok := expr.Lookup(entry, "value"); ok {
				assigned[k] = val
			}
		}
	}
	if policy.IsSetDefinitionID(a.PolicyDefinitionID) {
		sd, ok := sets[strings.ToLower(a.PolicyDefinitionID)]
		if !ok {
			return nil, fmt.Errorf("policy set definition %s not found", a.PolicyDefinitionID)
		}
		c.set = sd
		setParams := sd.Parameters.Effective(assigned)
		for i := range sd.PolicyDefinitions {
			ref := &sd.PolicyDefinitions[i]
			d := pickVersion(defs, versions, ref.PolicyDefinitionID, ref.DefinitionVersion)
			if d == nil {
				return nil, fmt.Errorf("member %s: policy definition %s not found", ref.PolicyDefinitionReferenceID, ref.PolicyDefinitionID)
			}
			values, err := memberParameters(ref, setParams)
			if err != nil {
				return nil, fmt.Errorf("member %s: %w", ref.PolicyDefinitionReferenceID, err)
			}
			c.members = append(c.members, newMember(d, ref, d.Parameters.Effective(values), a.Parameters))
		}
		for _, m := range c.members {
			m.policyObj = c.policyObject(m)
		}
		return c, nil
	}
	d := pickVersion(defs, versions, a.PolicyDefinitionID, a.DefinitionVersion)
	if d == nil {
		return nil, fmt.Errorf("policy definition %s not found", a.PolicyDefinitionID)
	}
	c.members = []*member{newMember(d, nil, d.Parameters.Effective(assigned), a.Parameters)}
	c.members[0].policyObj = c.policyObject(c.members[0])
	for _, ov := range a.Overrides {
		if ov.Kind != policy.OverrideDefinitionVersion || ov.Value == "" {
			continue
		}
		key := strings.ToLower(ov.Value)
		if _, done := c.versioned[key]; done {
			continue
		}
		vd := pickVersion(defs, versions, a.PolicyDefinitionID, ov.Value)
		if vd == nil || !policy.VersionMatches(vd.Version, ov.Value) {
			// No version matches the override: its resources keep the assignment's version.
			continue
		}
		m := newMember(vd, nil, vd.Parameters.Effective(assigned), a.Parameters)
		m.policyObj = c.policyObject(m)
		if c.versioned == nil {
			c.versioned = map[string][]*member{}
		}
		c.versioned[key] = []*member{m}
	}
	return c, nil
}

func newMember(d *policy.Definition, ref *policy.DefinitionReference, params policy.ParameterValues, assigned map[string]any) *member {
	m := &member{def: d, ref: ref, params: params, readsAuth: d.ReadsAuthenticationClaims(), paramsJSON: assigned}
	if m.paramsJSON == nil {
		m.paramsJSON = map[string]any{}
	}
	if d.Rule != nil {
		m.effect, m.effectErr = d.Rule.Effect(params)
	}
	return m
}

// memberParameters resolves an initiative member's parameter values, which may be expressions
// over the initiative's parameters ("[parameters('effect')]").
func memberParameters(ref *policy.DefinitionReference, setParams policy.ParameterValues) (map[string]any, error) {
	out := map[string]any{}
	for name, v := range ref.Parameters {
		entry, ok := v.(map[string]any)
		if !ok {
			continue
		}
		val, ok := expr.Lookup(entry, "value")
		if !ok {
			continue
		}
		r, err := policy.ResolveParameterValue(val, setParams)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		out[name] = r
	}
	return out, nil
}

// pickVersion returns the definition for id at the requested version pattern ("1.*.*", "1.2.*",
// "1.2.3"): the newest version that matches, the current definition when it matches or no
// pattern is given.
func pickVersion(defs map[string]*policy.Definition, versions map[string][]*policy.Definition, id, pattern string) *policy.Definition {
	key := strings.ToLower(id)
	cur := defs[key]
	if pattern == "" || (cur != nil && policy.VersionMatches(cur.Version, pattern)) {
		return cur
	}
	held := versions[key]
	vs := make([]string, len(held))
	for i, d := range held {
		vs[i] = d.Version
	}
	i := policy.NewestMatching(vs, pattern)
	if i < 0 {
		return cur
	}
	return held[i]
}

// chain lists the scope keys that govern id: the id itself and its parents up to the
// subscription, then the subscription's management groups up to the tenant root. It works on the
// lower-cased key, which is already normalised, so that no id is parsed again per request.
func (s *Snapshot) chain(id armid.ID) []string {
	out := make([]string, 0, 8)
	k := id.Key()
	out = append(out, k)
	for {
		p, ok := parentKey(k)
		if !ok || p == "/" {
			break
		}
		out = append(out, p)
		k = p
	}
	// Management groups: from the subscription (or group) up through its parents.
	seen := 0
	for {
		parent, ok := s.parents[k]
		if !ok || parent == "" || seen > 16 {
			break
		}
		out = append(out, parent)
		seen++
		k = parent
	}
	top := k
	if s.rootGroup != "" && top != s.rootGroup && (strings.HasPrefix(top, "/subscriptions/") || strings.Contains(top, "/managementgroups/")) && !strings.Contains(top[1:], "/resourcegroups/") {
		out = append(out, s.rootGroup)
	}
	return append(out, "/")
}

// parentKey returns the key of the object containing the object with key k: a nested
// resource's parent, a resource's scope (resource group, or the resource an extension is on), a
// group's subscription. Subscriptions and management groups have the tenant root as parent.
func parentKey(k string) (string, bool) {
	if k == "/" || k == "" {
		return "", false
	}
	if i := strings.LastIndex(k, "/providers/"); i >= 0 {
		rest := k[i+len("/providers/"):]
		if strings.Count(rest, "/") > 2 { // namespace/type/name/childType/childName…
			j := strings.LastIndexByte(k, '/')
			j = strings.LastIndexByte(k[:j], '/')
			return k[:j], true
		}
		if i == 0 {
			return "/", true
		}
		return k[:i], true
	}
	if strings.HasPrefix(k, "/subscriptions/") {
		if i := strings.Index(k, "/resourcegroups/"); i > 0 {
			return k[:i], true
		}
	}
	return "/", true
}
