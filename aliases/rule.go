package aliases

import (
	"fmt"
	"strings"
)

// topLevelFields are the resource fields outside "properties" that aliases
// reach under their own name (Microsoft.Storage/storageAccounts/sku.name →
// sku.name). Only fields the published alias dumps show mapped this way are
// listed; the key is the lower-cased field, the value its ARM spelling.
var topLevelFields = map[string]string{
	"sku":       "sku",
	"zones":     "zones",
	"managedby": "managedBy",
}

// SplitAlias splits an alias name into its resource type and its property path
// at the last '/' that is outside brackets:
// "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*]" →
// ("Microsoft.Storage/storageAccounts", "networkAcls.ipRules[*]").
// ok is false when the name has no '/' outside brackets, either side is empty,
// or the namespace (the part before the first '/') has no '.'.
func SplitAlias(alias string) (resourceType, property string, ok bool) {
	cut := -1
	depth := 0
	quoted := false
	for i := 0; i < len(alias); i++ {
		c := alias[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			}
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case c == '\'' && depth > 0:
			quoted = true
		case c == '/' && depth == 0:
			cut = i
		}
	}
	if cut <= 0 || cut == len(alias)-1 {
		return "", "", false
	}
	resourceType, property = alias[:cut], alias[cut+1:]
	if !validResourceType(resourceType) {
		return "", "", false
	}
	return resourceType, property, true
}

// validResourceType checks the shape {Namespace}[/{type}...]: no empty step,
// no white space, and a namespace with a dot (Microsoft.Storage, microsoft.insights).
func validResourceType(t string) bool {
	ns, _, _ := strings.Cut(t, "/")
	if !strings.Contains(ns, ".") || strings.HasPrefix(ns, ".") || strings.HasSuffix(ns, ".") {
		return false
	}
	for step := range strings.SplitSeq(t, "/") {
		if step == "" {
			return false
		}
	}
	return !strings.ContainsAny(t, " \t\r\n[]'")
}

// DefaultPath applies the default rule to an alias name, ignoring any
// catalogue: the property path after the resource type is looked up under
// "properties", except for the top-level fields sku, zones and managedBy, which
// are looked up at the resource's top level. See the package documentation.
func DefaultPath(alias string) (Path, error) {
	_, prop, ok := SplitAlias(alias)
	if !ok {
		return nil, fmt.Errorf("alias %q: not of the form {Namespace}/{type}/{property path}", alias)
	}
	p, err := ParsePath(prop)
	if err != nil {
		return nil, fmt.Errorf("alias %q: property path: %w", alias, err)
	}
	if !p[0].Wildcard {
		if canon, top := topLevelFields[strings.ToLower(p[0].Name)]; top {
			p[0].Name = canon
			return p, nil
		}
	}
	out := make(Path, 0, len(p)+1)
	out = append(out, Segment{Name: "properties"})
	return append(out, p...), nil
}
