package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/server"
)

// mountRBAC serves the roleAssignments and roleDefinitions families on the
// test server, as authz's documentation shows the router mounting them.
func mountRBAC(s *server.Server) {
	rh := &authz.Handlers{Store: s.Store(), TenantID: s.TenantID(), CheckScope: api.CheckScope, WriteError: api.WriteError}
	serve := func(f func(http.ResponseWriter, authz.Call)) api.ProviderHandler {
		return api.ProviderHandlerFunc(func(w http.ResponseWriter, r *api.Request) {
			f(w, authz.Call{HTTP: r.HTTP, ID: r.ID, Collection: r.IsCollection(), Body: r.Body, Caller: authz.PrincipalOf(r.Principal)})
		})
	}
	s.API().Handle(authz.RoleAssignmentType, serve(rh.ServeRoleAssignment))
	s.API().Handle(authz.RoleDefinitionType, serve(rh.ServeRoleDefinition))
}

// Role assignments by role name at a resource group, listed with az's
// flattened shape and role name, deleted by assignee and role.
func TestRoleAssignments(t *testing.T) {
	srv := startTestServer(t, mountRBAC)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-rbac", "-l", "eastus", "-o", "none")

	r := mustRun(t, "role", "definition", "list", "--name", "Contributor", "--query", "[0].[roleName, roleType]", "-o", "tsv")
	if r.stdout != "Contributor\nBuiltInRole\n" {
		t.Errorf("role definition list = %q", r.stdout)
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
	mustRun(t, "role", "assignment", "delete", "--assignee", alice, "--role", "Reader", "-g", "rg-rbac")
	if r := mustRun(t, "role", "assignment", "list", "-g", "rg-rbac", "--assignee", alice); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("after delete = %q", r.stdout)
	}
}
