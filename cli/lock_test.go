package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// The lock group works as az's does (learn.microsoft.com/cli/azure/lock): a CanNotDelete lock on a
// resource group keeps the group from being deleted until the lock is removed, with ARM's
// ScopeLocked error on the way; locks list per subscription and per group.
func TestLockCommands(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant)
	mustRun(t, "group", "create", "-n", "rg-keep", "-l", "westeurope")

	r := mustRun(t, "lock", "create", "-n", "keep", "-g", "rg-keep", "--lock-type", "cannotdelete", "--notes", "production data")
	var lock struct {
		ID         string `json:"id"`
		Properties struct {
			Level, Notes string
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &lock); err != nil || lock.Properties.Level != "CanNotDelete" || lock.Properties.Notes != "production data" ||
		!strings.HasSuffix(lock.ID, "/resourceGroups/rg-keep/providers/Microsoft.Authorization/locks/keep") {
		t.Fatalf("lock create: %v %s", err, r.stdout)
	}
	if r := mustRun(t, "lock", "show", "-n", "keep", "-g", "rg-keep", "--query", "properties.level", "-o", "tsv"); r.stdout != "CanNotDelete\n" {
		t.Errorf("lock show: %q", r.stdout)
	}
	for _, args := range [][]string{{"lock", "list"}, {"lock", "list", "-g", "rg-keep"}} {
		if r := mustRun(t, append(args, "--query", "[].name", "-o", "tsv")...); !strings.Contains(r.stdout, "keep") {
			t.Errorf("%v: %q", args, r.stdout)
		}
	}
	r = pal(t, "group", "delete", "-n", "rg-keep", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "ScopeLocked") {
		t.Fatalf("deleting a locked group: exit %d\n%s", r.code, r.stderr)
	}
	if r := pal(t, "lock", "create", "-n", "x", "-g", "rg-keep", "--lock-type", "Frozen"); r.code != 2 || !strings.Contains(r.stderr, "invalid choice") {
		t.Errorf("bad lock type: exit %d %s", r.code, r.stderr)
	}
	mustRun(t, "lock", "delete", "-n", "keep", "-g", "rg-keep")
	mustRun(t, "group", "delete", "-n", "rg-keep", "--yes")
}
