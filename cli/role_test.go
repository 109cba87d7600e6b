package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Role assignments by role name at a resource group, listed with az's
// flattened shape and role name, deleted by assignee and role.
func TestRoleAssignments(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-rbac", "-l", "eastus", "-o", "none")

	r := mustRun(t, "role", "definition", "list", "--name", "Contributor", "--query", "[0].[roleName, roleType]", "-o", "tsv")
	if r.stdout != "Contributor\nBuiltInRole\n" {
		t.Errorf("role definition list = %q", r.stdout)
	}
	// az's table for role definition list: transform_definition_list
	r = mustRun(t, "role", "definition", "list", "--name", "Reader", "-o", "table")
	if want := "Name    Type                                     Description\n" +
		"------  ---------------------------------------  " + strings.Repeat("-", 63) + "\n" +
		"Reader  Microsoft.Authorization/roleDefinitions  View all resources, but does not allow you to make any changes.\n"; r.stdout != want {
		t.Errorf("role definition list -o table:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = mustRun(t, "identity", "user", "create", "-n", "alice", "-p", "alice-password-1", "--query", "properties.objectId", "-o", "tsv")
	alice := strings.TrimSpace(r.stdout)
	r = mustRun(t, "role", "assignment", "create", "--assignee-object-id", alice, "--assignee-principal-type", "User",
		"--role", "Reader", "-g", "rg-rbac")
	var ra map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &ra); err != nil {
		t.Fatal(err)
	}
	if ra["principalId"] != alice || ra["roleDefinitionName"] != "Reader" || !strings.HasSuffix(str(ra, "scope"), "/resourceGroups/rg-rbac") {
		t.Errorf("role assignment create = %s", r.stdout)
	}
	r = mustRun(t, "role", "assignment", "list", "-g", "rg-rbac", "--assignee", alice, "--query", "[].[principalId, roleDefinitionName]", "-o", "tsv")
	if r.stdout != alice+"\tReader\n" {
		t.Errorf("role assignment list = %q", r.stdout)
	}
	if r := pal(t, "role", "assignment", "create", "--assignee", alice, "--role", "Wizard", "-g", "rg-rbac"); r.code != 1 || !strings.Contains(r.stderr, "Role 'Wizard' doesn't exist.") {
		t.Errorf("unknown role: %+v", r)
	}
	// Reader may read, not write: the refusal as az prints it; Contributor may write.
	admin := os.Getenv("PALISADE_CONFIG_DIR")
	t.Setenv("PALISADE_CONFIG_DIR", t.TempDir())
	mustRun(t, "login", "--server", srv.URL(), "-u", "alice", "-p", "alice-password-1", "-o", "none")
	mustRun(t, "group", "show", "-n", "rg-rbac", "-o", "none")
	r = pal(t, "group", "update", "-n", "rg-rbac", "--tags", "x=y")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "ERROR: (AuthorizationFailed) ") {
		t.Errorf("write as Reader: %+v", r)
	}
	alicesDir := os.Getenv("PALISADE_CONFIG_DIR")
	t.Setenv("PALISADE_CONFIG_DIR", admin)
	mustRun(t, "role", "assignment", "create", "--assignee", alice, "--role", "Contributor", "-g", "rg-rbac", "-o", "none")
	t.Setenv("PALISADE_CONFIG_DIR", alicesDir)
	mustRun(t, "group", "update", "-n", "rg-rbac", "--tags", "x=y", "-o", "none")
	t.Setenv("PALISADE_CONFIG_DIR", admin)

	// --assignee takes a sign-in name, a UPN or a service principal's app id, as az's does
	// (https://learn.microsoft.com/cli/azure/role/assignment#az-role-assignment-create).
	r = mustRun(t, "identity", "sp", "create", "-n", "deployer", "--query", "appId", "-o", "tsv")
	appID := strings.TrimSpace(r.stdout)
	r = mustRun(t, "identity", "sp", "list", "--query", "[?properties.appId=='"+appID+"'].properties.objectId | [0]", "-o", "tsv")
	spOID := strings.TrimSpace(r.stdout)
	for _, tc := range []struct{ assignee, role, oid, typ string }{
		{"alice", "Owner", alice, "User"},
		{"Alice@palisade.local", "User Access Administrator", alice, "User"},
		{appID, "Reader", spOID, "ServicePrincipal"},
		{"deployer", "Resource Policy Contributor", spOID, "ServicePrincipal"},
	} {
		r = mustRun(t, "role", "assignment", "create", "--assignee", tc.assignee, "--role", tc.role, "-g", "rg-rbac",
			"--query", "[principalId, principalType]", "-o", "tsv")
		if r.stdout != tc.oid+"\n"+tc.typ+"\n" {
			t.Errorf("--assignee %s: %q, want %s %s", tc.assignee, r.stdout, tc.oid, tc.typ)
		}
	}
	if r := pal(t, "role", "assignment", "create", "--assignee", "nobody", "--role", "Reader", "-g", "rg-rbac"); r.code != 2 ||
		!strings.Contains(r.stderr, "no user or service principal 'nobody'") {
		t.Errorf("unknown assignee: %+v", r)
	}

	for _, role := range []string{"Owner", "User Access Administrator"} {
		mustRun(t, "role", "assignment", "delete", "--assignee", "alice", "--role", role, "-g", "rg-rbac")
	}
	mustRun(t, "role", "assignment", "delete", "--assignee", "deployer", "--role", "Resource Policy Contributor", "-g", "rg-rbac")
	mustRun(t, "role", "assignment", "delete", "--assignee", appID, "--role", "Reader", "-g", "rg-rbac")
	mustRun(t, "role", "assignment", "delete", "--assignee", alice, "--role", "Contributor", "-g", "rg-rbac")
	mustRun(t, "role", "assignment", "delete", "--assignee", alice, "--role", "Reader", "-g", "rg-rbac")
	if r := mustRun(t, "role", "assignment", "list", "-g", "rg-rbac", "--assignee", appID); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("service principal's after delete = %q", r.stdout)
	}
	if r := mustRun(t, "role", "assignment", "list", "-g", "rg-rbac", "--assignee", alice); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("after delete = %q", r.stdout)
	}
}
