package expr

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`1`, int64(1)},
		{`-7`, int64(-7)},
		{`1.5`, 1.5},
		{`1.0`, int64(1)}, // integral: an integer, as ARM reads it
		{`1e3`, int64(1000)},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`9223372036854775808`, 9223372036854775808.0},
		{`1e400`, math.Inf(1)},
		{`"s"`, "s"},
		{`true`, true},
		{`null`, nil},
		{`[1, "a", [2.5]]`, arr(int64(1), "a", arr(2.5))},
		{`{"a": {"b": [null]}}`, obj("a", obj("b", arr(nil)))},
	}
	for _, tt := range tests {
		got, err := DecodeJSON([]byte(tt.in))
		if err != nil {
			t.Errorf("DecodeJSON(%s): %v", tt.in, err)
			continue
		}
		if !sameValue(got, tt.want) {
			t.Errorf("DecodeJSON(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{``, `{`, `[1,]`, `1 2`, `{"a":1} x`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeJSON(%q) succeeded, want an error", bad)
		}
	}
}

func TestNormalize(t *testing.T) {
	type named struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"int", 3, int64(3)},
		{"uint8", uint8(3), int64(3)},
		{"integral float", 3.0, int64(3)},
		{"fraction", 3.25, 3.25},
		{"json.Number", json.Number("12"), int64(12)},
		{"json.Number float", json.Number("1.5"), 1.5},
		{"[]string", []string{"a", "b"}, arr("a", "b")},
		{"map[string]string", map[string]string{"k": "v"}, obj("k", "v")},
		{"[]int", []int{1, 2}, arr(int64(1), int64(2))},
		{"map[string][]string", map[string][]string{"k": {"v"}}, obj("k", arr("v"))},
		{"nested float in []any", []any{1.0, "x"}, arr(int64(1), "x")},
		{"nested in map", map[string]any{"n": 2.0, "l": []string{"a"}}, obj("n", int64(2), "l", arr("a"))},
		{"struct via JSON", named{A: 1, B: "x"}, obj("a", int64(1), "b", "x")},
		{"nil []string", []string(nil), nil},
		{"nil map", map[string]string(nil), nil},
		{"nil []int", []int(nil), nil},
		{"pointer", func() any { s := "p"; return &s }(), "p"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); !sameValue(got, tt.want) {
			t.Errorf("%s: Normalize(%#v) = %#v, want %#v", tt.name, tt.in, got, tt.want)
		}
	}
}

// Normalize must not copy values already in the model.
func TestNormalizeNoCopy(t *testing.T) {
	a := []any{int64(1), "x", map[string]any{"k": []any{true}}}
	got := Normalize(a).([]any)
	if &got[0] != &a[0] {
		t.Error("Normalize copied a normal []any")
	}
	m := map[string]any{"k": "v"}
	got2 := Normalize(m).(map[string]any)
	got2["new"] = 1
	if _, ok := m["new"]; !ok {
		t.Error("Normalize copied a normal map")
	}
}

func TestLookup(t *testing.T) {
	m := map[string]any{"Name": "upper", "name": "lower", "Tags": "t"}
	tests := []struct {
		key  string
		want any
		ok   bool
	}{
		{"name", "lower", true},
		{"Name", "upper", true},
		{"tags", "t", true},
		{"TAGS", "t", true},
		{"missing", nil, false},
	}
	for _, tt := range tests {
		got, ok := Lookup(m, tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := Lookup(nil, "x"); ok {
		t.Error("Lookup on a nil map found a key")
	}
}

func TestTypeName(t *testing.T) {
	for v, want := range map[string]any{"Null": nil, "Bool": true, "Integer": int64(1), "Float": 1.5, "String": "", "Array": []any{}, "Object": map[string]any{}} {
		if got := TypeName(want); got != v {
			t.Errorf("TypeName(%#v) = %q, want %q", want, got, v)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b any
		want bool
	}{
		{nil, nil, true},
		{nil, "", false},
		{"abc", "ABC", true},
		{"abc", "abd", false},
		{int64(2), 2.0, true},
		{2.5, int64(2), false},
		{int64(1), "1", false},
		{true, true, true},
		{true, "true", false},
		{arr("A", int64(1)), arr("a", 1.0), true},
		{arr("a"), arr("a", "b"), false},
		{obj("Key", "V"), obj("key", "v"), true},
		{obj("a", int64(1)), obj("a", int64(1), "b", int64(2)), false},
		{obj("a", int64(1)), obj("b", int64(1)), false},
		{arr(), obj(), false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v (reversed)", tt.b, tt.a, got, tt.want)
		}
	}
}

// FuzzDecodeJSON holds DecodeJSON's fast path to encoding/json: where it
// answers, the value is the same, and it never accepts what encoding/json
// refuses.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `[1.5e3, -0, 0.25, 12345678901234567890, 1e400, -1E-7]`,
		` "plain" `, `"esc\"aped\u00e9\ud83d\ude00"`, "\"caf\xc3\xa9\"", "\"bad\xff\"", `{"a":1,"a":2}`,
		`{} x`, `[1,]`, `{"a" 1}`, `01`, `1.`, `-`, `"\x01"`, `tru`, `nul`, `[[[[]]]]`, `{"k":"v"}{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := decodeFast([]byte(s))
		std, err := decodeStandard([]byte(s))
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path took %q, which encoding/json refuses: %v", s, err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("DecodeJSON(%q): fast %#v, encoding/json %#v", s, fast, std)
		}
	})
}

// The fast path takes the documents the engine decodes every day.
func TestDecodeFastTakesCommonDocuments(t *testing.T) {
	for _, s := range []string{
		`{"id":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa","name":"sa","type":"Microsoft.Storage/storageAccounts","location":"westeurope","tags":{"env":"prod"},"properties":{"supportsHttpsTrafficOnly":true,"minimumTlsVersion":"TLS1_2","networkAcls":{"ipRules":[{"value":"10.0.0.0/24"}]},"size":3,"ratio":0.5}}`,
		`{"properties":{"displayName":"Require MFA – café","policyRule":{"if":{"field":"type","equals":"[parameters('t')]"},"then":{"effect":"deny"}}}}`,
	} {
		if _, ok := decodeFast([]byte(s)); !ok {
			t.Errorf("fast path declined %s", s)
		}
	}
}
