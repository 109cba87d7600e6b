package aliases

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// sharedData is the reference data folder laid out as the Azure/azure-policy
// repository and the Azure/azure-policy-linter alias dumps; tests that need it
// skip when it is absent.
const sharedData = "../../shared/azure-policy"

// dumpFolder returns the alias dump folder or skips the test.
func dumpFolder(t testing.TB) string {
	dir := filepath.Join(sharedData, "aliases")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("alias dumps not present (%v); skipping", err)
	}
	return dir
}

// readDumpJSON decodes one dump file.
func readDumpJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestBuiltinMatchesAliasDumps checks that every alias of the dumps resolves,
// through the shipped catalogue or the default rule, to exactly the dump's
// defaultPath, and to each api-version-specific path for its versions.
// ARM's selection rule (path for the request's api-version, else defaultPath):
// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-alias
func TestBuiltinMatchesAliasDumps(t *testing.T) {
	dir := dumpFolder(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.aliases.json"))
	if len(files) == 0 {
		t.Skip("no *.aliases.json files")
	}
	c := Builtin()
	var checked, versioned, fromCatalog int
	for _, file := range files {
		var d struct {
			ResourceTypes []struct {
				Aliases []struct {
					Name  string `json:"name"`
					Paths []struct {
						Path        string   `json:"path"`
						APIVersions []string `json:"apiVersions"`
					} `json:"paths"`
					DefaultPath     string `json:"defaultPath"`
					DefaultMetadata *struct {
						Attributes string `json:"attributes"`
					} `json:"defaultMetadata"`
				} `json:"aliases"`
			} `json:"resourceTypes"`
		}
		readDumpJSON(t, file, &d)
		for _, rt := range d.ResourceTypes {
			for _, a := range rt.Aliases {
				checked++
				if c.FromCatalog(a.Name) {
					fromCatalog++
				}
				got, err := c.Resolve(a.Name, "")
				if err != nil {
					t.Errorf("Resolve(%q): %v", a.Name, err)
					continue
				}
				if got.String() != a.DefaultPath {
					t.Errorf("Resolve(%q) = %q, want %q", a.Name, got, a.DefaultPath)
				}
				if a.DefaultMetadata != nil && a.DefaultMetadata.Attributes == "Modifiable" {
					if e, ok := c.Lookup(a.Name); !ok || !e.Modifiable {
						t.Errorf("Lookup(%q): not marked modifiable", a.Name)
					}
				}
				for _, p := range a.Paths {
					for _, v := range p.APIVersions {
						versioned++
						got, err := c.Resolve(a.Name, v)
						if err != nil || got.String() != p.Path {
							t.Errorf("Resolve(%q, %q) = %q, %v; want %q", a.Name, v, got, err, p.Path)
						}
					}
				}
			}
		}
	}
	t.Logf("%d aliases checked (%d answered by catalogue entries, %d by the default rule), %d api-version paths",
		checked, fromCatalog, checked-fromCatalog, versioned)
}

// TestBuiltinCapabilitiesMatchDumps checks every type of the capability dumps.
func TestBuiltinCapabilitiesMatchDumps(t *testing.T) {
	dir := dumpFolder(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.types.json"))
	if len(files) == 0 {
		t.Skip("no *.types.json files")
	}
	c := Builtin()
	n := 0
	for _, file := range files {
		var d struct {
			Namespace     string `json:"namespace"`
			ResourceTypes []struct {
				ResourceType string  `json:"resourceType"`
				Capabilities *string `json:"capabilities"`
			} `json:"resourceTypes"`
		}
		readDumpJSON(t, file, &d)
		for _, rt := range d.ResourceTypes {
			n++
			full := d.Namespace + "/" + rt.ResourceType
			caps := ""
			if rt.Capabilities != nil {
				caps = *rt.Capabilities
			}
			want := Capabilities{
				Known:             true,
				SupportsTags:      strings.Contains(caps, "SupportsTags"),
				SupportsLocation:  strings.Contains(caps, "SupportsLocation"),
				SupportsExtension: strings.Contains(caps, "SupportsExtension"),
			}
			if got := c.Capabilities(full); got != want {
				t.Errorf("Capabilities(%q) = %+v, want %+v (dump says %q)", full, got, want, caps)
			}
			if got := c.Capabilities(strings.ToUpper(full)); got != want {
				t.Errorf("Capabilities(%q) is case-sensitive", strings.ToUpper(full))
			}
		}
	}
	t.Logf("%d resource types checked", n)
}

// fieldCall finds field('...') calls inside template expressions.
var fieldCall = regexp.MustCompile(`field\(\s*'([^']*)'\s*\)`)

// collectFields gathers every field / count.field value and field('...')
// argument of a policy rule.
func collectFields(v any, into map[string]int) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && strings.EqualFold(k, "field") {
				into[s]++
			}
			collectFields(x, into)
		}
	case []any:
		for _, x := range v {
			collectFields(x, into)
		}
	case string:
		for _, m := range fieldCall.FindAllStringSubmatch(v, -1) {
			into[m[1]]++
		}
	}
}

// isAliasReference tells alias names from the fields every resource has
// (name, type, tags['x'], identity.type, …) and from expressions.
func isAliasReference(field string) bool {
	if field == "" || strings.HasPrefix(field, "[") || !strings.Contains(field, "/") {
		return false
	}
	lower := strings.ToLower(field)
	return !strings.HasPrefix(lower, "tags")
}

// TestBuiltinResolvesDefinitionFields resolves every alias that Azure's
// built-in definitions refer to and reports where the answers come from.
func TestBuiltinResolvesDefinitionFields(t *testing.T) {
	root := filepath.Join(sharedData, "built-in-policies")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("built-in definitions not present (%v); skipping", err)
	}
	fields := map[string]int{}
	files := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		var def struct {
			Properties struct {
				PolicyRule any `json:"policyRule"`
			} `json:"properties"`
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &def) != nil {
			return nil // not a definition; other packages validate the corpus
		}
		files++
		collectFields(def.Properties.PolicyRule, fields)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := Builtin()
	var names []string
	for f := range fields {
		if isAliasReference(f) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	var cat, rule, catUses, ruleUses int
	for _, name := range names {
		if _, err := c.Resolve(name, ""); err != nil {
			t.Errorf("Resolve(%q) (used %d times): %v", name, fields[name], err)
			continue
		}
		if c.FromCatalog(name) {
			cat++
			catUses += fields[name]
		} else {
			rule++
			ruleUses += fields[name]
		}
	}
	if len(names) == 0 {
		t.Fatal("no alias references found in the built-in definitions")
	}
	t.Logf("%d definition files, %d distinct aliases: %d from catalogue entries (%d uses), %d by the default rule (%d uses)",
		files, len(names), cat, catUses, rule, ruleUses)
}
