package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// policy event list works as az policy event list does
// (learn.microsoft.com/cli/azure/policy/event): the audits and denials of requests at the
// subscription, a resource group or an assignment, with --filter, --select and --top.
func TestPolicyEventList(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-ev", "-l", "eastus", "-o", "none")
	mustRun(t, "policy", "definition", "create", "-n", "audit-storage", "-o", "none",
		"--rules", `{"if": {"field": "type", "equals": "Microsoft.Storage/storageAccounts"}, "then": {"effect": "audit"}}`)
	mustRun(t, "policy", "definition", "create", "-n", "deny-westus", "-o", "none",
		"--rules", `{"if": {"field": "location", "equals": "westus"}, "then": {"effect": "deny"}}`)
	mustRun(t, "policy", "assignment", "create", "-n", "audit-storage", "--policy", "audit-storage", "-o", "none")
	mustRun(t, "policy", "assignment", "create", "-n", "deny-westus", "--policy", "deny-westus", "-o", "none")
	mustRun(t, "resource", "create", "-g", "rg-ev", "-n", "st1", "--resource-type", "Microsoft.Storage/storageAccounts",
		"-l", "eastus", "--properties", "{}", "-o", "none")
	if r := pal(t, "resource", "create", "-g", "rg-ev", "-n", "st2", "--resource-type", "Microsoft.Storage/storageAccounts",
		"-l", "westus", "--properties", "{}"); r.code == 0 {
		t.Fatalf("a westus resource was not denied: %s", r.stdout)
	}

	events := func(args ...string) []map[string]any {
		t.Helper()
		r := mustRun(t, append([]string{"policy", "event", "list"}, args...)...)
		var out []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("policy event list %v: %v\n%s", args, err, r.stdout)
		}
		return out
	}
	all := events()
	actions := map[string]int{}
	for _, e := range all {
		actions[e["policyDefinitionAction"].(string)+" "+e["policyAssignmentName"].(string)]++
	}
	if actions["audit audit-storage"] < 1 || actions["deny deny-westus"] != 1 {
		t.Errorf("events by action and assignment: %v", actions)
	}
	denied := events("--filter", "policyDefinitionAction eq 'deny'", "--select", "resourceId,isCompliant")
	if len(denied) != 1 || !strings.HasSuffix(denied[0]["resourceId"].(string), "/storageAccounts/st2") || denied[0]["isCompliant"] != false {
		t.Errorf("denied events: %v", denied)
	}
	if got := events("--policy-assignment", "audit-storage", "--top", "1"); len(got) != 1 || got[0]["policyAssignmentName"] != "audit-storage" {
		t.Errorf("one event of the audit assignment: %v", got)
	}
	if got := events("-g", "rg-ev", "--filter", "policyAssignmentName eq 'audit-storage'"); len(got) < 1 || got[0]["resourceGroup"] != "rg-ev" {
		t.Errorf("the audit events in rg-ev: %v", got)
	}
	if r := pal(t, "policy", "event", "list", "--filter", "timestamp gt '2026-01-01'"); r.code == 0 || !strings.Contains(r.stderr, "gt") {
		t.Errorf("an unsupported filter: exit %d %s", r.code, r.stderr)
	}
}
