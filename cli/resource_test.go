package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// Generic resources by parts and by --ids: create, show, list (az's table
// columns Name, ResourceGroup, Location, Type, Status), update, tag, delete.
func TestResourceLifecycle(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-res", "-l", "eastus", "-o", "none")
	r := mustRun(t, "resource", "create", "-g", "rg-res", "-n", "st1", "--namespace", "Microsoft.Storage", "--resource-type", "storageAccounts",
		"-l", "eastus", "-p", `{"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": false}`, "--tags", "env=dev")
	var res map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	id := str(res, "id")
	want := "/subscriptions/" + tSub + "/resourceGroups/rg-res/providers/Microsoft.Storage/storageAccounts/st1"
	if !strings.EqualFold(id, want) {
		t.Fatalf("id = %s, want %s", id, want)
	}
	if r := mustRun(t, "resource", "show", "--ids", id, "--query", "properties.minimumTlsVersion", "-o", "tsv"); r.stdout != "TLS1_2\n" {
		t.Errorf("show --ids = %q", r.stdout)
	}
	mustRun(t, "resource", "create", "--ids", "/subscriptions/"+tSub+"/resourceGroups/rg-res/providers/Microsoft.Web/sites/app1", "-l", "westus", "-o", "none")

	mustRun(t, "resource", "create", "-g", "rg-res", "-n", "kv1", "--resource-type", "Microsoft.KeyVault/vaults", "--is-full-object",
		"-p", `{"location": "eastus", "sku": {"name": "standard"}, "properties": {"tenantId": "`+tTenant+`"}}`, "-o", "none")
	if r := mustRun(t, "resource", "show", "-g", "rg-res", "-n", "kv1", "--resource-type", "Microsoft.KeyVault/vaults", "--query", "[location, sku.name, properties.tenantId]", "-o", "tsv"); r.stdout != "eastus\nstandard\n"+tTenant+"\n" {
		t.Errorf("full object = %q", r.stdout)
	}
	mustRun(t, "resource", "delete", "-g", "rg-res", "-n", "kv1", "--resource-type", "Microsoft.KeyVault/vaults")
	r = mustRun(t, "resource", "list", "-g", "rg-res", "-o", "table")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "Name ResourceGroup Location Type Status" {
		t.Errorf("resource list table:\n%s", r.stdout)
	}
	if r := mustRun(t, "resource", "list", "--resource-type", "Microsoft.Web/sites", "--query", "[].name", "-o", "tsv"); r.stdout != "app1\n" {
		t.Errorf("list --resource-type = %q", r.stdout)
	}
	if r := mustRun(t, "resource", "list", "--location", "eastus", "--tag", "env=dev", "--query", "[].name", "-o", "tsv"); r.stdout != "st1\n" {
		t.Errorf("list --location --tag = %q", r.stdout)
	}

	// update merges properties and keeps the rest
	mustRun(t, "resource", "update", "--ids", id, "-p", `{"minimumTlsVersion": "TLS1_3"}`, "-o", "none")
	r = mustRun(t, "resource", "show", "--ids", id, "--query", "[properties.minimumTlsVersion, properties.allowBlobPublicAccess, tags.env]", "-o", "tsv")
	if r.stdout != "TLS1_3\nfalse\ndev\n" {
		t.Errorf("after update = %q", r.stdout)
	}
	// tag replaces, -i adds
	mustRun(t, "resource", "tag", "--ids", id, "--tags", "owner=me", "-o", "none")
	mustRun(t, "resource", "tag", "--ids", id, "--tags", "cost=1", "-i", "-o", "none")
	r = mustRun(t, "resource", "show", "--ids", id, "--query", "tags", "-o", "json")
	var tags map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &tags); err != nil || len(tags) != 2 || tags["owner"] != "me" || tags["cost"] != "1" {
		t.Errorf("tags = %s", r.stdout)
	}
	// -i over several resources merges each with its own tags
	app := "/subscriptions/" + tSub + "/resourceGroups/rg-res/providers/Microsoft.Web/sites/app1"
	mustRun(t, "resource", "tag", "--ids", id, "--ids", app, "--tags", "team=web", "-i", "-o", "none")
	if r := mustRun(t, "resource", "show", "--ids", app, "--query", "tags", "-o", "json"); strings.Join(strings.Fields(r.stdout), "") != `{"team":"web"}` {
		t.Errorf("tags of the second resource = %s", r.stdout)
	}
	mustRun(t, "resource", "delete", "--ids", id)
	r = pal(t, "resource", "show", "--ids", id)
	if r.code != 1 || !strings.Contains(r.stderr, "(ResourceNotFound)") {
		t.Errorf("show deleted: %+v", r)
	}
}

