package authz

import (
	"fmt"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
)

// Principal is the caller a check is made for: the object id its role
// assignments name, the groups it belongs to (group assignments apply to
// members), and the name ARM shows in refusals.
type Principal struct {
	// ObjectID is the user's or service principal's object id (oid claim).
	ObjectID string
	// Groups are the object ids of the groups the principal is a member of
	// (the groups claim).
	Groups []string
	// Caller is the user principal name for users and the application id
	// for applications; ObjectID is shown when it is empty.
	Caller string
}

// Objects are the stored role objects a Snapshot is built from.
type Objects struct {
	// RoleDefinitions are the custom roles; the built-in roles are always
	// included and cannot be replaced.
	RoleDefinitions []*RoleDefinition
	// RoleAssignments must have ID set; the scope is taken from
	// properties.scope, or from the id when that is empty.
	RoleAssignments []*RoleAssignment
	// Parents maps the key (lower-cased id) of each subscription and
	// management group to its parent management group's id.
	Parents map[string]string
	// RootGroupID is the tenant root management group's id, above every
	// subscription and group whose chain in Parents stops short of it.
	RootGroupID string
}

// block is one compiled permission block.
type block struct {
	actions, notActions, dataActions, notDataActions patternSet
}

// compiledRole is a role definition with its patterns compiled.
type compiledRole struct {
	def    *RoleDefinition
	blocks []block
}

// allows reports whether some permission block grants action: one of its
// (data) actions matches and none of its not(Data)Actions does. Blocks are
// independent: notActions subtract only from their own block, and a second
// role granting the action is not affected by the first role's notActions
// (https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions).
func (r *compiledRole) allows(action string, data bool) bool {
	for i := range r.blocks {
		b := &r.blocks[i]
		if data {
			if b.dataActions.any(action) && !b.notDataActions.any(action) {
				return true
			}
			continue
		}
		if b.actions.any(action) && !b.notActions.any(action) {
			return true
		}
	}
	return false
}

func compileRole(d *RoleDefinition) (*compiledRole, error) {
	r := &compiledRole{def: d}
	for i, p := range d.Properties.Permissions {
		var b block
		var err error
		for _, f := range []struct {
			dst  *patternSet
			src  []string
			name string
		}{{&b.actions, p.Actions, "actions"}, {&b.notActions, p.NotActions, "notActions"},
			{&b.dataActions, p.DataActions, "dataActions"}, {&b.notDataActions, p.NotDataActions, "notDataActions"}} {
			if *f.dst, err = compilePatterns(f.src); err != nil {
				return nil, fmt.Errorf("permissions[%d].%s: %w", i, f.name, err)
			}
		}
		r.blocks = append(r.blocks, b)
	}
	return r, nil
}

// grant is one role assignment as the check sees it.
type grant struct {
	id          string
	scopeKey    string
	role        *compiledRole
	conditional bool
}

// indexThreshold is the number of assignments of one principal above which
// its grants are also indexed by scope: below it a scan of the principal's
// few grants against the scope chain is cheaper than map lookups.
const indexThreshold = 16

// principalGrants are the role assignments of one principal (a user, group
// or service principal).
type principalGrants struct {
	list    []grant
	byScope map[string][]grant // only when len(list) > indexThreshold
}

// Snapshot is an immutable, compiled view of the role definitions and role
// assignments in force. It is safe for concurrent use.
type Snapshot struct {
	roles       map[string]*compiledRole    // lower-cased role name (GUID)
	byPrincipal map[string]*principalGrants // lower-cased principal id
	parents     map[string]string           // lower-cased keys
	rootGroup   string                      // lower-cased key
	count       int
	// Problems lists the objects that could not be compiled (a custom role
	// with a malformed pattern, an assignment of a missing role); they are
	// left out and grant nothing.
	Problems []error
}

// AssignmentCount is the number of role assignments in force.
func (s *Snapshot) AssignmentCount() int { return s.count }

