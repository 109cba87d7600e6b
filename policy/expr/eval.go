package expr

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Env supplies the policy-only functions' data. Implementations must be
// cheap: the MFA rule is evaluated on every write request.
type Env interface {
	Parameter(name string) (any, bool) // parameters('x')
	Field(name string) (any, error)    // field('alias'); the caller resolves aliases
	Current(name string) (any, error)  // current('x'); name "" for current()
	RequestContext() any               // object with apiVersion, identity
	Policy() any                       // {assignmentId, definitionId, setDefinitionId, definitionReferenceId}
	ResourceGroup() any
	Subscription() any
	Now() time.Time // utcNow()
}

// EvalError is a run-time failure of an expression. Azure treats a failed
// evaluation as an implicit deny, so callers must not turn it into a default
// value. Func is the canonical name of the failing function ("" for a
// property or index access); Msg is the whole message, worded like ARM's.
type EvalError struct {
	Func string
	Msg  string
	// Err is the underlying failure reported by the Env (an unknown alias,
	// a current() outside its count), if any.
	Err error
}

// Error returns the message.
func (e *EvalError) Error() string { return e.Msg }

// Unwrap returns the underlying failure, so errors.Is and errors.As see
// through the EvalError.
func (e *EvalError) Unwrap() error { return e.Err }

// failf reports a function failure: "The template function 'x' failed: …".
func failf(fn, format string, args ...any) error {
	return &EvalError{Func: strings.ToLower(fn), Msg: fmt.Sprintf("The template function '%s' failed: %s", fn, fmt.Sprintf(format, args...))}
}

// typeErr reports an argument of the wrong type (argument numbers start at 1).
func typeErr(fn string, arg int, v any, expected string) error {
	return &EvalError{Func: strings.ToLower(fn), Msg: fmt.Sprintf("Unable to evaluate template language function '%s': the type of argument %d is '%s', expected '%s'", fn, arg, TypeName(v), expected)}
}

// Limits Azure Policy enforces while evaluating; exceeding one fails the
// evaluation (definition-structure-policy-rule "Limits enforced during
// evaluation").
const (
	MaxResultLength = 131072 // characters in a string a function returns
	MaxObjectDepth  = 128    // nesting depth of an array or object a function returns
	MaxObjectNodes  = 32768  // values inside an array or object a function returns
)

// Eval evaluates the expression against env. The result may share memory
// with the values env supplied and with earlier results of the same
// expression: treat it as read-only.
func (e *Expr) Eval(env Env) (any, error) {
	return e.root.eval(env)
}

// checkResult enforces the evaluation limits on a function's value. Values
// that a function only selects from its inputs or from the environment
// (fn.selects) cannot grow and are not walked again.
func (fn *funcDef) checkResult(v any, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case string:
		if len(x) > MaxResultLength {
			return nil, failf(fn.display, "the result is %d characters long, the limit is %d", len(x), MaxResultLength)
		}
	case []any, map[string]any:
		if fn.selects {
			return v, nil
		}
		nodes := 0
		if !withinLimits(v, 1, &nodes) {
			return nil, failf(fn.display, "the result exceeds the limits of %d levels of nesting and %d values", MaxObjectDepth, MaxObjectNodes)
		}
	}
	return v, nil
}

// withinLimits walks a value counting nodes, stopping as soon as a limit
// is passed.
func withinLimits(v any, depth int, nodes *int) bool {
	*nodes++
	if *nodes > MaxObjectNodes || depth > MaxObjectDepth {
		return false
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if !withinLimits(e, depth+1, nodes) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !withinLimits(e, depth+1, nodes) {
				return false
			}
		}
	}
	return true
}

func (l *Literal) eval(Env) (any, error) { return l.Value, nil }

func (c *Call) eval(env Env) (any, error) {
	fn := c.fn
	if fn.lazy != nil {
		return fn.lazy(env, c.Args)
	}
	if fn.call == nil {
		return nil, &EvalError{Func: c.Name, Msg: fmt.Sprintf("The template function '%s' is not valid in a policy rule and can be evaluated only by a template deployment", fn.display)}
	}
	if len(c.Args) == 0 {
		return fn.call(env, nil)
	}
	if fn.call2 != nil {
		x, err := c.Args[0].eval(env)
		if err != nil {
			return nil, err
		}
		y, err := c.Args[1].eval(env)
		if err != nil {
			return nil, err
		}
		if fn.memo {
			return c.memoCall(x, y)
		}
		return fn.checkResult(fn.call2(x, y))
	}
	if len(c.Args) > pooledArgs {
		args := make([]any, len(c.Args))
		if err := evalArgs(env, c.Args, args); err != nil {
			return nil, err
		}
		return fn.checkResult(fn.call(env, args))
	}
	// Short argument lists reuse pooled buffers: evaluating a rule then
	// allocates only for the values functions create. Implementations must
	// not keep the args slice (see funcDef.call).
	buf := argPool.Get().(*[pooledArgs]any)
	args := buf[:len(c.Args)]
	var res any
	err := evalArgs(env, c.Args, args)
	if err == nil {
		res, err = fn.call(env, args)
	}
	clear(args)
	argPool.Put(buf)
	return fn.checkResult(res, err)
}

