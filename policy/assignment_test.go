package policy

import (
	"strings"
	"testing"
)

// The tutorial's assignment: MFA definition, a resourceLocation selector, a message, and later a
// Deny override for some regions
// (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement).
const tutorialAssignment = `{
  "properties": {
    "displayName": "MFA for writes",
    "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b",
    "enforcementMode": "Default",
    "parameters": {"effect": {"value": "Audit"}},
    "nonComplianceMessages": [{"message": "To resolve this error, set up MFA at aka.ms/setupMFA."}],
    "resourceSelectors": [{"name": "low-risk regions", "selectors": [{"kind": "resourceLocation", "in": ["eastus", "West Europe"]}]}],
    "overrides": [{"kind": "policyEffect", "value": "Deny", "selectors": [{"kind": "resourceLocation", "in": ["westeurope"]}]}]
  }
}`

func TestParseAssignment(t *testing.T) {
	a, err := ParseAssignment([]byte(tutorialAssignment))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Enforced() || a.Message("") != "To resolve this error, set up MFA at aka.ms/setupMFA." {
		t.Errorf("enforced %v, message %q", a.Enforced(), a.Message(""))
	}
	for _, tt := range []struct {
		loc        string
		selected   bool
		override   Effect
		overridden bool
	}{
		{"eastus", true, "", false},
		{"westeurope", true, EffectDeny, true},
		{"westus", false, "", false},
		{"", false, "", false},
	} {
		sub := SelectorSubject{Location: tt.loc, Type: "Microsoft.Storage/storageAccounts"}
		if got := SelectsResource(a.ResourceSelectors, sub); got != tt.selected {
			t.Errorf("SelectsResource(%q) = %v, want %v", tt.loc, got, tt.selected)
		}
		e, ok := a.EffectOverride(sub)
		if e != tt.override || ok != tt.overridden {
			t.Errorf("EffectOverride(%q) = %q, %v; want %q, %v", tt.loc, e, ok, tt.override, tt.overridden)
		}
	}
}

func TestSelectorKinds(t *testing.T) {
	tests := []struct {
		sel  Selector
		sub  SelectorSubject
		want bool
	}{
		{Selector{Kind: SelectorResourceLocation, NotIn: []string{"eastus"}}, SelectorSubject{Location: "westus"}, true},
		{Selector{Kind: SelectorResourceLocation, NotIn: []string{"eastus"}}, SelectorSubject{}, false},
		{Selector{Kind: SelectorResourceType, In: []string{"microsoft.storage/storageaccounts"}}, SelectorSubject{Type: "Microsoft.Storage/storageAccounts"}, true},
		{Selector{Kind: SelectorResourceType, NotIn: []string{"Microsoft.Storage/storageAccounts"}}, SelectorSubject{Type: "Microsoft.Storage/storageAccounts"}, false},
		{Selector{Kind: SelectorResourceWithoutLocation, In: []string{"subscriptionLevelResources"}}, SelectorSubject{}, true},
		{Selector{Kind: SelectorResourceWithoutLocation, In: []string{"subscriptionLevelResources"}}, SelectorSubject{Location: "eastus"}, false},
		{Selector{Kind: SelectorResourceWithoutLocation, NotIn: []string{"subscriptionLevelResources"}}, SelectorSubject{Location: "eastus"}, true},
		{Selector{Kind: SelectorPolicyDefinitionReferenceID, In: []string{"Ref1"}}, SelectorSubject{ReferenceID: "ref1"}, true},
	}
	for i, tt := range tests {
		if got := tt.sel.Matches(tt.sub); got != tt.want {
			t.Errorf("%d: %+v.Matches(%+v) = %v, want %v", i, tt.sel, tt.sub, got, tt.want)
		}
	}
}

