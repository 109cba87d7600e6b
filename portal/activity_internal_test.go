package portal

import (
	"encoding/json"
	"testing"
)

// An event's policies name the assignment by its display name, or, when it
// has none, by its name (then the last segment of its id), as Azure's
// portal lists it.
func TestDecodeEventsAssignmentNames(t *testing.T) {
	policies := `[{"policyAssignmentId":"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a1","policyAssignmentDisplayName":"MFA for writes","policyAssignmentName":"a1","policyDefinitionEffect":"Audit"},` +
		`{"policyAssignmentId":"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/mfa-writes","policyAssignmentDisplayName":"","policyAssignmentName":"mfa-writes","policyDefinitionEffect":"Deny"},` +
		`{"policyAssignmentId":"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/bare","policyDefinitionEffect":"Deny"}]`
	props, _ := json.Marshal(map[string]string{"policies": policies})
	raw := json.RawMessage(`{"caller":"alice@palisade.local","operationName":{"value":"Microsoft.Authorization/policies/deny/action"},"properties":` + string(props) + `}`)
	rows, err := decodeEvents([]json.RawMessage{raw}, eventQuery{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("decodeEvents: %v %v", rows, err)
	}
	var got []string
	for _, a := range rows[0].Assignments {
		got = append(got, a.AssignmentName)
	}
	if want := []string{"MFA for writes", "mfa-writes", "bare"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("assignment names = %q, want %q", got, want)
	}
}
