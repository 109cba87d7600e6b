package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A service principal signs in, and resource groups go through their whole
// life with the output az gives: json, table (az's group list transformer:
// Name, Location, Status) and tsv.
func TestGroupLifecycle(t *testing.T) {
	srv := startTestServer(t)
	dir := cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant)

	st, err := os.Stat(filepath.Join(dir, "palisade", "profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("profile permissions %v, want 0600", st.Mode().Perm())
	}

	r := mustRun(t, "group", "create", "-n", "rg-one", "-l", "westeurope", "--tags", "env=test owner=me")
	var g map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatalf("group create output is not JSON: %v\n%s", err, r.stdout)
	}
	if g["name"] != "rg-one" || g["location"] != "westeurope" {
		t.Errorf("group create = %v", g)
	}
	if tags, _ := g["tags"].(map[string]any); tags["owner"] != "me" {
		t.Errorf("tags = %v", g["tags"])
	}
	if r := mustRun(t, "group", "exists", "-n", "rg-one"); r.stdout != "true\n" {
		t.Errorf("exists = %q", r.stdout)
	}
	if r := mustRun(t, "group", "exists", "-n", "rg-none"); r.stdout != "false\n" {
		t.Errorf("exists (missing) = %q", r.stdout)
	}
	r = mustRun(t, "group", "list", "-o", "table")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "Name") || !strings.Contains(lines[0], "Location") || !strings.Contains(lines[0], "Status") {
		t.Errorf("group list table:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "rg-one") || !strings.Contains(r.stdout, "Succeeded") {
		t.Errorf("group list table lacks the group:\n%s", r.stdout)
	}
	r = mustRun(t, "group", "show", "-n", "rg-one", "--query", "tags.env", "-o", "tsv")
	if r.stdout != "test\n" {
		t.Errorf("show --query tags.env -o tsv = %q", r.stdout)
	}
	mustRun(t, "group", "update", "-n", "rg-one", "--tags", "env=prod")
	if r := mustRun(t, "group", "show", "-n", "rg-one", "--query", "tags.env", "-o", "tsv"); r.stdout != "prod\n" {
		t.Errorf("after update tags.env = %q", r.stdout)
	}
	// az refuses to delete without --yes when it cannot ask.
	if r := pal(t, "group", "delete", "-n", "rg-one"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("delete without --yes: %d %q", r.code, r.stderr)
	}
	// at a terminal az asks; anything but y keeps the group
	restore := withTerminal(t, "n\n")
	if r := pal(t, "group", "delete", "-n", "rg-one"); r.code != 1 || !strings.Contains(r.stderr, "Are you sure") {
		t.Errorf("delete answered n: %+v", r)
	}
	restore()
	if r := mustRun(t, "group", "exists", "-n", "rg-one"); r.stdout != "true\n" {
		t.Errorf("the group went although the answer was n")
	}
	restore = withTerminal(t, "y\n")
	mustRun(t, "group", "delete", "-n", "rg-one")
	restore()
	if r := mustRun(t, "group", "exists", "-n", "rg-one"); r.stdout != "false\n" {
		t.Errorf("exists after delete = %q", r.stdout)
	}
	r = pal(t, "group", "show", "-n", "rg-one")
	if r.code != 1 || !strings.Contains(r.stderr, "(ResourceGroupNotFound)") {
		t.Errorf("show missing group: %d %q", r.code, r.stderr)
	}
}
