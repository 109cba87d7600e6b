package eval

import (
	"strconv"
	"strings"
)

// Error is a problem found while compiling a condition. Path is the JSON path of the offending
// property (for example "properties.policyRule.if.allOf[1].equals"), so that users can find it.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// Errors collects every problem found in one compilation, in the order they were found.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when there are no errors, so callers can write `return errs.Err()`.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// EvalError is a failure while evaluating a condition: a template function error, a type mismatch
// in a comparison, an exceeded limit. Azure treats a failed evaluation as an implicit deny.
type EvalError struct {
	Expression string // the expression or field being evaluated
	Err        error
}

func (e *EvalError) Error() string {
	if e.Expression == "" {
		return e.Err.Error()
	}
	return "evaluating '" + e.Expression + "': " + e.Err.Error()
}

func (e *EvalError) Unwrap() error { return e.Err }

// childPath appends a property name to a JSON path.
func childPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// indexPath appends an array index to a JSON path.
func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