// memoCall calls a memoised two-argument function, reusing the result of
// the previous call at this site when both arguments are the same strings.
func (c *Call) memoCall(x, y any) (any, error) {
	xs, ok1 := x.(string)
	ys, ok2 := y.(string)
	if !ok1 || !ok2 {
		return c.fn.checkResult(c.fn.call2(x, y))
	}
	if m := c.memo.Load(); m != nil && m.x == xs && m.y == ys {
		return m.result, nil
	}
	v, err := c.fn.checkResult(c.fn.call2(x, y))
	if err == nil {
		c.memo.Store(&memoEntry{x: xs, y: ys, result: v})
	}
	return v, err
}

// pooledArgs is the longest argument list served from argPool.
const pooledArgs = 4

var argPool = sync.Pool{New: func() any { return new([pooledArgs]any) }}

// evalArgs evaluates argument nodes into dst.
func evalArgs(env Env, nodes []Node, dst []any) error {
	for i, a := range nodes {
		v, err := a.eval(env)
		if err != nil {
			return err
		}
		dst[i] = v
	}
	return nil
}

func (p *Property) eval(env Env) (any, error) {
	t, err := p.Target.eval(env)
	if err != nil {
		return nil, err
	}
	if p.claim && t == nil {
		return nil, nil
	}
	if p.tag {
		return tag(t, p.Name)
	}
	return member(t, p.Name, p.claim)
}

// tag reads one tag of a tags object; a tag that is not set reads as "", as field() reads a
// missing property.
func tag(tags any, name string) (any, error) {
	v, err := member(tags, name, true)
	if v == nil && err == nil {
		return "", nil
	}
	return v, err
}

// isTags reports (at parse time) whether n reads a tags object (resourceGroup().tags, subscription().tags,
// field('tags')): a tag that is not set reads as "" rather than failing. Azure's own
// tag-inheritance definitions (InheritTag_Add_Modify and friends) test
// [resourceGroup().tags[parameters('tagName')]] against "" to see whether the group carries the
// tag, which only works if an absent tag is not an evaluation error.
func isTags(n Node) bool {
	switch t := n.(type) {
	case *Property:
		return strings.EqualFold(t.Name, "tags")
	case *Call:
		if t.Name == "field" && len(t.Args) == 1 {
			if lit, ok := t.Args[0].(*Literal); ok {
				s, _ := lit.Value.(string)
				return strings.EqualFold(s, "tags")
			}
		}
	}
	return false
}

// member reads a property of an object value. A missing property is an
// error, as in ARM, except for token claims (absentOK) which read as null.
func member(t any, name string, absentOK bool) (any, error) {
	obj, ok := t.(map[string]any)
	if !ok {
		return nil, &EvalError{Msg: fmt.Sprintf("The language expression property '%s' can't be evaluated, the value is of type '%s', expected 'Object'.", name, TypeName(t))}
	}
	if v, ok := Lookup(obj, name); ok {
		return v, nil
	}
	if absentOK {
		return nil, nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return nil, &EvalError{Msg: fmt.Sprintf("The language expression property '%s' doesn't exist, available properties are '%s'.", name, strings.Join(keys, ", "))}
}

func (x *Index) eval(env Env) (any, error) {
	t, err := x.Target.eval(env)
	if err != nil {
		return nil, err
	}
	i, err := x.Index.eval(env)
	if err != nil {
		return nil, err
	}
	switch iv := i.(type) {
	case string:
		if x.tag {
			return tag(t, iv)
		}
		return member(t, iv, false)
	case int64:
		arr, ok := t.([]any)
		if !ok {
			return nil, &EvalError{Msg: fmt.Sprintf("The language expression property array index '%d' can't be evaluated, the value is of type '%s', expected 'Array'.", iv, TypeName(t))}
		}
		if iv < 0 || iv >= int64(len(arr)) {
			return nil, &EvalError{Msg: fmt.Sprintf("The language expression property array index '%d' is out of bounds.", iv)}
		}
		return arr[iv], nil
	}
	return nil, &EvalError{Msg: fmt.Sprintf("The language expression property index is of type '%s', expected 'Integer' or 'String'.", TypeName(i))}
}
