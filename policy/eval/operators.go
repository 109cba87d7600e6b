package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/palisade/palisade/policy/expr"
)

// operator is one condition operator: its canonical name (as Azure reports it in
// evaluatedExpressions) and the test it applies to (left value, right value).
type operator struct {
	name string // PascalCase, e.g. "NotIn"
	test func(lhs, rhs any) (bool, error)
	// wantArray: the right-hand side must be an array (in, notIn).
	wantArray bool
	// wantString: the right-hand side must be a string (like, match, contains, containsKey).
	wantString bool
	// numeric: a comparison (count conditions use these most).
	ordering bool
}

// operators maps the lower-case operator key to its definition. Source for the list and the
// case rules: https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#conditions
var operators = map[string]*operator{
	"equals":                {name: "Equals", test: func(a, b any) (bool, error) { return looseEqual(a, b), nil }},
	"notequals":             {name: "NotEquals", test: func(a, b any) (bool, error) { return !looseEqual(a, b), nil }},
	"like":                  {name: "Like", wantString: true, test: func(a, b any) (bool, error) { return like(a, b), nil }},
	"notlike":               {name: "NotLike", wantString: true, test: func(a, b any) (bool, error) { return !like(a, b), nil }},
	"match":                 {name: "Match", wantString: true, test: func(a, b any) (bool, error) { return match(a, b, false), nil }},
	"notmatch":              {name: "NotMatch", wantString: true, test: func(a, b any) (bool, error) { return !match(a, b, false), nil }},
	"matchinsensitively":    {name: "MatchInsensitively", wantString: true, test: func(a, b any) (bool, error) { return match(a, b, true), nil }},
	"notmatchinsensitively": {name: "NotMatchInsensitively", wantString: true, test: func(a, b any) (bool, error) { return !match(a, b, true), nil }},
	"contains":              {name: "Contains", test: func(a, b any) (bool, error) { return contains(a, b), nil }},
	"notcontains":           {name: "NotContains", test: func(a, b any) (bool, error) { return !contains(a, b), nil }},
	"in":                    {name: "In", wantArray: true, test: func(a, b any) (bool, error) { return in(a, b) }},
	"notin": {name: "NotIn", wantArray: true, test: func(a, b any) (bool, error) {
		r, err := in(a, b)
		return !r, err
	}},
	"containskey":     {name: "ContainsKey", wantString: true, test: func(a, b any) (bool, error) { return containsKey(a, b), nil }},
	"notcontainskey":  {name: "NotContainsKey", wantString: true, test: func(a, b any) (bool, error) { return !containsKey(a, b), nil }},
	"less":            {name: "Less", ordering: true, test: ordered(func(c int) bool { return c < 0 })},
	"lessorequals":    {name: "LessOrEquals", ordering: true, test: ordered(func(c int) bool { return c <= 0 })},
	"greater":         {name: "Greater", ordering: true, test: ordered(func(c int) bool { return c > 0 })},
	"greaterorequals": {name: "GreaterOrEquals", ordering: true, test: ordered(func(c int) bool { return c >= 0 })},
	"exists":          {name: "Exists", test: exists},
}

// lookupOperator finds an operator by its JSON key, case-insensitively (Azure's JSON is not
// case-sensitive about property names; the built-ins themselves mix "Equals" and "equals").
func lookupOperator(key string) (*operator, bool) {
	op, ok := operators[strings.ToLower(key)]
	return op, ok
}

// looseEqual is the equals condition: strings compare case-insensitively, and a string compares
// equal to a bool or number whose text it is ("false" equals false, "3" equals 3): the built-in
// definitions rely on this ({"field": "…/supportsHttpsTrafficOnly", "equals": "false"}).
func looseEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			return strings.EqualFold(x, y)
		case bool, int64, float64:
			return strings.EqualFold(x, scalarText(y))
		}
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case string:
			return strings.EqualFold(scalarText(x), y)
		}
		return false
	case int64, float64:
		switch y := b.(type) {
		case int64, float64:
			return numEqual(x, y)
		case string:
			return strings.EqualFold(scalarText(x), y)
		}
		return false
	}
	return expr.Equal(a, b)
}

func numEqual(a, b any) bool {
	fa, _ := toFloat(a)
	fb, _ := toFloat(b)
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia == ib
		}
	}
	return fa == fb
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// scalarText is the text form of a scalar as .NET prints it for comparisons.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return ""
}

// stringOf returns v as text for string operators: strings as they are, other scalars in their
// text form. Arrays, objects and null have no text form.
func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool, int64, float64:
		return scalarText(x), true
	}
	return "", false
}

// like matches a pattern with * wildcards, case-insensitively.
func like(a, b any) bool {
	s, ok := stringOf(a)
	if !ok {
		return false
	}
	p, ok := stringOf(b)
	if !ok {
		return false
	}
	return wildcardMatch(strings.ToLower(s), strings.ToLower(p))
}

