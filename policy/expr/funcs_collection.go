package expr

// Array and object functions, with ARM semantics from
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-array
// and https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-object

import (
	"math"
	"slices"
	"strings"
)

func init() {
	register(
		selecting(fixed("array", 1, pure(fnArray))),
		ranged("createArray", 0, -1, pure(fnCreateArray)),
		ranged("createObject", 0, -1, pure(fnCreateObject)),
		fixed("flatten", 1, pure(fnFlatten)),
		ranged("intersection", 2, -1, pure(fnIntersection)),
		ranged("union", 2, -1, pure(fnUnion)),
		fixed("items", 1, pure(fnItems)),
		selecting(fixed("indexFromEnd", 2, pure(fnIndexFromEnd))),
		selecting(fixed("tryIndexFromEnd", 2, pure(fnTryIndexFromEnd))),
		ranged("max", 1, -1, pure(fnMax)),
		ranged("min", 1, -1, pure(fnMin)),
		fixed("range", 2, pure(fnRange)),
		fixed("shallowMerge", 1, pure(fnShallowMerge)),
		selecting(withFast2(fixed("tryGet", 2, pure(fnTryGet)), func(x, y any) (any, error) { return fnTryGet([]any{x, y}) })),
		fixed("null", 0, pure(func([]any) (any, error) { return nil, nil })),
	)
}

// fnArray wraps a non-array value in a one-element array.
func fnArray(a []any) (any, error) {
	if arr, ok := a[0].([]any); ok {
		return arr, nil
	}
	return []any{a[0]}, nil
}

func fnCreateArray(a []any) (any, error) {
	out := make([]any, len(a))
	copy(out, a)
	return out, nil
}

// fnCreateObject builds an object from alternating keys and values.
func fnCreateObject(a []any) (any, error) {
	if len(a)%2 != 0 {
		return nil, failf("createObject", "the function requires an even number of arguments (key/value pairs), got %d", len(a))
	}
	out := make(map[string]any, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		k, err := argString("createObject", a, i)
		if err != nil {
			return nil, err
		}
		out[k] = a[i+1]
	}
	return out, nil
}

