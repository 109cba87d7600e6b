package api

import (
	"net/http"
	"reflect"
	"testing"
)

// Writes of policy objects are Administrative events in the activity log, as in Azure, where a
// policy assignment's creation, change and deletion appear as
// Microsoft.Authorization/policyAssignments/write and …/delete, Started then Succeeded, with the
// caller (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#administrative-category):
// the record of who changed a rollout step.
func TestPolicyWritesInActivityLog(t *testing.T) {
	f := newTagsFixture(t) // enforcement and the activity log on, no assignments
	sub := "/subscriptions/" + testSub
	def := sub + "/providers/Microsoft.Authorization/policyDefinitions/d-log"
	set := sub + "/providers/Microsoft.Authorization/policySetDefinitions/s-log"
	assignment := sub + "/providers/Microsoft.Authorization/policyAssignments/a-log"
	exemption := sub + "/providers/Microsoft.Authorization/policyExemptions/e-log"
	events := func(r response, want ...string) {
		t.Helper()
		if got := f.eventsOf(t, r); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: events\n%q\nwant\n%q", r.Header.Get("X-Ms-Correlation-Request-Id"), got, want)
		}
	}
	pair := func(op, id string) []string {
		return []string{"Administrative " + op + " Started " + id, "Administrative " + op + " Succeeded " + id}
	}
	r := f.a.mustDo(t, http.MethodPut, def+policyAPI, `{"properties":{"mode":"All",`+auditRule+`}}`, http.StatusCreated)
	events(r, pair("Microsoft.Authorization/policyDefinitions/write", def)...)
	r = f.a.mustDo(t, http.MethodPut, set+policyAPI, `{"properties":{"policyDefinitions":[{"policyDefinitionId":"`+def+`"}]}}`, http.StatusCreated)
	events(r, pair("Microsoft.Authorization/policySetDefinitions/write", set)...)
	r = f.a.mustDo(t, http.MethodPut, assignment+policyAPI, `{"properties":{"policyDefinitionId":"`+def+`"}}`, http.StatusCreated)
	events(r, pair("Microsoft.Authorization/policyAssignments/write", assignment)...)
	r = f.a.mustDo(t, http.MethodPatch, assignment+policyAPI, `{"properties":{"overrides":[{"kind":"policyEffect","value":"Audit"}]}}`, http.StatusOK)
	events(r, pair("Microsoft.Authorization/policyAssignments/write", assignment)...)
	r = f.a.mustDo(t, http.MethodPut, exemption+policyAPI, `{"properties":{"policyAssignmentId":"`+assignment+`","exemptionCategory":"Waiver"}}`, http.StatusCreated)
	events(r, pair("Microsoft.Authorization/policyExemptions/write", exemption)...)
	r = f.a.mustDo(t, http.MethodDelete, exemption+policyAPI, "", http.StatusOK)
	events(r, pair("Microsoft.Authorization/policyExemptions/delete", exemption)...)
	r = f.a.mustDo(t, http.MethodDelete, assignment+policyAPI, "", http.StatusOK)
	events(r, pair("Microsoft.Authorization/policyAssignments/delete", assignment)...)
	r = f.a.mustDo(t, http.MethodDelete, assignment+policyAPI, "", http.StatusNoContent)
	events(r, pair("Microsoft.Authorization/policyAssignments/delete", assignment)...)
	// A refused write changes nothing and records nothing of its own.
	r = f.a.do(t, http.MethodPut, assignment+policyAPI, `{"properties":{"policyDefinitionId":"`+def+`-missing"}}`)
	if r.Status != http.StatusNotFound {
		t.Fatalf("assignment of a missing definition: %d %s", r.Status, r.Raw)
	}
	events(r)
}
