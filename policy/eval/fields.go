package eval

import (
	"fmt"
	"strings"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/expr"
)

// fieldKind says how a field name is read from the resource.
type fieldKind int

const (
	fieldPath     fieldKind = iota // a JSON path: name, type, kind, id, identity.*, tags, aliases
	fieldFullName                  // fullName: parent names prepended (server/database)
	fieldLocation                  // location, normalised ("East US 2" == "eastus2")
)

// fieldRef is a compiled field name.
type fieldRef struct {
	text  string // as written in the definition
	kind  fieldKind
	path  aliases.Path
	alias string // lower-case alias name, empty for built-in fields
	// versioned is set when the alias has api-version or resource-type specific paths, so the
	// path is chosen per request rather than once at compile time.
	versioned bool
}

// builtinFields are the non-alias field names Azure supports, lower-cased.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#fields
var builtinFields = map[string]aliases.Path{
	"name":                            {{Name: "name"}},
	"kind":                            {{Name: "kind"}},
	"type":                            {{Name: "type"}},
	"id":                              {{Name: "id"}},
	"identity.type":                   {{Name: "identity"}, {Name: "type"}},
	"identity.userassignedidentities": {{Name: "identity"}, {Name: "userAssignedIdentities"}},
	"tags":                            {{Name: "tags"}},
}

// parseField compiles a field name: a built-in field, a tag reference or an alias.
func parseField(name string, cat *aliases.Catalog) (*fieldRef, error) {
	lower := strings.ToLower(strings.TrimSpace(name))
	switch lower {
	case "":
		return nil, fmt.Errorf("the field name is empty")
	case "fullname":
		return &fieldRef{text: name, kind: fieldFullName}, nil
	case "location":
		return &fieldRef{text: name, kind: fieldLocation, path: aliases.Path{{Name: "location"}}}, nil
	}
	if p, ok := builtinFields[lower]; ok {
		return &fieldRef{text: name, path: p}, nil
	}
	if tag, ok, err := parseTagField(name); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &fieldRef{text: name, path: aliases.Path{{Name: "tags"}, {Name: tag}}}, nil
	}
	if !strings.Contains(name, "/") {
		return nil, fmt.Errorf("'%s' is not a supported field: use name, fullName, kind, type, location, id, identity.type, identity.userAssignedIdentities, tags, tags['name'] or a property alias", name)
	}
	p, err := cat.Resolve(name, "")
	if err != nil {
		return nil, fmt.Errorf("'%s' is not a valid alias: %w", name, err)
	}
	ref := &fieldRef{text: name, path: p, alias: lower}
	if a, ok := cat.Lookup(name); ok && (len(a.Paths) > 0 || len(a.TypePaths) > 0) {
		ref.versioned = true
	}
	return ref, nil
}

// readsTags reports whether the field reads the resource's tags or one of them: tags,
// tags['name'] and its other spellings, or an alias whose path starts at tags.
func (f *fieldRef) readsTags() bool {
	return f.kind == fieldPath && len(f.path) > 0 && !f.path[0].Wildcard && strings.EqualFold(f.path[0].Name, "tags")
}

// parseTagField recognises tags['x'], tags[”'x”'] (doubled apostrophes escape one), tags.x,
// tags[x] and tags[x.with.dots]. ok is false when name is not a tag reference.
func parseTagField(name string) (tag string, ok bool, err error) {
	if len(name) < 5 || !strings.EqualFold(name[:4], "tags") {
		return "", false, nil
	}
	rest := name[4:]
	switch {
	case strings.HasPrefix(rest, "."):
		if len(rest) == 1 {
			return "", true, fmt.Errorf("field '%s' names no tag", name)
		}
		return rest[1:], true, nil
	case strings.HasPrefix(rest, "["):
		if !strings.HasSuffix(rest, "]") {
			return "", true, fmt.Errorf("field '%s': a tag reference must end with ']'", name)
		}
		inner := rest[1 : len(rest)-1]
		if strings.HasPrefix(inner, "'") {
			if len(inner) < 2 || !strings.HasSuffix(inner, "'") {
				return "", true, fmt.Errorf("field '%s': unterminated quoted tag name", name)
			}
			inner = strings.ReplaceAll(inner[1:len(inner)-1], "''", "'")
		}
		// tags[] comes from [concat('tags[', parameters('tagName'), ']')] with an empty tag name
		// parameter; it names a tag that no resource has.
		return inner, true, nil
	}
	return "", false, nil
}

// pathFor returns the JSON path of the field for the request's api-version.
func (f *fieldRef) pathFor(s *state) aliases.Path {
	if !f.versioned {
		return f.path
	}
	typ, _ := expr.Lookup(s.in.Resource, "type")
	ts, _ := typ.(string)
	p, err := s.cat.ResolveForType(f.alias, ts, s.apiVersion)
	if err != nil {
		return f.path
	}
	return p
}

