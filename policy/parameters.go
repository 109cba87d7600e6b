package policy

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
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
	checkKnownProperties(obj, path, "a parameter", errs, "type", "metadata", "defaultValue", "allowedValues", "schema")
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
	if sc, ok := o.get("schema"); ok && sc != nil {
		switch sc.(type) {
		case map[string]any, bool:
		default:
			errs.add(childPath(path, o.key("schema")), "schema must be a JSON schema object, got %s", expr.TypeName(sc))
		}
		if canon != TypeObject {
			errs.add(childPath(path, o.key("schema")), "a schema is only allowed for Object parameters, not %s", canon)
		} else {
			p.Schema = sc
		}
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
				} else if p.Schema != nil && a != nil && strict {
					if err := checkSchema(p.Schema, a); err != nil {
						errs.add(indexPath(childPath(path, "allowedValues"), i), "%v", err)
					}
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
	if p.Schema != nil && v != nil {
		if err := checkSchema(p.Schema, v); err != nil {
			return err
		}
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

// checkSchema validates v against a parameter's JSON schema. Azure validates Object parameter
// values (defaults, allowed values and assigned values) with Json.NET Schema; this covers the
// validation keywords of JSON Schema 2019-09 that constrain JSON values: type, enum, const,
// properties, patternProperties, additionalProperties, required, min/maxProperties, items,
// additionalItems, min/maxItems, uniqueItems, min/maxLength, pattern, minimum, maximum,
// exclusiveMinimum/Maximum (number and draft-04 boolean forms), multipleOf, allOf, anyOf, oneOf,
// not, and $ref to the schema's own definitions or $defs. Other keywords (format, annotations,
// vendor extensions) do not constrain the value. A pattern Go cannot compile is not checked.
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters
func checkSchema(schema, v any) error {
	s := schemaCheck{root: schema}
	if reason := s.check(schema, v, "", 0); reason != "" {
		return fmt.Errorf("the value does not match the parameter's schema: %s", reason)
	}
	return nil
}

type schemaCheck struct{ root any }

// maxSchemaDepth bounds $ref recursion.
const maxSchemaDepth = 64

// check returns why v does not match schema (with the location inside the value), or "".
func (s schemaCheck) check(schema, v any, at string, depth int) string {
	if depth > maxSchemaDepth {
		return ""
	}
	switch sc := schema.(type) {
	case bool:
		if !sc {
			return where(at) + "no value is allowed here"
		}
		return ""
	case map[string]any:
		return s.checkObject(sc, v, at, depth)
	}
	return ""
}

func where(at string) string {
	if at == "" {
		return ""
	}
	return at + ": "
}

func (s schemaCheck) checkObject(sc map[string]any, v any, at string, depth int) string {
	if ref, ok := sc["$ref"].(string); ok {
		if target, ok := s.resolve(ref); ok {
			if r := s.check(target, v, at, depth+1); r != "" {
				return r
			}
		}
	}
	if t, ok := sc["type"]; ok && !schemaTypeMatches(t, v) {
		return fmt.Sprintf("%sthe value %s is not of type %s", where(at), render(v), render(t))
	}
	if e, ok := sc["enum"].([]any); ok {
		found := false
		for _, x := range e {
			if schemaEqual(x, v) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Sprintf("%sthe value %s is not one of %s", where(at), render(v), render(e))
		}
	}
	if c, ok := sc["const"]; ok && !schemaEqual(c, v) {
		return fmt.Sprintf("%sthe value %s is not %s", where(at), render(v), render(c))
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		list, ok := sc[k].([]any)
		if !ok || len(list) == 0 {
			continue
		}
		matched := 0
		var first string
		for _, sub := range list {
			if r := s.check(sub, v, at, depth+1); r == "" {
				matched++
			} else if first == "" {
				first = r
			}
		}
		switch {
		case k == "allOf" && matched < len(list):
			return first
		case k == "anyOf" && matched == 0:
			return fmt.Sprintf("%sthe value matches none of the anyOf schemas", where(at))
		case k == "oneOf" && matched != 1:
			return fmt.Sprintf("%sthe value matches %d of the oneOf schemas, not exactly one", where(at), matched)
		}
	}
	if n, ok := sc["not"]; ok && s.check(n, v, at, depth+1) == "" {
		return fmt.Sprintf("%sthe value matches the schema under 'not'", where(at))
	}
	switch x := v.(type) {
	case map[string]any:
		return s.checkProperties(sc, x, at, depth)
	case []any:
		return s.checkItems(sc, x, at, depth)
	case string:
		n := len([]rune(x))
		if m, ok := schemaInt(sc["minLength"]); ok && n < m {
			return fmt.Sprintf("%sthe string is %d characters long, shorter than %d", where(at), n, m)
		}
		if m, ok := schemaInt(sc["maxLength"]); ok && n > m {
			return fmt.Sprintf("%sthe string is %d characters long, longer than %d", where(at), n, m)
		}
		if p, ok := sc["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(x) {
				return fmt.Sprintf("%sthe string %s does not match the pattern %s", where(at), render(x), render(p))
			}
		}
	case int64, float64:
		return checkNumber(sc, toFloat(x), at)
	}
	return ""
}

func (s schemaCheck) checkProperties(sc map[string]any, obj map[string]any, at string, depth int) string {
	if req, ok := sc["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				if _, has := obj[name]; !has {
					return fmt.Sprintf("%sthe required property '%s' is missing", where(at), name)
				}
			}
		}
	}
	if m, ok := schemaInt(sc["minProperties"]); ok && len(obj) < m {
		return fmt.Sprintf("%sthe object has %d properties, fewer than %d", where(at), len(obj), m)
	}
	if m, ok := schemaInt(sc["maxProperties"]); ok && len(obj) > m {
		return fmt.Sprintf("%sthe object has %d properties, more than %d", where(at), len(obj), m)
	}
	props, _ := sc["properties"].(map[string]any)
	patterns, _ := sc["patternProperties"].(map[string]any)
	additional, hasAdditional := sc["additionalProperties"]
	for _, k := range sortedKeys(obj) {
		kat := childPath(at, k)
		covered := false
		if sub, ok := props[k]; ok {
			covered = true
			if r := s.check(sub, obj[k], kat, depth+1); r != "" {
				return r
			}
		}
		for _, p := range sortedKeys(patterns) {
			re, err := regexp.Compile(p)
			if err != nil {
				covered = true // not checkable: do not call the property additional either
				continue
			}
			if re.MatchString(k) {
				covered = true
				if r := s.check(patterns[p], obj[k], kat, depth+1); r != "" {
					return r
				}
			}
		}
		if !covered && hasAdditional {
			if b, ok := additional.(bool); ok && !b {
				return fmt.Sprintf("%sthe property '%s' is not allowed", where(at), k)
			}
			if r := s.check(additional, obj[k], kat, depth+1); r != "" {
				return r
			}
		}
	}
	return ""
}

