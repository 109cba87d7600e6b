// Package armid parses, validates and navigates Azure Resource Manager
// resource ids: the tenant root "/", management groups, subscriptions,
// resource groups, provider resources with nested child types, and extension
// resources deployed on top of any other scope.
//
// An ID keeps the caller's casing for display (String) and offers a
// lower-cased Key for lookups, because ARM compares ids case-insensitively but
// returns the casing used when an object was created.
package armid

import (
	"strings"
)

// Kind classifies an ID by what it names.
type Kind int

// The kinds of ids. Resource and Extension are both provider resources
// (".../providers/{namespace}/{type}/{name}..."); they differ only in what
// they are deployed on.
const (
	// Invalid is the Kind of the zero ID.
	Invalid Kind = iota
	// Tenant is the root "/".
	Tenant
	// ManagementGroup is "/providers/Microsoft.Management/managementGroups/{mg}".
	ManagementGroup
	// Subscription is "/subscriptions/{id}".
	Subscription
	// ResourceGroup is "/subscriptions/{id}/resourceGroups/{name}".
	ResourceGroup
	// Resource is a provider resource in a resource group, possibly nested
	// (".../servers/s/databases/d").
	Resource
	// Extension is a provider resource deployed on any scope other than a
	// resource group: the tenant, a management group, a subscription or
	// another provider resource (policy assignments, policy definitions,
	// role assignments, diagnostic settings, tenant-level objects such as
	// "/providers/Palisade.Identity/users/{name}").
	Extension
)

var kindNames = [...]string{"Invalid", "Tenant", "ManagementGroup", "Subscription", "ResourceGroup", "Resource", "Extension"}

// String names the kind, for messages and tests.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + itoa(int(k)) + ")"
}

// IsScope reports whether ids of this kind are the built-in scopes
// (tenant, management group, subscription, resource group).
func (k Kind) IsScope() bool {
	return k == Tenant || k == ManagementGroup || k == Subscription || k == ResourceGroup
}

// Well-known types returned by ID.Type for the built-in scopes. The resource
// group type is the one Azure Policy's field('type') reports.
const (
	TenantType          = "Microsoft.Resources/tenants"
	ManagementGroupType = "Microsoft.Management/managementGroups"
	SubscriptionType    = "Microsoft.Resources/subscriptions"
	ResourceGroupType   = "Microsoft.Resources/subscriptions/resourceGroups"
)

// group is one "/providers/{ns}/{type}/{name}[/{type}/{name}]*" run inside
// an id, as indexes into ID.segs.
type group struct {
	start int // index of the "providers" segment
	end   int // index one past the last name
}

// ID is a parsed resource id. It is immutable and cheap to copy; the zero
// value is not a valid id (Kind Invalid).
type ID struct {
	s      string   // caller's string
	key    string   // lower-cased s
	segs   []string // s split on "/", without the leading empty segment
	groups []group  // provider groups, left to right
	kind   Kind
	ascii  bool // s is ASCII, so key has the same byte offsets
}

// Root is the tenant root "/", the top of every parent chain and a
// starting point for Child.
var Root = ID{s: "/", key: "/", kind: Tenant, ascii: true}

// MustParse is Parse for ids known to be valid (constants, tests); it
// panics on error.
func MustParse(s string) ID {
	id, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return id
}

// String returns the id in the casing it was parsed from.
func (id ID) String() string { return id.s }

// Key returns the lower-cased id, the form used for lookups and comparison.
func (id ID) Key() string { return id.key }

// Kind classifies the id.
func (id ID) Kind() Kind { return id.kind }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.kind == Invalid }

// Equal reports whether two ids name the same object (ignoring case).
func (id ID) Equal(other ID) bool { return id.key == other.key }

// SubscriptionID returns the subscription segment, or "" above subscriptions.
func (id ID) SubscriptionID() string {
	if len(id.segs) >= 2 && strings.EqualFold(id.segs[0], "subscriptions") {
		return id.segs[1]
	}
	return ""
}

// ResourceGroup returns the resource group name, or "" when the id is not
// in a resource group.
func (id ID) ResourceGroup() string {
	if len(id.segs) >= 4 && strings.EqualFold(id.segs[0], "subscriptions") && strings.EqualFold(id.segs[2], "resourceGroups") {
		return id.segs[3]
	}
	return ""
}

// last returns the final provider group; ok is false for non-provider ids.
func (id ID) last() (group, bool) {
	if len(id.groups) == 0 {
		return group{}, false
	}
	return id.groups[len(id.groups)-1], true
}

// Namespace returns the resource provider namespace: the one of the last
// provider group for provider resources, "Microsoft.Resources" for the
// tenant, subscriptions and resource groups, and "Microsoft.Management" for
// management groups.
func (id ID) Namespace() string {
	if g, ok := id.last(); ok {
		return id.segs[g.start+1]
	}
	if id.kind == Invalid {
		return ""
	}
	return "Microsoft.Resources"
}

// Type returns the full resource type, for example
// "Microsoft.Storage/storageAccounts/blobServices" for a nested resource, in
// the caller's casing for provider resources and canonical casing for the
// built-in scopes.
func (id ID) Type() string {
	switch id.kind {
	case Invalid:
		return ""
	case Tenant:
		return TenantType
	case ManagementGroup:
		return ManagementGroupType
	case Subscription:
		return SubscriptionType
	case ResourceGroup:
		return ResourceGroupType
	}
	g, _ := id.last()
	var b strings.Builder
	b.WriteString(id.segs[g.start+1])
	for i := g.start + 2; i < g.end; i += 2 {
		b.WriteByte('/')
		b.WriteString(id.segs[i])
	}
	return b.String()
}

