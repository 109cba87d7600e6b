package activitylog_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
)

// Shapes follow the Administrative and Policy samples of
// https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
// and real events exported from Azure (BeginRequest of
// Microsoft.Storage/storageAccounts/write with properties.requestbody and tags
// masked; EndRequest of Microsoft.Resources/subscriptions/resourcegroups/write
// with subStatus "Created (HTTP Status Code: 201)", statusCode, responseBody,
// eventCategory, entity, message and hierarchy).

// TestAdministrativePair checks the Started/Succeeded pair of a storage
// account create by a user.
func TestAdministrativePair(t *testing.T) {
	b := newBuilder()
	r := storageRequest("PUT", user(false), `{"location":"westeurope","tags":{"env":"prod"},"sku":{"name":"Standard_LRS"},"kind":"StorageV2"}`)
	started := must[*activitylog.Event](t)(b.Started(r))
	done := must[*activitylog.Event](t)(b.Finished(r, 201, []byte(`{"id":"`+saID+`","name":"stprod01"}`)))
	golden(t, "admin_storage_create.json", []*activitylog.Event{started, done})

	for _, c := range []struct {
		name, got, want string
	}{
		{"started operation", started.OperationName.Value, "Microsoft.Storage/storageAccounts/write"},
		{"started display", started.OperationName.LocalizedValue, "Create/Update Storage Account"},
		{"started event name", started.EventName.Value, "BeginRequest"},
		{"started status", started.Status.Value, "Started"},
		{"started sub-status", started.SubStatus.Value, ""},
		{"masked tags", started.Properties["requestbody"], `{"location":"westeurope","tags":"******","sku":{"name":"Standard_LRS"},"kind":"StorageV2"}`},
		{"end event name", done.EventName.Value, "EndRequest"},
		{"end status", done.Status.Value, "Succeeded"},
		{"end sub-status", done.SubStatus.Value, "Created"},
		{"end sub-status text", done.SubStatus.LocalizedValue, "Created (HTTP Status Code: 201)"},
		{"statusCode", done.Properties["statusCode"], "Created"},
		{"same operation id", done.OperationID, started.OperationID},
		{"operation id defaults to correlation id", done.OperationID, r.CorrelationID},
		{"same correlation id", done.CorrelationID, started.CorrelationID},
		{"caller is the UPN", done.Caller, "alice@contoso.com"},
		{"amr claim in long form", done.Claims["http://schemas.microsoft.com/claims/authnmethodsreferences"], "pwd"},
		{"numeric claim as text", done.Claims["iat"], "1772357100"},
		{"hierarchy root first", done.Properties["hierarchy"], tenantID + "/landing-zones/" + subID},
		{"authorization action", done.Authorization.Action, "Microsoft.Storage/storageAccounts/write"},
		{"authorization scope", done.Authorization.Scope, saID},
		{"id", done.ID, saID + "/events/" + done.EventDataID + "/ticks/" + "639079542003734560"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if started.EventDataID == done.EventDataID {
		t.Error("the two events share an eventDataId")
	}
}

// TestFinishedStatuses checks how an HTTP status becomes status, level and
// subStatus on the EndRequest event.
func TestFinishedStatuses(t *testing.T) {
	for _, c := range []struct {
		code                     int
		status, level, sub, text string
	}{
		{200, "Succeeded", "Informational", "OK", "OK (HTTP Status Code: 200)"},
		{201, "Succeeded", "Informational", "Created", "Created (HTTP Status Code: 201)"},
		{202, "Accepted", "Informational", "Accepted", "Accepted (HTTP Status Code: 202)"},
		{204, "Succeeded", "Informational", "NoContent", "No Content (HTTP Status Code: 204)"},
		{400, "Failed", "Error", "BadRequest", "Bad Request (HTTP Status Code: 400)"},
		{401, "Failed", "Error", "Unauthorized", "Unauthorized (HTTP Status Code: 401)"},
		{403, "Failed", "Error", "Forbidden", "Forbidden (HTTP Status Code: 403)"},
		{404, "Failed", "Error", "NotFound", "Not Found (HTTP Status Code: 404)"},
		{409, "Failed", "Error", "Conflict", "Conflict (HTTP Status Code: 409)"},
		{500, "Failed", "Error", "InternalServerError", "Internal Server Error (HTTP Status Code: 500)"},
	} {
		e := must[*activitylog.Event](t)(newBuilder().Finished(storageRequest("PUT", user(true), ""), c.code, []byte(`{"error":{"code":"X","message":"m"}}`)))
		if e.Status.Value != c.status || e.Level != c.level || e.SubStatus.Value != c.sub || e.SubStatus.LocalizedValue != c.text ||
			e.Properties["statusCode"] != c.sub {
			t.Errorf("%d: got status %q level %q subStatus %q/%q statusCode %q", c.code, e.Status.Value, e.Level,
				e.SubStatus.Value, e.SubStatus.LocalizedValue, e.Properties["statusCode"])
		}
		_, hasMessage := e.Properties["statusMessage"]
		if hasMessage != (c.code >= 400) {
			t.Errorf("%d: statusMessage present = %v", c.code, hasMessage)
		}
	}
}

// TestOperationNames checks the operation, type and provider of writes to
// the different kinds of objects.
func TestOperationNames(t *testing.T) {
	for _, c := range []struct {
		id, typ, method, action                     string
		wantOp, wantDisplay, wantType, wantProvider string
	}{
		{rgScope, "", "PUT", "", "Microsoft.Resources/subscriptions/resourcegroups/write", "Update resource group",
			"Microsoft.Resources/subscriptions/resourcegroups", "Microsoft Resources"},
		{rgScope, "", "DELETE", "", "Microsoft.Resources/subscriptions/resourcegroups/delete", "Microsoft.Resources/subscriptions/resourcegroups/delete",
			"Microsoft.Resources/subscriptions/resourcegroups", "Microsoft Resources"},
		{saID, "Microsoft.Storage/storageAccounts", "DELETE", "", "Microsoft.Storage/storageAccounts/delete", "Delete Storage Account",
			"Microsoft.Storage/storageAccounts", "Microsoft.Storage"},
		// The stored type's casing wins over the request path's.
		{strings.ToLower(saID), "Microsoft.Storage/storageAccounts", "PATCH", "", "Microsoft.Storage/storageAccounts/write", "Create/Update Storage Account",
			"Microsoft.Storage/storageAccounts", "Microsoft.Storage"},
		{subScope + "/providers/Microsoft.Authorization/policyAssignments/pa1", "", "PUT", "",
			"Microsoft.Authorization/policyAssignments/write", "Microsoft.Authorization/policyAssignments/write",
			"Microsoft.Authorization/policyAssignments", "Microsoft.Authorization"},
		{saID, "Microsoft.Storage/storageAccounts", "POST", "Microsoft.Storage/storageAccounts/listKeys/action",
			"Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Storage/storageAccounts/listKeys/action",
			"Microsoft.Storage/storageAccounts", "Microsoft.Storage"},
	} {
		r := &activitylog.Request{TenantID: tenantID, ResourceID: c.id, ResourceType: c.typ, Method: c.method, Action: c.action, Caller: app()}
		e, err := newBuilder().Finished(r, 200, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.id, err)
		}
		if e.OperationName.Value != c.wantOp || e.OperationName.LocalizedValue != c.wantDisplay ||
			e.ResourceType.Value != c.wantType || e.ResourceProviderName.LocalizedValue != c.wantProvider {
			t.Errorf("%s %s: got %+v %+v %+v", c.method, c.id, e.OperationName, e.ResourceType, e.ResourceProviderName)
		}
		if e.Caller != "2cf9eb86-36b5-49dc-86ae-9a63135dfa8c" {
			t.Errorf("application caller = %q, want its appid", e.Caller)
		}
	}
	if _, err := newBuilder().Started(&activitylog.Request{ResourceID: saID, Method: "POST"}); err == nil {
		t.Error("POST without an action was accepted")
	}
	if _, err := newBuilder().Started(&activitylog.Request{ResourceID: "not an id", Method: "PUT"}); err == nil {
		t.Error("a bad resource id was accepted")
	}
}

// policiesOf decodes properties.policies, which must be a JSON string
// holding an array of objects.
func policiesOf(t *testing.T, e *activitylog.Event) []map[string]any {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal([]byte(e.Properties["policies"]), &list); err != nil {
		t.Fatalf("properties.policies is not a JSON array in a string: %v (%q)", err, e.Properties["policies"])
	}
	return list
}

// TestPolicyAuditMFA: a user without MFA creates a storage account in a
// selected region under the MFA definition in audit mode (step 4 of the
// scenario): one audit/action event naming the definition.
func TestPolicyAuditMFA(t *testing.T) {
	a := mfaAssignment(t, builtin.MFACreateUpdateID, "")
	dec := decideMFA(t, a, policy.OperationCreate, user(false))
	r := storageRequest("PUT", user(false), `{"location":"westeurope"}`)
	events := must[[]*activitylog.Event](t)(newBuilder().Policy(r, dec))
	golden(t, "policy_audit_mfa.json", events)
	if len(events) != 1 {
		t.Fatalf("got %d policy events, want 1", len(events))
	}
	e := events[0]
	checkPolicyEvent(t, e, "Microsoft.Authorization/policies/audit/action", "Warning", "Succeeded")
	p := policiesOf(t, e)
	if len(p) != 1 {
		t.Fatalf("policies = %v", p)
	}
	want := map[string]any{
		"policyDefinitionId":          builtin.MFACreateUpdateID,
		"policyDefinitionName":        "4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b",
		"policyDefinitionDisplayName": "Users must authenticate with multi-factor authentication to create or update resources",
		"policyDefinitionEffect":      "Audit",
		"policyAssignmentId":          a.ID,
		"policyAssignmentName":        "mfa-selfenforce",
		"policyAssignmentScope":       subScope,
	}
	for k, v := range want {
		if p[0][k] != v {
			t.Errorf("policies[0].%s = %v, want %v", k, p[0][k], v)
		}
	}

	// With MFA, or as an application, nothing is audited.
	if dec := decideMFA(t, a, policy.OperationCreate, user(true)); len(must[[]*activitylog.Event](t)(newBuilder().Policy(r, dec))) != 0 {
		t.Error("a user with MFA was audited")
	}
	if dec := decideMFA(t, a, policy.OperationCreate, app()); len(must[[]*activitylog.Event](t)(newBuilder().Policy(r, dec))) != 0 {
		t.Error("an application was audited")
	}
}

// TestPolicyDenyMFA: with a Deny override for the region the request is
// refused; the Policy event is deny/action at level Error, status Failed.
func TestPolicyDenyMFA(t *testing.T) {
	a := mfaAssignment(t, builtin.MFACreateUpdateID, "Deny")
	dec := decideMFA(t, a, policy.OperationCreate, user(false))
	b := newBuilder()
	r := storageRequest("PUT", user(false), `{"location":"westeurope"}`)
	events := must[[]*activitylog.Event](t)(b.Policy(r, dec))
	golden(t, "policy_deny_mfa.json", events)
	if len(events) != 1 {
		t.Fatalf("got %d policy events, want 1", len(events))
	}
	checkPolicyEvent(t, events[0], "Microsoft.Authorization/policies/deny/action", "Error", "Failed")
	if p := policiesOf(t, events[0]); len(p) != 1 || p[0]["policyDefinitionEffect"] != "Deny" {
		t.Errorf("policies = %v", p)
	}
	status, body := decide.Refusal(dec, "stprod01", policy.OperationCreate)
	raw, _ := json.Marshal(body)
	end := must[*activitylog.Event](t)(b.Finished(r, status, raw))
	if end.Status.Value != "Failed" || !strings.Contains(end.Properties["statusMessage"], "RequestDisallowedByPolicy") {
		t.Errorf("EndRequest of the refused write: status %q, statusMessage %q", end.Status.Value, end.Properties["statusMessage"])
	}
}

// TestPolicyDenyActionMFA: the delete definition with a DenyAction
// override refuses a DELETE; the event is deny/action with effect DenyAction.
// Its audit mode (AuditAction) is recorded as audit/action, so that the
// tutorial's query finds the audit events of both MFA definitions.
func TestPolicyDenyActionMFA(t *testing.T) {
	r := storageRequest("DELETE", user(false), "")
	deny := decideMFA(t, mfaAssignment(t, builtin.MFADeleteID, "DenyAction"), policy.OperationDelete, user(false))
	events := must[[]*activitylog.Event](t)(newBuilder().Policy(r, deny))
	golden(t, "policy_denyaction_mfa.json", events)
	if len(events) != 1 {
		t.Fatalf("got %d policy events, want 1", len(events))
	}
	checkPolicyEvent(t, events[0], "Microsoft.Authorization/policies/deny/action", "Error", "Failed")
	if events[0].Authorization.Action != "Microsoft.Storage/storageAccounts/delete" {
		t.Errorf("authorization.action = %q", events[0].Authorization.Action)
	}
	if p := policiesOf(t, events[0]); len(p) != 1 || p[0]["policyDefinitionEffect"] != "DenyAction" {
		t.Errorf("policies = %v", p)
	}

	audit := decideMFA(t, mfaAssignment(t, builtin.MFADeleteID, ""), policy.OperationDelete, user(false))
	events = must[[]*activitylog.Event](t)(newBuilder().Policy(r, audit))
	if len(events) != 1 {
		t.Fatalf("got %d policy events in audit mode, want 1", len(events))
	}
	checkPolicyEvent(t, events[0], "Microsoft.Authorization/policies/audit/action", "Warning", "Succeeded")
	if p := policiesOf(t, events[0]); len(p) != 1 || p[0]["policyDefinitionEffect"] != "AuditAction" {
		t.Errorf("policies = %v", p)
	}
}

// checkPolicyEvent checks what every request-time Policy event carries.
func checkPolicyEvent(t *testing.T, e *activitylog.Event, op, level, status string) {
	t.Helper()
	for _, c := range []struct{ name, got, want string }{
		{"operationName.value", e.OperationName.Value, op},
		{"operationName.localizedValue", e.OperationName.LocalizedValue, op},
		{"category", e.Category.Value, "Policy"},
		{"eventName", e.EventName.Value, "EndRequest"},
		{"level", e.Level, level},
		{"status", e.Status.Value, status},
		{"subStatus", e.SubStatus.Value, ""},
		{"channels", e.Channels, "Operation"},
		{"description", e.Description, ""},
		{"caller", e.Caller, "alice@contoso.com"},
		{"resourceId", e.ResourceID, saID},
		{"resourceType", e.ResourceType.Value, "Microsoft.Storage/storageAccounts"},
		{"isComplianceCheck", e.Properties["isComplianceCheck"], "False"},
		{"resourceLocation", e.Properties["resourceLocation"], "westeurope"},
		{"ancestors", e.Properties["ancestors"], "landing-zones," + tenantID},
		{"eventCategory", e.Properties["eventCategory"], "Policy"},
		{"entity", e.Properties["entity"], saID},
		{"message", e.Properties["message"], op},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if e.HTTPRequest != nil {
		t.Error("Policy events carry no httpRequest")
	}
}

// TestPolicyEventGrouping checks that outcomes of one kind share one event
// and that each kind gets its operation, level and status: modify and
// append after changing a request, auditIfNotExists and deployIfNotExists
// after an existence check found nothing.
func TestPolicyEventGrouping(t *testing.T) {
	def, ok := builtin.Definition(builtin.MFACreateUpdateID)
	if !ok {
		t.Fatal("MFA definition not shipped")
	}
	a := mfaAssignment(t, builtin.MFACreateUpdateID, "")
	out := func(e policy.Effect) *decide.Outcome {
		return &decide.Outcome{Assignment: a, Definition: def, Effect: e}
	}
	r := storageRequest("PUT", user(false), "")
	b := newBuilder()

	events := must[[]*activitylog.Event](t)(b.Policy(r, &decide.Decision{
		Modified: []*decide.Outcome{out(policy.EffectModify), out(policy.EffectAppend), out(policy.EffectModify)},
		Audited:  []*decide.Outcome{out(policy.EffectAudit), out(policy.EffectAuditAction)},
	}))
	events = append(events, must[[]*activitylog.Event](t)(b.Existence(r, []*decide.Outcome{
		out(policy.EffectDeployIfNotExists), out(policy.EffectAuditIfNotExists), out(policy.EffectAuditIfNotExists),
	}))...)
	type row struct {
		op, level, status string
		effects           []string
	}
	var got []row
	for _, e := range events {
		var effects []string
		for _, p := range policiesOf(t, e) {
			effects = append(effects, p["policyDefinitionEffect"].(string))
		}
		got = append(got, row{e.OperationName.Value, e.Level, e.Status.Value, effects})
	}
	want := []row{
		{"Microsoft.Authorization/policies/audit/action", "Warning", "Succeeded", []string{"Audit", "AuditAction"}},
		{"Microsoft.Authorization/policies/modify/action", "Informational", "Succeeded", []string{"Modify", "Modify"}},
		{"Microsoft.Authorization/policies/append/action", "Informational", "Succeeded", []string{"Append"}},
		{"Microsoft.Authorization/policies/auditIfNotExists/action", "Warning", "Succeeded", []string{"AuditIfNotExists", "AuditIfNotExists"}},
		{"Microsoft.Authorization/policies/deployIfNotExists/action", "Informational", "Succeeded", []string{"DeployIfNotExists"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if none := must[[]*activitylog.Event](t)(b.Policy(r, &decide.Decision{})); len(none) != 0 {
		t.Errorf("an empty decision gave %d events", len(none))
	}
	for e, op := range map[policy.Effect]string{
		policy.EffectAudit: activitylog.OperationPolicyAudit, policy.EffectAuditAction: activitylog.OperationPolicyAudit,
		policy.EffectDeny: activitylog.OperationPolicyDeny, policy.EffectDenyAction: activitylog.OperationPolicyDeny,
		policy.EffectModify: activitylog.OperationPolicyModify, policy.EffectDeployIfNotExists: activitylog.OperationPolicyDeployIfNotExists,
	} {
		if got := activitylog.PolicyOperation(e); got != op {
			t.Errorf("PolicyOperation(%s) = %s, want %s", e, got, op)
		}
	}
}
