package expr

import (
	"fmt"
	"time"
)

// testEnv is an Env backed by plain values.
type testEnv struct {
	params  map[string]any
	fields  map[string]any
	current map[string]any
	request any
	policy  any
	rg      any
	sub     any
	now     time.Time
}

func (e *testEnv) Parameter(name string) (any, bool) {
	v, ok := Lookup(e.params, name)
	return v, ok
}

func (e *testEnv) Field(name string) (any, error) {
	v, ok := Lookup(e.fields, name)
	if !ok {
		return nil, fmt.Errorf("unknown alias %q", name)
	}
	return v, nil
}

func (e *testEnv) Current(name string) (any, error) {
	v, ok := Lookup(e.current, name)
	if !ok {
		return nil, fmt.Errorf("no count named %q is in scope", name)
	}
	return v, nil
}

func (e *testEnv) RequestContext() any { return e.request }
func (e *testEnv) Policy() any         { return e.policy }
func (e *testEnv) ResourceGroup() any  { return e.rg }
func (e *testEnv) Subscription() any   { return e.sub }
func (e *testEnv) Now() time.Time      { return e.now }

// newTestEnv returns an environment with a user identity, parameters and
// fields that the function tests refer to.
func newTestEnv() *testEnv {
	return &testEnv{
		params: map[string]any{
			"effect":    "Audit",
			"locations": []any{"westeurope", "northeurope"},
			"obj":       map[string]any{"a": int64(1), "b": map[string]any{"c": "deep"}},
			"empty":     "",
		},
		fields: map[string]any{
			"name":     "myStorageAccount",
			"type":     "Microsoft.Storage/storageAccounts",
			"location": "westeurope",
			"tags":     map[string]any{"cost center": "42", "env": "prod"},
		},
		current: map[string]any{"": "item", "rule": map[string]any{"priority": int64(100)}},
		request: map[string]any{
			"apiVersion": "2023-01-01",
			"identity": map[string]any{
				"idtyp": "user",
				"appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
				"http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd,rsa",
			},
		},
		policy: map[string]any{
			"assignmentId":          "/subscriptions/s1/providers/Microsoft.Authorization/policyAssignments/a1",
			"definitionId":          "/providers/Microsoft.Authorization/policyDefinitions/d1",
			"setDefinitionId":       "",
			"definitionReferenceId": "",
		},
		// The shapes of resourceGroup() and subscription() in ARM; built-in
		// rules read resourceGroup().managedBy even when it is null.
		// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-scope
		rg: map[string]any{
			"id":         "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1",
			"name":       "rg1",
			"type":       "Microsoft.Resources/resourceGroups",
			"location":   "westeurope",
			"managedBy":  nil,
			"tags":       map[string]any{},
			"properties": map[string]any{"provisioningState": "Succeeded"},
		},
		sub: map[string]any{
			"id":             "/subscriptions/00000000-0000-0000-0000-000000000001",
			"subscriptionId": "00000000-0000-0000-0000-000000000001",
			"tenantId":       "11111111-1111-1111-1111-111111111111",
			"displayName":    "Dev",
		},
		now: time.Date(2026, 3, 4, 5, 6, 7, 123456700, time.UTC),
	}
}
