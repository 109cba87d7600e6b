package decide

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
)

const (
	sub     = "/subscriptions/00000000-0000-0000-0000-000000000001"
	rgID    = sub + "/resourceGroups/rg1"
	mgRoot  = "/providers/Microsoft.Management/managementGroups/root"
	mgChild = "/providers/Microsoft.Management/managementGroups/prod"
	amr     = "http://schemas.microsoft.com/claims/authnmethodsreferences"
)

var (
	userNoMFA = map[string]any{"apiVersion": "2025-04-01", "identity": map[string]any{"idtyp": "user", amr: "pwd"}}
	userMFA   = map[string]any{"apiVersion": "2025-04-01", "identity": map[string]any{"idtyp": "user", amr: "pwd,mfa"}}
	app       = map[string]any{"apiVersion": "2025-04-01", "identity": map[string]any{"idtyp": "app", "appid": "a"}}
)

func mustDef(t testing.TB, id, src string) *policy.Definition {
	t.Helper()
	d, err := policy.ParseDefinition([]byte(src), policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.ID, d.Name = id, id[strings.LastIndex(id, "/")+1:]
	return d
}

// assignment builds an assignment at scope from a JSON properties object.
func assignment(t testing.TB, scope, name, props string) *policy.Assignment {
	t.Helper()
	a, err := policy.ParseAssignment([]byte(`{"properties":` + props + `}`))
	if err != nil {
		t.Fatalf("assignment %s: %v", name, err)
	}
	if scope == "/" {
		scope = ""
	}
	a.ID = scope + "/providers/Microsoft.Authorization/policyAssignments/" + name
	a.Name = name
	return a
}

func mfaObjects(t testing.TB, assignments ...*policy.Assignment) Objects {
	defs, err := builtin.Definitions()
	if err != nil {
		t.Fatal(err)
	}
	return Objects{
		Definitions: defs, Assignments: assignments,
		Parents:     map[string]string{sub: mgChild, mgChild: mgRoot},
		RootGroupID: mgRoot,
	}
}

func resource(name, location string) (armid.ID, map[string]any) {
	id := armid.MustParse(rgID + "/providers/Microsoft.Storage/storageAccounts/" + name)
	return id, map[string]any{"id": id.String(), "name": name, "type": "Microsoft.Storage/storageAccounts", "location": location,
		"tags": map[string]any{}, "properties": map[string]any{}}
}

func decide(t testing.TB, s *Snapshot, op policy.Operation, name, location string, ctx map[string]any) *Decision {
	id, res := resource(name, location)
	return s.Decide(&Request{Operation: op, ID: id, Resource: res, RequestContext: ctx,
		ResourceGroup: map[string]any{"name": "rg1", "location": "eastus", "tags": map[string]any{}, "managedBy": nil}})
}

const mfaCreate = `"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"`
const mfaDelete = `"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/db4a9d17-db75-4f46-9fcb-9f9526604417"`

// TestTutorialSteps walks the MFA tutorial's rollout
// (https://learn.microsoft.com/azure/governance/policy/tutorials/mfa-enforcement): audit with a
// resourceLocation selector, widened, then a Deny override for some regions.
func TestTutorialSteps(t *testing.T) {
	msg := `"nonComplianceMessages":[{"message":"Set up MFA at aka.ms/setupMFA."}]`
	step1 := assignment(t, sub, "mfa", `{`+mfaCreate+`,`+msg+`,"resourceSelectors":[{"name":"r","selectors":[{"kind":"resourceLocation","in":["eastus"]}]}]}`)
	s := NewSnapshot(mfaObjects(t, step1))
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	d := decide(t, s, policy.OperationCreate, "a1", "eastus", userNoMFA)
	if len(d.Denied) != 0 || len(d.Audited) != 1 || d.Audited[0].Effect != policy.EffectAudit {
		t.Fatalf("selected region: denied %d audited %d", len(d.Denied), len(d.Audited))
	}
	if d := decide(t, s, policy.OperationCreate, "a2", "westus", userNoMFA); len(d.Audited)+len(d.Denied) != 0 {
		t.Fatalf("region outside the selector was touched: %+v", d)
	}
	step3 := assignment(t, sub, "mfa", `{`+mfaCreate+`,`+msg+`,
		"resourceSelectors":[{"name":"r","selectors":[{"kind":"resourceLocation","in":["eastus","westus","West Europe"]}]}],
		"overrides":[{"kind":"policyEffect","value":"Deny","selectors":[{"kind":"resourceLocation","in":["westeurope"]}]}]}`)
	s = NewSnapshot(mfaObjects(t, step3))
	d = decide(t, s, policy.OperationCreate, "a3", "westeurope", userNoMFA)
	if len(d.Denied) != 1 || !d.RequiresMFA() {
		t.Fatalf("override region: denied %d, MFA %v", len(d.Denied), d.RequiresMFA())
	}
	status, body := Refusal(d, "a3", policy.OperationCreate)
	if status != 401 || body.Error.Code != "RequestDisallowedByPolicy" ||
		body.Error.Message != "Resource 'a3' was disallowed by policy. Reasons: 'Set up MFA at aka.ms/setupMFA.'. See error details for policy resource IDs." {
		t.Errorf("refusal = %d %+v", status, body.Error)
	}
	info := body.Error.AdditionalInfo[0]
	if info.Type != "PolicyViolation" || info.Info["policyDefinitionEffect"] != "Deny" || info.Info["policyAssignmentName"] != "mfa" ||
		info.Info["policyDefinitionDisplayName"] != "Users must authenticate with multi-factor authentication to create or update resources" {
		t.Errorf("PolicyViolation = %+v", info)
	}
	if d := decide(t, s, policy.OperationCreate, "a4", "westus", userNoMFA); len(d.Denied) != 0 || len(d.Audited) != 1 {
		t.Errorf("widened region without override: denied %d audited %d", len(d.Denied), len(d.Audited))
	}
	for name, ctx := range map[string]map[string]any{"mfa": userMFA, "app": app} {
		if d := decide(t, s, policy.OperationCreate, "a5", "westeurope", ctx); len(d.Denied)+len(d.Audited) != 0 {
			t.Errorf("%s caller was refused or audited", name)
		}
	}
}

// TestDecisionTable covers selectors, overrides, notScopes, exemptions, initiatives, modes and
// enforcement mode. Refusals are listed nearest scope first.
func TestDecisionTable(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	denyAll := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/denystorage", `{"mode":"Indexed",
		"parameters":{"effect":{"type":"String","allowedValues":["Audit","Deny","Disabled"],"defaultValue":"Deny"}},
		"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"[parameters('effect')]"}}}`)
	rgOnly := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/rgonly", `{"mode":"All",
		"policyRule":{"if":{"field":"type","equals":"Microsoft.Resources/subscriptions/resourceGroups"},"then":{"effect":"deny"}}}`)
	indexedAny := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/indexedany", `{"mode":"Indexed",
		"policyRule":{"if":{"field":"name","like":"*"},"then":{"effect":"audit"}}}`)
	set, err := policy.ParseSetDefinition([]byte(`{"properties":{"displayName":"Guardrails","parameters":{"e":{"type":"String","defaultValue":"Audit"}},
		"policyDefinitions":[
		 {"policyDefinitionId":"` + denyAll.ID + `","policyDefinitionReferenceId":"storage","parameters":{"effect":{"value":"[parameters('e')]"}}},
		 {"policyDefinitionId":"` + indexedAny.ID + `","policyDefinitionReferenceId":"names"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	set.ID, set.Name = sub+"/providers/Microsoft.Authorization/policySetDefinitions/guardrails", "guardrails"

	type want struct{ denied, audited int }
	tests := []struct {
		name       string
		assign     []*policy.Assignment
		exemptions []string // exemption JSON properties; scope = the resource group
		location   string
		want       want
	}{
		{"plain deny", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)}, nil, "eastus", want{1, 0}},
		{"parameter to audit", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","parameters":{"effect":{"value":"Audit"}}}`)}, nil, "eastus", want{0, 1}},
		{"disabled", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","parameters":{"effect":{"value":"Disabled"}}}`)}, nil, "eastus", want{0, 0}},
		{"DoNotEnforce", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","enforcementMode":"DoNotEnforce"}`)}, nil, "eastus", want{0, 0}},
		{"notScopes", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","notScopes":["`+rgID+`"]}`)}, nil, "eastus", want{0, 0}},
		{"notScopes other group", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","notScopes":["`+rgID+`x"]}`)}, nil, "eastus", want{1, 0}},
		{"assigned at management group", []*policy.Assignment{assignment(t, mgRoot, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)}, nil, "eastus", want{1, 0}},
		{"assigned at tenant root", []*policy.Assignment{assignment(t, "/", "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)}, nil, "eastus", want{1, 0}},
		{"assigned at another group", []*policy.Assignment{assignment(t, sub+"/resourceGroups/other", "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)}, nil, "eastus", want{0, 0}},
		{"selector notIn", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceLocation","notIn":["eastus"]}]}]}`)}, nil, "eastus", want{0, 0}},
		{"selector resourceType", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceType","in":["Microsoft.Storage/storageAccounts"]}]}]}`)}, nil, "eastus", want{1, 0}},
		{"selector without location", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceWithoutLocation","in":["subscriptionLevelResources"]}]}]}`)}, nil, "eastus", want{0, 0}},
		{"two selectors OR", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","resourceSelectors":[
			{"name":"s1","selectors":[{"kind":"resourceLocation","in":["westus"]}]},{"name":"s2","selectors":[{"kind":"resourceLocation","in":["eastus"]}]}]}`)}, nil, "eastus", want{1, 0}},
		{"override without selectors", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","overrides":[{"kind":"policyEffect","value":"Audit"}]}`)}, nil, "eastus", want{0, 1}},
		{"override first match wins", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","overrides":[
			{"kind":"policyEffect","value":"Disabled","selectors":[{"kind":"resourceLocation","in":["eastus"]}]},{"kind":"policyEffect","value":"Audit"}]}`)}, nil, "eastus", want{0, 0}},
		{"exemption", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)},
			[]string{`{"policyAssignmentId":"` + sub + `/providers/Microsoft.Authorization/policyAssignments/a","exemptionCategory":"Waiver"}`}, "eastus", want{0, 0}},
		{"expired exemption", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)},
			[]string{`{"policyAssignmentId":"` + sub + `/providers/Microsoft.Authorization/policyAssignments/a","exemptionCategory":"Mitigated","expiresOn":"2026-01-01T00:00:00Z"}`}, "eastus", want{1, 0}},
		{"exemption for another assignment", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)},
			[]string{`{"policyAssignmentId":"` + sub + `/providers/Microsoft.Authorization/policyAssignments/b","exemptionCategory":"Waiver"}`}, "eastus", want{1, 0}},
		{"exemption with selector elsewhere", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`"}`)},
			[]string{`{"policyAssignmentId":"` + sub + `/providers/Microsoft.Authorization/policyAssignments/a","exemptionCategory":"Waiver","resourceSelectors":[{"name":"s","selectors":[{"kind":"resourceLocation","in":["westus"]}]}]}`}, "eastus", want{1, 0}},
		{"initiative", []*policy.Assignment{assignment(t, sub, "i", `{"policyDefinitionId":"`+set.ID+`","parameters":{"e":{"value":"Deny"}}}`)}, nil, "eastus", want{1, 1}},
		{"initiative default parameters", []*policy.Assignment{assignment(t, sub, "i", `{"policyDefinitionId":"`+set.ID+`"}`)}, nil, "eastus", want{0, 2}},
		{"initiative override by reference id", []*policy.Assignment{assignment(t, sub, "i", `{"policyDefinitionId":"`+set.ID+`","overrides":[
			{"kind":"policyEffect","value":"Deny","selectors":[{"kind":"policyDefinitionReferenceId","in":["storage"]}]}]}`)}, nil, "eastus", want{1, 1}},
		{"initiative exemption for one member", []*policy.Assignment{assignment(t, sub, "i", `{"policyDefinitionId":"`+set.ID+`","parameters":{"e":{"value":"Deny"}}}`)},
			[]string{`{"policyAssignmentId":"` + sub + `/providers/Microsoft.Authorization/policyAssignments/i","exemptionCategory":"Waiver","policyDefinitionReferenceIds":["storage"]}`}, "eastus", want{0, 1}},
		{"All-mode rule for groups skips resources", []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+rgOnly.ID+`"}`)}, nil, "eastus", want{0, 0}},
		{"several refusing assignments", []*policy.Assignment{
			assignment(t, sub, "a", `{"policyDefinitionId":"`+denyAll.ID+`","nonComplianceMessages":[{"message":"one"}]}`),
			assignment(t, rgID, "b", `{"policyDefinitionId":"`+denyAll.ID+`","nonComplianceMessages":[{"message":"two"}]}`)}, nil, "eastus", want{2, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var exs []*policy.Exemption
			for i, src := range tt.exemptions {
				e, err := policy.ParseExemption([]byte(`{"properties":` + src + `}`))
				if err != nil {
					t.Fatal(err)
				}
				e.ID = rgID + "/providers/Microsoft.Authorization/policyExemptions/e" + string(rune('0'+i))
				exs = append(exs, e)
			}
			s := NewSnapshot(Objects{
				Definitions: []*policy.Definition{denyAll, rgOnly, indexedAny}, SetDefinitions: []*policy.SetDefinition{set},
				Assignments: tt.assign, Exemptions: exs,
				Parents: map[string]string{sub: mgChild, mgChild: mgRoot}, RootGroupID: mgRoot,
			})
			if len(s.Problems) > 0 {
				t.Fatal(s.Problems)
			}
			id, res := resource("acct", tt.location)
			d := s.Decide(&Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userNoMFA, Now: now})
			if len(d.Denied) != tt.want.denied || len(d.Audited) != tt.want.audited {
				t.Errorf("denied %d, audited %d; want %+v", len(d.Denied), len(d.Audited), tt.want)
			}
			if tt.name == "several refusing assignments" {
				_, body := Refusal(d, "acct", policy.OperationCreate)
				if !strings.Contains(body.Error.Message, "Reasons: 'two', 'one'.") || len(body.Error.AdditionalInfo) != 2 {
					t.Errorf("refusal %+v", body.Error)
				}
			}
		})
	}
}

// TestDeleteActions covers denyAction/auditAction: the MFA delete definition on a direct delete,
// on a delete cascaded from a resource group (All-mode definitions do not cascade), and for the
// types denyAction never blocks (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action).
func TestDeleteActions(t *testing.T) {
	a := assignment(t, sub, "del", `{`+mfaDelete+`,"parameters":{"effect":{"value":"DenyAction"}}}`)
	s := NewSnapshot(mfaObjects(t, a))
	d := decide(t, s, policy.OperationDelete, "x", "eastus", userNoMFA)
	if len(d.Denied) != 1 || d.Denied[0].Effect != policy.EffectDenyAction || !d.RequiresMFA() {
		t.Fatalf("direct delete: %+v", d.Denied)
	}
	if d := decide(t, s, policy.OperationCreate, "x", "eastus", userNoMFA); len(d.Denied)+len(d.Audited) != 0 {
		t.Error("denyAction acted on a create")
	}
	id, res := resource("x", "eastus")
	if d := s.Decide(&Request{Operation: policy.OperationDelete, ID: id, Resource: res, RequestContext: userNoMFA, Cascade: true}); len(d.Denied) != 0 {
		t.Error("an All-mode denyAction blocked a cascaded delete")
	}
	lock := armid.MustParse(rgID + "/providers/Microsoft.Authorization/locks/l")
	if d := s.Decide(&Request{Operation: policy.OperationDelete, ID: lock, Resource: map[string]any{"id": lock.String(), "type": "Microsoft.Authorization/locks", "name": "l"}, RequestContext: userNoMFA}); len(d.Denied) != 0 {
		t.Error("denyAction blocked deleting a lock")
	}
	audit := assignment(t, sub, "del", `{`+mfaDelete+`}`)
	s = NewSnapshot(mfaObjects(t, audit))
	if d := decide(t, s, policy.OperationDelete, "x", "eastus", userNoMFA); len(d.Audited) != 1 || d.Audited[0].Effect != policy.EffectAuditAction {
		t.Errorf("auditAction: %+v", d)
	}
	_, body := Refusal(&Decision{Denied: []*Outcome{{Assignment: a, Definition: d0(t), Effect: policy.EffectDenyAction}}}, "x", policy.OperationDelete)
	if !strings.HasPrefix(body.Error.Message, "The action 'delete' on resource 'x' was disallowed by policy.") {
		t.Errorf("delete refusal message %q", body.Error.Message)
	}
}

func d0(t *testing.T) *policy.Definition {
	d, _ := builtin.Definition(builtin.MFADeleteID)
	return d
}

// TestFailedEvaluationDenies: a template error is an implicit deny, and the refusal says so.
func TestFailedEvaluationDenies(t *testing.T) {
	bad := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/bad", `{"mode":"All",
		"policyRule":{"if":{"value":"[substring(field('name'), 0, 50)]","equals":"x"},"then":{"effect":"audit"}}}`)
	s := NewSnapshot(Objects{Definitions: []*policy.Definition{bad}, Assignments: []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+bad.ID+`"}`)}})
	d := decide(t, s, policy.OperationCreate, "short", "eastus", userNoMFA)
	if len(d.Denied) != 1 || d.Denied[0].Err == nil || d.RequiresMFA() {
		t.Fatalf("decision %+v", d)
	}
	status, body := Refusal(d, "short", policy.OperationCreate)
	if status != 403 || !strings.Contains(body.Error.Message, "implicit deny") {
		t.Errorf("refusal %d %s", status, body.Error.Message)
	}
}

// TestModifyThenDeny: modify adds a tag before deny is evaluated, so a deny on the missing tag
// does not fire (order of evaluation, effect-basics).
func TestModifyThenDeny(t *testing.T) {
	inherit, _ := builtin.Definition("ea3f2387-9b95-492a-a190-fcdc54f7b070")
	require, _ := builtin.Definition("871b6d14-10aa-478d-b590-94f262ecfa99")
	s := NewSnapshot(Objects{Definitions: []*policy.Definition{inherit, require}, Assignments: []*policy.Assignment{
		assignment(t, sub, "inherit", `{"policyDefinitionId":"`+inherit.ID+`","parameters":{"tagName":{"value":"cost"}}}`),
		assignment(t, sub, "require", `{"policyDefinitionId":"`+require.ID+`","parameters":{"tagName":{"value":"cost"}}}`),
	}})
	id, res := resource("x", "eastus")
	req := &Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userMFA,
		ResourceGroup: map[string]any{"name": "rg1", "tags": map[string]any{"cost": "42"}}}
	d := s.Decide(req)
	if len(d.Denied) != 0 || len(d.Modified) != 1 {
		t.Fatalf("denied %d modified %d", len(d.Denied), len(d.Modified))
	}
	got, _ := json.Marshal(d.Resource["tags"])
	if string(got) != `{"cost":"42"}` {
		t.Errorf("tags after modify = %s", got)
	}
	if len(res["tags"].(map[string]any)) != 0 {
		t.Error("modify changed the caller's map")
	}
	req.ResourceGroup = map[string]any{"name": "rg1", "tags": map[string]any{}}
	if d := s.Decide(req); len(d.Denied) != 1 || len(d.Modified) != 0 {
		t.Errorf("group without the tag: denied %d modified %d", len(d.Denied), len(d.Modified))
	}
}

func TestChain(t *testing.T) {
	s := NewSnapshot(Objects{Parents: map[string]string{sub: mgChild, mgChild: mgRoot}, RootGroupID: mgRoot})
	id := armid.MustParse(rgID + "/providers/Microsoft.Sql/servers/srv/databases/db/providers/Microsoft.Insights/diagnosticSettings/d")
	got := strings.Join(s.chain(id), "\n")
	want := strings.ToLower(strings.Join([]string{id.String(),
		rgID + "/providers/Microsoft.Sql/servers/srv/databases/db", rgID + "/providers/Microsoft.Sql/servers/srv",
		rgID, sub, mgChild, mgRoot, "/"}, "\n"))
	if got != want {
		t.Errorf("chain:\n%s\nwant:\n%s", got, want)
	}
	lone := NewSnapshot(Objects{RootGroupID: mgRoot})
	if got := strings.Join(lone.chain(armid.MustParse(rgID)), " "); got != strings.ToLower(rgID+" "+sub+" "+mgRoot+" /") {
		t.Errorf("subscription without a group: %s", got)
	}
}

// TestModes: Indexed definitions skip resource groups and types without tags and location; All
// definitions evaluate them (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics#mode).
func TestModes(t *testing.T) {
	indexed := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/idx", `{"mode":"Indexed",
		"policyRule":{"if":{"field":"name","like":"*"},"then":{"effect":"deny"}}}`)
	all := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/all", `{"mode":"All",
		"policyRule":{"if":{"field":"name","like":"*"},"then":{"effect":"deny"}}}`)
	tests := []struct {
		name, id, typ, location string
		def                     *policy.Definition
		denied                  bool
	}{
		{"Indexed on a tracked resource", rgID + "/providers/Microsoft.Storage/storageAccounts/a", "Microsoft.Storage/storageAccounts", "eastus", indexed, true},
		{"Indexed on a resource group", rgID, "Microsoft.Resources/subscriptions/resourceGroups", "eastus", indexed, false},
		{"Indexed on a type without tags and location", rgID + "/providers/Microsoft.Network/routeTables/r/routes/x", "Microsoft.Network/routeTables/routes", "", indexed, false},
		{"All on a resource group", rgID, "Microsoft.Resources/subscriptions/resourceGroups", "eastus", all, true},
		{"All on a type without location", rgID + "/providers/Microsoft.Network/routeTables/r/routes/x", "Microsoft.Network/routeTables/routes", "", all, true},
		{"no mode evaluates deployments", rgID + "/providers/Microsoft.Resources/deployments/d", "Microsoft.Resources/deployments", "", all, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot(Objects{Definitions: []*policy.Definition{tt.def},
				Assignments: []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+tt.def.ID+`"}`)}})
			id := armid.MustParse(tt.id)
			res := map[string]any{"id": tt.id, "name": id.Name(), "type": tt.typ}
			if tt.location != "" {
				res["location"] = tt.location
			}
			d := s.Decide(&Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userNoMFA})
			if got := len(d.Denied) == 1; got != tt.denied {
				t.Errorf("denied = %v, want %v", got, tt.denied)
			}
		})
	}
}
