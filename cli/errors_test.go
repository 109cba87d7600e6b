package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/cli/client"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// offlineProfile saves a signed-in profile for a server that is not
// running: every case below must be refused before anything is sent (a
// request would fail with "connection refused" instead).
func offlineProfile(t *testing.T) {
	t.Helper()
	cliEnv(t)
	p := &client.Profile{Server: "http://127.0.0.1:9", TenantID: tTenant, User: "admin", UserType: "user",
		Subscriptions: []client.Subscription{{ID: tSub, Name: "Palisade", State: "Enabled", TenantID: tTenant, IsDefault: true}},
		Token:         &client.Token{AccessToken: "not-a-real-token", ExpiresOn: time.Now().Add(time.Hour)}}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
}

// The CLI's own errors for bad flags and bad JSON: message and exit code
// (2 for bad usage, as az's argument parser; 1 for a failure), compared with
// testdata/errors/*.golden. Run with -update to rewrite them.
func TestUsageErrorsGolden(t *testing.T) {
	offlineProfile(t)
	dir := t.TempDir()
	badFile := filepath.Join(dir, "rule.json")
	if err := os.WriteFile(badFile, []byte("{\n  \"if\": {\"field\": \"type\"\n  \"then\": {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"unknown-flag", []string{"group", "create", "-n", "rg", "--bogus"}},
		{"flag-needs-value", []string{"group", "create", "-n"}},
		{"unknown-subcommand", []string{"group", "frob"}},
		{"unknown-policy-subcommand", []string{"policy", "assignment", "frob"}},
		{"missing-name", []string{"group", "show"}},
		{"missing-location", []string{"group", "create", "-n", "rg"}},
		{"bad-output", []string{"group", "list", "--output", "xml"}},
		{"bad-query", []string{"group", "list", "--query", "[?name=="}},
		{"bad-tags", []string{"group", "create", "-n", "rg", "-l", "eastus", "--tags", "=x"}},
		{"delete-without-yes", []string{"group", "delete", "-n", "rg"}},
		{"ids-and-name", []string{"resource", "show", "--ids", "/subscriptions/x/resourceGroups/rg/providers/A.B/c/d", "-n", "d"}},
		{"resource-missing-type", []string{"resource", "show", "-g", "rg", "-n", "d"}},
		{"bad-properties-json", []string{"resource", "create", "-g", "rg", "-n", "st", "--resource-type", "Microsoft.Storage/storageAccounts", "--properties", `{"supportsHttpsTrafficOnly": tru}`}},
		{"truncated-params-json", []string{"policy", "assignment", "create", "-n", "a", "--policy", "p", "--params", `{"effect": {"value": "Audit"}`}},
		{"selectors-not-a-list", []string{"policy", "assignment", "create", "-n", "a", "--policy", "p", "--resource-selectors", `{"name": "x"}`}},
		{"bad-enforcement-mode", []string{"policy", "assignment", "create", "-n", "a", "--policy", "p", "--enforcement-mode", "Sometimes"}},
		{"policy-and-set", []string{"policy", "assignment", "create", "-n", "a", "--policy", "p", "--policy-set-definition", "s"}},
		{"rules-file-bad-json", []string{"policy", "definition", "create", "-n", "d", "--rules", "@" + badFile}},
		{"rules-file-missing", []string{"policy", "definition", "create", "-n", "d", "--rules", "@" + filepath.Join(dir, "missing.json")}},
		{"bad-exemption-category", []string{"policy", "exemption", "create", "-n", "e", "-a", "/x", "-e", "Forever"}},
		{"bad-offset", []string{"monitor", "activity-log", "list", "--offset", "7x"}},
		{"bad-start-time", []string{"monitor", "activity-log", "list", "--start-time", "yesterday"}},
		{"assignee-object-id-not-guid", []string{"role", "assignment", "create", "--assignee-object-id", "alice", "--role", "Owner"}},
		{"identity-missing-data", []string{"identity", "user", "list", "--data", "/nonexistent/palisade-data"}},
		{"stray-argument", []string{"group", "show", "-n", "rg", "extra"}},
		{"value-after-list-ended", []string{"group", "create", "-n", "rg", "--tags", "a=b", "-l", "eastus", "c=d"}},
		{"claims-not-base64", []string{"login", "-u", "admin", "-p", "x", "--claims-challenge", "%%%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pal(t, tt.args...)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			got := fmt.Sprintf("$ palisade %s\nexit %d\n%s", strings.Join(tt.args, " "), r.code, r.stderr)
			got = strings.ReplaceAll(got, dir, "$TMP")
			golden(t, filepath.Join("testdata", "errors", tt.name+".golden"), got)
			if r.code == 0 {
				t.Errorf("exit 0 for a bad command line")
			}
		})
	}
}

// A command without a saved sign-in says how to sign in, as az does.
func TestNotLoggedIn(t *testing.T) {
	cliEnv(t)
	r := pal(t, "group", "list")
	if r.code != 1 || r.stderr != "ERROR: Please run 'palisade login' to setup account.\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// golden compares got with a golden file, or rewrites it under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