func (s schemaCheck) checkItems(sc map[string]any, arr []any, at string, depth int) string {
	if m, ok := schemaInt(sc["minItems"]); ok && len(arr) < m {
		return fmt.Sprintf("%sthe array has %d items, fewer than %d", where(at), len(arr), m)
	}
	if m, ok := schemaInt(sc["maxItems"]); ok && len(arr) > m {
		return fmt.Sprintf("%sthe array has %d items, more than %d", where(at), len(arr), m)
	}
	if u, _ := sc["uniqueItems"].(bool); u {
		for i := range arr {
			for j := i + 1; j < len(arr); j++ {
				if schemaEqual(arr[i], arr[j]) {
					return fmt.Sprintf("%sthe array items %d and %d are equal", where(at), i, j)
				}
			}
		}
	}
	switch items := sc["items"].(type) {
	case []any: // tuple form
		for i, e := range arr {
			sub := any(nil)
			if i < len(items) {
				sub = items[i]
			} else if a, ok := sc["additionalItems"]; ok {
				sub = a
			} else {
				break
			}
			if r := s.check(sub, e, indexPath(at, i), depth+1); r != "" {
				return r
			}
		}
	case nil:
	default:
		for i, e := range arr {
			if r := s.check(items, e, indexPath(at, i), depth+1); r != "" {
				return r
			}
		}
	}
	return ""
}

func checkNumber(sc map[string]any, n float64, at string) string {
	exclusive := func(k string) bool { b, _ := sc[k].(bool); return b } // draft-04 form
	if m, ok := schemaNumber(sc["minimum"]); ok && (n < m || (n == m && exclusive("exclusiveMinimum"))) {
		return fmt.Sprintf("%sthe value %v is below the minimum %v", where(at), n, m)
	}
	if m, ok := schemaNumber(sc["maximum"]); ok && (n > m || (n == m && exclusive("exclusiveMaximum"))) {
		return fmt.Sprintf("%sthe value %v is above the maximum %v", where(at), n, m)
	}
	if m, ok := schemaNumber(sc["exclusiveMinimum"]); ok && n <= m {
		return fmt.Sprintf("%sthe value %v is not above %v", where(at), n, m)
	}
	if m, ok := schemaNumber(sc["exclusiveMaximum"]); ok && n >= m {
		return fmt.Sprintf("%sthe value %v is not below %v", where(at), n, m)
	}
	if m, ok := schemaNumber(sc["multipleOf"]); ok && m > 0 {
		if q := n / m; q != math.Trunc(q) {
			return fmt.Sprintf("%sthe value %v is not a multiple of %v", where(at), n, m)
		}
	}
	return ""
}

// resolve finds a local reference ("#", "#/definitions/x", "#/$defs/x", any JSON pointer).
func (s schemaCheck) resolve(ref string) (any, bool) {
	if ref == "#" {
		return s.root, true
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	cur := s.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func schemaTypeMatches(t, v any) bool {
	switch x := t.(type) {
	case string:
		return schemaIsType(x, v)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && schemaIsType(s, v) {
				return true
			}
		}
		return false
	}
	return true
}

func schemaIsType(t string, v any) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
		return false
	case "integer":
		switch n := v.(type) {
		case int64:
			return true
		case float64:
			return n == math.Trunc(n)
		}
		return false
	}
	return true // an unknown type name does not constrain
}

// schemaEqual is JSON equality as JSON Schema defines it for enum, const and uniqueItems.
func schemaEqual(a, b any) bool { return exactEqual(a, b) }

func schemaInt(v any) (int, bool) {
	f, ok := schemaNumber(v)
	return int(f), ok
}

func schemaNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func toFloat(v any) float64 {
	f, _ := schemaNumber(v)
	return f
}