// TestAssignmentValidation covers the selector and override rules of
// https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure
func TestAssignmentValidation(t *testing.T) {
	base := `"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/x"`
	tests := []struct{ name, props, want string }{
		{"missing definition", `"displayName":"a"`, "policyDefinitionId is required"},
		{"not a definition id", `"policyDefinitionId":"/subscriptions/s"`, "is not a policy definition"},
		{"bad enforcement mode", base + `,"enforcementMode":"Off"`, "enforcementMode must be"},
		{"in and notIn", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceLocation","in":["a"],"notIn":["b"]}]}]`, "exactly one of 'in' or 'notIn'"},
		{"kind twice", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceLocation","in":["a"]},{"kind":"resourceLocation","in":["b"]}]}]`, "appears more than once"},
		{"location with without-location", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceLocation","in":["a"]},{"kind":"resourceWithoutLocation","in":["subscriptionLevelResources"]}]}]`, "cannot be combined"},
		{"without-location value", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceWithoutLocation","in":["x"]}]}]`, "only supports the value"},
		{"reference id in resource selector", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"policyDefinitionReferenceId","in":["x"]}]}]`, "is not allowed here"},
		{"unknown selector kind", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceColour","in":["x"]}]}]`, "is not allowed here"},
		{"unnamed selector", base + `,"resourceSelectors":[{"selectors":[{"kind":"resourceType","in":["x"]}]}]`, "needs a 'name'"},
		{"override kind", base + `,"overrides":[{"kind":"policyColour","value":"Deny"}]`, "is not supported"},
		{"override effect", base + `,"overrides":[{"kind":"policyEffect","value":"Block"}]`, "is not a policy effect"},
		{"version override selector", base + `,"overrides":[{"kind":"definitionVersion","value":"2.*.*","selectors":[{"kind":"resourceType","in":["x"]}]}]`, "is not allowed here"},
		{"too many values", base + `,"resourceSelectors":[{"name":"a","selectors":[{"kind":"resourceType","in":[` + strings.Repeat(`"x",`, 50) + `"y"]}]}]`, "at most 50 values"},
		{"empty message", base + `,"nonComplianceMessages":[{"message":""}]`, "non-empty 'message'"},
		{"two default messages", base + `,"nonComplianceMessages":[{"message":"a"},{"message":"b"}]`, "only one default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAssignment([]byte(`{"properties":{` + tt.props + `}}`))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "properties.") {
				t.Errorf("error %q names no JSON path", err)
			}
		})
	}
}

func TestCheckAgainst(t *testing.T) {
	def, err := ParseDefinition([]byte(mfaRule), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, props, want string }{
		{"ok", `"parameters":{"effect":{"value":"Deny"}},"overrides":[{"kind":"policyEffect","value":"deny"}]`, ""},
		{"value not allowed", `"parameters":{"effect":{"value":"Append"}}`, "not allowed"},
		{"unknown parameter", `"parameters":{"colour":{"value":"red"}}`, "has no parameter 'colour'"},
		{"override outside allowed", `"overrides":[{"kind":"policyEffect","value":"Modify"}]`, "is not one the policy allows (Audit, Deny, Disabled)"},
		{"reference id without initiative", `"nonComplianceMessages":[{"message":"m","policyDefinitionReferenceId":"r"}]`, "only be used when an initiative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAssignment([]byte(`{"properties":{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/x",` + tt.props + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			err = a.CheckAgainst(Target{Definition: def})
			if tt.want == "" {
				if err != nil {
					t.Errorf("CheckAgainst: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckAgainst error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseExemption(t *testing.T) {
	e, err := ParseExemption([]byte(`{"properties":{"policyAssignmentId":"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a",
		"exemptionCategory":"waiver","expiresOn":"2026-12-31T00:00:00Z","policyDefinitionReferenceIds":["r1"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.ExemptionCategory != ExemptionWaiver || !e.Covers("R1") || e.Covers("r2") {
		t.Errorf("exemption %+v", e)
	}
	if e.Expired(e.ExpiresOn.AddDate(0, 0, -1)) || !e.Expired(*e.ExpiresOn) {
		t.Error("expiry is wrong")
	}
	_, err = ParseExemption([]byte(`{"properties":{"policyAssignmentId":"x","exemptionCategory":"Forever","expiresOn":"soon"}}`))
	for _, want := range []string{"not a policy assignment id", "Waiver or Mitigated", "expiresOn must be"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}
