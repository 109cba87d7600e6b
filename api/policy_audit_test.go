package api

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
)

const policyAPI = "?api-version=2025-03-01"

// newPolicyTestAPI is a test server with the policy handlers and a management group "mg1"
// holding the test subscription.
func newPolicyTestAPI(t *testing.T) *testAPI {
	t.Helper()
	a := newTestAPI(t)
	a.h.SetPolicyHandlers(NewPolicyHandlers(a.h))
	mg := "/providers/Microsoft.Management/managementGroups/mg1"
	for _, step := range []struct{ path, body string }{
		{mg + "?api-version=2021-04-01", `{"properties":{}}`},
		{mg + "/subscriptions/" + testSub + "?api-version=2021-04-01", ""},
	} {
		if r := a.do(t, http.MethodPut, step.path, step.body); r.Status != 200 {
			t.Fatalf("PUT %s: %d %s", step.path, r.Status, r.Raw)
		}
	}
	return a
}

// mustDo sends a request and fails the test unless it answers with status.
func (a *testAPI) mustDo(t *testing.T, method, path, body string, status int) response {
	t.Helper()
	r := a.do(t, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Raw)
	}
	return r
}

// listNames follows nextLink through every page of a list and returns the names listed.
func (a *testAPI) listNames(t *testing.T, path string) []string {
	t.Helper()
	var names []string
	for path != "" {
		r := a.mustDo(t, http.MethodGet, path, "", http.StatusOK)
		items, _ := r.Body["value"].([]any)
		for _, it := range items {
			m, _ := it.(map[string]any)
			n, _ := m["name"].(string)
			names = append(names, n)
		}
		next, _ := r.Body["nextLink"].(string)
		path = strings.TrimPrefix(next, a.srv.URL)
	}
	sort.Strings(names)
	return names
}

func props(r response) map[string]any {
	p, _ := r.Body["properties"].(map[string]any)
	return p
}

const auditRule = `"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"audit"}}`

// The definition and initiative lists take $filter=atExactScope(), which keeps only the objects
// defined at the scope itself: no built-ins and nothing inherited from management groups above.
// Spec: Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// policy/PolicyDefinition.tsp (list, listByManagementGroup) and PolicySetDefinition.tsp;
// https://learn.microsoft.com/rest/api/policy/policy-definitions/list.
func TestPolicyDefinitionListAtExactScope(t *testing.T) {
	a := newPolicyTestAPI(t)
	sub := "/subscriptions/" + testSub
	mg := "/providers/Microsoft.Management/managementGroups/mg1"
	defs := "/providers/Microsoft.Authorization/policyDefinitions"
	sets := "/providers/Microsoft.Authorization/policySetDefinitions"
	def := `{"properties":{"mode":"All",` + auditRule + `}}`
	a.mustDo(t, http.MethodPut, mg+defs+"/mg-def"+policyAPI, def, http.StatusCreated)
	a.mustDo(t, http.MethodPut, sub+defs+"/sub-def"+policyAPI, def, http.StatusCreated)
	set := `{"properties":{"policyDefinitions":[{"policyDefinitionId":"` + mg + defs + `/mg-def"}]}}`
	a.mustDo(t, http.MethodPut, mg+sets+"/mg-set"+policyAPI, set, http.StatusCreated)
	a.mustDo(t, http.MethodPut, sub+sets+"/sub-set"+policyAPI, set, http.StatusCreated)

	exact := "&$filter=atExactScope()"
	for _, tc := range []struct {
		name, path string
		want       []string // exactly these, or (when builtins) these among more
		builtins   bool
	}{
		{"definitions at subscription, exact", sub + defs + policyAPI + exact, []string{"sub-def"}, false},
		{"definitions at management group, exact", mg + defs + policyAPI + exact, []string{"mg-def"}, false},
		{"initiatives at subscription, exact", sub + sets + policyAPI + exact, []string{"sub-set"}, false},
		{"initiatives at management group, exact", mg + sets + policyAPI + exact, []string{"mg-set"}, false},
		{"initiatives at subscription, inherited", sub + sets + policyAPI, []string{"mg-set", "sub-set"}, false},
		{"definitions at subscription, inherited and built-in", sub + defs + policyAPI, []string{"mg-def", "sub-def"}, true},
		{"definitions at subscription, exact and custom", sub + defs + policyAPI + exact + "%20and%20policyType%20eq%20'Custom'", []string{"sub-def"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.listNames(t, tc.path)
			if !tc.builtins {
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("listed %v, want %v", got, tc.want)
				}
				return
			}
			if len(got) <= len(tc.want) {
				t.Errorf("listed %v, want built-ins besides %v", got, tc.want)
			}
			for _, w := range tc.want {
				if i := sort.SearchStrings(got, w); i == len(got) || got[i] != w {
					t.Errorf("listed %v, missing %s", got, w)
				}
			}
		})
	}
}

