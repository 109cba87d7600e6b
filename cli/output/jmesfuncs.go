package output

import (
	"fmt"
	"math"
	"strings"

	jmespath "github.com/jmespath-community/go-jmespath"
	"github.com/jmespath-community/go-jmespath/pkg/functions"
)

// jmespath.py checks function arguments itself and words its errors its own
// way ("In function length(), invalid type for value: 1, expected one of:
// ['string', 'array', 'object'], received: \"number\""), and az prints that
// text. The functions below replace the library's standard functions with
// wrappers that check arity and types as jmespath.py's functions.py does,
// with its messages, then call the library's implementation.

// pySignatures are jmespath.py's @signature declarations: the allowed type
// names of each argument; variadic functions repeat their last argument.
var pySignatures = map[string]struct {
	args     [][]string
	variadic bool
}{
	"abs":         {args: [][]string{{"number"}}},
	"avg":         {args: [][]string{{"array-number"}}},
	"ceil":        {args: [][]string{{"number"}}},
	"contains":    {args: [][]string{{"array", "string"}, {}}},
	"ends_with":   {args: [][]string{{"string"}, {"string"}}},
	"floor":       {args: [][]string{{"number"}}},
	"join":        {args: [][]string{{"string"}, {"array-string"}}},
	"keys":        {args: [][]string{{"object"}}},
	"length":      {args: [][]string{{"string", "array", "object"}}},
	"map":         {args: [][]string{{"expref"}, {"array"}}},
	"max":         {args: [][]string{{"array-number", "array-string"}}},
	"max_by":      {args: [][]string{{"array"}, {"expref"}}},
	"merge":       {args: [][]string{{"object"}}, variadic: true},
	"min":         {args: [][]string{{"array-number", "array-string"}}},
	"min_by":      {args: [][]string{{"array"}, {"expref"}}},
	"not_null":    {args: [][]string{{}}, variadic: true},
	"reverse":     {args: [][]string{{"array", "string"}}},
	"sort":        {args: [][]string{{"array-string", "array-number"}}},
	"sort_by":     {args: [][]string{{"array"}, {"expref"}}},
	"starts_with": {args: [][]string{{"string"}, {"string"}}},
	"sum":         {args: [][]string{{"array-number"}}},
	"to_array":    {args: [][]string{{}}},
	"to_number":   {args: [][]string{{}}},
	"to_string":   {args: [][]string{{}}},
	"type":        {args: [][]string{{}}},
	"values":      {args: [][]string{{"object"}}},
}

// pyFunctionEntries returns the standard functions wrapped with jmespath.py's
// argument checks; the library skips its own checks for an entry without
// argument specs.
var pyFunctionEntries = func() []jmespath.FunctionEntry {
	var out []jmespath.FunctionEntry
	for _, f := range functions.GetDefaultFunctions() {
		sig, ok := pySignatures[f.Name]
		if !ok {
			continue
		}
		name, handler := f.Name, f.Handler
		out = append(out, jmespath.FunctionEntry{
			Name: name,
			Handler: func(args []any) (any, error) {
				if err := pyCheckArgs(name, sig.args, sig.variadic, args); err != nil {
					return nil, err
				}
				return handler(args)
			},
		})
	}
	return out
}()

// pyCheckArgs is jmespath.py's _validate_arguments: arity first, then the
// declared types of the declared arguments, then the key types of the *_by
// functions.
func pyCheckArgs(name string, sig [][]string, variadic bool, args []any) error {
	switch {
	case variadic && len(args) < len(sig):
		return fmt.Errorf("Expected at least %d %s for function %s(), received %d", len(sig), pluralArgument(len(sig)), name, len(args))
	case !variadic && len(args) != len(sig):
		return fmt.Errorf("Expected %d %s for function %s(), received %d", len(sig), pluralArgument(len(sig)), name, len(args))
	}
	for i, types := range sig {
		if len(types) == 0 {
			continue
		}
		if err := pyCheckType(name, args[i], types); err != nil {
			return err
		}
	}
	switch name {
	case "sort_by":
		return pyCheckSortByKeys(args)
	case "max_by", "min_by":
		return pyCheckKeys(name, args, []string{"number", "string"})
	}
	return nil
}

