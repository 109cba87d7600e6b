package decide

import (
	"testing"

	"github.com/palisade/palisade/policy"
)

// A definitionVersion override replaces the assignment's definitionVersion for the resources its
// selectors pick (KnownOverrideKind.DefinitionVersion: "It will override the definition version
// property value of the policy assignment",
// https://learn.microsoft.com/javascript/api/@azure/arm-policy/knownoverridekind), so a new
// version of a definition can be rolled out region by region: here version 1 audits, version 2
// denies, and the override moves westus to version 2 first.
func TestDefinitionVersionOverride(t *testing.T) {
	id := sub + "/providers/Microsoft.Authorization/policyDefinitions/storage-rule"
	rule := func(version, effect string) *policy.Definition {
		d := mustDef(t, id, `{"mode":"Indexed","version":"`+version+`","policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"`+effect+`"}}}`)
		return d
	}
	current := rule("2.0.0", "deny")
	v1 := rule("1.0.0", "audit")
	v1.ID = id + "/versions/1.0.0"
	a := assignment(t, sub, "rollout", `{"policyDefinitionId":"`+id+`","definitionVersion":"1.*.*",
		"overrides":[{"kind":"definitionVersion","value":"2.*.*","selectors":[{"kind":"resourceLocation","in":["westus"]}]},
		             {"kind":"definitionVersion","value":"3.*.*","selectors":[{"kind":"resourceLocation","in":["northeurope"]}]}]}`)
	s := NewSnapshot(Objects{Definitions: []*policy.Definition{current}, DefinitionVersions: []*policy.Definition{v1}, Assignments: []*policy.Assignment{a}})
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	for _, tt := range []struct {
		location        string
		denied, audited int
	}{
		{"eastus", 0, 1},      // the assignment's own 1.*.*
		{"westus", 1, 0},      // the override's 2.*.*
		{"northeurope", 0, 1}, // 3.*.* matches no version: the assignment's own applies
	} {
		d := decide(t, s, policy.OperationCreate, "sa1", tt.location, app)
		if len(d.Denied) != tt.denied || len(d.Audited) != tt.audited {
			t.Errorf("%s: denied %d audited %d, want %d and %d", tt.location, len(d.Denied), len(d.Audited), tt.denied, tt.audited)
		}
		for _, o := range append(d.Denied, d.Audited...) {
			want := map[bool]string{true: "2.0.0", false: "1.0.0"}[tt.location == "westus"]
			if o.Definition.Version != want {
				t.Errorf("%s: decided with version %s, want %s", tt.location, o.Definition.Version, want)
			}
		}
	}
}