// Name returns the last name segment: the subscription id, resource group
// name, or the innermost resource name. The tenant root has no name.
func (id ID) Name() string {
	if id.kind == Tenant || id.kind == Invalid {
		return ""
	}
	return id.segs[len(id.segs)-1]
}

// FullName returns the names of a provider resource joined by "/"
// ("server/db" for a nested database), as ARM's nested-resource name; for
// the built-in scopes it is Name.
func (id ID) FullName() string {
	g, ok := id.last()
	if !ok {
		return id.Name()
	}
	var b strings.Builder
	for i := g.start + 3; i < g.end; i += 2 {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(id.segs[i])
	}
	return b.String()
}

// prefix returns the id made of the first n segments (n may be 0 for the
// tenant root). n must be a boundary where the prefix is itself a valid id
// (a scope or a type/name pair), which is all Parent and Scope ask for; the
// result shares memory with id instead of being parsed again.
func (id ID) prefix(n int) ID {
	if n == 0 {
		return Root
	}
	end := 0
	for _, seg := range id.segs[:n] {
		end += 1 + len(seg)
	}
	p := ID{s: id.s[:end], segs: id.segs[:n:n], ascii: id.ascii}
	if id.ascii {
		p.key = id.key[:end]
	} else {
		p.key = strings.ToLower(p.s)
	}
	k := 0
	for k < len(id.groups) && id.groups[k].end <= n {
		k++
	}
	p.groups = id.groups[:k:k]
	if k < len(id.groups) && id.groups[k].start < n {
		g := id.groups[k]
		g.end = n
		p.groups = append(p.groups, g)
	}
	p.kind = kindOf(p.segs, p.groups)
	return p
}

// kindOf classifies an id from its segments and provider groups.
func kindOf(segs []string, groups []group) Kind {
	kind := Tenant
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		kind = Subscription
		if len(segs) >= 4 && strings.EqualFold(segs[2], "resourceGroups") {
			kind = ResourceGroup
		}
	}
	for i, g := range groups {
		switch {
		case i == 0 && kind == Tenant && g.end-g.start == 4 &&
			strings.EqualFold(segs[g.start+1], "Microsoft.Management") &&
			strings.EqualFold(segs[g.start+2], "managementGroups"):
			kind = ManagementGroup
		case kind == ResourceGroup:
			kind = Resource
		default:
			kind = Extension
		}
	}
	return kind
}

// Scope returns what a provider resource is deployed on: the id before its
// last "/providers/" run (the resource group for an ordinary resource, the
// extended resource or scope for an extension resource, the tenant root for
// a tenant-level resource). The built-in scopes return themselves.
func (id ID) Scope() ID {
	if id.kind.IsScope() || id.kind == Invalid {
		return id
	}
	g, _ := id.last()
	return id.prefix(g.start)
}

// Parent returns the containing object: a nested resource's parent
// resource, a top-level provider resource's Scope, a resource group's
// subscription, and the tenant root for subscriptions and management groups
// (management-group membership is data, not part of the id). The tenant root
// has no parent.
func (id ID) Parent() (ID, bool) {
	switch id.kind {
	case Invalid, Tenant:
		return ID{}, false
	case ManagementGroup, Subscription:
		return Root, true
	case ResourceGroup:
		return id.prefix(2), true
	}
	g, _ := id.last()
	if g.end-g.start > 4 { // nested: drop the last type/name pair
		return id.prefix(g.end - 2), true
	}
	return id.prefix(g.start), true
}

// Ancestors returns the chain of parents, nearest first, ending with the
// tenant root. The root itself has none.
func (id ID) Ancestors() []ID {
	var out []ID
	for p, ok := id.Parent(); ok; p, ok = p.Parent() {
		out = append(out, p)
	}
	return out
}

// IsUnder reports whether other is id itself or one of its ancestors,
// ignoring case.
func (id ID) IsUnder(other ID) bool {
	if id.kind == Invalid || other.kind == Invalid {
		return false
	}
	if other.key == "/" || id.key == other.key {
		return true
	}
	return len(id.key) > len(other.key) && id.key[len(other.key)] == '/' && strings.HasPrefix(id.key, other.key)
}

// Child builds the id of an object below id. typ is either a bare child
// type for a nested resource ("databases" under a server), or a
// namespace-qualified type ("Microsoft.Storage/storageAccounts") for a
// resource or extension deployed on id. Below the tenant, "subscriptions"
// is accepted; below a subscription, "resourceGroups". The result is
// validated like Parse.
func (id ID) Child(typ, name string) (ID, error) {
	if id.kind == Invalid {
		return ID{}, &Error{Msg: "cannot build a child of the zero id"}
	}
	base := id.s
	if base == "/" {
		base = ""
	}
	var s string
	switch {
	case id.kind == Tenant && strings.EqualFold(typ, "subscriptions"),
		id.kind == Subscription && strings.EqualFold(typ, "resourceGroups"):
		s = base + "/" + typ + "/" + name
	case strings.Contains(typ, "/"):
		s = base + "/providers/" + typ + "/" + name
	case id.kind == Resource || id.kind == Extension || id.kind == ManagementGroup:
		s = base + "/" + typ + "/" + name
	default:
		return ID{}, &Error{ID: id.s, Msg: "type " + quote(typ) + " needs a namespace below " + id.kind.String()}
	}
	if strings.Count(typ, "/") > 1 {
		return ID{}, &Error{ID: s, Msg: "type " + quote(typ) + " names more than one level; build one level at a time"}
	}
	return Parse(s)
}
