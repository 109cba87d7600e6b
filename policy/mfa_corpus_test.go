package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAzureMFADefinitions evaluates Azure's own MFA definitions (General/MFA_Deny.json and
// General/MFA_DenyAction.json in the built-in library) for the callers the MFA tutorial names
// (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement).
func TestAzureMFADefinitions(t *testing.T) {
	load := func(name string) *Definition {
		path := filepath.Join(corpusDir, "policyDefinitions", "General", name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("built-in library not available: %v", err)
		}
		d, err := ParseDefinition(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	create, del := load("MFA_Deny.json"), load("MFA_DenyAction.json")
	const amr = "http://schemas.microsoft.com/claims/authnmethodsreferences"
	sub := map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", "name": "a", "type": "Microsoft.Storage/storageAccounts", "location": "westeurope"}
	cases := []struct {
		name     string
		identity map[string]any
		match    bool
	}{
		{"service principal", map[string]any{"idtyp": "app", "appid": "11111111-1111-1111-1111-111111111111"}, false},
		{"user, password only", map[string]any{"idtyp": "user", amr: "pwd"}, true},
		{"user, password and mfa", map[string]any{"idtyp": "user", amr: "pwd,mfa"}, false},
		{"user, acrs p1", map[string]any{"idtyp": "user", amr: "pwd", "acrs": "p1"}, false},
		{"user, MFA in other case", map[string]any{"idtyp": "User", amr: "PWD,MFA"}, false},
	}
	for _, c := range cases {
		ctx := map[string]any{"apiVersion": "2025-04-01", "identity": c.identity}
		for _, tc := range []struct {
			def                *Definition
			op                 Operation
			params             map[string]any
			defaultEff, setEff string
			assigned           string
		}{
			{create, OperationCreate, nil, "audit", "", ""},
			{create, OperationUpdate, map[string]any{"effect": "Deny"}, "", "deny", "Deny"},
			{del, OperationDelete, nil, "auditaction", "", ""},
			{del, OperationDelete, map[string]any{"effect": "DenyAction"}, "", "denyaction", "DenyAction"},
		} {
			res, err := tc.def.Evaluate(&Request{Operation: tc.op, Resource: sub, Parameters: tc.def.Parameters.Effective(tc.params), RequestContext: ctx})
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, tc.def.DisplayName, err)
			}
			want := ""
			if c.match {
				want = tc.defaultEff + tc.setEff
			}
			if !res.Applicable || res.Matched != c.match || res.Effect != want {
				t.Errorf("%s, %s (%s, effect %q): applicable %v matched %v effect %q; want matched %v effect %q",
					c.name, tc.def.DisplayName, tc.op, tc.assigned, res.Applicable, res.Matched, res.Effect, c.match, want)
			}
		}
	}
}
