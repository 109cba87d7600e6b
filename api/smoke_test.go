package api

import "testing"

func TestSmokeRoutes(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2024-11-01"
	steps := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/subscriptions" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + v, "", 200},
		{"GET", "/tenants" + v, "", 200},
		{"PUT", "/subscriptions/" + testSub + "/resourcegroups/rg1" + v, `{"location":"West Europe"}`, 201},
		{"PUT", "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1" + v, `{"location":"westeurope","properties":{"a":1}}`, 201},
		{"GET", "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + "/resourceGroups/rg1/resources" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + "/resources" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + "/providers/Microsoft.Storage/storageAccounts" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + "/providers/Microsoft.Storage" + v, "", 200},
		{"GET", "/subscriptions/" + testSub + "/locations" + v, "", 200},
		{"GET", "/providers/Microsoft.Management/managementGroups" + v, "", 200},
		{"GET", "/providers/Microsoft.Management/managementGroups/" + testTenant + v + "&$expand=children", "", 200},
		{"GET", "/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyAssignments" + v, "", 501},
		{"DELETE", "/subscriptions/" + testSub + "/resourcegroups/rg1" + v, "", 200},
	}
	for _, s := range steps {
		r := a.do(t, s.method, s.path, s.body)
		if r.Status != s.status {
			t.Errorf("%s %s: %d %s", s.method, s.path, r.Status, r.Raw)
		} else {
			t.Logf("%s %s: %d %.300s", s.method, s.path, r.Status, r.Raw)
		}
	}
}
