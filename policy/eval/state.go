package eval

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/aliases"
	"github.com/palisade/palisade/policy/expr"
)

// scope is one active count iteration: a field count binds an array path to the current member,
// a value count binds a name.
type scope struct {
	path aliases.Path // field count: the counted [*] path
	name string       // value count: the index name
	elem any
}

// state is the mutable part of one evaluation. It implements expr.Env, so template expressions
// read parameters, fields and the request context through it.
type state struct {
	in         *Input
	inBuf      Input // Eval copies its input here, so the caller's Input need not escape
	cond       *Condition
	cat        *aliases.Catalog
	apiVersion string
	scopes     []scope
	iterations int // value count iterations so far, for the limit
	trace      *[]Expression
	paused     int // >0 inside count.where: Azure reports only top-level expressions
}

// states recycles evaluation states: the closures take *state, so a state would otherwise be
// allocated on every evaluation.
var states = sync.Pool{New: func() any { return new(state) }}

// Eval evaluates the condition against in.
func (c *Condition) Eval(in *Input) (bool, error) {
	s := states.Get().(*state)
	*s = state{inBuf: *in, cond: c, cat: c.cat, apiVersion: in.apiVersion(), scopes: s.scopes[:0]}
	s.in = &s.inBuf
	r, err := c.root(s)
	s.in, s.cond, s.inBuf = nil, nil, Input{}
	clear(s.scopes[:cap(s.scopes)])
	states.Put(s)
	return r, err
}

// EvalTrace evaluates the condition and also returns Azure-style evaluatedExpressions for the
// top-level conditions it evaluated (evaluation stops early as allOf/anyOf allow).
func (c *Condition) EvalTrace(in *Input) (bool, []Expression, error) {
	trace := make([]Expression, 0, 8)
	s := &state{inBuf: *in, cond: c, cat: c.cat, apiVersion: in.apiVersion(), trace: &trace}
	s.in = &s.inBuf
	r, err := c.root(s)
	return r, trace, err
}

func (s *state) tracing() bool       { return s.trace != nil && s.paused == 0 }
func (s *state) record(e Expression) { *s.trace = append(*s.trace, e) }
func (s *state) pauseTrace()         { s.paused++ }
func (s *state) resumeTrace()        { s.paused-- }

// addIterations enforces the value count iteration limit (nested counts multiply).
func (s *state) addIterations(n int) error {
	s.iterations += n
	if s.iterations > MaxValueCountIterations*MaxValueCountIterations {
		return fmt.Errorf("value count expressions iterated %d times, more than the limit allows", s.iterations)
	}
	return nil
}

// fieldRef compiles a field name met at evaluation time (field() arguments, computed field
// names such as [concat('tags[', …)]), caching the result in the condition.
func (s *state) fieldRef(name string) (*fieldRef, error) {
	if r, ok := s.cond.refs.Load(name); ok {
		return r.(*fieldRef), nil
	}
	r, err := parseField(name, s.cat)
	if err != nil {
		return nil, err
	}
	s.cond.refs.Store(name, r)
	return r, nil
}

// Parameter implements expr.Env.
func (s *state) Parameter(name string) (any, bool) { return expr.Lookup(s.in.Parameters, name) }

// Field implements expr.Env: field() returns "" for a missing non-array field and an array of the
// selected values for a [*] alias (https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#referencing-array-fields).
func (s *state) Field(name string) (any, error) {
	ref, err := s.fieldRef(name)
	if err != nil {
		return nil, err
	}
	res := s.in.FieldFuncResource
	if res == nil {
		res = s.in.Resource
	}
	v, many := ref.read(s, res)
	if many {
		return v, nil
	}
	if ref.kind == fieldPath && len(s.scopes) > 0 && ref.pathFor(s).HasWildcard() {
		// Inside count.where, a [*] alias under the counted array selects from the current member
		// only, and field() still returns that selection as a collection: a one-member array
		// (https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#the-field-function-inside-where-conditions).
		return []any{v}, nil
	}
	if v == nil {
		return "", nil
	}
	return v, nil
}

// Current implements expr.Env: current() is the innermost count member; current('name') a
// value count's member; current('alias[*]…') the counted array's member (or a property of it).
func (s *state) Current(name string) (any, error) {
	if len(s.scopes) == 0 {
		return nil, fmt.Errorf("current() can only be used inside a count 'where' condition")
	}
	if name == "" {
		return s.scopes[len(s.scopes)-1].elem, nil
	}
	for i := len(s.scopes) - 1; i >= 0; i-- {
		if s.scopes[i].path == nil && strings.EqualFold(s.scopes[i].name, name) {
			return s.scopes[i].elem, nil
		}
	}
	if strings.Contains(name, "/") {
		ref, err := s.fieldRef(name)
		if err == nil {
			p := ref.pathFor(s)
			for i := len(s.scopes) - 1; i >= 0; i-- {
				sc := s.scopes[i]
				if sc.path != nil && hasPathPrefix(p, sc.path) {
					rest := p[len(sc.path):]
					if rest.HasWildcard() {
						return selectAll(sc.elem, rest, nil), nil
					}
					return selectOne(sc.elem, rest), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("current('%s') does not name an enclosing count", name)
}

// RequestContext implements expr.Env.
func (s *state) RequestContext() any { return mapOrEmpty(s.in.RequestContext) }

// Policy implements expr.Env.
func (s *state) Policy() any { return mapOrEmpty(s.in.Policy) }

// ResourceGroup implements expr.Env.
func (s *state) ResourceGroup() any { return mapOrEmpty(s.in.ResourceGroup) }

// Subscription implements expr.Env.
func (s *state) Subscription() any { return mapOrEmpty(s.in.Subscription) }

// Now implements expr.Env.
func (s *state) Now() time.Time {
	if s.in.Now.IsZero() {
		return time.Now().UTC()
	}
	return s.in.Now
}

var emptyObject = map[string]any{}

func mapOrEmpty(m map[string]any) any {
	if m == nil {
		return emptyObject
	}
	return m
}
