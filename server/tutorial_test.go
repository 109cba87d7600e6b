package server

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"github.com/pquerna/otp/totp"
)

const (
	adminPassword = "correct horse battery staple"
	adminTOTP     = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	mfaCreateID   = "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"
	mfaDeleteID   = "/providers/Microsoft.Authorization/policyDefinitions/db4a9d17-db75-4f46-9fcb-9f9526604417"
	message       = "To resolve this error, set up MFA at aka.ms/setupMFA."
)

// userCredential signs the administrator user in with the password grant: without a second
// factor, or — when stepUp is set — with the TOTP code whenever the SDK passes the claims of an
// MFA challenge. It counts the sign-ins it makes.
type userCredential struct {
	r      *running
	stepUp bool
	mu     sync.Mutex
	calls  []string // the claims of each GetToken call
}

func (c *userCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	c.calls = append(c.calls, opts.Claims)
	c.mu.Unlock()
	form := url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"}, "username": {"admin"},
		"password": {adminPassword}, "scope": {strings.Join(opts.Scopes, " ")}}
	if c.stepUp && opts.Claims != "" {
		// A fresh time step, so that the code is not a replay of an earlier one.
		c.r.clock.Advance(30 * time.Second)
		code, err := totp.GenerateCode(adminTOTP, c.r.clock.Now())
		if err != nil {
			return azcore.AccessToken{}, err
		}
		form.Set("otp", code)
		form.Set("claims", opts.Claims)
	}
	tok, err := c.r.token(ctx, form)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// tutorial holds the clients of the MFA tutorial run.
type tutorial struct {
	t          *testing.T
	r          *running
	ctx        context.Context
	sp, user   azcore.TokenCredential
	mfaUser    *userCredential
	assign     *armpolicy.AssignmentsClient
	scope      string
	sinceStart time.Time
}

func (tu *tutorial) resources(cred azcore.TokenCredential) *armresources.Client {
	c, err := armresources.NewClient(testSub, cred, tu.r.clientOptions())
	if err != nil {
		tu.t.Fatal(err)
	}
	return c
}

func (tu *tutorial) groups(cred azcore.TokenCredential) *armresources.ResourceGroupsClient {
	c, err := armresources.NewResourceGroupsClient(testSub, cred, tu.r.clientOptions())
	if err != nil {
		tu.t.Fatal(err)
	}
	return c
}

// createAccount PUTs a storage account through the generic resources client.
func (tu *tutorial) createAccount(cred azcore.TokenCredential, rg, name, location string) error {
	id := "/subscriptions/" + testSub + "/resourceGroups/" + rg + "/providers/Microsoft.Storage/storageAccounts/" + name
	p, err := tu.resources(cred).BeginCreateOrUpdateByID(tu.ctx, id, "2023-01-01", armresources.GenericResource{
		Location: to.Ptr(location), Properties: map[string]any{"supportsHttpsTrafficOnly": true}}, nil)
	if err != nil {
		return err
	}
	_, err = p.PollUntilDone(tu.ctx, &runtime.PollUntilDoneOptions{Frequency: time.Second})
	return err
}

// policyEvents lists the policy events of the activity log with the real monitor client.
func (tu *tutorial) policyEvents(operation string) []*armmonitor.EventData {
	tu.t.Helper()
	c, err := armmonitor.NewActivityLogsClient(testSub, tu.sp, tu.r.clientOptions())
	if err != nil {
		tu.t.Fatal(err)
	}
	filter := "eventTimestamp ge '" + tu.sinceStart.Format(time.RFC3339) + "'"
	var out []*armmonitor.EventData
	for pager := c.NewListPager(filter, nil); pager.More(); {
		page, err := pager.NextPage(tu.ctx)
		if err != nil {
			tu.t.Fatal(err)
		}
		for _, e := range page.Value {
			if e.OperationName != nil && *e.OperationName.Value == operation {
				out = append(out, e)
			}
		}
	}
	return out
}

// eventFor finds the event of an operation for a resource and decodes properties.policies.
func (tu *tutorial) eventFor(operation, resourceName string) (*armmonitor.EventData, []map[string]any) {
	tu.t.Helper()
	for _, e := range tu.policyEvents(operation) {
		if strings.HasSuffix(strings.ToLower(*e.ResourceID), "/"+strings.ToLower(resourceName)) {
			var policies []map[string]any
			if err := json.Unmarshal([]byte(*e.Properties["policies"]), &policies); err != nil {
				tu.t.Fatalf("properties.policies is not a JSON string of an array: %v", err)
			}
			return e, policies
		}
	}
	return nil, nil
}

