package api

import (
	"net/http"
	"testing"
)

// Saving an initiative checks the values it passes to each member against that member's
// parameters — the version of the member the initiative pins with definitionVersion:
// a literal outside allowedValues is PolicyParameterValueNotAllowed
// (https://github.com/salesforce/cloud-guardrails/issues/53), the default of an initiative
// parameter passed through that the member refuses is InvalidPolicyParameters
// (https://github.com/Azure/azure-policy/pull/721).
func TestInitiativeMemberParameters(t *testing.T) {
	a := newPolicyTestAPI(t)
	sub := "/subscriptions/" + testSub
	defs := sub + "/providers/Microsoft.Authorization/policyDefinitions/"
	sets := sub + "/providers/Microsoft.Authorization/policySetDefinitions/"
	rule := `"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"[parameters('effect')]"}}`
	// Version 1.0.0 has a parameter 'effect'; the current 2.0.0 renames it 'mode2' and keeps
	// 'effect' with fewer allowed values.
	v1 := `{"properties":{"mode":"All","version":"1.0.0","parameters":{"effect":{"type":"String","allowedValues":["Audit","Deny","Disabled"],"defaultValue":"Audit"},"level":{"type":"Integer","defaultValue":1}},` + rule + `}}`
	v2 := `{"properties":{"mode":"All","version":"2.0.0","parameters":{"effect":{"type":"String","allowedValues":["Audit","Disabled"],"defaultValue":"Audit"}},` + rule + `}}`
	a.mustDo(t, http.MethodPut, defs+"d1"+policyAPI, v2, http.StatusCreated)
	a.mustDo(t, http.MethodPut, defs+"d1/versions/1.0.0"+policyAPI, v1, http.StatusCreated)
	a.mustDo(t, http.MethodPut, defs+"d1/versions/2.0.0"+policyAPI, v2, http.StatusCreated)

	member := func(version, params string) string {
		dv := ""
		if version != "" {
			dv = `"definitionVersion":"` + version + `",`
		}
		return `{"policyDefinitionId":"` + defs + `d1",` + dv + `"parameters":` + params + `}`
	}
	cases := []struct {
		name, body, code, target string
	}{
		{name: "literal outside allowedValues", code: "PolicyParameterValueNotAllowed", target: "properties.policyDefinitions[0].parameters.effect.value",
			body: `{"properties":{"policyDefinitions":[` + member("", `{"effect":{"value":"Deny"}}`) + `]}}`},
		{name: "literal of the wrong type", code: "PolicyParameterValueNotAllowed", target: "properties.policyDefinitions[0].parameters.effect.value",
			body: `{"properties":{"policyDefinitions":[` + member("", `{"effect":{"value":3}}`) + `]}}`},
		{name: "initiative default the member refuses", code: "InvalidPolicyParameters", target: "properties.policyDefinitions[0].parameters.effect.value",
			body: `{"properties":{"parameters":{"e":{"type":"String","defaultValue":"Deny"}},"policyDefinitions":[` + member("", `{"effect":{"value":"[parameters('e')]"}}`) + `]}}`},
		{name: "parameter only the pinned older version has, unpinned", code: "UndefinedPolicyParameter",
			body: `{"properties":{"policyDefinitions":[` + member("", `{"level":{"value":2}}`) + `]}}`},
		{name: "value the pinned version refuses", code: "PolicyParameterValueNotAllowed",
			body: `{"properties":{"policyDefinitions":[` + member("1.*.*", `{"effect":{"value":"Append"}}`) + `]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(t, http.MethodPut, sets+"s1"+policyAPI, tc.body)
			if r.Status != http.StatusBadRequest || r.code() != tc.code {
				t.Fatalf("got %d %s, want 400 %s: %.400s", r.Status, r.code(), tc.code, r.Raw)
			}
			if e := r.Body["error"].(map[string]any); tc.target != "" && e["target"] != tc.target {
				t.Errorf("target %v, want %s", e["target"], tc.target)
			}
		})
	}
	r := a.do(t, http.MethodGet, sets+"s1"+policyAPI, "")
	if r.Status != http.StatusNotFound {
		t.Fatalf("a refused initiative was stored: %d %s", r.Status, r.Raw)
	}

	// Pinned to 1.*.*, the member is checked against version 1.0.0: 'level' and 'Deny' are fine.
	a.mustDo(t, http.MethodPut, sets+"s1"+policyAPI,
		`{"properties":{"policyDefinitions":[`+member("1.*.*", `{"effect":{"value":"Deny"},"level":{"value":2}}`)+`]}}`, http.StatusCreated)
	// A built-in pinned to a version this server does not hold is accepted as Azure holds it.
	a.mustDo(t, http.MethodPut, sets+"s2"+policyAPI,
		`{"properties":{"policyDefinitions":[{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b","definitionVersion":"0.*.*","parameters":{"effect":{"value":"Audit"}}}]}}`, http.StatusCreated)
}
