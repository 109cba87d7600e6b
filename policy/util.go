package policy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/palisade/palisade/policy/eval"
	"github.com/palisade/palisade/policy/expr"
)

// Error is a validation problem with the JSON path where it was found.
type Error = eval.Error

// Errors is every validation problem found in one document.
type Errors = eval.Errors

// errorList accumulates validation errors while decoding.
type errorList struct{ errs Errors }

func (l *errorList) add(path, format string, args ...any) {
	l.errs = append(l.errs, &Error{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// merge adds the errors of a nested compilation (eval.Errors) or any other error at path.
func (l *errorList) merge(path string, err error) {
	if err == nil {
		return
	}
	if es, ok := err.(eval.Errors); ok {
		l.errs = append(l.errs, es...)
		return
	}
	l.add(path, "%v", err)
}

// object gives case-insensitive access to a JSON object's properties: ARM reads policy JSON
// without regard to the case of property names (the built-ins contain "Version" and "version").
type object map[string]any

func (o object) get(name string) (any, bool) {
	if v, ok := o[name]; ok {
		return v, true
	}
	for k, v := range o {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func (o object) str(name string) string {
	v, _ := o.get(name)
	s, _ := v.(string)
	return s
}

// key returns the property name as written, for error paths.
func (o object) key(name string) string {
	if _, ok := o[name]; ok {
		return name
	}
	for k := range o {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func childPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isExpressionValue(v any) bool {
	s, ok := v.(string)
	return ok && expr.IsExpression(s)
}

// exactEqual is case-sensitive deep equality with int/float unification, used for allowedValues.
func exactEqual(a, b any) bool {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(float64); ok {
			return float64(x) == y
		}
	case float64:
		if y, ok := b.(int64); ok {
			return x == float64(y)
		}
	}
	return reflect.DeepEqual(a, b)
}

// render prints a value as compact JSON for messages.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// checkKnownProperties reports properties of obj that are none of known (compared
// case-insensitively). Azure reads policy documents strictly and refuses a property it has no
// member for ("Could not find member 'name' on object of type 'PolicyDefinitionProperties'").
func checkKnownProperties(obj map[string]any, path, typeName string, errs *errorList, known ...string) {
	for _, k := range sortedKeys(obj) {
		found := false
		for _, n := range known {
			if strings.EqualFold(k, n) {
				found = true
				break
			}
		}
		if !found {
			errs.add(childPath(path, k), "unknown property '%s': %s has %s", k, typeName, strings.Join(known, ", "))
		}
	}
}
