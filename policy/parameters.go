package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/palisade/palisade/policy/expr"
)

// Parameter types, in Azure's spelling. Definitions write them in any case ("string", "String").
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters
const (
	TypeString   = "String"
	TypeArray    = "Array"
	TypeObject   = "Object"
	TypeBoolean  = "Boolean"
	TypeInteger  = "Integer"
	TypeFloat    = "Float"
	TypeDateTime = "DateTime"
)

var parameterTypes = map[string]string{
	"string": TypeString, "array": TypeArray, "object": TypeObject, "boolean": TypeBoolean,
	"integer": TypeInteger, "float": TypeFloat, "datetime": TypeDateTime,
}

// Parameter is one entry of a definition's (or initiative's) parameters.
type Parameter struct {
	Type          string         `json:"type"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	DefaultValue  any            `json:"defaultValue,omitempty"`
	AllowedValues []any          `json:"allowedValues,omitempty"`
	Schema        any            `json:"schema,omitempty"`

	// HasDefault distinguishes "no default" from a default of null.
	HasDefault bool `json:"-"`
}

// Parameters is a definition's parameters by name (names compare case-insensitively).
type Parameters map[string]*Parameter

// Get finds a parameter by name, case-insensitively.
func (ps Parameters) Get(name string) (*Parameter, bool) {
	if p, ok := ps[name]; ok {
		return p, true
	}
	for k, p := range ps {
		if strings.EqualFold(k, name) {
			return p, true
		}
	}
	return nil, false
}

// Names returns the parameter names in sorted order.
func (ps Parameters) Names() []string {
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Types returns name → type, the shape the condition compiler checks parameter references with.
func (ps Parameters) Types() map[string]string {
	m := make(map[string]string, len(ps))
	for k, p := range ps {
		m[k] = p.Type
	}
	return m
}

// decodeParameters reads and validates the parameters object at path.
// With strict false (Azure's own library), default values are not checked against their type:
// the library has a few that Azure accepted (an empty array default for a String parameter).
func decodeParameters(v any, path string, strict bool, errs *errorList) Parameters {
	if v == nil {
		return Parameters{}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		errs.add(path, "parameters must be an object, got %s", expr.TypeName(v))
		return Parameters{}
	}
	out := make(Parameters, len(obj))
	for _, name := range sortedKeys(obj) {
		p := decodeParameter(obj[name], childPath(path, name), strict, errs)
		if p == nil {
			continue
		}
		for existing := range out {
			if strings.EqualFold(existing, name) {
				errs.add(childPath(path, name), "parameter '%s' is declared twice (names are case-insensitive)", name)
			}
		}
		out[name] = p
	}
	return out
}

func decodeParameter(v any, path string, strict bool, errs *errorList) *Parameter {
	obj, ok := v.(map[string]any)
	if !ok {
		errs.add(path, "a parameter must be an object, got %s", expr.TypeName(v))
		return nil
	}
	p := &Parameter{}
	o := object(obj)
	typ, _ := o.get("type")
	ts, ok := typ.(string)
	if !ok {
		errs.add(childPath(path, "type"), "the parameter type is required: one of String, Array, Object, Boolean, Integer, Float, DateTime")
		return nil
	}
	canon, ok := parameterTypes[strings.ToLower(ts)]
	if !ok {
		errs.add(childPath(path, "type"), "unknown parameter type '%s': use String, Array, Object, Boolean, Integer, Float or DateTime", ts)
		return nil
	}
	p.Type = canon
	if md, ok := o.get("metadata"); ok && md != nil {
		m, isObj := md.(map[string]any)
		if !isObj {
			errs.add(childPath(path, "metadata"), "metadata must be an object, got %s", expr.TypeName(md))
		}
		p.Metadata = m
	}
	if av, ok := o.get("allowedValues"); ok && av != nil {
		arr, isArr := av.([]any)
		if !isArr {
			errs.add(childPath(path, "allowedValues"), "allowedValues must be an array, got %s", expr.TypeName(av))
		} else {
			p.AllowedValues = arr
			for i, a := range arr {
				if err := checkAllowedValueType(canon, a); err != nil {
					errs.add(indexPath(childPath(path, "allowedValues"), i), "%v", err)
				}
			}
		}
	}
	if dv, ok := o.get("defaultValue"); ok {
		p.DefaultValue, p.HasDefault = dv, true
		if err := p.Check(dv); err != nil && strict {
			errs.add(childPath(path, "defaultValue"), "%v", err)
		}
	}
	if sc, ok := o.get("schema"); ok && sc != nil {
		if canon != TypeObject {
			errs.add(childPath(path, "schema"), "a schema is only allowed for Object parameters, not %s", canon)
		}
		p.Schema = sc
	}
	return p
}

// checkAllowedValueType checks one allowedValues entry. For Array parameters an entry is either
// an element value or a whole array value; both forms appear in Azure's library.
func checkAllowedValueType(typ string, v any) error {
	if typ == TypeArray {
		return nil
	}
	return checkType(typ, v)
}

// Check validates a value against the parameter's type and allowedValues, as Azure does when a
// definition's default is saved or an assignment's value is given. allowedValues are matched
// case-sensitively (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters).
func (p *Parameter) Check(v any) error {
	if isExpressionValue(v) {
		// A template expression (e.g. an initiative passing "[parameters('x')]") is checked when
		// it is resolved.
		return nil
	}
	if err := checkType(p.Type, v); err != nil {
		return err
	}
	if len(p.AllowedValues) == 0 {
		return nil
	}
	if allowed(p.AllowedValues, v) {
		return nil
	}
	if arr, ok := v.([]any); ok && p.Type == TypeArray {
		for _, e := range arr {
			if !allowed(p.AllowedValues, e) {
				return fmt.Errorf("the value %s is not allowed: allowed values are %s", render(e), render(p.AllowedValues))
			}
		}
		return nil
	}
	return fmt.Errorf("the value %s is not allowed: allowed values are %s", render(v), render(p.AllowedValues))
}

func allowed(list []any, v any) bool {
	for _, a := range list {
		if exactEqual(a, v) {
			return true
		}
	}
	return false
}

// checkType reports whether v has the parameter type typ.
func checkType(typ string, v any) error {
	ok := false
	switch typ {
	case TypeString:
		_, ok = v.(string)
	case TypeArray:
		_, ok = v.([]any)
	case TypeObject:
		_, ok = v.(map[string]any)
	case TypeBoolean:
		_, ok = v.(bool)
	case TypeInteger:
		_, ok = v.(int64)
	case TypeFloat:
		switch v.(type) {
		case float64, int64:
			ok = true
		}
	case TypeDateTime:
		if s, isStr := v.(string); isStr {
			_, err := time.Parse(time.RFC3339Nano, s)
			ok = err == nil
		}
	}
	if v == nil {
		// Azure accepts null for any type (an explicitly empty value).
		return nil
	}
	if !ok {
		return fmt.Errorf("the value %s is type '%s', expected type is '%s'", render(v), expr.TypeName(v), typ)
	}
	return nil
}
