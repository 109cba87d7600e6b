package eval

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/palisade/palisade/policy/expr"
)

// operand is a compiled literal or template expression.
type operand struct {
	lit  any
	ex   *expr.Expr
	text string // the JSON string as written, for traces and errors
}

// eval returns the operand's value.
func (o *operand) eval(s *state) (any, error) {
	if o.ex == nil {
		return o.lit, nil
	}
	v, err := o.ex.Eval(s)
	if err != nil {
		return nil, &EvalError{Expression: o.text, Err: err}
	}
	return v, nil
}

// label is how the operand appears in an evaluatedExpressions entry: the text as written.
func (o *operand) label() string {
	if o.ex != nil || o.text != "" {
		return o.text
	}
	return fmt.Sprint(o.lit)
}

// fieldCondition compiles {"field": name, op: target}.
func (c *compiler) fieldCondition(v any, path string, op *operator, target *operand) node {
	name, ok := v.(string)
	if !ok {
		c.errorf(path, "'field' needs a string, got %s", expr.TypeName(v))
		return never
	}
	if expr.IsExpression(name) {
		// A computed field name such as [concat('tags[', parameters('tagName'), ']')]: parse the
		// expression now, resolve the name per evaluation. It may name a tag.
		c.tags = true
		o := c.value(name, path)
		if o.ex == nil {
			return never
		}
		return func(s *state) (bool, error) {
			nv, err := o.eval(s)
			if err != nil {
				return false, err
			}
			fname, ok := nv.(string)
			if !ok {
				return false, &EvalError{Expression: name, Err: fmt.Errorf("the field name evaluated to %s, expected a string", expr.TypeName(nv))}
			}
			ref, err := s.fieldRef(fname)
			if err != nil {
				return false, &EvalError{Expression: name, Err: err}
			}
			return s.testField(ref, op, target)
		}
	}
	ref, err := parseField(name, c.cat)
	if err != nil {
		c.errorf(path, "%v", err)
		return never
	}
	if ref.readsTags() {
		c.tags = true
	}
	return func(s *state) (bool, error) { return s.testField(ref, op, target) }
}

// testField evaluates a field condition, with Azure's implicit all-of over [*] collections.
func (s *state) testField(ref *fieldRef, op *operator, target *operand) (bool, error) {
	want, err := target.eval(s)
	if err != nil {
		return false, err
	}
	if ref.kind == fieldLocation {
		want = normalizeLocations(want)
	}
	got, many := ref.read(s, s.in.Resource)
	var result bool
	if many {
		result = true
		for _, e := range got.([]any) {
			r, err := op.test(e, want)
			if err != nil {
				return false, &EvalError{Expression: ref.text, Err: err}
			}
			if !r {
				result = false
				break
			}
		}
	} else {
		result, err = op.test(got, want)
		if err != nil {
			return false, &EvalError{Expression: ref.text, Err: err}
		}
	}
	if s.tracing() {
		s.record(Expression{
			Result: resultText(result), ExpressionKind: kindField, Expression: ref.text,
			Path: ref.displayPath(s), ExpressionValue: got, TargetValue: want, Operator: op.name,
		})
	}
	return result, nil
}

// displayPath is the JSON path shown in traces.
func (f *fieldRef) displayPath(s *state) string {
	if f.kind == fieldFullName {
		return "fullName"
	}
	return f.pathFor(s).String()
}

// normalizeLocations applies location normalisation to a comparison target. Comparisons are
// case-insensitive already, so only spaces force a copy; the usual targets (parameter lists of
// location names) are returned as they are.
func normalizeLocations(v any) any {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, " ") {
			return v
		}
		return normalizeLocation(x)
	case []any:
		spaced := false
		for _, e := range x {
			if s, ok := e.(string); ok && strings.Contains(s, " ") {
				spaced = true
				break
			}
		}
		if !spaced {
			return v
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeLocations(e)
		}
		return out
	}
	return v
}

// valueCondition compiles {"value": literal-or-expression, op: target}.
func (c *compiler) valueCondition(v any, path string, op *operator, target *operand) node {
	left := c.value(v, path)
	label := left.label()
	return func(s *state) (bool, error) {
		got, err := left.eval(s)
		if err != nil {
			return false, err
		}
		want, err := target.eval(s)
		if err != nil {
			return false, err
		}
		r, err := op.test(got, want)
		if err != nil {
			return false, &EvalError{Expression: left.text, Err: err}
		}
		if s.tracing() {
			s.record(Expression{
				Result: resultText(r), ExpressionKind: kindValue, Expression: label,
				ExpressionValue: got, TargetValue: want, Operator: op.name,
			})
		}
		return r, nil
	}
}

var countNamePattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// countCondition compiles {"count": {field|value, name?, where?}, op: target}.
func (c *compiler) countCondition(v any, path string, op *operator, target *operand, depth int) node {
	obj, ok := v.(map[string]any)
	if !ok {
		c.errorf(path, "'count' needs an object with 'field' or 'value', got %s", expr.TypeName(v))
		return never
	}
	if depth >= maxCountNesting {
		c.errorf(path, "count expressions are nested %d deep, more than the %d levels allowed", depth+1, maxCountNesting)
		return never
	}
	var fieldV, valueV, whereV, nameV any
	var hasField, hasValue, hasWhere, hasName bool
	for _, k := range sortedKeys(obj) {
		switch strings.ToLower(k) {
		case "field":
			fieldV, hasField = obj[k], true
		case "value":
			valueV, hasValue = obj[k], true
		case "where":
			whereV, hasWhere = obj[k], true
		case "name":
			nameV, hasName = obj[k], true
		default:
			c.errorf(childPath(path, k), "unknown count property '%s': a count has field or value, and optionally name and where", k)
		}
	}
	if hasField == hasValue {
		c.errorf(path, "a count needs exactly one of 'field' (an array alias) or 'value' (an array)")
		return never
	}
	var where node
	if hasWhere {
		where = c.condition(whereV, childPath(path, "where"), depth+1)
	}
	if hasField {
		if hasName {
			c.errorf(childPath(path, "name"), "'name' is only allowed in a value count")
		}
		return c.fieldCountNode(fieldV, childPath(path, "field"), where, op, target)
	}
	name := valueCountDefaultName
	if !hasName && depth > 0 {
		// The index name may only be left out when the count is not inside another count
		// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#value-count).
		c.errorf(path, "a value count inside another count needs a 'name'")
	}
	if hasName {
		n, ok := nameV.(string)
		if !ok || !countNamePattern.MatchString(n) {
			c.errorf(childPath(path, "name"), "the count name must be English letters and digits, got %s", describe(nameV))
		} else {
			name = n
		}
	}
	c.valueCount++
	return c.valueCountNode(valueV, childPath(path, "value"), name, where, op, target)
}

func (c *compiler) fieldCountNode(v any, path string, where node, op *operator, target *operand) node {
	name, ok := v.(string)
	if !ok {
		c.errorf(path, "count 'field' needs a string, got %s", expr.TypeName(v))
		return never
	}
	ref, err := parseField(name, c.cat)
	if err != nil {
		c.errorf(path, "%v", err)
		return never
	}
	if ref.alias == "" || !ref.path.EndsWithWildcard() {
		c.errorf(path, "count 'field' must be an array alias ending in [*], got '%s'", name)
		return never
	}
	c.fieldCount[ref.alias]++
	if ref.readsTags() {
		c.tags = true
	}
	return func(s *state) (bool, error) {
		list := ref.members(s, s.in.Resource)
		// Alias paths are absolute, so the scope binds the counted path itself; fields under it
		// then read the current member (see fieldRef.read).
		n, err := s.countWhere(list, where, scope{path: ref.pathFor(s)})
		if err != nil {
			return false, err
		}
		return s.testCount(ref.text, n, op, target)
	}
}

func (c *compiler) valueCountNode(v any, path, name string, where node, op *operator, target *operand) node {
	src := c.value(v, path)
	label := src.label()
	if src.ex == nil {
		arr, ok := src.lit.([]any)
		if !ok {
			c.errorf(path, "count 'value' needs an array, got %s", describe(src.lit))
			return never
		}
		if len(arr) > MaxValueCountIterations {
			c.errorf(path, "count 'value' has %d members (the limit is %d) iterations", len(arr), MaxValueCountIterations)
		}
	}
	return func(s *state) (bool, error) {
		val, err := src.eval(s)
		if err != nil {
			return false, err
		}
		list, ok := val.([]any)
		if !ok {
			return false, &EvalError{Expression: src.text, Err: fmt.Errorf("count 'value' evaluated to %s, expected an array", expr.TypeName(val))}
		}
		if err := s.addIterations(len(list)); err != nil {
			return false, &EvalError{Expression: src.text, Err: err}
		}
		n, err := s.countWhere(list, where, scope{name: name})
		if err != nil {
			return false, err
		}
		return s.testCount(label, n, op, target)
	}
}

// countWhere counts the members for which where holds, evaluating it once per member with sc
// bound to that member (as if it were the array's only member). Without where every member counts.
// Expressions inside where are not traced: Azure reports the count, not its iterations.
func (s *state) countWhere(list []any, where node, sc scope) (int64, error) {
	if where == nil {
		return int64(len(list)), nil
	}
	var n int64
	s.pauseTrace()
	defer s.resumeTrace()
	for _, m := range list {
		sc.elem = m
		s.scopes = append(s.scopes, sc)
		r, err := where(s)
		s.scopes = s.scopes[:len(s.scopes)-1]
		if err != nil {
			return 0, err
		}
		if r {
			n++
		}
	}
	return n, nil
}

// testCount compares a count with the operator's target.
func (s *state) testCount(what string, n int64, op *operator, target *operand) (bool, error) {
	want, err := target.eval(s)
	if err != nil {
		return false, err
	}
	r, err := op.test(n, want)
	if err != nil {
		return false, &EvalError{Expression: what, Err: err}
	}
	if s.tracing() {
		s.record(Expression{
			Result: resultText(r), ExpressionKind: kindCount, Expression: what,
			ExpressionValue: n, TargetValue: want, Operator: op.name,
		})
	}
	return r, nil
}

func resultText(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
