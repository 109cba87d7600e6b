package expr

import (
	"strconv"
	"strings"
	"sync/atomic"
)

// Node is one node of a parsed expression tree. The concrete types are
// *Literal, *Call, *Property and *Index; other packages inspect a tree with a
// type switch or Walk.
type Node interface {
	// String returns the canonical text of the node (without the outer
	// brackets of the whole expression).
	String() string
	eval(env Env) (any, error)
}

// Literal is a string, integer (int64) or decimal (float64) literal.
type Literal struct {
	Value any
}

// Call is a function call. Name is the lower-case canonical name
// ("tryget", "ns.fn" for user-defined template functions); Args are the
// argument expressions in order.
type Call struct {
	Name string
	Args []Node
	fn   *funcDef
	// memo remembers the last result of a memoised function (split) for
	// its string arguments; see funcDef.memo.
	memo atomic.Pointer[memoEntry]
}

// memoEntry is one remembered call: two string arguments and the result.
type memoEntry struct {
	x, y   string
	result any
}

// Property is member access, written `.name` or `['name']`, on the value of
// Target.
type Property struct {
	Target Node
	Name   string
	// claim marks access to a member of requestContext().identity: a claim
	// the token does not carry evaluates to null instead of failing.
	claim bool
	// tag marks access to one tag of a tags object (see isTags).
	tag bool
}

// Index is element access `Target[Index]`: an integer index into an array,
// or a string computed at run time naming an object property.
type Index struct {
	Target Node
	Index  Node
	tag    bool // see Property.tag
}

// String formats the literal as it would be written in an expression.
func (l *Literal) String() string {
	switch v := l.Value.(type) {
	case string:
		return quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return "null()"
}

// String formats the call with its ARM spelling and canonical arguments.
func (c *Call) String() string {
	var b strings.Builder
	name := c.Name
	if c.fn != nil {
		name = c.fn.display
	}
	b.WriteString(name)
	b.WriteByte('(')
	for i, a := range c.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	return b.String()
}

// String formats the access as `.name` when name is an identifier, else
// `['name']`.
func (p *Property) String() string {
	if isIdent(p.Name) {
		return p.Target.String() + "." + p.Name
	}
	return p.Target.String() + "[" + quote(p.Name) + "]"
}

// String formats the element access.
func (x *Index) String() string {
	return x.Target.String() + "[" + x.Index.String() + "]"
}

// quote writes s as a single-quoted literal, doubling embedded quotes.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// isIdent reports whether s can be written after a dot.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isIdentStart(c) || (i > 0 && isDigit(c)) {
			continue
		}
		return false
	}
	return true
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Walk visits n and its descendants depth-first, parents before children.
// When fn returns false the children of that node are skipped.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch x := n.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Property:
		Walk(x.Target, fn)
	case *Index:
		Walk(x.Target, fn)
		Walk(x.Index, fn)
	}
}