// PATCH of an exemption changes resourceSelectors and assignmentScopeValidation only, answers
// 200 with the whole exemption, and checks the result as a PUT would.
// Spec: Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// policy/preview/2022-07-01-preview/policyExemptions.json (PolicyExemptions_Update,
// PolicyExemptionUpdate); https://learn.microsoft.com/rest/api/policy/policy-exemptions/update.
func TestPolicyExemptionPatch(t *testing.T) {
	a := newPolicyTestAPI(t)
	sub := "/subscriptions/" + testSub
	rg := sub + "/resourceGroups/rg1"
	a.mustDo(t, http.MethodPut, rg+"?api-version=2025-04-01", `{"location":"westeurope"}`, http.StatusCreated)
	def := `{"properties":{"mode":"All",` + auditRule + `}}`
	a.mustDo(t, http.MethodPut, sub+"/providers/Microsoft.Authorization/policyDefinitions/d1"+policyAPI, def, http.StatusCreated)
	assignment := rg + "/providers/Microsoft.Authorization/policyAssignments/a1"
	a.mustDo(t, http.MethodPut, assignment+policyAPI,
		`{"properties":{"policyDefinitionId":"`+sub+`/providers/Microsoft.Authorization/policyDefinitions/d1"}}`, http.StatusCreated)
	v := "?api-version=2022-07-01-preview"
	// An exemption at the subscription, above the assignment's resource group: only allowed
	// with DoNotValidate.
	exemption := sub + "/providers/Microsoft.Authorization/policyExemptions/e1" + v
	created := a.mustDo(t, http.MethodPut, exemption,
		`{"properties":{"policyAssignmentId":"`+assignment+`","exemptionCategory":"Mitigated","displayName":"kept","assignmentScopeValidation":"DoNotValidate"}}`,
		http.StatusCreated)

	for _, tc := range []struct {
		name, path, body string
		status           int
		code, target     string
		check            func(t *testing.T, p map[string]any)
	}{
		{name: "resource selectors", path: exemption,
			body:   `{"properties":{"resourceSelectors":[{"name":"sdp","selectors":[{"kind":"resourceLocation","in":["eastus"]}]}]}}`,
			status: http.StatusOK,
			check: func(t *testing.T, p map[string]any) {
				rs, _ := p["resourceSelectors"].([]any)
				if len(rs) != 1 || rs[0].(map[string]any)["name"] != "sdp" {
					t.Errorf("resourceSelectors = %v", p["resourceSelectors"])
				}
				if p["displayName"] != "kept" || p["exemptionCategory"] != "Mitigated" || p["assignmentScopeValidation"] != "DoNotValidate" {
					t.Errorf("other properties changed: %v", p)
				}
			}},
		{name: "back to Default validation puts the exemption outside the assignment's scope", path: exemption,
			body: `{"properties":{"assignmentScopeValidation":"Default"}}`, status: http.StatusBadRequest, code: "InvalidPolicyExemptionScope"},
		{name: "invalid selector names its path", path: exemption,
			body:   `{"properties":{"resourceSelectors":[{"name":"sdp","selectors":[{"kind":"resourceColour","in":["red"]}]}]}}`,
			status: http.StatusBadRequest, target: "properties.resourceSelectors[0].selectors[0].kind"},
		{name: "category is not patchable", path: exemption,
			body: `{"properties":{"exemptionCategory":"Waiver"}}`, status: http.StatusBadRequest, code: CodeInvalidRequestContent, target: "properties.exemptionCategory"},
		{name: "missing exemption", path: sub + "/providers/Microsoft.Authorization/policyExemptions/none" + v,
			body: `{"properties":{"assignmentScopeValidation":"Default"}}`, status: http.StatusNotFound, code: "PolicyExemptionNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(t, http.MethodPatch, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("PATCH: %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.code != "" && r.code() != tc.code {
				t.Errorf("code %q, want %q: %s", r.code(), tc.code, r.Raw)
			}
			if tc.target != "" {
				e, _ := r.Body["error"].(map[string]any)
				if e["target"] != tc.target && !strings.Contains(r.Raw, tc.target) {
					t.Errorf("error does not name %s: %s", tc.target, r.Raw)
				}
			}
			if tc.check != nil {
				tc.check(t, props(r))
			}
		})
	}
	// The creation stamp survives the PATCH; what GET returns is what PATCH answered.
	got := a.mustDo(t, http.MethodGet, exemption, "", http.StatusOK)
	csd, _ := created.Body["systemData"].(map[string]any)
	gsd, _ := got.Body["systemData"].(map[string]any)
	if csd["createdAt"] == nil || csd["createdAt"] != gsd["createdAt"] {
		t.Errorf("systemData.createdAt %v, then %v", csd["createdAt"], gsd["createdAt"])
	}
	if rs, _ := props(got)["resourceSelectors"].([]any); len(rs) != 1 {
		t.Errorf("GET after PATCH: %s", got.Raw)
	}
}

