package policy

import "testing"

// TestCanMatchType checks the type bound read from rules, which lets the decision skip rules
// that cannot match a resource's type without evaluating them.
func TestCanMatchType(t *testing.T) {
	tests := []struct {
		rule     string
		typ      string
		canMatch bool
	}{
		{`{"field":"type","equals":"Microsoft.Storage/storageAccounts"}`, "microsoft.storage/storageaccounts", true},
		{`{"field":"type","equals":"Microsoft.Storage/storageAccounts"}`, "microsoft.sql/servers", false},
		{`{"allOf":[{"field":"location","equals":"x"},{"field":"type","in":["A/b","C/d"]}]}`, "c/d", true},
		{`{"allOf":[{"field":"location","equals":"x"},{"field":"type","in":["A/b","C/d"]}]}`, "e/f", false},
		{`{"anyOf":[{"allOf":[{"field":"type","equals":"A/b"}]},{"field":"type","equals":"C/d"}]}`, "e/f", false},
		{`{"anyOf":[{"field":"type","equals":"A/b"},{"field":"name","equals":"x"}]}`, "e/f", true},
		{`{"not":{"field":"type","equals":"A/b"}}`, "a/b", true},
		{`{"field":"type","equals":"[parameters('t')]"}`, "e/f", true},
		{`{"field":"type","like":"Microsoft.Storage/*"}`, "e/f", true},
	}
	for _, tt := range tests {
		d, err := ParseDefinition([]byte(`{"mode":"All","parameters":{"t":{"type":"String","defaultValue":"a"}},"policyRule":{"if":`+tt.rule+`,"then":{"effect":"audit"}}}`), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.CanMatchType(tt.typ); got != tt.canMatch {
			t.Errorf("rule %s, type %s: CanMatchType = %v, want %v", tt.rule, tt.typ, got, tt.canMatch)
		}
	}
}
