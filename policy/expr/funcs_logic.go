package expr

// Comparison, logical and numeric functions, with ARM semantics from
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-comparison,
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-logical and
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-numeric

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

func init() {
	register(
		selecting(ranged("coalesce", 1, -1, pure(fnCoalesce))),
		withFast2(fixed("equals", 2, pure(func(a []any) (any, error) { return Equal(a[0], a[1]), nil })), func(x, y any) (any, error) { return Equal(x, y), nil }),
		fixed("greater", 2, pure(comparer("greater", func(c int) bool { return c > 0 }))),
		fixed("greaterOrEquals", 2, pure(comparer("greaterOrEquals", func(c int) bool { return c >= 0 }))),
		fixed("less", 2, pure(comparer("less", func(c int) bool { return c < 0 }))),
		fixed("lessOrEquals", 2, pure(comparer("lessOrEquals", func(c int) bool { return c <= 0 }))),
		ranged("and", 2, -1, pure(fnAnd)),
		ranged("or", 2, -1, pure(fnOr)),
		fixed("not", 1, pure(fnNot)),
		fixed("bool", 1, pure(fnBool)),
		fixed("true", 0, pure(func([]any) (any, error) { return true, nil })),
		fixed("false", 0, pure(func([]any) (any, error) { return false, nil })),
		&funcDef{display: "if", min: 3, max: 3, lazy: fnIf},
		fixed("add", 2, pure(arith("add"))),
		fixed("sub", 2, pure(arith("sub"))),
		fixed("mul", 2, pure(arith("mul"))),
		fixed("div", 2, pure(arith("div"))),
		fixed("mod", 2, pure(arith("mod"))),
		fixed("float", 1, pure(fnFloat)),
		fixed("int", 1, pure(fnInt)),
	)
}

// fnCoalesce returns the first argument that is not null; empty strings,
// arrays and objects count as values.
func fnCoalesce(a []any) (any, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// comparer builds greater/less and friends: both arguments numbers, or both
// strings.
func comparer(fn string, ok func(int) bool) func([]any) (any, error) {
	return func(a []any) (any, error) {
		c, err := compareValues(fn, a[0], a[1])
		if err != nil {
			return nil, err
		}
		return ok(c), nil
	}
}

func compareValues(fn string, x, y any) (int, error) {
	switch xv := x.(type) {
	case int64, float64:
		switch y.(type) {
		case int64, float64:
			return compareNumbers(x, y), nil
		}
		return 0, typeErr(fn, 2, y, TypeName(x))
	case string:
		yv, ok := y.(string)
		if !ok {
			return 0, typeErr(fn, 2, y, "String")
		}
		return compareCulture(xv, yv), nil
	}
	return 0, typeErr(fn, 1, x, "Integer or String")
}

// compareCulture orders strings as .NET's culture-aware comparison does for
// ASCII text: letters compare case-insensitively first, and when two strings
// differ only in case the lower-case one sorts first. The ARM
// comparison-function examples rely on this: greater('A', 'a') is true.
func compareCulture(x, y string) int {
	if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
		return c
	}
	xr, yr := []rune(x), []rune(y)
	for i := range min(len(xr), len(yr)) {
		if xr[i] == yr[i] {
			continue
		}
		if unicode.IsLower(xr[i]) {
			return -1
		}
		return 1
	}
	return 0
}

func fnAnd(a []any) (any, error) {
	result := true
	for i := range a {
		b, err := argBool("and", a, i)
		if err != nil {
			return nil, err
		}
		result = result && b
	}
	return result, nil
}

func fnOr(a []any) (any, error) {
	result := false
	for i := range a {
		b, err := argBool("or", a, i)
		if err != nil {
			return nil, err
		}
		result = result || b
	}
	return result, nil
}

func fnNot(a []any) (any, error) {
	b, err := argBool("not", a, 0)
	if err != nil {
		return nil, err
	}
	return !b, nil
}

// fnBool converts "true"/"false" (any case), 0/1 integers and booleans.
func fnBool(a []any) (any, error) {
	switch v := a[0].(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, failf("bool", "the string '%s' is not a valid boolean", v)
	}
	return nil, typeErr("bool", 1, a[0], "String, Integer or Bool")
}

// fnIf evaluates the condition and then only the chosen branch, so the
// other branch may contain an expression that would fail.
func fnIf(env Env, args []Node) (any, error) {
	c, err := args[0].eval(env)
	if err != nil {
		return nil, err
	}
	b, ok := c.(bool)
	if !ok {
		return nil, typeErr("if", 1, c, "Bool")
	}
	if b {
		return args[1].eval(env)
	}
	return args[2].eval(env)
}

// arith implements ARM's integer arithmetic; div truncates toward zero and
// div or mod by zero fails.
func arith(fn string) func([]any) (any, error) {
	return func(a []any) (any, error) {
		x, err := argInt(fn, a, 0)
		if err != nil {
			return nil, err
		}
		y, err := argInt(fn, a, 1)
		if err != nil {
			return nil, err
		}
		switch fn {
		case "add":
			return x + y, nil
		case "sub":
			return x - y, nil
		case "mul":
			return x * y, nil
		}
		if y == 0 {
			return nil, failf(fn, "attempted to divide by zero")
		}
		if fn == "div" {
			return x / y, nil
		}
		return x % y, nil
	}
}

func fnFloat(a []any) (any, error) {
	switch v := a[0].(type) {
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, failf("float", "the string '%s' is not a valid number", v)
		}
		return f, nil
	}
	return nil, typeErr("float", 1, a[0], "String or Integer")
}

// fnInt converts a string or number to an integer; decimals round half to
// even as .NET's Convert.ToInt64 does.
func fnInt(a []any) (any, error) {
	switch v := a[0].(type) {
	case int64:
		return v, nil
	case float64:
		return int64(math.RoundToEven(v)), nil
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, failf("int", "the string '%s' is not a valid integer", v)
		}
		return i, nil
	}
	return nil, typeErr("int", 1, a[0], "String or Integer")
}