// NewSnapshot compiles the objects. Objects that do not compile are
// recorded in Problems and skipped; the rest apply.
func NewSnapshot(o Objects) *Snapshot {
	s := &Snapshot{
		roles:       map[string]*compiledRole{},
		byPrincipal: map[string]*principalGrants{},
		parents:     map[string]string{},
		rootGroup:   strings.ToLower(o.RootGroupID),
	}
	for k, v := range o.Parents {
		s.parents[strings.ToLower(k)] = strings.ToLower(v)
	}
	for _, d := range o.RoleDefinitions {
		name := strings.ToLower(d.Name)
		if name == "" {
			name = strings.ToLower(lastSegment(d.ID))
		}
		if builtinRoles[name] != nil {
			s.Problems = append(s.Problems, fmt.Errorf("role definition %s: the id of a built-in role", d.ID))
			continue
		}
		r, err := compileRole(d)
		if err != nil {
			s.Problems = append(s.Problems, fmt.Errorf("role definition %s: %w", d.ID, err))
			continue
		}
		s.roles[name] = r
	}
	for name, d := range builtinRoles {
		r, err := compileRole(d)
		if err != nil { // the embedded data is tested; this is a build defect
			panic(fmt.Sprintf("authz: built-in role %s: %v", d.Properties.RoleName, err))
		}
		s.roles[name] = r
	}
	for _, a := range o.RoleAssignments {
		r := s.roles[strings.ToLower(lastSegment(a.Properties.RoleDefinitionID))]
		if r == nil {
			s.Problems = append(s.Problems, fmt.Errorf("role assignment %s: role definition %s does not exist", a.ID, a.Properties.RoleDefinitionID))
			continue
		}
		scope := a.Properties.Scope
		if scope == "" {
			scope = assignmentScope(a.ID)
		}
		if scope == "" {
			s.Problems = append(s.Problems, fmt.Errorf("role assignment %s: no scope", a.ID))
			continue
		}
		pid := strings.ToLower(a.Properties.PrincipalID)
		pg := s.byPrincipal[pid]
		if pg == nil {
			pg = &principalGrants{}
			s.byPrincipal[pid] = pg
		}
		pg.list = append(pg.list, grant{id: a.ID, scopeKey: scopeKey(scope), role: r,
			conditional: a.Properties.Condition != nil && *a.Properties.Condition != ""})
		s.count++
	}
	for _, pg := range s.byPrincipal {
		if len(pg.list) > indexThreshold {
			pg.byScope = map[string][]grant{}
			for _, g := range pg.list {
				pg.byScope[g.scopeKey] = append(pg.byScope[g.scopeKey], g)
			}
		}
	}
	return s
}

// scopeKey lower-cases a scope and drops a trailing "/" (except the root's).
func scopeKey(scope string) string {
	k := strings.ToLower(scope)
	if k != "/" {
		k = strings.TrimRight(k, "/")
	}
	if k == "" {
		k = "/"
	}
	return k
}

// assignmentScope strips "/providers/Microsoft.Authorization/roleAssignments/{name}"
// from a role assignment id; it returns "" for an id that is not a role
// assignment's, so that such an id never stands for the tenant root.
func assignmentScope(id string) string {
	const suffix = "/providers/microsoft.authorization/roleassignments/"
	i := strings.LastIndex(strings.ToLower(id), suffix)
	switch {
	case i < 0:
		return ""
	case i == 0:
		return "/"
	}
	return id[:i]
}

// Role returns the role definition with this name (GUID) or id, built-in or
// custom, or nil.
func (s *Snapshot) Role(id string) *RoleDefinition {
	if r := s.roles[strings.ToLower(lastSegment(id))]; r != nil {
		return r.def
	}
	return nil
}

// Allowed reports whether principal p may perform action at scope: some
// role assignment to p or one of its groups, at scope or any scope above it,
// grants the action. data selects data actions (dataActions/notDataActions)
// instead of control-plane actions.
func (s *Snapshot) Allowed(p Principal, action string, scope armid.ID, data bool) bool {
	if len(s.byPrincipal) == 0 || scope.IsZero() {
		return false
	}
	var buf [maxChain]string
	chain := s.chain(scope.Key(), buf[:0])
	if s.allowedTo(p.ObjectID, chain, action, data) {
		return true
	}
	for _, g := range p.Groups {
		if s.allowedTo(g, chain, action, data) {
			return true
		}
	}
	return false
}

// maxChain bounds the scope chain kept on the stack during a check; longer
// chains (deeply nested resources) spill to the heap.
const maxChain = 24

// chain appends key and the keys of the scopes above it, nearest first.
func (s *Snapshot) chain(key string, out []string) []string {
	s.walk(key, func(k string) bool {
		out = append(out, k)
		return false
	})
	return out
}

// allowedTo checks the grants of one principal id against the chain.
func (s *Snapshot) allowedTo(principalID string, chain []string, action string, data bool) bool {
	pg := s.byPrincipal[principalID]
	if pg == nil {
		if !hasUpperASCII(principalID) {
			return false
		}
		if pg = s.byPrincipal[strings.ToLower(principalID)]; pg == nil {
			return false
		}
	}
	if pg.byScope != nil {
		for _, k := range chain {
			if grants(pg.byScope[k], action, data) {
				return true
			}
		}
		return false
	}
	for i := range pg.list {
		g := &pg.list[i]
		for _, k := range chain {
			if g.scopeKey == k {
				if grants(pg.list[i:i+1], action, data) {
					return true
				}
				break
			}
		}
	}
	return false
}

