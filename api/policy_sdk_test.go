package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
)

// staticToken is a credential that always returns the test server's good token.
type staticToken struct{}

func (staticToken) GetToken(context.Context, azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: goodToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func policyClients(t *testing.T) (*testAPI, *armpolicy.ClientFactory) {
	t.Helper()
	a := newTestAPI(t)
	a.h.SetPolicyHandlers(NewPolicyHandlers(a.h))
	opts := &arm.ClientOptions{ClientOptions: azpolicy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: a.srv.URL, Audience: "https://management.core.windows.net/"}}},
		InsecureAllowCredentialWithHTTP: true,
	}, DisableRPRegistration: true}
	f, err := armpolicy.NewClientFactory(testSub, staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, f
}

func respErr(t *testing.T, err error) *azcore.ResponseError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not an azcore.ResponseError", err)
	}
	return re
}

// TestPolicyObjectsWithSDK drives every policy object family with the real armpolicy client:
// built-in definitions, custom definitions, initiatives, and an assignment with resource
// selectors, overrides and messages round-tripping field for field.
func TestPolicyObjectsWithSDK(t *testing.T) {
	ctx := context.Background()
	_, f := policyClients(t)
	defs := f.NewDefinitionsClient()

	// The MFA built-in, read-only at the tenant root.
	got, err := defs.GetBuiltIn(ctx, "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Properties.DisplayName != "Users must authenticate with multi-factor authentication to create or update resources" ||
		*got.Properties.PolicyType != armpolicy.PolicyTypeBuiltIn {
		t.Errorf("built-in = %+v", got.Properties)
	}
	n := 0
	for pager := defs.NewListBuiltInPager(nil); pager.More(); {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n < 10 {
		t.Errorf("listed %d built-in definitions", n)
	}

	// A custom definition: 201, and an invalid one names the JSON path.
	custom, err := defs.CreateOrUpdate(ctx, "deny-storage", armpolicy.Definition{Properties: &armpolicy.DefinitionProperties{
		DisplayName: to.Ptr("Deny storage"), Mode: to.Ptr("Indexed"),
		Parameters: map[string]*armpolicy.ParameterDefinitionsValue{"effect": {
			Type: to.Ptr(armpolicy.ParameterTypeString), AllowedValues: []any{"Audit", "Deny"}, DefaultValue: "Deny"}},
		PolicyRule: map[string]any{"if": map[string]any{"field": "type", "equals": "Microsoft.Storage/storageAccounts"},
			"then": map[string]any{"effect": "[parameters('effect')]"}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *custom.Properties.PolicyType != armpolicy.PolicyTypeCustom || !strings.HasSuffix(*custom.ID, "/policyDefinitions/deny-storage") {
		t.Errorf("custom = %s %s", *custom.ID, *custom.Properties.PolicyType)
	}
	_, err = defs.CreateOrUpdate(ctx, "broken", armpolicy.Definition{Properties: &armpolicy.DefinitionProperties{
		Mode: to.Ptr("All"), PolicyRule: map[string]any{"if": map[string]any{"field": "type", "equalz": "x"}, "then": map[string]any{"effect": "deny"}},
	}}, nil)
	if re := respErr(t, err); re.StatusCode != 400 || re.ErrorCode != "InvalidPolicyRule" || !strings.Contains(err.Error(), "policyRule.if.equalz") {
		t.Errorf("invalid rule: %v", err)
	}

	// An initiative of the custom definition.
	sets := f.NewSetDefinitionsClient()
	_, err = sets.CreateOrUpdate(ctx, "guardrails", armpolicy.SetDefinition{Properties: &armpolicy.SetDefinitionProperties{
		DisplayName: to.Ptr("Guardrails"),
		PolicyDefinitions: []*armpolicy.DefinitionReference{{
			PolicyDefinitionID: custom.ID, PolicyDefinitionReferenceID: to.Ptr("storage"),
			Parameters: map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "Audit"}}}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sets.CreateOrUpdate(ctx, "dangling", armpolicy.SetDefinition{Properties: &armpolicy.SetDefinitionProperties{
		PolicyDefinitions: []*armpolicy.DefinitionReference{{PolicyDefinitionID: to.Ptr("/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policyDefinitions/nope")}},
	}}, nil)
	if re := respErr(t, err); re.StatusCode != 404 || re.ErrorCode != "PolicyDefinitionNotFound" {
		t.Errorf("dangling member: %v", err)
	}

	// The tutorial's assignment: selector, override, message; round trip field for field.
	assignments := f.NewAssignmentsClient()
	scope := "/subscriptions/" + testSub
	want := armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		DisplayName:           to.Ptr("MFA for writes"),
		PolicyDefinitionID:    to.Ptr("/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"),
		Parameters:            map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "Audit"}},
		NonComplianceMessages: []*armpolicy.NonComplianceMessage{{Message: to.Ptr("Set up MFA at aka.ms/setupMFA.")}},
		ResourceSelectors: []*armpolicy.ResourceSelector{{Name: to.Ptr("regions"), Selectors: []*armpolicy.Selector{{
			Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("eastus"), to.Ptr("westeurope")}}}}},
		Overrides: []*armpolicy.Override{{Kind: to.Ptr(armpolicy.OverrideKindPolicyEffect), Value: to.Ptr("Deny"),
			Selectors: []*armpolicy.Selector{{Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("westeurope")}}}}},
		EnforcementMode: to.Ptr(armpolicy.EnforcementModeDefault),
	}}
	created, err := assignments.Create(ctx, scope, "mfa", want, nil)
	if err != nil {
		t.Fatal(err)
	}
	read, err := assignments.Get(ctx, scope, "mfa", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []armpolicy.Assignment{created.Assignment, read.Assignment} {
		p := a.Properties
		if *p.Scope != scope || *p.DisplayName != "MFA for writes" || p.Parameters["effect"].Value != "Audit" ||
			*p.NonComplianceMessages[0].Message != "Set up MFA at aka.ms/setupMFA." ||
			*p.ResourceSelectors[0].Name != "regions" || *p.ResourceSelectors[0].Selectors[0].In[1] != "westeurope" ||
			*p.Overrides[0].Value != "Deny" || *p.Overrides[0].Selectors[0].Kind != armpolicy.SelectorKindResourceLocation ||
			*p.EnforcementMode != armpolicy.EnforcementModeDefault {
			t.Errorf("assignment did not round-trip: %+v", p)
		}
	}
	// PATCH widens the selector.
	upd, err := assignments.Update(ctx, scope, "mfa", armpolicy.AssignmentUpdate{Properties: &armpolicy.AssignmentUpdateProperties{
		ResourceSelectors: []*armpolicy.ResourceSelector{{Name: to.Ptr("regions"), Selectors: []*armpolicy.Selector{{
			Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("eastus"), to.Ptr("westeurope"), to.Ptr("westus")}}}}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(upd.Properties.ResourceSelectors[0].Selectors[0].In) != 3 || *upd.Properties.Overrides[0].Value != "Deny" {
		t.Errorf("patched = %+v", upd.Properties)
	}
	// Bad parameters and selectors get ARM errors.
	bad := want
	bad.Properties = &armpolicy.AssignmentProperties{PolicyDefinitionID: want.Properties.PolicyDefinitionID,
		Parameters: map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "Block"}}}
	if _, err := assignments.Create(ctx, scope, "bad", bad, nil); respErr(t, err).ErrorCode != "InvalidPolicyParameters" {
		t.Errorf("bad parameter value: %v", err)
	}
	bad.Properties = &armpolicy.AssignmentProperties{PolicyDefinitionID: to.Ptr("/providers/Microsoft.Authorization/policyDefinitions/00000000-0000-0000-0000-00000000dead")}
	if _, err := assignments.Create(ctx, scope, "bad", bad, nil); respErr(t, err).StatusCode != 404 {
		t.Errorf("missing definition: %v", err)
	}
	// List at the subscription; then delete (200, then 204 for a missing one).
	count := 0
	for pager := assignments.NewListPager(&armpolicy.AssignmentsClientListOptions{Filter: to.Ptr("atScope()")}); pager.More(); {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count += len(page.Value)
	}
	if count != 1 {
		t.Errorf("listed %d assignments, want 1", count)
	}
	if _, err := assignments.Delete(ctx, scope, "mfa", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := assignments.Delete(ctx, scope, "mfa", nil); err != nil {
		t.Errorf("deleting a missing assignment: %v", err)
	}
	if _, err := assignments.Get(ctx, scope, "mfa", nil); respErr(t, err).ErrorCode != "PolicyAssignmentNotFound" {
		t.Errorf("get after delete: %v", err)
	}
}

// TestPolicyExemptions covers exemptions over HTTP (armpolicy v1 has no exemptions client).
func TestPolicyExemptions(t *testing.T) {
	a, f := policyClients(t)
	ctx := context.Background()
	scope := "/subscriptions/" + testSub
	if _, err := f.NewAssignmentsClient().Create(ctx, scope, "mfa", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr("/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b")}}, nil); err != nil {
		t.Fatal(err)
	}
	path := scope + "/providers/Microsoft.Authorization/policyExemptions/break-glass?api-version=2022-07-01-preview"
	body := `{"properties":{"policyAssignmentId":"` + scope + `/providers/Microsoft.Authorization/policyAssignments/mfa","exemptionCategory":"Waiver","expiresOn":"2099-01-01T00:00:00Z"}}`
	if r := a.do(t, http.MethodPut, path, body); r.Status != 201 {
		t.Fatalf("create exemption: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, http.MethodPut, path, body); r.Status != 200 {
		t.Errorf("replace exemption: %d", r.Status)
	}
	if r := a.do(t, http.MethodGet, scope+"/providers/Microsoft.Authorization/policyExemptions?api-version=2022-07-01-preview&$filter=excludeExpired()", ""); r.Status != 200 || len(r.Body["value"].([]any)) != 1 {
		t.Errorf("list: %d %s", r.Status, r.Raw)
	}
	bad := `{"properties":{"policyAssignmentId":"` + scope + `/providers/Microsoft.Authorization/policyAssignments/none","exemptionCategory":"Waiver"}}`
	if r := a.do(t, http.MethodPut, path, bad); r.Status != 404 || r.code() != "PolicyAssignmentNotFound" {
		t.Errorf("exemption for a missing assignment: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, http.MethodPut, path, `{"properties":{"exemptionCategory":"Forever"}}`); r.Status != 400 {
		t.Errorf("invalid exemption: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, http.MethodDelete, path, ""); r.Status != 200 {
		t.Errorf("delete: %d", r.Status)
	}
}
