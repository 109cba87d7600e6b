package policy

import "testing"

// TestInspectsTags checks which rules count as inspecting tags-related fields. Azure enforces
// only those on a PATCH that changes nothing but tags
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule),
// so a tags-only write of a resource is not refused by, say, an allowed-locations rule. Tag fields
// are spelled as that page's Fields section lists them: tags, tags['name'] (with apostrophes in
// the name doubled), tags.name, tags[name].
func TestInspectsTags(t *testing.T) {
	tests := []struct {
		name string
		rule string // the if condition
		want bool
	}{
		{"whole tags object", `{"field":"tags","containsKey":"env"}`, true},
		{"quoted bracket", `{"field":"tags['cost-center']","exists":"false"}`, true},
		{"escaped apostrophe", `{"field":"tags['''My.Tag''']","exists":"false"}`, true},
		{"dot spelling", `{"field":"tags.env","equals":"prod"}`, true},
		{"bare bracket", `{"field":"tags[env]","equals":"prod"}`, true},
		{"upper case", `{"field":"TAGS['env']","exists":"false"}`, true},
		{"computed field name", `{"field":"[concat('tags[', parameters('tagName'), ']')]","exists":"false"}`, true},
		{"field() in a value", `{"value":"[length(field('tags'))]","less":3}`, true},
		{"field() of one tag", `{"value":"[field('tags[env]')]","equals":"prod"}`, true},
		{"field() with a computed name", `{"value":"[field(parameters('tagName'))]","equals":"x"}`, true},
		{"nested under not and anyOf", `{"allOf":[{"field":"type","equals":"A/b"},{"not":{"anyOf":[{"field":"name","equals":"x"},{"field":"tags['env']","exists":true}]}}]}`, true},
		{"inside a value count", `{"count":{"value":["a","b"],"name":"t","where":{"field":"[concat('tags[', current('t'), ']')]","exists":true}},"equals":2}`, true},
		{"inside a field count", `{"count":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*]","where":{"field":"tags.env","exists":true}},"greater":0}`, true},
		{"allowed locations", `{"not":{"field":"location","in":"[parameters('locs')]"}}`, false},
		{"resource type", `{"field":"type","equals":"Microsoft.Storage/storageAccounts"}`, false},
		{"property alias", `{"field":"Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly","equals":false}`, false},
		{"field count without tags", `{"count":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*]","where":{"field":"Microsoft.Network/networkSecurityGroups/securityRules[*].access","equals":"Allow"}},"greater":0}`, false},
		{"request context", `{"value":"[requestContext().apiVersion]","less":"2024-01-01"}`, false},
		{"caller identity", `{"value":"[tryGet(requestContext().identity, 'idtyp')]","equals":"user"}`, false},
		{"resource group's tags", `{"value":"[resourceGroup().tags['env']]","equals":"prod"}`, false},
		{"field() of another field", `{"value":"[field('name')]","equals":"x"}`, false},
		{"a name that merely starts with tags", `{"field":"name","equals":"tags['env']"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"mode":"All","parameters":{"tagName":{"type":"String","defaultValue":"env"},"locs":{"type":"Array","defaultValue":["eastus"]}},` +
				`"policyRule":{"if":` + tt.rule + `,"then":{"effect":"deny"}}}`
			d, err := ParseDefinition([]byte(doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.InspectsTags(); got != tt.want {
				t.Errorf("InspectsTags() = %v, want %v for %s", got, tt.want, tt.rule)
			}
		})
	}
}

// A definition Palisade does not evaluate (a resource-provider mode) inspects nothing.
func TestInspectsTagsProviderMode(t *testing.T) {
	d, err := ParseDefinition([]byte(`{"mode":"Microsoft.Kubernetes.Data","policyRule":{"if":{"field":"tags","exists":true},"then":{"effect":"deny"}}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.InspectsTags() {
		t.Error("a resource-provider mode definition reports inspecting tags")
	}
}