// read selects the field's value(s) from the resource as a field condition sees them. For a path
// without [*] it returns one value (nil when missing) and many=false. For a [*] path it returns
// the collection of selected values and many=true. Inside count.where, a path under the counted
// array reads only the current member.
func (f *fieldRef) read(s *state, res map[string]any) (v any, many bool) {
	switch f.kind {
	case fieldFullName:
		return fullName(res), false
	case fieldLocation:
		l, _ := expr.Lookup(res, "location")
		if str, ok := l.(string); ok && needsNormalizing(str) {
			return normalizeLocation(str), false
		}
		return l, false // already normal: return the stored value, without boxing a new string
	}
	path := f.pathFor(s)
	root := any(res)
	// Inside a field count, a path that starts with the counted array reads the current member.
	for i := len(s.scopes) - 1; i >= 0; i-- {
		sc := &s.scopes[i]
		if sc.path == nil || !hasPathPrefix(path, sc.path) {
			continue
		}
		root, path = sc.elem, path[len(sc.path):]
		if !path.HasWildcard() {
			return selectOne(root, path), false
		}
		return selectAll(root, path, nil), true
	}
	if !path.HasWildcard() {
		return selectOne(root, path), false
	}
	return selectAll(root, path, nil), true
}

// members returns the members a field count iterates: for a path with a single [*] at the end,
// the array itself (no copy); otherwise the selected collection.
func (f *fieldRef) members(s *state, res map[string]any) []any {
	path := f.pathFor(s)
	if n := len(path); n > 0 && path[n-1].Wildcard && !path[:n-1].HasWildcard() && len(s.scopes) == 0 {
		arr, _ := selectOne(res, path[:n-1]).([]any)
		return arr
	}
	v, _ := f.read(s, res)
	list, _ := v.([]any)
	return list
}

// hasPathPrefix reports whether p starts with prefix, comparing names case-insensitively.
func hasPathPrefix(p, prefix aliases.Path) bool {
	if len(p) < len(prefix) {
		return false
	}
	for i, seg := range prefix {
		if seg.Wildcard != p[i].Wildcard {
			return false
		}
		// Paths resolved from the same alias share their names, so == settles almost every case.
		if !seg.Wildcard && seg.Name != p[i].Name && !strings.EqualFold(seg.Name, p[i].Name) {
			return false
		}
	}
	return true
}

// selectOne walks a path without wildcards; nil when any step is missing.
func selectOne(v any, p aliases.Path) any {
	for _, seg := range p {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v, ok = expr.Lookup(obj, seg.Name)
		if !ok {
			return nil
		}
	}
	return v
}

// selectAll walks a path with [*] steps and appends every selected value to out. An element
// that lacks the final property contributes nil (so "exists" can see it); a missing array
// contributes nothing.
func selectAll(v any, p aliases.Path, out []any) []any {
	if out == nil {
		out = []any{}
	}
	for i, seg := range p {
		if seg.Wildcard {
			arr, ok := v.([]any)
			if !ok {
				return out
			}
			for _, e := range arr {
				out = selectAll(e, p[i+1:], out)
			}
			return out
		}
		var next any
		found := false
		if obj, ok := v.(map[string]any); ok {
			next, found = expr.Lookup(obj, seg.Name)
		}
		if !found {
			if p[i:].HasWildcard() {
				return out
			}
			return append(out, nil)
		}
		v = next
	}
	return append(out, v)
}

// fullName is the resource name with its parents' names prepended (server/database), taken
// from the resource id; the plain name when there is no id.
func fullName(res map[string]any) any {
	idv, _ := expr.Lookup(res, "id")
	id, _ := idv.(string)
	i := strings.LastIndex(strings.ToLower(id), "/providers/")
	if i < 0 {
		n, _ := expr.Lookup(res, "name")
		return n
	}
	segs := strings.Split(strings.Trim(id[i+len("/providers/"):], "/"), "/")
	// segs: namespace, type, name, childType, childName, …
	var names []string
	for j := 2; j < len(segs); j += 2 {
		names = append(names, segs[j])
	}
	if len(names) == 0 {
		n, _ := expr.Lookup(res, "name")
		return n
	}
	return strings.Join(names, "/")
}

// normalizeLocation turns a display name into ARM's location name: "East US 2" → "eastus2".
func normalizeLocation(s string) string {
	if !needsNormalizing(s) {
		return s
	}
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

// needsNormalizing reports whether a location has spaces or capitals.
func needsNormalizing(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || (c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}
