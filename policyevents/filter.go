package policyevents

import (
	"fmt"
	"strings"
)

// Filter is a parsed $filter: comparisons of record fields with literals
// (eq, ne) combined with and, or, not and parentheses. Strings compare
// ignoring case, as resource and policy ids do.
type Filter struct{ root node }

// Match reports whether the record passes the filter; a nil Filter passes
// everything.
func (f *Filter) Match(r Record) bool {
	if f == nil || f.root == nil {
		return true
	}
	return f.root.match(r)
}

type node interface{ match(Record) bool }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ n node }

// cmpNode compares one field with a literal; neg is ne.
type cmpNode struct {
	field string
	value any // string, bool or nil
	neg   bool
}

func (n andNode) match(r Record) bool { return n.l.match(r) && n.r.match(r) }
func (n orNode) match(r Record) bool  { return n.l.match(r) || n.r.match(r) }
func (n notNode) match(r Record) bool { return !n.n.match(r) }

func (n cmpNode) match(r Record) bool {
	return equalValues(r.Get(n.field), n.value) != n.neg
}

// equalValues compares a record value with a literal: strings ignoring
// case, booleans exactly, null only with null.
func equalValues(v, lit any) bool {
	switch l := lit.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case string:
		s, ok := v.(string)
		return ok && strings.EqualFold(s, l)
	}
	return false
}

// token kinds of the filter lexer.
const (
	tokIdent = iota
	tokString
	tokLParen
	tokRParen
	tokComma
	tokEOF
)

type token struct {
	kind int
	text string // identifier or the string's value
	pos  int    // byte offset in the input
	end  int    // byte offset just past the token
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tokLParen, "(", i, i + 1})
			i++
		case c == ')':
			out = append(out, token{tokRParen, ")", i, i + 1})
			i++
		case c == ',':
			out = append(out, token{tokComma, ",", i, i + 1})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("the string that starts at position %d is not closed with a quote", start+1)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' { // '' is a quote inside the string
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{tokString, b.String(), start, i})
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\r\n(),'", rune(s[i])) {
				i++
			}
			out = append(out, token{tokIdent, s[start:i], start, i})
		}
	}
	return append(out, token{tokEOF, "", len(s), len(s)}), nil
}

type filterParser struct {
	src   string
	toks  []token
	i     int
	depth int // parentheses and nots open
}

// maxFilterDepth bounds nesting, so that a long run of "(" or "not" is refused rather than
// recursed into.
const maxFilterDepth = 32

// ParseFilter parses a $filter. It supports eq and ne comparisons of the
// record fields (Fields) with a quoted string, true, false or null, joined
// by and and or, negated by not, grouped with parentheses. Anything else
// is refused with an error naming the clause.
func ParseFilter(s string) (*Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{src: s, toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected '%s' at position %d", t.text, t.pos+1)
	}
	return &Filter{root: n}, nil
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *filterParser) keyword(word string) bool {
	t := p.peek()
	if t.kind == tokIdent && strings.EqualFold(t.text, word) {
		p.i++
		return true
	}
	return false
}

func (p *filterParser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *filterParser) and() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *filterParser) unary() (node, error) {
	if p.depth++; p.depth > maxFilterDepth {
		return nil, fmt.Errorf("the filter nests more than %d levels of parentheses and 'not'", maxFilterDepth)
	}
	defer func() { p.depth-- }()
	if p.keyword("not") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	}
	t := p.next()
	switch t.kind {
	case tokLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, fmt.Errorf("missing ')' for the '(' at position %d", t.pos+1)
		}
		return n, nil
	case tokIdent:
		return p.comparison(t)
	case tokEOF:
		return nil, fmt.Errorf("the filter ends where a comparison was expected")
	}
	return nil, fmt.Errorf("unexpected '%s' at position %d", t.text, t.pos+1)
}

// comparison parses "{field} eq|ne {literal}" after its field.
func (p *filterParser) comparison(fieldTok token) (node, error) {
	if p.peek().kind == tokLParen {
		return nil, fmt.Errorf("the function '%s' is not supported; use eq and ne comparisons joined by and, or", fieldTok.text)
	}
	opTok := p.next()
	if opTok.kind != tokIdent {
		return nil, fmt.Errorf("'%s' must be followed by eq or ne (position %d)", fieldTok.text, opTok.pos+1)
	}
	lit := p.next()
	clause := strings.TrimSpace(p.src[fieldTok.pos:lit.end])
	op := strings.ToLower(opTok.text)
	switch op {
	case "eq", "ne":
	case "gt", "ge", "lt", "le", "has", "in":
		return nil, fmt.Errorf("the operator '%s' in '%s' is not supported; only eq and ne are", opTok.text, clause)
	default:
		return nil, fmt.Errorf("'%s' is not a comparison operator (in '%s'); use eq or ne", opTok.text, clause)
	}
	f, ok := lookupField(fieldTok.text)
	if !ok {
		return nil, fmt.Errorf("'%s' is not a field of policy events (in '%s')", fieldTok.text, clause)
	}
	var value any
	switch {
	case lit.kind == tokString:
		value = lit.text
	case lit.kind == tokIdent && strings.EqualFold(lit.text, "true"):
		value = true
	case lit.kind == tokIdent && strings.EqualFold(lit.text, "false"):
		value = false
	case lit.kind == tokIdent && strings.EqualFold(lit.text, "null"):
		value = nil
	default:
		return nil, fmt.Errorf("the value in '%s' must be a quoted string, true, false or null", clause)
	}
	if _, isBool := value.(bool); f.Bool != isBool && value != nil {
		if f.Bool {
			return nil, fmt.Errorf("'%s' is a boolean: compare it with true or false (in '%s')", f.Name, clause)
		}
		return nil, fmt.Errorf("'%s' is a string: compare it with a quoted string (in '%s')", f.Name, clause)
	}
	return cmpNode{field: f.Name, value: value, neg: op == "ne"}, nil
}
