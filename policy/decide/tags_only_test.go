package decide

import (
	"testing"

	"github.com/palisade/palisade/policy"
)

// TestTagsOnlyRequest: a write that changes nothing but tags is decided only by definitions whose
// conditions inspect tags-related fields
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule);
// the same resource written in full is decided by all of them.
func TestTagsOnlyRequest(t *testing.T) {
	defs := []*policy.Definition{
		mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/locations",
			`{"mode":"Indexed","policyRule":{"if":{"not":{"field":"location","in":["eastus"]}},"then":{"effect":"deny"}}}`),
		mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/api-version",
			`{"mode":"All","policyRule":{"if":{"value":"[requestContext().apiVersion]","less":"2030-01-01"},"then":{"effect":"audit"}}}`),
		mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/require-env",
			`{"mode":"Indexed","policyRule":{"if":{"field":"tags['env']","exists":"false"},"then":{"effect":"deny"}}}`),
	}
	var assignments []*policy.Assignment
	for _, d := range defs {
		assignments = append(assignments, assignment(t, sub, d.Name, `{"policyDefinitionId":"`+d.ID+`"}`))
	}
	s := NewSnapshot(Objects{Definitions: defs, Assignments: assignments})
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	tests := []struct {
		name       string
		tagsOnly   bool
		tags       map[string]any
		denied     []string
		audited    int
		considered int
	}{
		{"full update without the tag", false, map[string]any{}, []string{"locations", "require-env"}, 1, 3},
		{"full update with the tag", false, map[string]any{"env": "prod"}, []string{"locations"}, 1, 3},
		{"tags only without the tag", true, map[string]any{}, []string{"require-env"}, 0, 1},
		{"tags only with the tag", true, map[string]any{"env": "prod"}, nil, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, res := resource("a1", "westus")
			res["tags"] = tt.tags
			d := s.Decide(&Request{Operation: policy.OperationUpdate, ID: id, Resource: res, TagsOnly: tt.tagsOnly,
				RequestContext: app, ResourceGroup: map[string]any{"name": "rg1", "location": "eastus", "tags": map[string]any{}}})
			var denied []string
			for _, o := range d.Denied {
				denied = append(denied, o.Assignment.Name)
			}
			if !sameNames(denied, tt.denied) || len(d.Audited) != tt.audited || d.Considered != tt.considered {
				t.Errorf("denied %v audited %d considered %d; want %v, %d, %d", denied, len(d.Audited), d.Considered, tt.denied, tt.audited, tt.considered)
			}
		})
	}
}

func sameNames(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, n := range got {
		seen[n] = true
	}
	for _, n := range want {
		if !seen[n] {
			return false
		}
	}
	return true
}
