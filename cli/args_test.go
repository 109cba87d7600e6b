package cli

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// az's list arguments take every value up to the next flag ("--tags a=b
// c=d", "--ids A B"); the command line is rewritten so that the flag parser
// sees one flag per value, and nothing else changes.
func TestSpreadMultiValues(t *testing.T) {
	tests := []struct {
		name      string
		args, out []string
	}{
		{"tags", []string{"group", "create", "-n", "rg", "--tags", "env=dev", "team=ops", "-l", "eastus"},
			[]string{"group", "create", "-n", "rg", "--tags", "env=dev", "--tags", "team=ops", "-l", "eastus"}},
		{"one quoted value", []string{"group", "create", "-n", "rg", "--tags", "env=dev team=ops"},
			[]string{"group", "create", "-n", "rg", "--tags", "env=dev team=ops"}},
		{"inline first value", []string{"group", "update", "-n", "rg", "--tags=env=dev", "team=ops"},
			[]string{"group", "update", "-n", "rg", "--tags=env=dev", "--tags", "team=ops"}},
		{"ids", []string{"resource", "show", "--ids", "/a", "/b", "/c", "-o", "tsv"},
			[]string{"resource", "show", "--ids", "/a", "--ids", "/b", "--ids", "/c", "-o", "tsv"}},
		{"not-scopes", []string{"policy", "assignment", "create", "-n", "a", "--not-scopes", "/s1", "/s2", "--policy", "p"},
			[]string{"policy", "assignment", "create", "-n", "a", "--not-scopes", "/s1", "--not-scopes", "/s2", "--policy", "p"}},
		{"shorthand", []string{"policy", "exemption", "create", "-r", "x", "y"},
			[]string{"policy", "exemption", "create", "-r", "x", "--policy-definition-reference-ids", "y"}},
		{"metadata", []string{"policy", "definition", "update", "-n", "d", "--metadata", "a=1", "b=2"},
			[]string{"policy", "definition", "update", "-n", "d", "--metadata", "a=1", "--metadata", "b=2"}},
		{"select", []string{"monitor", "activity-log", "list", "--select", "operationName", "status"},
			[]string{"monitor", "activity-log", "list", "--select", "operationName", "--select", "status"}},
		{"role assignment ids", []string{"role", "assignment", "delete", "--ids", "/a", "/b"},
			[]string{"role", "assignment", "delete", "--ids", "/a", "--ids", "/b"}},
		// a value after another flag's value is a stray argument, as in az
		{"list ended by a flag", []string{"group", "create", "--tags", "a=b", "-l", "eastus", "c=d"},
			[]string{"group", "create", "--tags", "a=b", "-l", "eastus", "c=d"}},
		{"single-valued flag", []string{"group", "show", "-n", "rg", "extra"},
			[]string{"group", "show", "-n", "rg", "extra"}},
		{"after --", []string{"group", "create", "--tags", "a=b", "--", "c=d"},
			[]string{"group", "create", "--tags", "a=b", "--", "c=d"}},
		{"not a client list argument", []string{"serve", "--trust-issuer", "a", "b"},
			[]string{"serve", "--trust-issuer", "a", "b"}},
		{"unknown command", []string{"frob", "--tags", "a", "b"}, []string{"frob", "--tags", "a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spreadMultiValues(NewRoot(), tt.args); !reflect.DeepEqual(got, tt.out) {
				t.Errorf("spreadMultiValues(%q)\n got %q\nwant %q", tt.args, got, tt.out)
			}
		})
	}
}

