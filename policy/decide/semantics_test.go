package decide

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
)

// corpusDefinitions is Azure's built-in policy library, kept beside the repository as test data.
const corpusDefinitions = "../../../shared/azure-policy/built-in-policies/policyDefinitions"

func corpusDef(t *testing.T, rel string) *policy.Definition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDefinitions, rel))
	if err != nil {
		t.Skipf("built-in policy library not available: %v", err)
	}
	d, err := policy.ParseDefinition(data, policy.Options{})
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return d
}

// TestResourceProviderModesNotEvaluated: definitions in a Resource Provider mode are evaluated by
// the resource provider (the Kubernetes add-on, Key Vault's data plane…), not on the Resource
// Manager request, so their deny never refuses an ARM write even when the rule's type condition
// names the resource being written.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-basics#order-of-evaluation
// ("With a Resource Provider mode, the Resource Provider manages the evaluation and outcome").
func TestResourceProviderModesNotEvaluated(t *testing.T) {
	k8s := corpusDef(t, "Kubernetes/BlockDefaultNamespace.json")
	if k8s.EffectiveMode() != "Microsoft.Kubernetes.Data" {
		t.Fatalf("mode %s", k8s.EffectiveMode())
	}
	// The same rule in a Resource Manager mode does refuse the write: the test can tell.
	var raw map[string]any
	data, _ := os.ReadFile(filepath.Join(corpusDefinitions, "Kubernetes/BlockDefaultNamespace.json"))
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	props := raw["properties"].(map[string]any)
	rm := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/rm", mustJSON(t, map[string]any{
		"mode":       "Indexed",
		"parameters": map[string]any{"effect": props["parameters"].(map[string]any)["effect"]},
		"policyRule": map[string]any{"if": props["policyRule"].(map[string]any)["if"], "then": map[string]any{"effect": "[parameters('effect')]"}},
	}))
	tests := []struct {
		name   string
		def    *policy.Definition
		denied int
	}{
		{"Microsoft.Kubernetes.Data", k8s, 0},
		{"same rule, Indexed", rm, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot(Objects{Definitions: []*policy.Definition{tt.def}, Assignments: []*policy.Assignment{
				assignment(t, sub, "a", `{"policyDefinitionId":"`+tt.def.ID+`","parameters":{"effect":{"value":"Deny"}}}`)}})
			if len(s.Problems) > 0 {
				t.Fatal(s.Problems)
			}
			id := armid.MustParse(rgID + "/providers/Microsoft.ContainerService/managedClusters/aks")
			res := map[string]any{"id": id.String(), "name": "aks", "type": "Microsoft.ContainerService/managedClusters",
				"location": "eastus", "tags": map[string]any{}, "properties": map[string]any{}}
			d := s.Decide(&Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userNoMFA})
			if len(d.Denied) != tt.denied {
				t.Errorf("denied %d, want %d", len(d.Denied), tt.denied)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNotScopesAnyContainer: notScopes may name any child resource container of the assignment's
// scope — a management group under a management-group assignment included — and every resource
// below an excluded container is left out.
// https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#excluded-scopes
// and https://learn.microsoft.com/azure/governance/policy/concepts/scope.
func TestNotScopesAnyContainer(t *testing.T) {
	deny := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/d", `{"mode":"All",
		"policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},"then":{"effect":"deny"}}}`)
	tests := []struct {
		name      string
		scope     string
		notScopes string
		denied    int
	}{
		{"child management group", mgRoot, `["` + mgChild + `"]`, 0},
		{"child management group, other case", mgRoot, `["/providers/microsoft.management/managementGroups/PROD"]`, 0},
		{"subscription", mgRoot, `["` + sub + `"]`, 0},
		{"resource group", mgRoot, `["` + rgID + `"]`, 0},
		{"the resource", sub, `["` + rgID + `/providers/Microsoft.Storage/storageAccounts/acct"]`, 0},
		{"another management group", mgRoot, `["/providers/Microsoft.Management/managementGroups/dev"]`, 1},
		{"a management group whose name extends the parent's", mgRoot, `["` + mgChild + `x"]`, 1},
		{"no exclusion", mgRoot, `[]`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot(Objects{Definitions: []*policy.Definition{deny},
				Assignments: []*policy.Assignment{assignment(t, tt.scope, "a", `{"policyDefinitionId":"`+deny.ID+`","notScopes":`+tt.notScopes+`}`)},
				Parents:     map[string]string{sub: mgChild, mgChild: mgRoot}, RootGroupID: mgRoot})
			if len(s.Problems) > 0 {
				t.Fatal(s.Problems)
			}
			if d := decide(t, s, policy.OperationCreate, "acct", "eastus", userNoMFA); len(d.Denied) != tt.denied {
				t.Errorf("denied %d, want %d", len(d.Denied), tt.denied)
			}
		})
	}
}

// TestAppendConflicts: append adds missing fields; when it would change a value the request
// already carries it acts as a deny, and a non-[*] array alias that is already present is a
// conflict too, while the [*] alias appends members to it.
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-append ("Append evaluation",
// examples 1 and 2) and https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#modifying-arrays.
func TestAppendConflicts(t *testing.T) {
	rule := func(field, value string) string {
		return `{"mode":"Indexed","policyRule":{"if":{"field":"type","equals":"Microsoft.Storage/storageAccounts"},
			"then":{"effect":"append","details":[{"field":"` + field + `","value":` + value + `}]}}}`
	}
	const (
		defaultAction = "Microsoft.Storage/storageAccounts/networkAcls.defaultAction"
		ipRules       = "Microsoft.Storage/storageAccounts/networkAcls.ipRules"
		rule1         = `{"value":"1.1.1.1","action":"Allow"}`
		rule2         = `{"value":"2.2.2.2","action":"Allow"}`
	)
	tests := []struct {
		name       string
		def        string
		networkAcl string // the request's properties.networkAcls
		denied     bool
		want       string // properties.networkAcls after the decision, when allowed
	}{
		{"missing value is added", rule(defaultAction, `"Deny"`), `{}`, false, `{"defaultAction":"Deny"}`},
		{"same value is kept", rule(defaultAction, `"Deny"`), `{"defaultAction":"Deny"}`, false, `{"defaultAction":"Deny"}`},
		{"different value is refused", rule(defaultAction, `"Deny"`), `{"defaultAction":"Allow"}`, true, ""},
		{"missing array is added whole", rule(ipRules, `[`+rule1+`]`), `{}`, false, `{"ipRules":[` + rule1 + `]}`},
		{"existing array under the plain alias is refused", rule(ipRules, `[`+rule1+`]`), `{"ipRules":[` + rule2 + `]}`, true, ""},
		{"[*] alias appends a member", rule(ipRules+"[*]", rule1), `{"ipRules":[` + rule2 + `]}`, false, `{"ipRules":[` + rule2 + `,` + rule1 + `]}`},
		{"[*] alias creates a missing array", rule(ipRules+"[*]", rule1), `{}`, false, `{"ipRules":[` + rule1 + `]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/app", tt.def)
			s := NewSnapshot(Objects{Definitions: []*policy.Definition{def},
				Assignments: []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+def.ID+`"}`)}})
			id, res := resource("acct", "eastus")
			var acl any
			if err := json.Unmarshal([]byte(tt.networkAcl), &acl); err != nil {
				t.Fatal(err)
			}
			res["properties"] = map[string]any{"networkAcls": acl}
			before := mustJSON(t, res)
			d := s.Decide(&Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userMFA})
			if got := len(d.Denied) > 0; got != tt.denied {
				t.Fatalf("denied = %v, want %v", got, tt.denied)
			}
			if mustJSON(t, res) != before {
				t.Error("the decision changed the caller's resource")
			}
			if tt.denied {
				return
			}
			got := d.Resource["properties"].(map[string]any)["networkAcls"]
			var want any
			_ = json.Unmarshal([]byte(tt.want), &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("networkAcls = %s, want %s", mustJSON(t, got), tt.want)
			}
		})
	}
}

