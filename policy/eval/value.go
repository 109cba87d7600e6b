package eval

import (
	"sync"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/expr"
)

// valueCond lends EvalValue the field-name cache every evaluation state needs.
var valueCond = &Condition{cat: aliases.Builtin(), refs: &sync.Map{}}

// EvalValue evaluates a value from a rule's then block (a modify operation's value or condition,
// an append value, an existence detail such as details.name): a template expression is
// evaluated with the same functions as a condition (field(), parameters(), resourceGroup(), …),
// anything else is returned as it is (with "[[" unescaped). Nested arrays and objects are
// evaluated member by member.
func EvalValue(v any, in *Input) (any, error) {
	s := &state{in: in, cond: valueCond, cat: valueCond.cat, apiVersion: in.apiVersion()}
	return s.value(v)
}

func (s *state) value(v any) (any, error) {
	switch x := v.(type) {
	case string:
		if !expr.IsExpression(x) {
			return expr.Unescape(x), nil
		}
		e, err := expr.Parse(x)
		if err != nil {
			return nil, &EvalError{Expression: x, Err: err}
		}
		out, err := e.Eval(s)
		if err != nil {
			return nil, &EvalError{Expression: x, Err: err}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := s.value(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := s.value(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// FieldPath resolves a field name as written in a modify or append operation (an alias,
// tags['name'], tags.name, name, location, …) to the JSON path it writes, for the given resource
// type and api-version.
func FieldPath(name, resourceType, apiVersion string) (aliases.Path, error) {
	ref, err := parseField(name, aliases.Builtin())
	if err != nil {
		return nil, err
	}
	if ref.kind == fieldFullName {
		return nil, &Error{Reason: "fullName cannot be modified"}
	}
	if ref.versioned {
		return aliases.Builtin().ResolveForType(ref.alias, resourceType, apiVersion)
	}
	return ref.path, nil
}
