package output

import (
	"fmt"
	"math"
	"sort"
	"strings"

	jmespath "github.com/jmespath-community/go-jmespath"
	"github.com/jmespath-community/go-jmespath/pkg/parsing"
)

// QueryError is a failed --query. A query that does not parse is rejected
// the way az's argument parser rejects it; one that fails while running
// (a function given the wrong type, say) the way az's error handler does.
type QueryError struct {
	// Expr is the query as the user typed it.
	Expr string
	// Parse is true when the query did not compile.
	Parse bool
	// Err is the JMESPath library's error.
	Err error
}

// Error returns az's wording:
//
//	argument --query: invalid jmespath_type value: '<query as Python repr>'
//	Invalid jmespath query supplied for `--query`: <reason>
func (e *QueryError) Error() string {
	if e.Parse {
		return "argument --query: invalid jmespath_type value: " + pyQuote(e.Expr)
	}
	return "Invalid jmespath query supplied for `--query`: " + e.Err.Error()
}

// Unwrap returns the library's error.
func (e *QueryError) Unwrap() error { return e.Err }

// CompiledQuery is a parsed --query, ready to run on a result; it remembers
// the key order of every multiselect hash in the expression.
type CompiledQuery struct {
	expr   string
	search jmespath.JMESPath
	hashes [][]string // key lists of multiselect hashes, in AST pre-order
	// unknownFunc names a function outside JMESPath 1.0, reported when searching.
	unknownFunc string
}

// CompileQuery parses a JMESPath expression, so that a command can reject a
// bad --query before doing any work, as az does while parsing arguments.
func CompileQuery(expr string) (q *CompiledQuery, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, &QueryError{Expr: expr, Parse: true, Err: fmt.Errorf("parser panic: %v", r)}
		}
	}()
	ast, err := jmespath.NewParser().Parse(expr)
	if err != nil {
		return nil, &QueryError{Expr: expr, Parse: true, Err: err}
	}
	if err := checkStrict(ast); err != nil {
		return nil, &QueryError{Expr: expr, Parse: true, Err: err}
	}
	compiled, err := jmespath.Compile(expr, pyFunctionEntries...)
	if err != nil {
		return nil, &QueryError{Expr: expr, Parse: true, Err: err}
	}
	q = &CompiledQuery{expr: expr, search: compiled, unknownFunc: unknownFunction(ast)}
	collectHashes(ast, &q.hashes)
	return q, nil
}

// Query runs a JMESPath expression on a result, as az's --query does. Objects
// built by a multiselect hash come back as *OrderedMap in the query's key
// order; integral numbers come back as int64 (see Search).
func Query(result any, expr string) (any, error) {
	q, err := CompileQuery(expr)
	if err != nil {
		return nil, err
	}
	return q.Search(result)
}

// Search runs the compiled query on result. Object values reached by a
// value projection (foo.*) or values() come in no particular order, since
// Go maps keep none (az gives the order the service sent). The JMESPath library computes
// with float64 only, so integers are converted on the way in, and integral
// results within ±2^53 are turned back into int64 on the way out: counts
// from length() and integer fields print as 3, not 3.0, as in az (a float
// field that happens to be integral, like 2.0, prints as 2: a known
// difference).
func (q *CompiledQuery) Search(result any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &QueryError{Expr: q.expr, Err: fmt.Errorf("%v", r)}
		}
	}()
	if q.unknownFunc != "" {
		return nil, &QueryError{Expr: q.expr, Err: fmt.Errorf("Unknown function: %s()", q.unknownFunc)}
	}
	in, err := normalize(result)
	if err != nil {
		return nil, fmt.Errorf("query input: %w", err)
	}
	raw, err := q.search.Search(toLibrary(in))
	if err != nil {
		return nil, &QueryError{Expr: q.expr, Err: err}
	}
	return q.fromLibrary(raw), nil
}

// toLibrary converts the value model to what the JMESPath library expects:
// float64 numbers and plain maps.
func toLibrary(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toLibrary(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toLibrary(e)
		}
		return out
	case *OrderedMap:
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			out[k] = toLibrary(x.values[k])
		}
		return out
	}
	return v
}

// fromLibrary converts a library result back: integral floats to int64 and
// objects whose key set is exactly that of one of the query's multiselect
// hashes to *OrderedMap in that hash's order (the last such hash in the
// expression wins, being the one evaluated last in a pipe).
func (q *CompiledQuery) fromLibrary(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = q.fromLibrary(e)
		}
		return out
	case map[string]any:
		for i := len(q.hashes) - 1; i >= 0; i-- {
			if sameKeys(q.hashes[i], x) {
				om := &OrderedMap{}
				for _, k := range q.hashes[i] {
					om.Set(k, q.fromLibrary(x[k]))
				}
				return om
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = q.fromLibrary(e)
		}
		return out
	}
	return v
}

func sameKeys(keys []string, m map[string]any) bool {
	if len(keys) != len(m) {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// collectHashes walks the AST in pre-order and records the key order of
// every multiselect hash ({a: x, b: y}); duplicate keys keep their first
// place, as an ordered dict would.
func collectHashes(n parsing.ASTNode, out *[][]string) {
	if n.NodeType == parsing.ASTMultiSelectHash {
		var keys []string
		seen := map[string]bool{}
		for _, kv := range n.Children {
			if k, ok := kv.Value.(string); ok && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		*out = append(*out, keys)
	}
	for _, c := range n.Children {
		collectHashes(c, out)
	}
}

// checkStrict rejects the few constructs the Go library accepts but
// jmespath.py (which az uses) does not: let-expressions, variables, the root
// node "$" and arithmetic operators, all JMESPath Community extensions.
func checkStrict(n parsing.ASTNode) error {
	switch n.NodeType {
	case parsing.ASTLetExpression, parsing.ASTVariable, parsing.ASTBindings, parsing.ASTBinding:
		return fmt.Errorf("let-expressions and variables are not JMESPath 1.0")
	case parsing.ASTRootNode:
		return fmt.Errorf("the root node $ is not JMESPath 1.0")
	case parsing.ASTArithmeticExpression, parsing.ASTArithmeticUnaryExpression:
		return fmt.Errorf("arithmetic is not JMESPath 1.0")
	}
	for _, c := range n.Children {
		if err := checkStrict(c); err != nil {
			return err
		}
	}
	return nil
}

// unknownFunction returns the first function in the AST that jmespath.py
// does not know. jmespath.py looks functions up while searching, so this is
// a search-time error, not a parse error.
func unknownFunction(n parsing.ASTNode) string {
	if n.NodeType == parsing.ASTFunctionExpression {
		if name, _ := n.Value.(string); !standardFunctions[name] {
			return name
		}
	}
	for _, c := range n.Children {
		if name := unknownFunction(c); name != "" {
			return name
		}
	}
	return ""
}

// standardFunctions are the functions of the JMESPath 1.0 specification,
// the ones jmespath.py offers (the Go library adds JEP extensions).
var standardFunctions = func() map[string]bool {
	names := strings.Fields(`abs avg ceil contains ends_with floor join keys length map max max_by
		merge min min_by not_null reverse sort sort_by starts_with sum to_array to_number
		to_string type values`)
	sort.Strings(names)
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}()
