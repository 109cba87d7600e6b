package eval

import (
	"fmt"
	"strings"
	"testing"
)

// TestFieldFunctionInsideWhere: inside count.where, a [*] alias under the counted array selects
// from the current member only, and field() returns that selection as a one-member array, which
// is why the docs wrap it in first().
// https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#the-field-function-inside-where-conditions
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#field-count-examples (example 7)
func TestFieldFunctionInsideWhere(t *testing.T) {
	resource := `{
	  "name": "acct1", "type": "Microsoft.Storage/storageAccounts",
	  "properties": {
	    "stringArray": ["alpha", "beta", "gamma"],
	    "objectArray": [{"property": "value1"}, {"property": "value2"}, {"other": 1}]
	  }
	}`
	// The port-range test of the built-in NSG rules (Network/NetworkSecurityGroup_RDPAccess_Audit.json).
	rule := `{"name": "r1", "type": "Microsoft.Network/networkSecurityGroups/securityRules",
	  "properties": {"destinationPortRanges": ["22", "3000-4000"]}}`
	vnet := `{"name": "vnet", "type": "Microsoft.Network/virtualNetworks",
	  "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/25", "10.1.0.0/16"]}}}`
	const (
		strArr = "Microsoft.Storage/storageAccounts/stringArray[*]"
		objArr = "Microsoft.Storage/storageAccounts/objectArray[*]"
		ports  = "Microsoft.Network/networkSecurityGroups/securityRules/destinationPortRanges[*]"
		prefix = "Microsoft.Network/virtualNetworks/addressSpace.addressPrefixes[*]"
	)
	tests := []struct {
		name, cond, resource string
		want                 bool
	}{
		{"first() of field() is the whole member",
			`{"count":{"field":"` + strArr + `","where":{"value":"[first(field('` + strArr + `'))]","in":["alpha","beta","gamma"]}},"equals":3}`,
			resource, true},
		{"field() is a one-member array",
			`{"count":{"field":"` + strArr + `","where":{"value":"[field('` + strArr + `')]","equals":"[createArray(current('` + strArr + `'))]"}},"equals":3}`,
			resource, true},
		{"field() length is one",
			`{"count":{"field":"` + strArr + `","where":{"value":"[length(field('` + strArr + `'))]","equals":1}},"equals":3}`,
			resource, true},
		{"field() of a member property is a one-member array",
			`{"count":{"field":"` + objArr + `","where":{"value":"[field('Microsoft.Storage/storageAccounts/objectArray[*].property')]","equals":"[createArray('value2')]"}},"equals":1}`,
			resource, true},
		{"field() of a missing member property is a one-member array",
			`{"count":{"field":"` + objArr + `","where":{"value":"[length(field('Microsoft.Storage/storageAccounts/objectArray[*].property'))]","equals":1}},"equals":3}`,
			resource, true},
		{"field() outside the counted array is unchanged",
			`{"count":{"field":"` + objArr + `","where":{"value":"[field('name')]","equals":"acct1"}},"equals":3}`,
			resource, true},
		{"built-in port range test",
			`{"count":{"field":"` + ports + `","where":{"value":"[if(and(not(empty(first(field('` + ports + `')))), contains(first(field('` + ports + `')),'-')), and(lessOrEquals(int(first(split(first(field('` + ports + `')), '-'))),3389),greaterOrEquals(int(last(split(first(field('` + ports + `')), '-'))),3389)), 'false')]","equals":"true"}},"greater":0}`,
			rule, true},
		{"docs example 7: a prefix outside 10.0.0.0/24",
			`{"count":{"field":"` + prefix + `","where":{"value":"[ipRangeContains('10.0.0.0/24', first(field('` + prefix + `')))]","equals":false}},"greater":0}`,
			vnet, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalCond(t, tt.cond, tt.resource, nil)
			if err != nil {
				t.Fatalf("Eval(%s): %v", tt.cond, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%s) = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

// TestCountPlacementRules: current() exists only inside count.where; current() without an index
// name and a value count without a name are allowed only when the count is not inside another
// count. https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#value-count
// and #the-current-function.
func TestCountPlacementRules(t *testing.T) {
	const arr = "Microsoft.Storage/storageAccounts/stringArray[*]"
	tests := []struct {
		name, cond string
		wantErr    string // "" means the condition compiles
	}{
		{"current() outside count", `{"value":"[current()]","equals":"a"}`, "only be used inside a count"},
		{"current(name) outside count", `{"field":"name","equals":"[current('x')]"}`, "only be used inside a count"},
		{"current() in count target", `{"count":{"value":[1,2]},"equals":"[current()]"}`, "only be used inside a count"},
		{"current() in a count's own value", `{"count":{"value":"[current()]"},"equals":1}`, "only be used inside a count"},
		{"current() in value count where", `{"count":{"value":["a"],"where":{"field":"name","like":"[current()]"}},"greater":0}`, ""},
		{"current() in field count where", `{"count":{"field":"` + arr + `","where":{"value":"[current()]","equals":"a"}},"greater":0}`, ""},
		{"current() in nested count where",
			`{"count":{"value":[1,2],"name":"outer","where":{"count":{"value":[3],"name":"inner","where":{"value":"[current()]","equals":3}},"equals":1}},"equals":2}`,
			"nested count"},
		{"current(name) in nested count where",
			`{"count":{"value":[1,2],"name":"outer","where":{"count":{"value":[3],"name":"inner","where":{"value":"[current('inner')]","equals":"[add(current('outer'), 1)]"}},"equals":1}},"equals":1}`,
			""},
		{"current() of the outer count in the inner count's value",
			`{"count":{"value":[[1],[2,3]],"where":{"count":{"value":"[current()]","name":"inner"},"equals":2}},"equals":1}`,
			""},
		{"nested value count without name",
			`{"count":{"field":"` + arr + `","where":{"count":{"value":[1,2],"where":{"value":"[current('` + arr + `')]","equals":"a"}},"equals":0}},"greater":0}`,
			"needs a 'name'"},
		{"top-level value count without name", `{"count":{"value":[1,2]},"equals":2}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(mustJSON(t, tt.cond), "if", Options{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Compile(%s): %v", tt.cond, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Compile(%s) error = %v, want one containing %q", tt.cond, err, tt.wantErr)
			}
		})
	}
	// The conditions that compile also evaluate as documented.
	ok, err := evalCond(t, `{"count":{"value":[1,2],"name":"outer","where":{"count":{"value":[3],"name":"inner","where":{"value":"[current('inner')]","equals":"[add(current('outer'), 1)]"}},"equals":1}},"equals":1}`, storage, nil)
	if err != nil || !ok {
		t.Errorf("nested named count = %v, %v; want true", ok, err)
	}
	ok, err = evalCond(t, `{"count":{"value":[[1],[2,3]],"where":{"count":{"value":"[current()]","name":"inner"},"equals":2}},"equals":1}`, storage, nil)
	if err != nil || !ok {
		t.Errorf("inner count over current() = %v, %v; want true", ok, err)
	}
}

// TestFunctionLimitPerRule: at most 2048 policy functions per policy rule, counted over all of
// its expressions. https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#limits-enforced-during-authoring
func TestFunctionLimitPerRule(t *testing.T) {
	// Each expression calls concat once and toLower 100 times: 101 functions.
	args := strings.TrimSuffix(strings.Repeat("toLower('a'), ", 100), ", ")
	leaf := fmt.Sprintf(`{"value":"[concat(%s)]","equals":"x"}`, args)
	rule := func(n int) string {
		return `{"anyOf":[` + strings.TrimSuffix(strings.Repeat(leaf+",", n), ",") + `]}`
	}
	if _, err := Compile(mustJSON(t, rule(20)), "if", Options{}); err != nil {
		t.Fatalf("2020 functions in one rule: %v", err)
	}
	_, err := Compile(mustJSON(t, rule(21)), "if", Options{})
	if err == nil || !strings.Contains(err.Error(), "2121 policy functions") {
		t.Fatalf("2121 functions in one rule: error = %v, want the per-rule limit", err)
	}
}
