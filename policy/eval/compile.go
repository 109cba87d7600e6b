package eval

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/expr"
)

// Authoring limits, from "Policy rule limits" in
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-rule-limits
const (
	MaxIfConditions          = 4096 // condition expressions in the if block
	MaxThenConditions        = 128  // condition expressions in an existenceCondition
	MaxFieldCountsPerArray   = 5
	MaxValueCounts           = 10
	MaxValueCountIterations  = 100
	maxCountNesting          = 5 // deeper nesting cannot stay within the iteration limit meaningfully
	valueCountDefaultName    = "default"
	kindField, kindValue     = "Field", "Value"
	kindCount                = "Count"
	expressionFunctionsLimit = 2048 // policy functions per policy rule
)

// Options configure a compilation.
type Options struct {
	// Aliases resolves alias names; nil means aliases.Builtin().
	Aliases *aliases.Catalog
	// Parameters maps each declared parameter name to its type (String, Array, Object, Boolean,
	// Integer, Float, DateTime). When non-nil, references to undeclared parameters are errors, and
	// a whole-parameter operand of the wrong type is rejected as Azure rejects it.
	Parameters map[string]string
	// MaxConditions caps the number of conditions; 0 means MaxIfConditions.
	MaxConditions int
}

// Condition is a compiled condition, ready to evaluate many times. Safe for concurrent use.
type Condition struct {
	root       node
	cat        *aliases.Catalog
	refs       *sync.Map // field name → *fieldRef, for names met at evaluation time
	conditions int
	uses       map[string]bool // template functions used anywhere, lower-case
	tags       bool            // some condition reads a tags field (see InspectsTags)
}

// InspectsTags reports whether the condition reads a tags-related field of the resource: a
// field condition, field count or field() call naming tags, tags['name'] (in any of its
// spellings) or an alias whose path starts at tags. A field name computed at evaluation time
// ([concat('tags[', parameters('tagName'), ']')]) counts as inspecting tags, since it may name
// one. A PATCH that changes only tags is decided by such conditions alone.
func (c *Condition) InspectsTags() bool { return c.tags }

// Uses reports whether any expression in the condition calls the named template function
// (lower-case), for example "requestcontext" or "field".
func (c *Condition) Uses(fn string) bool { return c.uses[strings.ToLower(fn)] }

// node is one compiled condition.
type node func(s *state) (bool, error)

// compiler carries the state of one compilation.
type compiler struct {
	opts       Options
	cat        *aliases.Catalog
	errs       Errors
	conditions int
	valueCount int
	fieldCount map[string]int // field count expressions per array alias
	uses       map[string]bool
	paramTypes map[string]string // lower-case name → lower-case type
	// countDepth is the number of count.where blocks around the condition being compiled, for
	// the rules on where current() may appear.
	countDepth int
	calls      int  // template function calls in all expressions, for the per-rule limit
	tags       bool // a tags-related field is read somewhere (Condition.InspectsTags)
}

