package cli

import (
	"strings"
	"testing"
)

// Management groups are long-running operations on the server (202 and an
// operation to poll): the CLI waits for the result, quietly when stderr is
// not a terminal.
func TestManagementGroups(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	r := mustRun(t, "account", "management-group", "create", "-n", "mg-prod", "--display-name", "Production",
		"--query", "[name, properties.displayName]", "-o", "tsv")
	if r.stdout != "mg-prod\nProduction\n" {
		t.Errorf("create = %q", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("progress written to a pipe: %q", r.stderr)
	}
	mustRun(t, "account", "management-group", "create", "-n", "mg-eu", "--parent", "mg-prod", "-o", "none")
	r = mustRun(t, "account", "management-group", "show", "-n", "mg-prod", "-e", "--query", "properties.children[].name", "-o", "tsv")
	if r.stdout != "mg-eu\n" {
		t.Errorf("children = %q", r.stdout)
	}
	mustRun(t, "account", "management-group", "update", "-n", "mg-eu", "--display-name", "Europe", "-o", "none")
	r = mustRun(t, "account", "management-group", "list", "--query", "[?name=='mg-eu'].properties.displayName", "-o", "tsv")
	if r.stdout != "Europe\n" {
		t.Errorf("list after update = %q", r.stdout)
	}
	// an assignment at the management group, by --management-group
	mustRun(t, "policy", "assignment", "create", "-n", "mfa-mg", "--management-group", "mg-prod", "--policy", mfaDefinition, "-o", "none")
	if r := mustRun(t, "policy", "assignment", "list", "--management-group", "mg-prod", "--query", "[].name", "-o", "tsv"); r.stdout != "mfa-mg\n" {
		t.Errorf("assignments at the group = %q", r.stdout)
	}
	mustRun(t, "policy", "assignment", "delete", "-n", "mfa-mg", "--management-group", "mg-prod")
	mustRun(t, "account", "management-group", "delete", "-n", "mg-eu")
	r = pal(t, "account", "management-group", "show", "-n", "mg-eu")
	if r.code != 1 || !strings.Contains(r.stderr, "ERROR: (") {
		t.Errorf("show deleted group: %+v", r)
	}
}