// TestMFATutorial runs the Azure MFA enforcement tutorial end to end with real tokens and the
// real Azure SDK for Go (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement).
func TestMFATutorial(t *testing.T) {
	r := startServer(t, func(c *Config) { c.AdminPassword, c.AdminTOTPSecret = adminPassword, adminTOTP })
	tu := &tutorial{t: t, r: r, ctx: context.Background(), sinceStart: time.Now().Add(-time.Minute)}
	tu.sp = r.credential(t)
	tu.user = &userCredential{r: r}
	tu.mfaUser = &userCredential{r: r, stepUp: true}
	tu.scope = "/subscriptions/" + testSub
	var err error
	tu.assign, err = armpolicy.NewAssignmentsClient(testSub, tu.sp, r.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	rgs := tu.groups(tu.sp)
	for _, rg := range []struct{ name, loc string }{{"rg-east", "eastus"}, {"rg-west", "westus"}, {"rg-eu", "westeurope"}} {
		if _, err := rgs.CreateOrUpdate(tu.ctx, rg.name, armresources.ResourceGroup{Location: to.Ptr(rg.loc)}, nil); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Audit, for eastus only, with a non-compliance message.
	_, err = tu.assign.Create(tu.ctx, tu.scope, "mfa-writes", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		DisplayName: to.Ptr("MFA for writes"), PolicyDefinitionID: to.Ptr(mfaCreateID),
		Parameters:            map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "Audit"}},
		NonComplianceMessages: []*armpolicy.NonComplianceMessage{{Message: to.Ptr(message)}},
		ResourceSelectors: []*armpolicy.ResourceSelector{{Name: to.Ptr("low-risk"), Selectors: []*armpolicy.Selector{{
			Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("eastus")}}}}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 2. A user without MFA creates in the selected region: allowed, audited; elsewhere: allowed, not audited.
	if err := tu.createAccount(tu.user, "rg-east", "acctaudited", "eastus"); err != nil {
		t.Fatalf("create in a selected region: %v", err)
	}
	if err := tu.createAccount(tu.user, "rg-west", "acctwest", "westus"); err != nil {
		t.Fatalf("create outside the selector: %v", err)
	}
	ev, policies := tu.eventFor("Microsoft.Authorization/policies/audit/action", "acctaudited")
	if ev == nil || len(policies) != 1 || policies[0]["policyDefinitionDisplayName"] != "Users must authenticate with multi-factor authentication to create or update resources" ||
		policies[0]["policyAssignmentName"] != "mfa-writes" || policies[0]["policyDefinitionEffect"] != "Audit" {
		t.Fatalf("audit event = %v %v", ev, policies)
	}
	if *ev.Caller != "admin@palisade.local" && !strings.HasPrefix(*ev.Caller, "admin") {
		t.Errorf("caller = %s", *ev.Caller)
	}
	if ev, _ := tu.eventFor("Microsoft.Authorization/policies/audit/action", "acctwest"); ev != nil {
		t.Fatal("a resource outside the selector was audited")
	}

	// 3. Widen the selector; 4. add a Deny override for westeurope.
	_, err = tu.assign.Update(tu.ctx, tu.scope, "mfa-writes", armpolicy.AssignmentUpdate{Properties: &armpolicy.AssignmentUpdateProperties{
		ResourceSelectors: []*armpolicy.ResourceSelector{{Name: to.Ptr("low-risk"), Selectors: []*armpolicy.Selector{{
			Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("eastus"), to.Ptr("westus"), to.Ptr("westeurope")}}}}},
		Overrides: []*armpolicy.Override{{Kind: to.Ptr(armpolicy.OverrideKindPolicyEffect), Value: to.Ptr("Deny"),
			Selectors: []*armpolicy.Selector{{Kind: to.Ptr(armpolicy.SelectorKindResourceLocation), In: []*string{to.Ptr("westeurope")}}}}},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 5. Refused in westeurope with the message (401: the SDK's credential cannot step up).
	err = tu.createAccount(tu.user, "rg-eu", "acctdenied", "westeurope")
	wantCode(t, err, 401, "RequestDisallowedByPolicy")
	if !strings.Contains(err.Error(), message) || !strings.Contains(err.Error(), "PolicyViolation") {
		t.Errorf("refusal lacks the message or the PolicyViolation: %v", err)
	}
	if ev, _ := tu.eventFor("Microsoft.Authorization/policies/deny/action", "acctdenied"); ev == nil || *ev.Level != armmonitor.EventLevelError {
		t.Errorf("deny event = %+v", ev)
	}
	// Allowed elsewhere (audited), allowed with MFA (after a step-up), allowed for a service principal.
	if err := tu.createAccount(tu.user, "rg-west", "acctwest2", "westus"); err != nil {
		t.Fatalf("widened region without override: %v", err)
	}
	if ev, _ := tu.eventFor("Microsoft.Authorization/policies/audit/action", "acctwest2"); ev == nil {
		t.Error("the widened selector did not audit")
	}
	if err := tu.createAccount(tu.mfaUser, "rg-eu", "acctmfa", "westeurope"); err != nil {
		t.Fatalf("with MFA: %v", err)
	}
	if len(tu.mfaUser.calls) != 2 || !strings.Contains(tu.mfaUser.calls[1], `"p1"`) {
		t.Errorf("the SDK did not step up through the claims challenge: %q", tu.mfaUser.calls)
	}
	if err := tu.createAccount(tu.sp, "rg-eu", "acctsp", "westeurope"); err != nil {
		t.Fatalf("service principal: %v", err)
	}

	// 6. The delete definition: AuditAction records, DenyAction refuses.
	_, err = tu.assign.Create(tu.ctx, tu.scope, "mfa-deletes", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr(mfaDeleteID), NonComplianceMessages: []*armpolicy.NonComplianceMessage{{Message: to.Ptr(message)}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := tu.resources(tu.user)
	acct := func(rg, name string) string {
		return "/subscriptions/" + testSub + "/resourceGroups/" + rg + "/providers/Microsoft.Storage/storageAccounts/" + name
	}
	if p, err := res.BeginDeleteByID(tu.ctx, acct("rg-west", "acctwest"), "2023-01-01", nil); err != nil {
		t.Fatalf("delete under AuditAction: %v", err)
	} else if _, err := p.PollUntilDone(tu.ctx, nil); err != nil {
		t.Fatal(err)
	}
	// AuditAction is recorded as audit/action, so the tutorial's query finds deletes too.
	if _, policies := tu.eventFor("Microsoft.Authorization/policies/audit/action", "acctwest"); len(policies) != 1 ||
		policies[0]["policyDefinitionEffect"] != "AuditAction" || policies[0]["policyAssignmentName"] != "mfa-deletes" {
		t.Errorf("delete audit event policies = %v", policies)
	}
	_, err = tu.assign.Create(tu.ctx, tu.scope, "mfa-deletes", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr(mfaDeleteID), Parameters: map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "DenyAction"}},
		NonComplianceMessages: []*armpolicy.NonComplianceMessage{{Message: to.Ptr(message)}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = res.BeginDeleteByID(tu.ctx, acct("rg-west", "acctwest2"), "2023-01-01", nil)
	wantCode(t, err, 401, "RequestDisallowedByPolicy")
	if _, err := res.GetByID(tu.ctx, acct("rg-west", "acctwest2"), "2023-01-01", nil); err != nil {
		t.Errorf("the refused delete removed the resource: %v", err)
	}

	// 7. DoNotEnforce: nothing refused, nothing recorded.
	_, err = tu.assign.Create(tu.ctx, tu.scope, "mfa-writes", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr(mfaCreateID), EnforcementMode: to.Ptr(armpolicy.EnforcementModeDoNotEnforce),
		Overrides: []*armpolicy.Override{{Kind: to.Ptr(armpolicy.OverrideKindPolicyEffect), Value: to.Ptr("Deny")}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tu.createAccount(tu.user, "rg-eu", "acctnotenforced", "westeurope"); err != nil {
		t.Fatalf("DoNotEnforce still refused: %v", err)
	}
	for _, op := range []string{"Microsoft.Authorization/policies/audit/action", "Microsoft.Authorization/policies/deny/action"} {
		if ev, _ := tu.eventFor(op, "acctnotenforced"); ev != nil {
			t.Errorf("DoNotEnforce wrote a %s event", op)
		}
	}

	// 8. An exemption at the resource group carves it out of an enforced Deny.
	_, err = tu.assign.Create(tu.ctx, tu.scope, "mfa-writes", armpolicy.Assignment{Properties: &armpolicy.AssignmentProperties{
		PolicyDefinitionID: to.Ptr(mfaCreateID), Parameters: map[string]*armpolicy.ParameterValuesValue{"effect": {Value: "Deny"}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, tu.createAccount(tu.user, "rg-eu", "acctbefore", "westeurope"), 401, "RequestDisallowedByPolicy")
	status, _, body := r.raw(t, "PUT", tu.scope+"/resourceGroups/rg-eu/providers/Microsoft.Authorization/policyExemptions/break-glass?api-version=2022-07-01-preview",
		r.adminToken(t), `{"properties":{"policyAssignmentId":"`+tu.scope+`/providers/Microsoft.Authorization/policyAssignments/mfa-writes","exemptionCategory":"Waiver"}}`)
	if status != 201 {
		t.Fatalf("exemption: %d %v", status, body)
	}
	if err := tu.createAccount(tu.user, "rg-eu", "acctexempt", "westeurope"); err != nil {
		t.Fatalf("exempted group still refused: %v", err)
	}
	wantCode(t, tu.createAccount(tu.user, "rg-west", "acctnotexempt", "westus"), 401, "RequestDisallowedByPolicy")
}