// Compile compiles a condition (the value of `if`, `where` or `existenceCondition`). path is the
// JSON path of cond, used in error messages. All problems found are returned together as Errors.
func Compile(cond any, path string, opts Options) (*Condition, error) {
	c := &compiler{opts: opts, cat: opts.Aliases, fieldCount: map[string]int{}, uses: map[string]bool{}}
	if c.cat == nil {
		c.cat = aliases.Builtin()
	}
	if opts.Parameters != nil {
		c.paramTypes = make(map[string]string, len(opts.Parameters))
		for k, v := range opts.Parameters {
			c.paramTypes[strings.ToLower(k)] = strings.ToLower(v)
		}
	}
	root := c.condition(expr.Normalize(cond), path, 0)
	limit := opts.MaxConditions
	if limit == 0 {
		limit = MaxIfConditions
	}
	if c.conditions > limit {
		c.errorf(path, "the condition has %d condition expressions (the limit is %d)", c.conditions, limit)
	}
	if c.calls > expressionFunctionsLimit {
		// The limit counts the policy functions of the whole rule, not of one expression.
		c.errorf(path, "the condition calls %d policy functions (the limit is %d per policy rule)", c.calls, expressionFunctionsLimit)
	}
	if c.valueCount > MaxValueCounts {
		c.errorf(path, "the rule has %d value count expressions (the limit is %d)", c.valueCount, MaxValueCounts)
	}
	for alias, n := range c.fieldCount {
		if n > MaxFieldCountsPerArray {
			c.errorf(path, "the array '%s' is counted by %d field count expressions (the limit is %d)", alias, n, MaxFieldCountsPerArray)
		}
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	return &Condition{root: root, cat: c.cat, refs: &sync.Map{}, conditions: c.conditions, uses: c.uses, tags: c.tags}, nil
}

func (c *compiler) errorf(path, format string, args ...any) {
	c.errs = append(c.errs, &Error{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// condition compiles one condition object: a logical operator or a leaf condition.
func (c *compiler) condition(v any, path string, countDepth int) node {
	obj, ok := v.(map[string]any)
	if !ok {
		c.errorf(path, "a condition must be an object, got %s", expr.TypeName(v))
		return never
	}
	if len(obj) == 0 {
		c.errorf(path, "the condition is empty: it needs allOf, anyOf, not, or field/value/count with an operator")
		return never
	}
	keys := sortedKeys(obj)
	var logical []string
	for _, k := range keys {
		switch strings.ToLower(k) {
		case "allof", "anyof", "not":
			logical = append(logical, k)
		}
	}
	if len(logical) > 0 {
		if len(obj) > 1 {
			others := without(keys, logical[0])
			c.errorf(path, "'%s' cannot be combined with %s in one condition", logical[0], quoteList(others))
			return never
		}
		return c.logical(logical[0], obj[logical[0]], childPath(path, logical[0]), countDepth)
	}
	return c.leaf(obj, keys, path, countDepth)
}

func (c *compiler) logical(key string, v any, path string, countDepth int) node {
	switch strings.ToLower(key) {
	case "not":
		inner := c.condition(v, path, countDepth)
		return func(s *state) (bool, error) {
			r, err := inner(s)
			return !r, err
		}
	default:
		arr, ok := v.([]any)
		if !ok {
			c.errorf(path, "'%s' needs an array of conditions, got %s", key, expr.TypeName(v))
			return never
		}
		if len(arr) == 0 {
			c.errorf(path, "'%s' needs at least one condition", key)
			return never
		}
		nodes := make([]node, len(arr))
		for i, e := range arr {
			nodes[i] = c.condition(e, indexPath(path, i), countDepth)
		}
		if strings.EqualFold(key, "allOf") {
			return func(s *state) (bool, error) {
				for _, n := range nodes {
					r, err := n(s)
					if err != nil || !r {
						return false, err
					}
				}
				return true, nil
			}
		}
		return func(s *state) (bool, error) {
			for _, n := range nodes {
				r, err := n(s)
				if err != nil {
					return false, err
				}
				if r {
					return true, nil
				}
			}
			return false, nil
		}
	}
}

// leaf compiles {field|value|count, <operator>: target}.
func (c *compiler) leaf(obj map[string]any, keys []string, path string, countDepth int) node {
	c.conditions++
	outer := c.countDepth
	c.countDepth = countDepth
	defer func() { c.countDepth = outer }()
	var left []string
	var opKeys []string
	var unknown []string
	for _, k := range keys {
		lk := strings.ToLower(k)
		switch {
		case lk == "field" || lk == "value" || lk == "count":
			left = append(left, k)
		case operators[lk] != nil:
			opKeys = append(opKeys, k)
		default:
			unknown = append(unknown, k)
		}
	}
	bad := false
	for _, k := range unknown {
		c.errorf(childPath(path, k), "unknown operator '%s'", k)
		bad = true
	}
	switch len(left) {
	case 0:
		c.errorf(path, "the condition needs one of field, value or count")
		bad = true
	case 1:
	default:
		c.errorf(path, "the condition has %s, but it needs exactly one of field, value or count", quoteList(left))
		bad = true
	}
	switch len(opKeys) {
	case 0:
		if len(unknown) == 0 {
			c.errorf(path, "the condition has no operator")
		}
		bad = true
	case 1:
	default:
		c.errorf(path, "the condition has two or more operators (%s) but needs exactly one", quoteList(opKeys))
		bad = true
	}
	if bad {
		return never
	}
	op := operators[strings.ToLower(opKeys[0])]
	target := c.operand(obj[opKeys[0]], childPath(path, opKeys[0]), op)
	leftKey := left[0]
	leftPath := childPath(path, leftKey)
	switch strings.ToLower(leftKey) {
	case "field":
		return c.fieldCondition(obj[leftKey], leftPath, op, target)
	case "value":
		return c.valueCondition(obj[leftKey], leftPath, op, target)
	default:
		return c.countCondition(obj[leftKey], leftPath, op, target, countDepth)
	}
}

// operand compiles the right-hand side of an operator.
func (c *compiler) operand(v any, path string, op *operator) *operand {
	o := c.value(v, path)
	if o.ex == nil {
		switch {
		case op.wantArray:
			if _, ok := o.lit.([]any); !ok {
				c.errorf(path, "'%s' needs an array, got %s", lowerFirst(op.name), describe(o.lit))
			}
		case op.name == "Exists":
			if _, err := boolOperand(o.lit); err != nil {
				c.errorf(path, "%v", err)
			}
		case op.wantString:
			if _, ok := stringOf(o.lit); !ok {
				c.errorf(path, "'%s' needs a string, got %s", lowerFirst(op.name), describe(o.lit))
			}
		}
	} else if p, ok := wholeParameter(o.ex); ok && c.paramTypes != nil {
		// Azure checks whole-parameter operands at authoring time, e.g. "Evaluation result of
		// language expression '[parameters('allowedLocations')]' is type 'Array', expected type
		// is 'String'." (https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#array-conditions)
		if t, declared := c.paramTypes[strings.ToLower(p)]; declared {
			switch {
			case op.wantArray && t != "array":
				c.errorf(path, "evaluation result of language expression '%s' is type '%s', expected type is 'Array'", o.text, titleType(t))
			case !op.wantArray && t == "array" && op.name != "Contains" && op.name != "NotContains":
				c.errorf(path, "evaluation result of language expression '%s' is type 'Array', expected type is 'String'", o.text)
			}
		}
	}
	return o
}

// value compiles a literal or a template expression.
func (c *compiler) value(v any, path string) *operand {
	s, ok := v.(string)
	if !ok {
		return &operand{lit: v}
	}
	if !expr.IsExpression(s) {
		return &operand{lit: expr.Unescape(s), text: s}
	}
	e, err := expr.Parse(s)
	if err != nil {
		c.errorf(path, "%v", err)
		return &operand{lit: s, text: s}
	}
	c.checkExpression(e, path)
	return &operand{ex: e, text: s}
}

// checkExpression records the functions an expression uses and checks parameter references.
func (c *compiler) checkExpression(e *expr.Expr, path string) {
	expr.Walk(e.Root(), func(n expr.Node) bool {
		call, ok := n.(*expr.Call)
		if !ok {
			return true
		}
		c.calls++
		c.uses[call.Name] = true
		if call.Name == "field" {
			c.noteFieldCall(call)
		}
		if call.Name == "current" {
			c.checkCurrent(call, path)
		}
		if call.Name == "parameters" && c.paramTypes != nil && len(call.Args) == 1 {
			if lit, ok := call.Args[0].(*expr.Literal); ok {
				if name, ok := lit.Value.(string); ok {
					if _, declared := c.paramTypes[strings.ToLower(name)]; !declared {
						c.errorf(path, "the expression refers to parameter '%s', which the definition does not declare", name)
					}
				}
			}
		}
		return true
	})
}

// noteFieldCall records whether a field() call reads a tags-related field. An argument that is
// not a literal string is computed at evaluation time and may name one.
func (c *compiler) noteFieldCall(call *expr.Call) {
	if len(call.Args) != 1 {
		return // refused when the expression is evaluated
	}
	lit, ok := call.Args[0].(*expr.Literal)
	name, isStr := "", false
	if ok {
		name, isStr = lit.Value.(string)
	}
	if !isStr {
		c.tags = true
		return
	}
	c.noteField(name)
}

// noteField records whether a field name written in the rule reads a tags-related field.
func (c *compiler) noteField(name string) {
	ref, err := parseField(name, c.cat)
	if err != nil {
		// The name is refused elsewhere; judge it by its spelling alone.
		if _, isTag, _ := parseTagField(name); isTag || strings.EqualFold(strings.TrimSpace(name), "tags") {
			c.tags = true
		}
		return
	}
	if ref.readsTags() {
		c.tags = true
	}
}

// checkCurrent applies the placement rules of current(): it exists only inside a count.where,
// and the form without an index name only where that count is not itself inside another count
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#the-current-function).
func (c *compiler) checkCurrent(call *expr.Call, path string) {
	switch {
	case c.countDepth == 0:
		c.errorf(path, "current() can only be used inside a count 'where' condition")
	case len(call.Args) == 0 && c.countDepth > 1:
		c.errorf(path, "current() without an argument is not allowed inside a nested count: name the count and call current('<name>'), or current('<array alias>') for a field count")
	}
}

// wholeParameter reports whether e is exactly [parameters('name')].
func wholeParameter(e *expr.Expr) (string, bool) {
	call, ok := e.Root().(*expr.Call)
	if !ok || call.Name != "parameters" || len(call.Args) != 1 {
		return "", false
	}
	lit, ok := call.Args[0].(*expr.Literal)
	if !ok {
		return "", false
	}
	name, ok := lit.Value.(string)
	return name, ok
}

func never(*state) (bool, error) { return false, nil }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func without(keys []string, drop string) []string {
	var out []string
	for _, k := range keys {
		if k != drop {
			out = append(out, k)
		}
	}
	return out
}

func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = "'" + k + "'"
	}
	return strings.Join(q, ", ")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func titleType(t string) string {
	switch t {
	case "string":
		return "String"
	case "array":
		return "Array"
	case "object":
		return "Object"
	case "boolean":
		return "Boolean"
	case "integer":
		return "Integer"
	case "float":
		return "Float"
	case "datetime":
		return "DateTime"
	}
	return t
}