// wildcardMatch reports whether s matches pattern p, where * matches any run of characters.
func wildcardMatch(s, p string) bool {
	// Iterative glob match with backtracking to the last star.
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			si++
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// match applies Azure's match pattern: # is a digit, ? a letter, . any character, anything else
// itself; the whole value must match.
func match(a, b any, insensitive bool) bool {
	s, ok := stringOf(a)
	if !ok {
		return false
	}
	p, ok := stringOf(b)
	if !ok {
		return false
	}
	for len(p) > 0 {
		if len(s) == 0 {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(p)
		sr, sn := utf8.DecodeRuneInString(s)
		switch pr {
		case '#':
			if !unicode.IsDigit(sr) {
				return false
			}
		case '?':
			if !unicode.IsLetter(sr) {
				return false
			}
		case '.':
		default:
			if insensitive {
				if unicode.ToLower(pr) != unicode.ToLower(sr) {
					return false
				}
			} else if pr != sr {
				return false
			}
		}
		p, s = p[pn:], s[sn:]
	}
	return len(s) == 0
}

// contains: a substring test for strings (case-insensitive), membership for arrays, a key test
// for objects.
func contains(a, b any) bool {
	switch x := a.(type) {
	case string:
		t, ok := stringOf(b)
		if !ok {
			return false
		}
		return strings.Contains(strings.ToLower(x), strings.ToLower(t))
	case []any:
		for _, e := range x {
			if looseEqual(e, b) {
				return true
			}
		}
		return false
	case map[string]any:
		return containsKey(a, b)
	}
	return false
}

// in tests membership of a in the array b.
func in(a, b any) (bool, error) {
	arr, ok := b.([]any)
	if !ok {
		if b == nil {
			return false, nil
		}
		return false, fmt.Errorf("the 'in' and 'notIn' conditions need an array, got %s", expr.TypeName(b))
	}
	if a == nil {
		return false, nil
	}
	for _, e := range arr {
		if looseEqual(a, e) {
			return true, nil
		}
	}
	return false, nil
}

// containsKey tests whether the object a has the key b (case-insensitive, as tag names are).
func containsKey(a, b any) bool {
	obj, ok := a.(map[string]any)
	if !ok {
		return false
	}
	k, ok := stringOf(b)
	if !ok {
		return false
	}
	_, found := expr.Lookup(obj, k)
	return found
}

// exists is true when the value is present (not null); the right side says which outcome is wanted.
func exists(a, b any) (bool, error) {
	want, err := boolOperand(b)
	if err != nil {
		return false, err
	}
	return (a != nil) == want, nil
}

// boolOperand reads the right side of exists: a bool or the strings "true"/"false".
func boolOperand(b any) (bool, error) {
	switch x := b.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("the 'exists' condition needs true or false, got %s", describe(b))
}

// ordered builds less/greater-style tests from a comparison outcome. A null on either side
// gives false; values of different types that cannot be reconciled are an error, as documented.
func ordered(ok func(int) bool) func(a, b any) (bool, error) {
	return func(a, b any) (bool, error) {
		c, comparable, err := compareValues(a, b)
		if err != nil || !comparable {
			return false, err
		}
		return ok(c), nil
	}
}

// compareValues orders two values: numbers numerically, date-times chronologically, other strings
// with a case-insensitive ordinal comparison (InvariantCultureIgnoreCase in Azure).
func compareValues(a, b any) (int, bool, error) {
	if a == nil || b == nil {
		return 0, false, nil
	}
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	sa, aStr := a.(string)
	sb, bStr := b.(string)
	switch {
	case aNum && bNum:
		return cmpFloat(fa, fb), true, nil
	case aNum && bStr:
		if f, err := strconv.ParseFloat(strings.TrimSpace(sb), 64); err == nil {
			return cmpFloat(fa, f), true, nil
		}
	case aStr && bNum:
		if f, err := strconv.ParseFloat(strings.TrimSpace(sa), 64); err == nil {
			return cmpFloat(f, fb), true, nil
		}
	case aStr && bStr:
		if ta, ok := parseDateTime(sa); ok {
			if tb, ok := parseDateTime(sb); ok {
				return ta.Compare(tb), true, nil
			}
		}
		return strings.Compare(strings.ToLower(sa), strings.ToLower(sb)), true, nil
	}
	return 0, false, fmt.Errorf("cannot compare %s with %s", expr.TypeName(a), expr.TypeName(b))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseDateTime accepts the ISO 8601 forms Azure uses for dateValue comparisons. The layout is
// picked from the shape of the text, so a string that is not a date costs no failed parses.
func parseDateTime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || !isDigits(s[:4]) {
		return time.Time{}, false
	}
	layout := "2006-01-02"
	switch {
	case len(s) == 10:
	case s[10] != 'T' && s[10] != 't':
		return time.Time{}, false
	case strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") || strings.LastIndexAny(s[10:], "+-") > 0:
		layout = time.RFC3339Nano
	default:
		layout = "2006-01-02T15:04:05.9999999"
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// describe renders a value briefly for error messages.
func describe(v any) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return expr.TypeName(v)
}
