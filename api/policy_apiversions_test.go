package api

import (
	"net/http"
	"strings"
	"testing"
)

// Policy types answer only the api-versions Microsoft.Authorization registers for them, and
// properties newer than the api-version a request uses are refused rather than dropped.
// The codes, statuses and message shapes are ARM's as quoted in Azure/bicep#17089 and
// Azure/ALZ-Bicep#949 (InvalidResourceType, the supported versions oldest first),
// Azure/azure-sdk-for-go#16699 and AzGovViz#297 (404 for it), Azure/manage-azure-policy#100
// (overrides before 2022-06-01), Azure/AzOps#869 (a definition's version before 2023-04-01)
// and Azure/enterprise-azure-policy-as-code#905 (DefinitionVersion in an initiative before
// 2023-04-01), all UnsupportedApiVersion.
func TestPolicyAPIVersions(t *testing.T) {
	a := newPolicyTestAPI(t)
	sub := "/subscriptions/" + testSub
	defs := sub + "/providers/Microsoft.Authorization/policyDefinitions/"
	sets := sub + "/providers/Microsoft.Authorization/policySetDefinitions/"
	assignments := sub + "/providers/Microsoft.Authorization/policyAssignments/"
	exemptions := sub + "/providers/Microsoft.Authorization/policyExemptions/"
	a.mustDo(t, http.MethodPut, defs+"d1"+policyAPI, `{"properties":{"mode":"All",`+auditRule+`}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, assignments+"a1"+policyAPI, `{"properties":{"policyDefinitionId":"`+defs+`d1"}}`, http.StatusCreated)

	cases := []struct {
		name, method, path, body string
		status                   int
		code, msg, target        string
	}{
		{name: "assignment, made-up version", method: "GET", path: assignments + "a1?api-version=2099-01-01", status: 404, code: "InvalidResourceType",
			msg: "The resource type 'policyAssignments' could not be found in the namespace 'Microsoft.Authorization' for api version '2099-01-01'. The supported api-versions are '2015-10-01-preview,2016-04-01,"},
		{name: "assignment list, made-up version", method: "GET", path: assignments[:len(assignments)-1] + "?api-version=2021-07-01", status: 404, code: "InvalidResourceType"},
		{name: "definition, version of another type", method: "GET", path: defs + "d1?api-version=2022-06-01", status: 404, code: "InvalidResourceType"},
		{name: "built-in definition, made-up version", method: "GET", path: "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b?api-version=2030-01-01", status: 404, code: "InvalidResourceType"},
		{name: "definition versions before they existed", method: "GET", path: defs + "d1/versions?api-version=2021-06-01", status: 404, code: "InvalidResourceType",
			msg: "The resource type 'policyDefinitions/versions' could not be found"},
		{name: "exemption, GA version it never had", method: "GET", path: exemptions + "e1?api-version=2022-07-01", status: 404, code: "InvalidResourceType"},
		{name: "overrides before 2022-06-01", method: "PUT", path: assignments + "a2?api-version=2021-06-01",
			body:   `{"properties":{"policyDefinitionId":"` + defs + `d1","overrides":[{"kind":"policyEffect","value":"Disabled"}]}}`,
			status: 400, code: "UnsupportedApiVersion", target: "properties.overrides",
			msg: "The property 'overrides' is not supported in API version '2021-06-01'. Please use API version '2022-06-01' or higher."},
		{name: "resource selectors before 2022-06-01", method: "PUT", path: assignments + "a2?api-version=2021-06-01",
			body:   `{"properties":{"policyDefinitionId":"` + defs + `d1","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceLocation","in":["westeurope"]}]}]}}`,
			status: 400, code: "UnsupportedApiVersion", target: "properties.resourceSelectors"},
		{name: "PATCH with overrides before 2022-06-01", method: "PATCH", path: assignments + "a1?api-version=2021-06-01",
			body: `{"properties":{"overrides":[{"kind":"policyEffect","value":"Disabled"}]}}`, status: 400, code: "UnsupportedApiVersion"},
		{name: "definition version before 2023-04-01", method: "PUT", path: defs + "d2?api-version=2021-06-01",
			body: `{"properties":{"mode":"All","version":"1.0.0",` + auditRule + `}}`, status: 400, code: "UnsupportedApiVersion", target: "properties.version"},
		{name: "initiative member definitionVersion before 2023-04-01", method: "PUT", path: sets + "s1?api-version=2021-06-01",
			body:   `{"properties":{"policyDefinitions":[{"policyDefinitionId":"` + defs + `d1","definitionVersion":"1.*.*"}]}}`,
			status: 400, code: "UnsupportedApiVersion", target: "properties.policyDefinitions[*].definitionVersion",
			msg: "The property 'DefinitionVersion' is not supported in API version '2021-06-01'. Please use API version '2023-04-01' or higher."},
		{name: "exemption resource selectors before 2022-07-01-preview", method: "PUT", path: exemptions + "e1?api-version=2020-07-01-preview",
			body:   `{"properties":{"policyAssignmentId":"` + assignments + `a1","exemptionCategory":"Waiver","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceLocation","in":["westeurope"]}]}]}}`,
			status: 400, code: "UnsupportedApiVersion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(t, tc.method, tc.path, tc.body)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("got %d %s, want %d %s: %.400s", r.Status, r.code(), tc.status, tc.code, r.Raw)
			}
			e := r.Body["error"].(map[string]any)
			if msg, _ := e["message"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not contain %q", msg, tc.msg)
			}
			if tc.target != "" && e["target"] != tc.target {
				t.Errorf("target %v, want %s", e["target"], tc.target)
			}
		})
	}

	// The same bodies with the api-version that introduced each property are accepted, and an
	// old api-version still reads and writes what it knows.
	a.mustDo(t, http.MethodPut, assignments+"a2?api-version=2022-06-01",
		`{"properties":{"policyDefinitionId":"`+defs+`d1","overrides":[{"kind":"policyEffect","value":"Audit"}]}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, assignments+"a3?api-version=2016-04-01", `{"properties":{"policyDefinitionId":"`+defs+`d1"}}`, http.StatusCreated)
	a.mustDo(t, http.MethodGet, assignments+"a1?api-version=2019-09-01", "", http.StatusOK)
	a.mustDo(t, http.MethodPut, sets+"s1?api-version=2023-04-01",
		`{"properties":{"policyDefinitions":[{"policyDefinitionId":"`+defs+`d1","definitionVersion":"1.*.*"}]}}`, http.StatusCreated)
}