// An assignment carries a read-only instanceId that changes only when the assignment is deleted
// and created again; a value sent by the client is ignored.
// Spec: Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// policy/stable/2025-03-01/policyAssignments.json (PolicyAssignmentProperties.instanceId).
func TestPolicyAssignmentInstanceID(t *testing.T) {
	a := newPolicyTestAPI(t)
	sub := "/subscriptions/" + testSub
	def := `{"properties":{"mode":"All",` + auditRule + `}}`
	a.mustDo(t, http.MethodPut, sub+"/providers/Microsoft.Authorization/policyDefinitions/d1"+policyAPI, def, http.StatusCreated)
	path := sub + "/providers/Microsoft.Authorization/policyAssignments/a1" + policyAPI
	body := `{"properties":{"policyDefinitionId":"` + sub + `/providers/Microsoft.Authorization/policyDefinitions/d1"}}`
	instance := func(r response) string {
		t.Helper()
		id, _ := props(r)["instanceId"].(string)
		if _, err := uuid.Parse(id); err != nil {
			t.Fatalf("instanceId %q is not a GUID: %s", id, r.Raw)
		}
		return id
	}
	first := instance(a.mustDo(t, http.MethodPut, path, body, http.StatusCreated))
	steps := []struct {
		name, method, body string
		status             int
		same               bool
	}{
		{"GET", http.MethodGet, "", http.StatusOK, true},
		{"replace", http.MethodPut, body, http.StatusCreated, true},
		{"replace sending another instanceId", http.MethodPut,
			`{"properties":{"instanceId":"00000000-0000-0000-0000-0000000000aa","policyDefinitionId":"` + sub + `/providers/Microsoft.Authorization/policyDefinitions/d1"}}`,
			http.StatusCreated, true},
		{"PATCH", http.MethodPatch, `{"properties":{"resourceSelectors":[{"name":"sdp","selectors":[{"kind":"resourceLocation","in":["eastus"]}]}]}}`, http.StatusOK, true},
	}
	for _, s := range steps {
		if got := instance(a.mustDo(t, s.method, path, s.body, s.status)); got != first {
			t.Errorf("%s: instanceId %s, want %s", s.name, got, first)
		}
	}
	a.mustDo(t, http.MethodDelete, path, "", http.StatusOK)
	if again := instance(a.mustDo(t, http.MethodPut, path, body, http.StatusCreated)); again == first {
		t.Errorf("recreated assignment kept instanceId %s", first)
	}
}
