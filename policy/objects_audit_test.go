package policy

import (
	"errors"
	"strings"
	"testing"
)

// An assignment has at most one managed identity: a system-assigned one, or exactly one
// user-assigned identity.
// Sources: https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#identity
// (MicrosoftDocs/azure-docs articles/governance/policy/concepts/assignment-structure.md) and
// Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// policy/stable/2025-03-01/policyAssignments.json (definitions.Identity).
func TestAssignmentIdentityRules(t *testing.T) {
	const def = `"properties":{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/x"}`
	const uai = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
	for _, tc := range []struct {
		name, doc string
		path      string // "" for a valid assignment
	}{
		{"system assigned", `{"location":"eastus","identity":{"type":"SystemAssigned"},` + def + `}`, ""},
		{"one user-assigned identity", `{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":{"` + uai + `one":{}}},` + def + `}`, ""},
		{"no identity, global location", `{"location":"global",` + def + `}`, ""},
		{"identity None, global location", `{"location":"global","identity":{"type":"None"},` + def + `}`, ""},
		{"two user-assigned identities", `{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":{"` + uai + `one":{},"` + uai + `two":{}}},` + def + `}`,
			"identity.userAssignedIdentities"},
		{"user-assigned without identities", `{"location":"eastus","identity":{"type":"UserAssigned"},` + def + `}`,
			"identity.userAssignedIdentities"},
		{"user-assigned identities not an object", `{"location":"eastus","identity":{"type":"UserAssigned","userAssignedIdentities":["` + uai + `one"]},` + def + `}`,
			"identity.userAssignedIdentities"},
		{"both kinds at once", `{"location":"eastus","identity":{"type":"SystemAssigned, UserAssigned"},` + def + `}`,
			"identity.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAssignment([]byte(tc.doc))
			if tc.path == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %v, want one at %s", err, tc.path)
			}
			found := false
			for _, e := range es {
				if e.Path == tc.path {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %v, want one at %s", err, tc.path)
			}
			if !strings.Contains(err.Error(), tc.path) {
				t.Errorf("message %q does not name %s", err.Error(), tc.path)
			}
		})
	}
}
