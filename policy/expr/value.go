package expr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// DecodeJSON decodes one JSON document into the value model shared by the
// whole engine: nil, bool, int64 (integral numbers that fit), float64 (other
// numbers), string, []any and map[string]any. Trailing data after the
// document is an error.
func DecodeJSON(data []byte) (any, error) {
	if v, ok := decodeFast(data); ok {
		return v, nil
	}
	return decodeStandard(data)
}

// decodeStandard is DecodeJSON through encoding/json: the reference the
// fast path is held to, and the source of every decoding error.
func decodeStandard(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("decode JSON: unexpected data after the document")
	}
	return Normalize(v), nil
}

// numberValue converts a JSON number to int64 when it is integral and fits,
// float64 otherwise.
func numberValue(n json.Number) any {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return s // not a number at all: a hand-made json.Number
	}
	return floatValue(f) // out-of-range numbers become ±Inf

}

// floatValue keeps integral floats that fit in int64 as int64, as JSON
// numbers written without a fraction are integers in ARM.
func floatValue(f float64) any {
	if f == math.Trunc(f) && f >= -9.2e18 && f <= 9.2e18 && !math.IsInf(f, 0) {
		return int64(f)
	}
	return f
}

// Normalize converts any JSON-like Go value (json.Number, integral float64,
// int, []string, map[string]string, nested structures …) into the value
// model. Values already in the model are returned without copying.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return v
	case float64:
		return floatValue(x)
	case json.Number:
		return numberValue(x)
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	case float32:
		return floatValue(float64(x))
	case []any:
		if isNormal(x) {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case map[string]any:
		if isNormal(x) {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	case []string:
		if x == nil {
			return nil
		}
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		if x == nil {
			return nil
		}
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	}
	return normalizeReflect(reflect.ValueOf(v))
}

// isNormal reports whether v is already in the value model all the way
// down, so Normalize can return it without copying.
func isNormal(v any) bool {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return true
	case float64:
		_, isFloat := floatValue(x).(float64)
		return isFloat
	case []any:
		for _, e := range x {
			if !isNormal(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !isNormal(e) {
				return false
			}
		}
		return true
	}
	return false
}

// normalizeReflect handles the remaining slice and map types (for example
// []int or map[string][]string) and, as a last resort, round-trips other
// values through encoding/json.
func normalizeReflect(rv reflect.Value) any {
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		if rv.IsNil() {
			return nil
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out[it.Key().String()] = Normalize(it.Value().Interface())
		}
		return out
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return Normalize(rv.Elem().Interface())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	}
	data, err := json.Marshal(rv.Interface())
	if err != nil {
		return nil
	}
	v, err := DecodeJSON(data)
	if err != nil {
		return nil
	}
	return v
}

// Lookup finds a property of an object the way ARM does: an exact key match
// first, then a case-insensitive one.
func Lookup(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// TypeName names the type of a value as ARM's error messages do ("…is type
// 'Array', expected type is 'String'").
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "Null"
	case bool:
		return "Bool"
	case int64:
		return "Integer"
	case float64:
		return "Float"
	case string:
		return "String"
	case []any:
		return "Array"
	case map[string]any:
		return "Object"
	}
	return fmt.Sprintf("%T", v)
}

// Equal reports deep equality with Azure Policy's equals semantics: strings
// compare case-insensitively, int64 and float64 compare numerically, object
// keys match case-insensitively.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	case string:
		y, ok := b.(string)
		return ok && strings.EqualFold(x, y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := Lookup(y, k)
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