// hasUpperASCII reports whether s holds an upper-case ASCII letter (object
// ids from tokens are lower case, so the common case needs no copy).
func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// grants reports whether one of the grants allows the action.
func grants(list []grant, action string, data bool) bool {
	for i := range list {
		g := &list[i]
		if g.conditional && (data || isRoleAssignmentChange(action)) {
			continue // an unevaluated condition must not widen access
		}
		if g.role.allows(action, data) {
			return true
		}
	}
	return false
}

// isRoleAssignmentChange reports whether action is one of the two actions
// Azure evaluates role-assignment conditions for.
func isRoleAssignmentChange(action string) bool {
	return strings.EqualFold(action, "Microsoft.Authorization/roleAssignments/write") ||
		strings.EqualFold(action, "Microsoft.Authorization/roleAssignments/delete")
}

// walk calls visit with key itself, then the keys of the scopes above it,
// nearest first: parent resources, the resource group, the subscription, its
// management groups up to the tenant root group, and finally the tenant
// root "/". It stops when visit returns true. It works on the lower-cased
// key, whose ancestors are all prefixes of it, so that no id is parsed or
// allocated per check.
func (s *Snapshot) walk(key string, visit func(string) bool) {
	var cuts [32]int
	n := boundaries(key, cuts[:0])
	// n[len-1] is the whole key when it names an object; visit longest first.
	top := ""
	for i := len(n) - 1; i >= 0; i-- {
		k := key[:n[i]]
		if visit(k) {
			return
		}
		top = k
	}
	if top == "" && key != "/" {
		top = key
	}
	// Management groups above the subscription (or group).
	for hops := 0; top != "" && hops < 16; hops++ {
		parent, ok := s.parents[top]
		if !ok || parent == "" || parent == top {
			break
		}
		if visit(parent) {
			return
		}
		top = parent
	}
	if s.rootGroup != "" && top != s.rootGroup && top != "" && isSubscriptionOrGroup(top) {
		if visit(s.rootGroup) {
			return
		}
	}
	visit("/")
}

// isSubscriptionOrGroup reports whether key names a subscription or a
// management group (the scopes the management-group tree holds).
func isSubscriptionOrGroup(key string) bool {
	if strings.HasPrefix(key, "/subscriptions/") {
		return strings.IndexByte(key[len("/subscriptions/"):], '/') < 0
	}
	const mg = "/providers/microsoft.management/managementgroups/"
	return strings.HasPrefix(key, mg) && strings.IndexByte(key[len(mg):], '/') < 0
}

// boundaries appends the lengths of the prefixes of key that name objects
// (a subscription, a resource group, a management group, a provider
// resource and each nested child), shortest first. The tenant root is not
// included.
func boundaries(key string, out []int) []int {
	if len(key) < 2 || key[0] != '/' {
		return out
	}
	pos := 0 // index of the "/" before the next segment
	next := func() (string, bool) {
		if pos >= len(key) {
			return "", false
		}
		start := pos + 1
		end := strings.IndexByte(key[start:], '/')
		if end < 0 {
			end = len(key)
		} else {
			end += start
		}
		pos = end
		return key[start:end], true
	}
	for {
		seg, ok := next()
		if !ok {
			return out
		}
		switch seg {
		case "subscriptions", "resourcegroups":
			if _, ok := next(); !ok {
				return out
			}
			out = append(out, pos)
		case "providers":
			// namespace, type, name, then type/name pairs until the next
			// "providers".
			if _, ok := next(); !ok {
				return out
			}
			if _, ok := next(); !ok {
				return out
			}
			if _, ok := next(); !ok {
				return out
			}
			out = append(out, pos)
			for pos < len(key) && !strings.HasPrefix(key[pos:], "/providers/") {
				if _, ok := next(); !ok {
					return out
				}
				if _, ok := next(); !ok {
					return out
				}
				out = append(out, pos)
			}
		default:
			return out
		}
	}
}

// sortDefinitions orders role definitions by role name, then name, for
// stable lists.
func sortDefinitions(list []*RoleDefinition) {
	sort.Slice(list, func(i, j int) bool {
		a, b := strings.ToLower(list[i].Properties.RoleName), strings.ToLower(list[j].Properties.RoleName)
		if a != b {
			return a < b
		}
		return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name)
	})
}
