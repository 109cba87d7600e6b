package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// The tag group works as az's does (learn.microsoft.com/cli/azure/tag): tags of a scope
// through --resource-id (create replaces, update merges, replaces or deletes, delete clears),
// and the subscription's tag names through --name and add-value / remove-value, with list
// summarising names, values and how often they are used.
func TestTagCommands(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant)
	mustRun(t, "group", "create", "-n", "rg-tags", "-l", "westeurope")
	rg := "/subscriptions/" + tSub + "/resourceGroups/rg-tags"

	tagsOf := func(out string) map[string]any {
		t.Helper()
		var v struct {
			Properties struct {
				Tags map[string]any `json:"tags"`
			} `json:"properties"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("not a tags resource: %v\n%s", err, out)
		}
		return v.Properties.Tags
	}
	if got := tagsOf(mustRun(t, "tag", "create", "--resource-id", rg, "--tags", "env=test", "owner=me").stdout); got["env"] != "test" || got["owner"] != "me" {
		t.Errorf("tag create: %v", got)
	}
	if got := tagsOf(mustRun(t, "tag", "update", "--resource-id", rg, "--operation", "merge", "--tags", "env=prod").stdout); got["env"] != "prod" || got["owner"] != "me" {
		t.Errorf("tag update merge: %v", got)
	}
	if got := tagsOf(mustRun(t, "tag", "update", "--resource-id", rg, "--operation", "Delete", "--tags", "owner").stdout); len(got) != 1 || got["env"] != "prod" {
		t.Errorf("tag update delete: %v", got)
	}
	if r := mustRun(t, "group", "show", "-n", "rg-tags", "--query", "tags.env", "-o", "tsv"); r.stdout != "prod\n" {
		t.Errorf("the group's tags after the Tags API: %q", r.stdout)
	}
	if got := tagsOf(mustRun(t, "tag", "list", "--resource-id", rg).stdout); got["env"] != "prod" {
		t.Errorf("tag list --resource-id: %v", got)
	}

	// Predefined names and values, and the summary of use.
	mustRun(t, "tag", "create", "--name", "costCenter")
	mustRun(t, "tag", "add-value", "--name", "costCenter", "--value", "4711")
	r := mustRun(t, "tag", "list", "--query", "[].{name: tagName, count: count.value, values: values[].tagValue}")
	var names []struct {
		Name   string   `json:"name"`
		Count  float64  `json:"count"`
		Values []string `json:"values"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &names); err != nil {
		t.Fatalf("tag list: %v\n%s", err, r.stdout)
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[strings.ToLower(n.Name)] = true
		switch strings.ToLower(n.Name) {
		case "env":
			if n.Count != 1 || strings.Join(n.Values, ",") != "prod" {
				t.Errorf("env: %+v", n)
			}
		case "costcenter":
			if n.Count != 0 || strings.Join(n.Values, ",") != "4711" {
				t.Errorf("costCenter: %+v", n)
			}
		}
	}
	if !seen["env"] || !seen["costcenter"] {
		t.Errorf("tag list: %s", r.stdout)
	}
	mustRun(t, "tag", "remove-value", "--name", "costCenter", "--value", "4711")
	mustRun(t, "tag", "delete", "--name", "costCenter", "--yes")

	// A name in use cannot be deleted; both --resource-id and --name is a usage error (exit 2).
	if r := pal(t, "tag", "delete", "--name", "env", "--yes"); r.code == 0 {
		t.Errorf("deleting a tag name in use succeeded: %s", r.stdout)
	}
	if r := pal(t, "tag", "delete", "--name", "env", "--resource-id", rg, "--yes"); r.code != 2 || !strings.Contains(r.stderr, "either --resource-id or --name") {
		t.Errorf("both arguments: exit %d %s", r.code, r.stderr)
	}
	if r := pal(t, "tag", "update", "--resource-id", rg, "--operation", "append", "--tags", "a=b"); r.code != 2 || !strings.Contains(r.stderr, "invalid choice") {
		t.Errorf("bad operation: exit %d %s", r.code, r.stderr)
	}
	mustRun(t, "tag", "delete", "--resource-id", rg, "--yes")
	if r := mustRun(t, "group", "show", "-n", "rg-tags", "--query", "tags", "-o", "json"); strings.Contains(r.stdout, "env") {
		t.Errorf("tags after tag delete: %s", r.stdout)
	}
}