// TestModifyFields: modify writes tags, identity.type on virtual machines and scale sets only,
// and modifiable aliases; anything else falls back to conflictEffect (deny by default, audit
// skips the operations). With a [*] alias inside the path, the property is set on every array
// member (add keeps existing values, addOrReplace replaces them).
// https://learn.microsoft.com/azure/governance/policy/concepts/effect-modify and
// https://learn.microsoft.com/azure/governance/policy/how-to/author-policies-for-arrays#modifying-arrays.
func TestModifyFields(t *testing.T) {
	rule := func(typ, conflict, op, field, value string) string {
		ce := ""
		if conflict != "" {
			ce = `"conflictEffect":"` + conflict + `",`
		}
		return `{"mode":"Indexed","policyRule":{"if":{"field":"type","equals":"` + typ + `"},
			"then":{"effect":"modify","details":{"roleDefinitionIds":["/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"],` + ce + `
			"operations":[{"operation":"` + op + `","field":"` + field + `","value":` + value + `}]}}}}`
	}
	const (
		storage = "Microsoft.Storage/storageAccounts"
		vm      = "Microsoft.Compute/virtualMachines"
		action  = "Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].action"
	)
	twoRules := `{"networkAcls":{"ipRules":[{"value":"1.1.1.1","action":"Allow"},{"value":"2.2.2.2"}]}}`
	tests := []struct {
		name            string
		typ, def, props string
		denied, audited bool
		wantPath        []string // where to look in the resource after the decision
		want            string   // JSON expected there ("" when the request is refused)
	}{
		{"identity.type on a virtual machine", vm, rule(vm, "", "addOrReplace", "identity.type", `"SystemAssigned"`), `{}`, false, false,
			[]string{"identity", "type"}, `"SystemAssigned"`},
		{"identity.type on a storage account is a conflict", storage, rule(storage, "", "addOrReplace", "identity.type", `"SystemAssigned"`), `{}`, true, false,
			nil, ""},
		{"identity.type conflict with conflictEffect audit", storage, rule(storage, "audit", "addOrReplace", "identity.type", `"SystemAssigned"`), `{}`, false, true,
			[]string{"identity"}, `null`},
		{"location is not modifiable", storage, rule(storage, "", "addOrReplace", "location", `"westus"`), `{}`, true, false,
			nil, ""},
		{"tags are always modifiable", storage, rule(storage, "", "addOrReplace", "tags['env']", `"prod"`), `{}`, false, false,
			[]string{"tags", "env"}, `"prod"`},
		{"[*] inside the path, addOrReplace", storage, rule(storage, "", "addOrReplace", action, `"Deny"`), twoRules, false, false,
			[]string{"properties", "networkAcls", "ipRules"}, `[{"value":"1.1.1.1","action":"Deny"},{"value":"2.2.2.2","action":"Deny"}]`},
		{"[*] inside the path, add", storage, rule(storage, "", "add", action, `"Deny"`), twoRules, false, false,
			[]string{"properties", "networkAcls", "ipRules"}, `[{"value":"1.1.1.1","action":"Allow"},{"value":"2.2.2.2","action":"Deny"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := mustDef(t, sub+"/providers/Microsoft.Authorization/policyDefinitions/mod", tt.def)
			s := NewSnapshot(Objects{Definitions: []*policy.Definition{def},
				Assignments: []*policy.Assignment{assignment(t, sub, "a", `{"policyDefinitionId":"`+def.ID+`"}`)}})
			if len(s.Problems) > 0 {
				t.Fatal(s.Problems)
			}
			id := armid.MustParse(rgID + "/providers/" + tt.typ + "/r")
			var props any
			if err := json.Unmarshal([]byte(tt.props), &props); err != nil {
				t.Fatal(err)
			}
			res := map[string]any{"id": id.String(), "name": "r", "type": tt.typ, "location": "eastus",
				"tags": map[string]any{}, "properties": props}
			before := mustJSON(t, res)
			d := s.Decide(&Request{Operation: policy.OperationCreate, ID: id, Resource: res, RequestContext: userMFA})
			if got := len(d.Denied) > 0; got != tt.denied {
				t.Fatalf("denied = %v, want %v (%+v)", got, tt.denied, d.Denied)
			}
			if got := len(d.Audited) > 0; got != tt.audited {
				t.Errorf("audited = %v, want %v", got, tt.audited)
			}
			if mustJSON(t, res) != before {
				t.Error("the decision changed the caller's resource")
			}
			if tt.wantPath == nil {
				return
			}
			var got any = d.Resource
			for _, p := range tt.wantPath {
				m, _ := got.(map[string]any)
				got = m[p]
			}
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("%v = %s, want %s", tt.wantPath, g, w)
			}
		})
	}
}
