package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits Azure Policy enforces when a definition is created; exceeding one is
// a parse error. Source: https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#limits
const (
	MaxExpressionLength = 81920 // characters in one expression string
	MaxNestingDepth     = 64    // nested function calls
	MaxArguments        = 128   // arguments of one function call
)

// SyntaxError reports why an expression string could not be parsed. Offset
// is the byte offset in the whole string, brackets included.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns the message and the offset, e.g. "expected ')' at offset 17".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at offset %d", e.Msg, e.Offset)
}

// Expr is a parsed template expression, ready to evaluate many times. It is
// immutable and safe for concurrent use.
type Expr struct {
	root Node
	src  string
}

// Root returns the top node of the expression tree.
func (e *Expr) Root() Node { return e.root }

// String returns the canonical text of the expression, brackets included;
// parsing it again yields the same tree.
func (e *Expr) String() string { return "[" + e.root.String() + "]" }

// Source returns the string the expression was parsed from.
func (e *Expr) Source() string { return e.src }

// Uses reports whether the expression calls the named function anywhere
// (case-insensitive), e.g. "field", "current", "requestContext".
func (e *Expr) Uses(fn string) bool {
	fn = strings.ToLower(fn)
	found := false
	Walk(e.root, func(n Node) bool {
		if c, ok := n.(*Call); ok && c.Name == fn {
			found = true
		}
		return !found
	})
	return found
}

// CallCount returns the number of function calls in the expression. Azure
// limits a policy rule to 2,048 policy functions in all; the definition
// validator adds up the counts of a rule's expressions.
func (e *Expr) CallCount() int {
	n := 0
	Walk(e.root, func(x Node) bool {
		if _, ok := x.(*Call); ok {
			n++
		}
		return true
	})
	return n
}

