package expr

import (
	"math"
	"strconv"
)

// Argument helpers: each checks one argument's type and produces ARM's
// "the type of argument N is 'X', expected 'Y'" error otherwise.

func argString(fn string, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", typeErr(fn, i+1, args[i], "String")
	}
	return s, nil
}

func argInt(fn string, args []any, i int) (int64, error) {
	switch v := args[i].(type) {
	case int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 9e18 {
			return int64(v), nil
		}
	}
	return 0, typeErr(fn, i+1, args[i], "Integer")
}

func argArray(fn string, args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, typeErr(fn, i+1, args[i], "Array")
	}
	return a, nil
}

func argObject(fn string, args []any, i int) (map[string]any, error) {
	o, ok := args[i].(map[string]any)
	if !ok {
		return nil, typeErr(fn, i+1, args[i], "Object")
	}
	return o, nil
}

func argBool(fn string, args []any, i int) (bool, error) {
	b, ok := args[i].(bool)
	if !ok {
		return false, typeErr(fn, i+1, args[i], "Bool")
	}
	return b, nil
}

// toText converts a primitive to the text ARM uses when building strings:
// booleans are "True"/"False" as .NET prints them, null is empty, arrays and
// objects are compact JSON.
func toText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
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
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return compactJSON(v)
}
