package decide

import (
	"strings"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// applyChanges applies an append or modify outcome to a copy of the resource. It returns a
// conflict error when an operation cannot be applied (a field that is not modifiable, a
// condition that fails to evaluate); the definition's conflictEffect then decides.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-modify
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-append
func applyChanges(d *policy.Definition, eff policy.Effect, resource map[string]any, out *Outcome, req *Request) (map[string]any, error) {
	details := d.Rule.Then.Details
	if details == nil {
		return resource, nil
	}
	res, _ := deepCopy(resource).(map[string]any)
	typ, _ := expr.Lookup(resource, "type")
	ts, _ := typ.(string)
	api := ""
	if req.RequestContext != nil {
		v, _ := expr.Lookup(req.RequestContext, "apiVersion")
		api, _ = v.(string)
	}
	in := &eval.Input{
		Resource: resource, Parameters: out.memberParams(), RequestContext: req.RequestContext,
		ResourceGroup: req.ResourceGroup, Subscription: req.Subscription, Now: req.Now,
	}
	if eff == policy.EffectAppend {
		for _, fv := range details.Append {
			val, err := eval.EvalValue(fv.Value, in)
			if err != nil {
				return nil, err
			}
			path, err := eval.FieldPath(fv.Field, ts, api)
			if err != nil {
				return nil, errorf("append field %s: %v", fv.Field, err)
			}
			if err := appendValue(res, path, val); err != nil {
				return nil, errorf("append field %s: %v", fv.Field, err)
			}
		}
		return res, nil
	}
	for _, op := range details.Operations {
		if op.Condition != "" {
			c, err := eval.EvalValue(op.Condition, in)
			if err != nil {
				return nil, err
			}
			if !truthy(c) {
				continue
			}
		}
		field, err := eval.EvalValue(op.Field, in)
		if err != nil {
			return nil, err
		}
		fs, _ := field.(string)
		path, err := eval.FieldPath(fs, ts, api)
		if err != nil {
			return nil, errorf("modify field %s: %v", fs, err)
		}
		if err := modifiable(fs, ts); err != nil {
			return nil, err
		}
		switch strings.ToLower(op.Operation) {
		case "remove":
			eachMember(res, path, func(m map[string]any, rest aliases.Path) { removePath(m, rest) })
		case "add", "addorreplace":
			val, err := eval.EvalValue(op.Value, in)
			if err != nil {
				return nil, err
			}
			replace := strings.EqualFold(op.Operation, "addOrReplace")
			if path.EndsWithWildcard() {
				arrPath := path[:len(path)-1]
				if replace {
					setPath(res, arrPath, []any{})
				}
				appendMembers(res, arrPath, val)
				continue
			}
			eachMember(res, path, func(m map[string]any, rest aliases.Path) {
				if replace || !existsPath(m, rest) {
					setPath(m, rest, val)
				}
			})
		}
	}
	return res, nil
}

// modifiable reports (as an error, for conflictEffect) a modify field that the effect cannot
// write: modify writes tags, identity.type of virtual machines and scale sets, and aliases
// marked Modifiable; nothing else.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-modify
func modifiable(field, resourceType string) error {
	switch {
	case isTagsField(field):
		return nil
	case strings.EqualFold(field, "identity.type"):
		if strings.EqualFold(resourceType, "Microsoft.Compute/virtualMachines") ||
			strings.EqualFold(resourceType, "Microsoft.Compute/virtualMachineScaleSets") {
			return nil
		}
		return errorf("identity.type can be modified only on virtual machines and virtual machine scale sets, not on %s", resourceType)
	case strings.Contains(field, "/"):
		if a, ok := aliases.Builtin().Lookup(field); ok && !a.Modifiable {
			return errorf("the alias %s is not modifiable", field)
		}
		return nil
	}
	return errorf("the field %s cannot be modified: modify writes tags, identity.type and modifiable aliases", field)
}

// isTagsField reports whether a field names the tags object or one tag: tags, tags.x, tags['x'],
// tags[x].
func isTagsField(field string) bool {
	const tags = "tags"
	if len(field) < len(tags) || !strings.EqualFold(field[:len(tags)], tags) {
		return false
	}
	return len(field) == len(tags) || field[len(tags)] == '.' || field[len(tags)] == '['
}

// eachMember calls fn with the object that holds the last segment of path, and the rest of the
// path inside it: the resource itself for a path without [*], else every object member of the
// array the (first) [*] selects, so that a property is written on each member.
func eachMember(res map[string]any, path aliases.Path, fn func(m map[string]any, rest aliases.Path)) {
	for i, seg := range path {
		if !seg.Wildcard {
			continue
		}
		if i == len(path)-1 {
			return // a whole-member path is handled by the caller
		}
		arr, _ := getPath(res, path[:i]).([]any)
		for _, e := range arr {
			if m, ok := e.(map[string]any); ok {
				eachMember(m, path[i+1:], fn)
			}
		}
		return
	}
	fn(res, path)
}

// memberParams returns the member's effective parameters for evaluating detail values.
func (o *Outcome) memberParams() map[string]any { return o.params }

// appendValue applies one append detail: with [*] at the end the value (or each member of an
// array value) is added to the array, which is created when missing; with [*] inside the path the
// property is set on every member; otherwise a missing field is set. A value the request already
// carries under the field, when it differs, is a conflict: append then acts as a deny (for a
// non-[*] array alias, an array already present is such a conflict).
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-append
func appendValue(res map[string]any, path aliases.Path, val any) error {
	if path.EndsWithWildcard() {
		appendMembers(res, path[:len(path)-1], val)
		return nil
	}
	var conflict error
	eachMember(res, path, func(m map[string]any, rest aliases.Path) {
		existing := getPath(m, rest)
		if existing == nil {
			setPath(m, rest, val)
			return
		}
		if conflict == nil && !expr.Equal(existing, val) {
			conflict = errorf("the request already sets %s to a different value", path)
		}
	})
	return conflict
}

// appendMembers adds val (or each member of an array val) to the array at arrPath.
func appendMembers(res map[string]any, arrPath aliases.Path, val any) {
	cur, _ := getPath(res, arrPath).([]any)
	if items, ok := val.([]any); ok {
		cur = append(cur, items...)
	} else {
		cur = append(cur, val)
	}
	setPath(res, arrPath, cur)
}

func getPath(v any, path aliases.Path) any {
	for _, seg := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v, _ = expr.Lookup(m, seg.Name)
	}
	return v
}

func existsPath(v map[string]any, path aliases.Path) bool { return getPath(v, path) != nil }

// setPath sets a property, creating objects on the way; existing keys keep their casing.
func setPath(m map[string]any, path aliases.Path, val any) {
	for i, seg := range path {
		key := existingKey(m, seg.Name)
		if i == len(path)-1 {
			m[key] = val
			return
		}
		next, ok := m[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[key] = next
		}
		m = next
	}
}

func removePath(m map[string]any, path aliases.Path) {
	for i, seg := range path {
		key := existingKey(m, seg.Name)
		if i == len(path)-1 {
			delete(m, key)
			return
		}
		next, ok := m[key].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
}

func existingKey(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// truthy reads a modify condition's result: true, or the string "true".
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}