// IsExpression reports whether a JSON string value is a template expression:
// it starts with '[' and ends with ']' and does not start with the "[["
// escape.
func IsExpression(s string) bool {
	return len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' && s[1] != '['
}

// Unescape returns the literal value of a non-expression string: a leading
// "[[" becomes "[", other strings are unchanged.
func Unescape(s string) string {
	if strings.HasPrefix(s, "[[") {
		return s[1:]
	}
	return s
}

// Option changes how Parse reads an expression.
type Option func(*parseConfig)

type parseConfig struct {
	template bool
}

// PolicyRule selects the functions Azure Policy allows in a policy rule
// (the default).
var PolicyRule Option = func(c *parseConfig) { c.template = false }

// Template selects every ARM template function, for the deployment template
// embedded in a deployIfNotExists effect. Template-only functions parse but
// fail when evaluated.
var Template Option = func(c *parseConfig) { c.template = true }

// Parse parses a whole expression string such as "[concat('a', 'b')]",
// brackets included.
func Parse(s string, opts ...Option) (*Expr, error) {
	var cfg parseConfig
	for _, o := range opts {
		o(&cfg)
	}
	if len(s) > MaxExpressionLength {
		return nil, &SyntaxError{Offset: MaxExpressionLength, Msg: fmt.Sprintf("expression is %d characters long, the limit is %d", len(s), MaxExpressionLength)}
	}
	if strings.HasPrefix(s, "[[") {
		return nil, &SyntaxError{Offset: 0, Msg: "a string starting with '[[' is an escaped literal, not an expression"}
	}
	if !IsExpression(s) {
		return nil, &SyntaxError{Offset: 0, Msg: "an expression must start with '[' and end with ']'"}
	}
	p := &parser{src: s, pos: 1, end: len(s) - 1, cfg: cfg}
	p.skipSpace()
	if p.pos >= p.end {
		return nil, p.errorf("expected an expression")
	}
	root, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < p.end {
		return nil, p.errorf("expected end of expression, found %s", p.describe())
	}
	return &Expr{root: root, src: s}, nil
}

// parser is a recursive-descent parser working directly on the bytes of the
// string between the outer brackets.
type parser struct {
	src      string
	pos, end int
	cfg      parseConfig
}

func (p *parser) errorf(format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

// describe names the token at the current position for error messages.
func (p *parser) describe() string {
	if p.pos >= p.end {
		return "end of expression"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:p.end])
	if r == '\'' {
		return "a string literal"
	}
	return fmt.Sprintf("'%c'", r)
}

// skipSpace skips white space as .NET's char.IsWhiteSpace defines it: the
// built-in definitions contain U+202F (narrow no-break space) between
// arguments, and Azure accepts them.
func (p *parser) skipSpace() {
	for p.pos < p.end {
		c := p.src[p.pos]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return
			}
			p.pos++
			continue
		}
		r, n := utf8.DecodeRuneInString(p.src[p.pos:p.end])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// expect consumes c (after optional whitespace) or fails naming it.
func (p *parser) expect(c byte) error {
	p.skipSpace()
	if p.pos < p.end && p.src[p.pos] == c {
		p.pos++
		return nil
	}
	return p.errorf("expected '%c', found %s", c, p.describe())
}

// parseExpr reads a primary value followed by any chain of property and
// index accesses. depth counts enclosing function calls.
func (p *parser) parseExpr(depth int) (Node, error) {
	n, err := p.parsePrimary(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if p.pos >= p.end {
			return n, nil
		}
		switch p.src[p.pos] {
		case '.':
			p.pos++
			p.skipSpace()
			name := p.ident()
			if name == "" {
				return nil, p.errorf("expected a property name after '.', found %s", p.describe())
			}
			n = p.property(n, name)
		case '[':
			p.pos++
			p.skipSpace()
			idx, err := p.parseExpr(depth)
			if err != nil {
				return nil, err
			}
			if err := p.expect(']'); err != nil {
				return nil, err
			}
			if lit, ok := idx.(*Literal); ok {
				if s, ok := lit.Value.(string); ok {
					n = p.property(n, s)
					continue
				}
			}
			n = &Index{Target: n, Index: idx, tag: isTags(n)}
		default:
			return n, nil
		}
	}
}

// property builds a Property node, marking members of
// requestContext().identity as token claims.
//
// The policy-rule page documents the identity claims (idtyp, appid, acrs)
// without saying what reading an absent claim does
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions).
// The MFA built-ins read requestContext().identity.acrs directly, and a
// token carries acrs only after a step-up sign-in; if the read failed,
// every caller without MFA would be denied by an evaluation error instead
// of by the rule, and the Audit effect could never fire. So an absent
// claim reads as null (and split(null, ',') is an empty array). Other
// missing properties fail, as in ARM.
func (p *parser) property(target Node, name string) Node {
	prop := &Property{Target: target, Name: name, tag: isTags(target)}
	if id, ok := target.(*Property); ok && strings.EqualFold(id.Name, "identity") {
		if c, ok := id.Target.(*Call); ok && c.Name == "requestcontext" {
			prop.claim = true
		}
	}
	return prop
}

