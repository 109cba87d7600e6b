package output

import (
	"bytes"
	"fmt"
)

// OrderedMap is a JSON object whose key order is meaningful. az keeps the key
// order of a JMESPath multiselect hash ({Name: name, Location: location}) and
// of a table transformer's rows when it prints table and tsv output; a Go map
// cannot carry that order, so query results and transformers use this type.
// The zero value is an empty map ready to use.
type OrderedMap struct {
	keys   []string
	values map[string]any
}

// NewOrderedMap builds an OrderedMap from alternating key, value arguments,
// in that order; it panics when a key is not a string or a value is missing,
// which is a programming error in the caller.
func NewOrderedMap(pairs ...any) *OrderedMap {
	if len(pairs)%2 != 0 {
		panic("output.NewOrderedMap: odd number of arguments")
	}
	m := &OrderedMap{}
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			panic(fmt.Sprintf("output.NewOrderedMap: key %d is %T, not string", i/2, pairs[i]))
		}
		m.Set(k, pairs[i+1])
	}
	return m
}

// Set stores value under key; a new key goes last, an existing key keeps its place.
func (m *OrderedMap) Set(key string, value any) {
	if m.values == nil {
		m.values = map[string]any{}
	}
	if _, ok := m.values[key]; !ok {
		m.keys = append(m.keys, key)
	}
	m.values[key] = value
}

// Get returns the value stored under key and whether it is present.
func (m *OrderedMap) Get(key string) (any, bool) {
	v, ok := m.values[key]
	return v, ok
}

// Keys returns the keys in their order; the caller must not modify the slice.
func (m *OrderedMap) Keys() []string { return m.keys }

// Len returns the number of keys.
func (m *OrderedMap) Len() int { return len(m.keys) }

// Map returns a plain Go map with the same entries (nested values unchanged).
func (m *OrderedMap) Map() map[string]any {
	out := make(map[string]any, len(m.keys))
	for _, k := range m.keys {
		out[k] = m.values[k]
	}
	return out
}

// MarshalJSON encodes the map the way az's json output does: keys sorted,
// because knack's json output always sorts keys, whatever their order.
func (m *OrderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeCompactJSON(&b, m); err != nil {
		return nil, fmt.Errorf("encode ordered map: %w", err)
	}
	return b.Bytes(), nil
}