// Against a server: list arguments given as several words, and az's output
// shapes (policy objects with their properties at the top level, and
// "resourceGroup" on every object whose ID lies in a resource group).
func TestAzArgumentsAndShapes(t *testing.T) {
	srv := startTestServer(t)
	cliEnv(t)
	mustRun(t, "login", "--server", srv.URL(), "--service-principal", "-u", tClientID, "-p", tSecret, "--tenant", tTenant, "-o", "none")
	mustRun(t, "group", "create", "-n", "rg-shape", "-l", "eastus", "-o", "none")
	rg := "/subscriptions/" + tSub + "/resourceGroups/rg-shape"
	for _, n := range []string{"sta", "stb"} {
		mustRun(t, "resource", "create", "-g", "rg-shape", "-n", n, "--resource-type", "Microsoft.Storage/storageAccounts",
			"-l", "eastus", "--properties", "{}", "-o", "none")
	}
	mustRun(t, "policy", "definition", "create", "-n", "custom-def", "-o", "none",
		"--rules", `{"if": {"field": "location", "equals": "westus"}, "then": {"effect": "deny"}}`)
	sta, stb := rg+"/providers/Microsoft.Storage/storageAccounts/sta", rg+"/providers/Microsoft.Storage/storageAccounts/stb"
	tests := []struct {
		name string
		args []string
		want string // JSON
	}{
		{"group create --tags as several words",
			[]string{"group", "create", "-n", "rg-tags", "-l", "eastus", "--tags", "env=dev", "team=ops", "--query", "tags"},
			`{"env": "dev", "team": "ops"}`},
		{"group update --tags as several words",
			[]string{"group", "update", "-n", "rg-tags", "--tags", "a=1", "b", "--query", "tags"},
			`{"a": "1", "b": ""}`},
		{"resource show --ids as several words",
			[]string{"resource", "show", "--ids", sta, stb, "--query", "[].name"},
			`["sta", "stb"]`},
		{"resource tag --ids as several words",
			[]string{"resource", "tag", "--ids", sta, stb, "--tags", "x=1", "y=2", "--query", "[].tags"},
			`[{"x": "1", "y": "2"}, {"x": "1", "y": "2"}]`},
		{"resource show adds resourceGroup",
			[]string{"resource", "show", "--ids", sta, "--query", "resourceGroup"},
			`"rg-shape"`},
		{"a resource group's own show has no resourceGroup",
			[]string{"group", "show", "-n", "rg-shape", "--query", "contains(keys(@), 'resourceGroup')"},
			`false`},
		{"policy assignment create: --not-scopes as several words, flattened, resourceGroup",
			[]string{"policy", "assignment", "create", "-n", "mfa", "-g", "rg-shape", "--policy", mfaDefinition,
				"--display-name", "MFA", "--not-scopes", sta, stb,
				"--query", "{displayName: displayName, notScopes: length(notScopes), rg: resourceGroup, nested: properties}"},
			`{"displayName": "MFA", "notScopes": 2, "rg": "rg-shape", "nested": null}`},
		{"policy assignment list is flattened",
			[]string{"policy", "assignment", "list", "-g", "rg-shape", "--query", "[].[name, enforcementMode, scope]"},
			`[["mfa", "Default", "` + rg + `"]]`},
		{"policy definition show is flattened",
			[]string{"policy", "definition", "show", "-n", mfaDefinition, "--query", "[policyType, mode]"},
			`["BuiltIn", "All"]`},
		{"the help example of policy definition list",
			[]string{"policy", "definition", "list", "--query", "[?policyType=='Custom'].name"},
			`["custom-def"]`},
		{"activity-log --select as several words",
			[]string{"monitor", "activity-log", "list", "--max-events", "1", "--select", "operationName", "status",
				"--query", "sort(keys([0]))"},
			`["operationName", "status"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, tt.args...)
			var got, want any
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("palisade %s\n got %s\nwant %s", strings.Join(tt.args, " "), r.stdout, tt.want)
			}
		})
	}
}

// flattenPolicy lifts properties for az's shape without letting a property
// replace a top-level key, and leaves objects without properties alone.
func TestFlattenPolicy(t *testing.T) {
	tests := []struct {
		name    string
		in, out any
	}{
		{"object", map[string]any{"id": "/x", "properties": map[string]any{"mode": "All"}},
			map[string]any{"id": "/x", "mode": "All"}},
		{"top-level key kept", map[string]any{"name": "a", "properties": map[string]any{"name": "b", "scope": "/s"}},
			map[string]any{"name": "a", "scope": "/s"}},
		{"list", []any{map[string]any{"properties": map[string]any{"a": int64(1)}}, "x"},
			[]any{map[string]any{"a": int64(1)}, "x"}},
		{"no properties", map[string]any{"message": "m"}, map[string]any{"message": "m"}},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flattenPolicy(tt.in); !reflect.DeepEqual(got, tt.out) {
				t.Errorf("flattenPolicy(%v) = %v, want %v", tt.in, got, tt.out)
			}
		})
	}
}