// fnFlatten concatenates an array of arrays into one array.
func fnFlatten(a []any) (any, error) {
	arr, err := argArray("flatten", a, 0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i, e := range arr {
		inner, ok := e.([]any)
		if !ok {
			return nil, failf("flatten", "element %d is of type '%s', expected 'Array'", i, TypeName(e))
		}
		out = append(out, inner...)
	}
	return out, nil
}

// fnIntersection keeps the array elements (or object entries with equal
// values) present in every argument.
func fnIntersection(a []any) (any, error) {
	switch first := a[0].(type) {
	case []any:
		others := make([][]any, len(a)-1)
		for i := 1; i < len(a); i++ {
			arr, err := argArray("intersection", a, i)
			if err != nil {
				return nil, err
			}
			others[i-1] = arr
		}
		out := []any{}
		for _, e := range first {
			if containsStrict(out, e) {
				continue
			}
			inAll := true
			for _, o := range others {
				if !containsStrict(o, e) {
					inAll = false
					break
				}
			}
			if inAll {
				out = append(out, e)
			}
		}
		return out, nil
	case map[string]any:
		others := make([]map[string]any, len(a)-1)
		for i := 1; i < len(a); i++ {
			obj, err := argObject("intersection", a, i)
			if err != nil {
				return nil, err
			}
			others[i-1] = obj
		}
		out := map[string]any{}
		for k, v := range first {
			inAll := true
			for _, o := range others {
				w, ok := o[k]
				if !ok || !strictEqual(v, w) {
					inAll = false
					break
				}
			}
			if inAll {
				out[k] = v
			}
		}
		return out, nil
	}
	return nil, typeErr("intersection", 1, a[0], "Array or Object")
}

func containsStrict(arr []any, v any) bool {
	for _, e := range arr {
		if strictEqual(e, v) {
			return true
		}
	}
	return false
}

// fnUnion merges arrays (distinct elements in order) or objects (later
// arguments win; nested objects are merged recursively, arrays replaced).
func fnUnion(a []any) (any, error) {
	switch a[0].(type) {
	case []any:
		out := []any{}
		for i := range a {
			arr, err := argArray("union", a, i)
			if err != nil {
				return nil, err
			}
			for _, e := range arr {
				if !containsStrict(out, e) {
					out = append(out, e)
				}
			}
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		for i := range a {
			obj, err := argObject("union", a, i)
			if err != nil {
				return nil, err
			}
			mergeInto(out, obj)
		}
		return out, nil
	}
	return nil, typeErr("union", 1, a[0], "Array or Object")
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sv, ok := v.(map[string]any); ok {
			if dv, ok := dst[k].(map[string]any); ok {
				merged := make(map[string]any, len(dv)+len(sv))
				mergeInto(merged, dv)
				mergeInto(merged, sv)
				dst[k] = merged
				continue
			}
		}
		dst[k] = v
	}
}

// fnShallowMerge merges an array of objects; only top-level properties are
// merged, later objects win.
func fnShallowMerge(a []any) (any, error) {
	arr, err := argArray("shallowMerge", a, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for i, e := range arr {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, failf("shallowMerge", "element %d is of type '%s', expected 'Object'", i, TypeName(e))
		}
		for k, v := range obj {
			out[k] = v
		}
	}
	return out, nil
}

func fnMax(a []any) (any, error) { return extreme("max", a, 1) }

func fnMin(a []any) (any, error) { return extreme("min", a, -1) }

// extreme returns the largest (sign 1) or smallest (sign -1) number of a
// single array argument or of the argument list.
func extreme(fn string, a []any, sign int) (any, error) {
	vals := a
	if len(a) == 1 {
		if arr, ok := a[0].([]any); ok {
			vals = arr
		}
	}
	if len(vals) == 0 {
		return nil, failf(fn, "the array must not be empty")
	}
	var best any
	for i, v := range vals {
		switch v.(type) {
		case int64, float64:
		default:
			return nil, typeErr(fn, i+1, v, "Integer")
		}
		if best == nil || compareNumbers(v, best)*sign > 0 {
			best = v
		}
	}
	return best, nil
}

func compareNumbers(x, y any) int {
	if xi, ok := x.(int64); ok {
		if yi, ok := y.(int64); ok {
			switch {
			case xi < yi:
				return -1
			case xi > yi:
				return 1
			}
			return 0
		}
	}
	xf, yf := toFloat(x), toFloat(y)
	switch {
	case xf < yf:
		return -1
	case xf > yf:
		return 1
	}
	return 0
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return math.NaN()
}

// fnRange returns count consecutive integers from start; ARM caps count at
// 10,000 and start+count at 2147483647.
func fnRange(a []any) (any, error) {
	start, err := argInt("range", a, 0)
	if err != nil {
		return nil, err
	}
	count, err := argInt("range", a, 1)
	if err != nil {
		return nil, err
	}
	if count < 0 || count > 10000 {
		return nil, failf("range", "the count %d must be between 0 and 10000", count)
	}
	if start+count > math.MaxInt32 {
		return nil, failf("range", "the sum of start index and count must not exceed 2147483647")
	}
	out := make([]any, count)
	for i := range out {
		out[i] = start + int64(i)
	}
	return out, nil
}

// fnTryGet returns an object's property or an array's element, or null when
// it does not exist (instead of failing like property access).
func fnTryGet(a []any) (any, error) {
	switch c := a[0].(type) {
	case nil:
		return nil, nil
	case map[string]any:
		k, err := argString("tryGet", a, 1)
		if err != nil {
			return nil, err
		}
		v, _ := Lookup(c, k)
		return v, nil
	case []any:
		i, err := argInt("tryGet", a, 1)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= int64(len(c)) {
			return nil, nil
		}
		return c[i], nil
	}
	return nil, typeErr("tryGet", 1, a[0], "Object or Array")
}

// fnItems converts an object to an array of {key, value} objects ordered by
// key. Azure Policy's list of unsupported functions does not name items, so
// it is available in policy rules.
func fnItems(a []any) (any, error) {
	o, err := argObject("items", a, 0)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y string) int {
		if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"key": k, "value": o[k]}
	}
	return out, nil
}

// fnIndexFromEnd returns the element at a one-based position counted from
// the end of an array; out of range is an error.
func fnIndexFromEnd(a []any) (any, error) {
	v, ok, err := fromEnd("indexFromEnd", a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, failf("indexFromEnd", "the reverse index %v is out of range for an array of %d elements", a[1], len(a[0].([]any)))
	}
	return v, nil
}

// fnTryIndexFromEnd is indexFromEnd returning null when out of range.
func fnTryIndexFromEnd(a []any) (any, error) {
	v, _, err := fromEnd("tryIndexFromEnd", a)
	return v, err
}

func fromEnd(fn string, a []any) (any, bool, error) {
	arr, err := argArray(fn, a, 0)
	if err != nil {
		return nil, false, err
	}
	n, err := argInt(fn, a, 1)
	if err != nil {
		return nil, false, err
	}
	if n < 1 || n > int64(len(arr)) {
		return nil, false, nil
	}
	return arr[int64(len(arr))-n], true, nil
}