func (p *parser) ident() string {
	start := p.pos
	if p.pos < p.end && isIdentStart(p.src[p.pos]) {
		p.pos++
		for p.pos < p.end && (isIdentStart(p.src[p.pos]) || isDigit(p.src[p.pos])) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

func (p *parser) parsePrimary(depth int) (Node, error) {
	p.skipSpace()
	if p.pos >= p.end {
		return nil, p.errorf("expected a value, found end of expression")
	}
	c := p.src[p.pos]
	switch {
	case c == '\'':
		s, err := p.stringLit()
		if err != nil {
			return nil, err
		}
		return &Literal{Value: s}, nil
	case c == '-' || isDigit(c):
		return p.number()
	case isIdentStart(c):
		return p.call(depth)
	}
	return nil, p.errorf("expected a function call or a literal, found %s", p.describe())
}

// stringLit reads a single-quoted string in which ” stands for one quote.
func (p *parser) stringLit() (string, error) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < p.end {
		c := p.src[p.pos]
		if c == '\'' {
			if p.pos+1 < p.end && p.src[p.pos+1] == '\'' {
				b.WriteByte('\'')
				p.pos += 2
				continue
			}
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", &SyntaxError{Offset: start, Msg: "unterminated string literal"}
}

// number reads an integer or decimal literal, optionally negative.
func (p *parser) number() (Node, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < p.end && isDigit(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == digits {
		return nil, &SyntaxError{Offset: start, Msg: "expected digits after '-'"}
	}
	isFloat := false
	if p.pos < p.end && p.src[p.pos] == '.' && p.pos+1 < p.end && isDigit(p.src[p.pos+1]) {
		isFloat = true
		p.pos++
		for p.pos < p.end && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	text := p.src[start:p.pos]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("invalid number %q", text)}
		}
		return &Literal{Value: f}, nil
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("integer literal %s is out of range", text)}
	}
	return &Literal{Value: i}, nil
}

// call reads `name(args)` or a user-defined `namespace.name(args)`.
func (p *parser) call(depth int) (Node, error) {
	start := p.pos
	name := p.ident()
	user := false
	// A dot directly followed by an identifier and '(' makes a
	// user-defined function name.
	if p.pos < p.end && p.src[p.pos] == '.' {
		save := p.pos
		p.pos++
		member := p.ident()
		p.skipSpace()
		if member != "" && p.pos < p.end && p.src[p.pos] == '(' {
			name = name + "." + member
			user = true
		} else {
			p.pos = save
		}
	}
	p.skipSpace()
	if p.pos >= p.end || p.src[p.pos] != '(' {
		return nil, p.errorf("expected '(' after function name '%s', found %s", name, p.describe())
	}
	if depth+1 > MaxNestingDepth {
		return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("functions are nested deeper than %d levels", MaxNestingDepth)}
	}
	lower := strings.ToLower(name)
	fn, err := p.lookup(lower, user, start)
	if err != nil {
		return nil, err
	}
	p.pos++ // '('
	var args []Node
	p.skipSpace()
	if p.pos < p.end && p.src[p.pos] == ')' {
		p.pos++
	} else {
		for {
			arg, err := p.parseExpr(depth + 1)
			if err != nil {
				return nil, err
			}
			args = append(args, arg)
			if len(args) > MaxArguments {
				return nil, &SyntaxError{Offset: start, Msg: fmt.Sprintf("function '%s' has more than %d arguments", name, MaxArguments)}
			}
			p.skipSpace()
			if p.pos < p.end && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if err := p.expect(')'); err != nil {
				return nil, err
			}
			break
		}
	}
	if err := checkArity(fn, len(args), start); err != nil {
		return nil, err
	}
	return &Call{Name: lower, Args: args, fn: fn}, nil
}

// lookup binds a function name to its implementation, enforcing the
// function set chosen by the options.
func (p *parser) lookup(lower string, user bool, offset int) (*funcDef, error) {
	if user {
		if !p.cfg.template {
			return nil, &SyntaxError{Offset: offset, Msg: fmt.Sprintf("unknown function '%s': Azure Policy does not support user-defined functions in policy rules", lower)}
		}
		return &funcDef{name: lower, display: lower, min: 0, max: -1, templateOnly: true}, nil
	}
	fn, ok := functions[lower]
	if !ok && strings.HasPrefix(lower, "list") {
		fn, ok = listFunction(lower), true
	}
	if !ok {
		return nil, &SyntaxError{Offset: offset, Msg: fmt.Sprintf("unknown function '%s'", lower)}
	}
	if fn.templateOnly && !p.cfg.template {
		return nil, &SyntaxError{Offset: offset, Msg: fmt.Sprintf("unknown function '%s': Azure Policy does not support it in policy rules", fn.display)}
	}
	return fn, nil
}

// checkArity enforces a function's fixed argument count at parse time.
func checkArity(fn *funcDef, n, offset int) error {
	switch {
	case fn.max >= 0 && fn.min == fn.max && n != fn.min:
		return &SyntaxError{Offset: offset, Msg: fmt.Sprintf("function '%s' takes %d %s, got %d", fn.display, fn.min, plural(fn.min), n)}
	case n < fn.min:
		return &SyntaxError{Offset: offset, Msg: fmt.Sprintf("function '%s' takes at least %d %s, got %d", fn.display, fn.min, plural(fn.min), n)}
	case fn.max >= 0 && n > fn.max:
		return &SyntaxError{Offset: offset, Msg: fmt.Sprintf("function '%s' takes at most %d %s, got %d", fn.display, fn.max, plural(fn.max), n)}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}
