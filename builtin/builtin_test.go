package builtin

import (
	"testing"

	"github.com/palisade/palisade/policy"
)

func TestDefinitionsLoad(t *testing.T) {
	defs, err := Definitions()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) < 10 {
		t.Fatalf("got %d built-in definitions, want at least 10", len(defs))
	}
	for _, id := range []string{MFACreateUpdateID, MFADeleteID} {
		d, ok := Definition(id)
		if !ok {
			t.Fatalf("definition %s missing", id)
		}
		if d.ID != id || d.PolicyType != "BuiltIn" || d.EffectiveMode() != policy.ModeAll {
			t.Errorf("%s: id %s, type %s, mode %s", id, d.ID, d.PolicyType, d.Mode)
		}
	}
}

// TestMFADefinitions checks the verdicts the MFA scenario depends on, for the definitions
// Palisade ships. The rule reads requestContext().identity as Azure exposes the caller's claims
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#policy-functions).
func TestMFADefinitions(t *testing.T) {
	const amr = "http://schemas.microsoft.com/claims/authnmethodsreferences"
	rg := map[string]any{"id": "/subscriptions/s/resourceGroups/rg", "name": "rg", "type": "Microsoft.Resources/subscriptions/resourceGroups", "location": "eastus"}
	tests := []struct {
		name     string
		identity map[string]any
		params   map[string]any
		want     bool
		effect   string // for the create/update definition
		delEff   string // for the delete definition
	}{
		{"app never matches", map[string]any{"idtyp": "app", "appid": "x"}, nil, false, "", ""},
		{"user with password only", map[string]any{"idtyp": "user", amr: "pwd"}, nil, true, "audit", "auditaction"},
		{"user with mfa", map[string]any{"idtyp": "user", amr: "pwd,mfa"}, nil, false, "", ""},
		{"user with acrs p1", map[string]any{"idtyp": "user", amr: "pwd", "acrs": "p1"}, nil, false, "", ""},
		{"user without amr claim", map[string]any{"idtyp": "user"}, nil, true, "audit", "auditaction"},
		{"no idtyp claim", map[string]any{amr: "pwd"}, nil, false, "", ""},
		{"deny when assigned so", map[string]any{"idtyp": "user", amr: "pwd"}, map[string]any{"effect": "Deny"}, true, "deny", ""},
	}
	create, _ := Definition(MFACreateUpdateID)
	del, _ := Definition(MFADeleteID)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := create.Parameters.Effective(tt.params)
			ctx := map[string]any{"apiVersion": "2025-04-01", "identity": tt.identity}
			res, err := create.Evaluate(&policy.Request{Operation: policy.OperationCreate, Resource: rg, Parameters: params, RequestContext: ctx})
			if err != nil {
				t.Fatal(err)
			}
			if res.Matched != tt.want || res.Effect != tt.effect {
				t.Errorf("create/update: matched %v effect %q, want %v %q", res.Matched, res.Effect, tt.want, tt.effect)
			}
			if tt.params != nil {
				return
			}
			res, err = del.Evaluate(&policy.Request{Operation: policy.OperationDelete, Resource: rg, Parameters: del.Parameters.Effective(map[string]any{"effect": "DenyAction"}), RequestContext: ctx})
			if err != nil {
				t.Fatal(err)
			}
			wantDel := tt.delEff
			if wantDel != "" {
				wantDel = "denyaction"
			}
			if res.Matched != tt.want || res.Effect != wantDel {
				t.Errorf("delete: matched %v effect %q, want %v %q", res.Matched, res.Effect, tt.want, wantDel)
			}
		})
	}
}
