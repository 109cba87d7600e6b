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
			appendValue(res, path, val)
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
		if a, ok := aliases.Builtin().Lookup(fs); ok && !a.Modifiable && strings.Contains(fs, "/") {
			return nil, errorf("the alias %s is not modifiable", fs)
		}
		switch strings.ToLower(op.Operation) {
		case "remove":
			removePath(res, path)
		case "add", "addorreplace":
			val, err := eval.EvalValue(op.Value, in)
			if err != nil {
				return nil, err
			}
			replace := strings.EqualFold(op.Operation, "addOrReplace")
			if path.EndsWithWildcard() {
				if replace {
					setPath(res, path[:len(path)-1], []any{})
				}
				appendValue(res, path, val)
				continue
			}
			if !replace && existsPath(res, path) {
				continue
			}
			setPath(res, path, val)
		}
	}
	return res, nil
}

// memberParams returns the member's effective parameters for evaluating detail values.
func (o *Outcome) memberParams() map[string]any { return o.params }

// appendValue appends to an array ([*] at the end: the value, or its members, become array
// members), sets a property on every member ([*] inside the path), or sets a missing property.
func appendValue(res map[string]any, path aliases.Path, val any) {
	if path.EndsWithWildcard() {
		arrPath := path[:len(path)-1]
		cur, _ := getPath(res, arrPath).([]any)
		if items, ok := val.([]any); ok {
			cur = append(cur, items...)
		} else {
			cur = append(cur, val)
		}
		setPath(res, arrPath, cur)
		return
	}
	for i, seg := range path {
		if seg.Wildcard {
			arr, _ := getPath(res, path[:i]).([]any)
			for _, e := range arr {
				if m, ok := e.(map[string]any); ok {
					setPath(m, path[i+1:], val)
				}
			}
			return
		}
	}
	if existing := getPath(res, path); existing != nil {
		if arr, ok := existing.([]any); ok {
			if items, ok := val.([]any); ok {
				setPath(res, path, append(arr, items...))
			}
		}
		return
	}
	setPath(res, path, val)
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