func pluralArgument(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}

// jmesTypeError formats jmespath.py's JMESPathTypeError.
func jmesTypeError(function string, value any, actual string, expected []string) error {
	quoted := make([]string, len(expected))
	for i, e := range expected {
		quoted[i] = pyQuote(e)
	}
	return fmt.Errorf("In function %s(), invalid type for value: %s, expected one of: [%s], received: %q",
		function, pyStr(pyValue(value)), strings.Join(quoted, ", "), actual)
}

// pyCheckType is _type_check_single: the value's type against the allowed
// names, then, for array-number/array-string, the element types (reported
// with Python's own type names, as jmespath.py does).
func pyCheckType(function string, v any, types []string) error {
	actual := pyTypeName(v)
	var subtypes [][]string
	allowed := false
	for _, t := range types {
		switch t {
		case "array-number":
			subtypes = append(subtypes, []string{"int", "float"})
			allowed = allowed || actual == "list"
		case "array-string":
			subtypes = append(subtypes, []string{"str"})
			allowed = allowed || actual == "list"
		default:
			allowed = allowed || jmesTypeOfPy(actual) == t
		}
	}
	if !allowed {
		return jmesTypeError(function, v, jmesTypeOfPy(actual), types)
	}
	list, _ := v.([]any)
	switch {
	case len(subtypes) == 1:
		for _, e := range list {
			if n := pyTypeName(e); !contains(subtypes[0], n) {
				return jmesTypeError(function, e, n, types)
			}
		}
	case len(subtypes) > 1 && len(list) > 0:
		first := pyTypeName(list[0])
		var chosen []string
		for _, s := range subtypes {
			if contains(s, first) {
				chosen = s
				break
			}
		}
		if chosen == nil {
			return jmesTypeError(function, list[0], first, types)
		}
		for _, e := range list {
			if n := pyTypeName(e); !contains(chosen, n) {
				return jmesTypeError(function, e, n, types)
			}
		}
	}
	return nil
}

// pyCheckSortByKeys is sort_by's rule: the first element's key decides
// whether keys must be numbers or strings.
func pyCheckSortByKeys(args []any) error {
	list, _ := args[0].([]any)
	ref, _ := args[1].(functions.ExpRef)
	if len(list) == 0 || ref == nil {
		return nil
	}
	first, err := ref(list[0])
	if err != nil {
		return err
	}
	required := jmesTypeOfPy(pyTypeName(first))
	if required != "number" && required != "string" {
		return jmesTypeError("sort_by", list[0], required, []string{"string", "number"})
	}
	return pyCheckKeys("sort_by", args, []string{required})
}

// pyCheckKeys is _create_key_func: every element's key must have one of the
// allowed JMESPath types.
func pyCheckKeys(function string, args []any, allowed []string) error {
	list, _ := args[0].([]any)
	ref, _ := args[1].(functions.ExpRef)
	if ref == nil {
		return nil
	}
	for _, e := range list {
		key, err := ref(e)
		if err != nil {
			return err
		}
		if t := jmesTypeOfPy(pyTypeName(key)); !contains(allowed, t) {
			return jmesTypeError(function, key, t, allowed)
		}
	}
	return nil
}

// pyTypeName is the Python type name the value would have in az. Numbers
// reach the library as float64; integral ones are taken for ints.
func pyTypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case string:
		return "str"
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return "int"
		}
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case functions.ExpRef:
		return "_Expression"
	}
	return fmt.Sprintf("%T", v)
}

// jmesTypeOfPy is jmespath.py's _convert_to_jmespath_type.
func jmesTypeOfPy(name string) string {
	switch name {
	case "bool":
		return "boolean"
	case "list":
		return "array"
	case "dict", "OrderedDict":
		return "object"
	case "NoneType":
		return "null"
	case "str":
		return "string"
	case "int", "float":
		return "number"
	case "_Expression":
		return "expref"
	}
	return "unknown"
}

// pyValue converts a library value back to this package's model for
// printing in an error message (integral numbers as ints).
func pyValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x)
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pyValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = pyValue(e)
		}
		return out
	case functions.ExpRef:
		return "<expression>"
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