// Definitions, initiatives and exemptions: create, show (falling back to
// the built-ins), list, update and delete. Argument names, short options
// (-m, -e, -d, -a, -r) and --metadata as KEY=VALUE pairs follow azure-cli's
// src/azure-cli/azure/cli/command_modules/resource/_params.py.
func TestPolicyObjects(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	rule := `{"if": {"field": "location", "notIn": "[parameters('allowed')]"}, "then": {"effect": "deny"}}`
	params := `{"allowed": {"type": "Array", "metadata": {"displayName": "Allowed locations"}}}`
	r := mustRun(t, "policy", "definition", "create", "-n", "allowed-locations", "--display-name", "Allowed locations",
		"--rules", rule, "--params", params, "-m", "Indexed", "--metadata", "category=General owner=platform")
	var def map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &def); err != nil {
		t.Fatal(err)
	}
	// az prints policy objects with their properties at the top level
	props := def
	md, _ := props["metadata"].(map[string]any)
	if _, nested := def["properties"]; nested || props["policyType"] != "Custom" || props["mode"] != "Indexed" || props["displayName"] != "Allowed locations" ||
		md["category"] != "General" || md["owner"] != "platform" {
		t.Errorf("definition = %s", r.stdout)
	}
	mustRun(t, "policy", "definition", "update", "-n", "allowed-locations", "--description", "Only some regions", "-o", "none")
	r = mustRun(t, "policy", "definition", "show", "-n", "allowed-locations", "--query", "[description, mode]", "-o", "tsv")
	if r.stdout != "Only some regions\nIndexed\n" {
		t.Errorf("after update = %q", r.stdout)
	}
	r = mustRun(t, "policy", "definition", "show", "-n", mfaDefinition, "--query", "[displayName, policyType]", "-o", "tsv")
	if r.stdout != mfaName+"\nBuiltIn\n" {
		t.Errorf("built-in show = %q", r.stdout)
	}
	if r := mustRun(t, "policy", "definition", "list", "--query", "[?policyType=='Custom'].name", "-o", "tsv"); r.stdout != "allowed-locations\n" {
		t.Errorf("custom list = %q", r.stdout)
	}

	members := `[{"policyDefinitionId": "/subscriptions/` + tSub + `/providers/Microsoft.Authorization/policyDefinitions/allowed-locations",
	  "policyDefinitionReferenceId": "locations", "parameters": {"allowed": {"value": "[parameters('regions')]"}}}]`
	mustRun(t, "policy", "set-definition", "create", "-n", "guardrails", "--definitions", members,
		"--params", `{"regions": {"type": "Array"}}`, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-x", "-l", "eastus", "-o", "none")
	r = mustRun(t, "policy", "assignment", "create", "-n", "guardrails", "--policy-set-definition", "guardrails", "-g", "rg-x",
		"--params", `{"regions": {"value": ["eastus"]}}`, "-e", "donotenforce", "--not-scopes", "/subscriptions/"+tSub+"/resourceGroups/rg-x/providers/Microsoft.Web/sites/a /subscriptions/"+tSub+"/resourceGroups/rg-x/providers/Microsoft.Web/sites/b")
	var asg map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &asg); err != nil {
		t.Fatal(err)
	}
	ap := asg
	if ap["resourceGroup"] != "rg-x" || ap["enforcementMode"] != "DoNotEnforce" || !strings.HasSuffix(str(ap, "policyDefinitionId"), "/policySetDefinitions/guardrails") {
		t.Errorf("assignment = %s", r.stdout)
	}
	if ns, _ := ap["notScopes"].([]any); len(ns) != 2 {
		t.Errorf("notScopes = %v", ap["notScopes"])
	}
	if r := mustRun(t, "policy", "assignment", "list", "-g", "rg-x", "--query", "[].name", "-o", "tsv"); r.stdout != "guardrails\n" {
		t.Errorf("assignment list = %q", r.stdout)
	}
	// non-compliance messages per member, listed and removed
	mustRun(t, "policy", "assignment", "non-compliance-message", "create", "-n", "guardrails", "-g", "rg-x", "-m", "Use eastus.", "-r", "locations", "-o", "none")
	r = mustRun(t, "policy", "assignment", "non-compliance-message", "list", "-n", "guardrails", "-g", "rg-x", "--query", "[].[message, policyDefinitionReferenceId]", "-o", "tsv")
	if r.stdout != "Use eastus.\tlocations\n" {
		t.Errorf("messages = %q", r.stdout)
	}
	if r := mustRun(t, "policy", "assignment", "non-compliance-message", "delete", "-n", "guardrails", "-g", "rg-x", "-m", "Use eastus.", "-r", "locations"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("after delete = %q", r.stdout)
	}

	assignmentID := "/subscriptions/" + tSub + "/resourceGroups/rg-x/providers/Microsoft.Authorization/policyAssignments/guardrails"
	r = mustRun(t, "policy", "exemption", "create", "-n", "waiver", "-g", "rg-x", "-a", assignmentID, "-e", "waiver",
		"--expires-on", "2099-01-01T00:00:00Z", "-r", "locations")
	var ex map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &ex); err != nil {
		t.Fatal(err)
	}
	if ep := ex; ep["exemptionCategory"] != "Waiver" || !strings.EqualFold(str(ep, "policyAssignmentId"), assignmentID) {
		t.Errorf("exemption = %s", r.stdout)
	}
	mustRun(t, "policy", "exemption", "update", "-n", "waiver", "-g", "rg-x", "-e", "Mitigated", "-o", "none")
	if r := mustRun(t, "policy", "exemption", "show", "-n", "waiver", "-g", "rg-x", "--query", "exemptionCategory", "-o", "tsv"); r.stdout != "Mitigated\n" {
		t.Errorf("after update = %q", r.stdout)
	}
	if r := mustRun(t, "policy", "exemption", "list", "-g", "rg-x", "--query", "length(@)"); strings.TrimSpace(r.stdout) != "1" {
		t.Errorf("exemption list length = %q", r.stdout)
	}
	mustRun(t, "policy", "exemption", "delete", "-n", "waiver", "-g", "rg-x")
	mustRun(t, "policy", "assignment", "delete", "-n", "guardrails", "-g", "rg-x")
	mustRun(t, "policy", "set-definition", "delete", "-n", "guardrails")
	mustRun(t, "policy", "definition", "delete", "-n", "allowed-locations")
	if r := pal(t, "policy", "definition", "show", "-n", "allowed-locations"); r.code != 1 || !strings.Contains(r.stderr, "(PolicyDefinitionNotFound)") {
		t.Errorf("show deleted definition: %+v", r)
	}
}
