package aliases

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// userCatalog is the built-in catalogue plus testdata/user.json.
func userCatalog(t testing.TB) *Catalog {
	t.Helper()
	c := Builtin().Clone()
	if err := c.LoadFile(filepath.Join("testdata", "user.json")); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResolve(t *testing.T) {
	c := userCatalog(t)
	tests := []struct {
		alias, typ, apiVersion string
		want                   string
		fromCatalog            bool
	}{
		// Entries of testdata/user.json.
		{"Contoso.Widgets/widgets/color", "", "", "properties.appearance.colour", true},
		{"contoso.widgets/WIDGETS/COLOR", "", "", "properties.appearance.colour", true},
		{"Contoso.Widgets/widgets/legacySize", "", "", "properties.size", true},
		{"Contoso.Widgets/widgets/legacySize", "", "2019-01-01", "properties.dimensions.size", true},
		{"Contoso.Widgets/widgets/legacySize", "", "2019-06-01-preview", "properties.dimensions.size", true},
		{"Contoso.Widgets/widgets/legacySize", "", "2020-01-01", "properties.size", true},
		{"Contoso.Widgets/widgets/owner", "", "", "properties.owner", true},
		{"Contoso.Widgets/imageName", "", "", "properties.image.name", true},
		{"Contoso.Widgets/imageName", "Contoso.Widgets/widgets", "", "properties.image.name", true},
		{"Contoso.Widgets/imageName", "contoso.widgets/GADGETS", "", "properties.profile.image.name", true},
		// A user entry overrides a built-in one.
		{"Microsoft.Storage/storageAccounts/sku.name", "", "", "properties.overridden.sku", true},
		// Built-in entries derived from the dumps.
		{"Microsoft.Storage/storageAccounts/enableBlobEncryption", "", "", "properties.encryption.services.blob.enabled", true},
		{"Microsoft.KeyVault/vaults/sku.name", "", "", "properties.sku.name", true},
		// Built-in hand-written entries (aliases/data/extra.json).
		{"Microsoft.Compute/imagePublisher", "Microsoft.Compute/virtualMachines", "", "properties.storageProfile.imageReference.publisher", true},
		{"Microsoft.Compute/imagePublisher", "Microsoft.Compute/virtualMachineScaleSets", "", "properties.virtualMachineProfile.storageProfile.imageReference.publisher", true},
		{"Microsoft.Compute/imageSKU", "", "", "properties.storageProfile.imageReference.sku", true},
		{"Microsoft.Compute/virtualMachines/sku.name", "", "", "properties.hardwareProfile.vmSize", true},
		{"Microsoft.Insights/diagnosticSettings/logs.enabled", "", "", "properties.logs[*].enabled", true},
		{"Microsoft.Network/azureFirewalls/sku.tier", "", "", "properties.sku.tier", true},
		// The default rule.
		{"Contoso.Widgets/widgets/size", "", "", "properties.size", false},
		{"Contoso.Widgets/widgets/sku.tier", "", "", "sku.tier", false},
		{"Microsoft.ContainerService/managedClusters/apiServerAccessProfile.authorizedIPRanges[*]", "", "2023-01-01", "properties.apiServerAccessProfile.authorizedIPRanges[*]", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s@%s/%s", tt.alias, tt.typ, tt.apiVersion), func(t *testing.T) {
			got, err := c.ResolveForType(tt.alias, tt.typ, tt.apiVersion)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if c.FromCatalog(tt.alias) != tt.fromCatalog {
				t.Errorf("FromCatalog = %v, want %v", !tt.fromCatalog, tt.fromCatalog)
			}
			if tt.typ == "" {
				r, err := c.Resolve(tt.alias, tt.apiVersion)
				if err != nil || !r.Equal(got) {
					t.Errorf("Resolve = %q, %v; want %q", r, err, got)
				}
			}
		})
	}
	// The shared catalogue is untouched by the user's file.
	if p, _ := Builtin().Resolve("Microsoft.Storage/storageAccounts/sku.name", ""); p.String() != "sku.name" {
		t.Errorf("Builtin changed by a clone: %q", p)
	}
}

func TestResolveErrors(t *testing.T) {
	c := Builtin()
	for _, name := range []string{"", "name", "tags['env']", "identity.type", "Microsoft.X/y/a..b", "[field('x')]"} {
		if _, err := c.Resolve(name, ""); err == nil {
			t.Errorf("Resolve(%q) succeeded, want an error", name)
		}
		// The cached answer is the same error.
		if _, err := c.Resolve(name, ""); err == nil {
			t.Errorf("second Resolve(%q) succeeded, want an error", name)
		}
	}
}

func TestLookupAndModifiable(t *testing.T) {
	c := userCatalog(t)
	a, ok := c.Lookup("CONTOSO.WIDGETS/WIDGETS/OWNER")
	if !ok || !a.Modifiable || a.Name != "Contoso.Widgets/widgets/owner" || a.DefaultPath.String() != "properties.owner" {
		t.Errorf("Lookup(owner) = %+v, %v", a, ok)
	}
	if _, ok := c.Lookup("Contoso.Widgets/widgets/size"); ok {
		t.Error("Lookup found an alias that only the default rule answers")
	}
	// A modifiable alias of the dumps that follows the default rule is still listed.
	b, ok := Builtin().Lookup("Microsoft.Storage/storageAccounts/networkAcls.defaultAction")
	if !ok || !b.Modifiable || b.DefaultPath.String() != "properties.networkAcls.defaultAction" {
		t.Errorf("Lookup(networkAcls.defaultAction) = %+v, %v", b, ok)
	}
}

func TestCapabilities(t *testing.T) {
	c := userCatalog(t)
	tests := []struct {
		typ  string
		want Capabilities
	}{
		{"Contoso.Widgets/widgets", Capabilities{Known: true, SupportsTags: true, SupportsLocation: true}},
		{"contoso.widgets/WIDGETS/parts", Capabilities{Known: true}},
		{"Contoso.Widgets/gadgets", Capabilities{Known: true, SupportsTags: true, SupportsLocation: true, SupportsExtension: true}},
		{"Contoso.Widgets/unknown", Capabilities{}},
		// From the shipped catalogue: Indexed mode applies to route tables but not routes
		// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-basics#resource-manager-modes).
		{"Microsoft.Network/routeTables", Capabilities{Known: true, SupportsTags: true, SupportsLocation: true}},
		{"Microsoft.Network/routeTables/routes", Capabilities{Known: true}},
		{"Microsoft.Compute/virtualMachines", Capabilities{Known: true, SupportsTags: true, SupportsLocation: true}},
	}
	for _, tt := range tests {
		got := c.Capabilities(tt.typ)
		if got != tt.want {
			t.Errorf("Capabilities(%q) = %+v, want %+v", tt.typ, got, tt.want)
		}
		if got.Indexed() != (tt.want.SupportsTags && tt.want.SupportsLocation) {
			t.Errorf("Capabilities(%q).Indexed() = %v", tt.typ, got.Indexed())
		}
	}
}

func TestParseCapabilities(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"", "", false},
		{"None", "", false},
		{"tags,location", "tags,location", false},
		{"SupportsTags, SupportsLocation", "tags,location", false},
		{"SupportsExtension", "extension", false},
		{"location , TAGS", "tags,location", false},
		{"SupportsColour", "", true},
	}
	for _, tt := range tests {
		got, err := ParseCapabilities(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseCapabilities(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && (got.String() != tt.want || !got.Known) {
			t.Errorf("ParseCapabilities(%q) = %q (known %v), want %q", tt.in, got, got.Known, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"not json", `{`, "decode alias catalogue"},
		{"unknown key", `{"alias": {}}`, "unknown field"},
		{"unknown entry key", `{"aliases": {"A.B/c/d": {"pth": "x"}}}`, "unknown field"},
		{"trailing data", `{} {}`, "after the JSON object"},
		{"bad name", `{"aliases": {"nope": {"path": "properties.x"}}}`, `alias "nope"`},
		{"bad path", `{"aliases": {"A.B/c/d": {"path": "properties..x"}}}`, "offset 11"},
		{"bad versioned path", `{"aliases": {"A.B/c/d": {"paths": [{"path": "[", "apiVersions": ["1"]}]}}}`, "paths[0]"},
		{"no versions", `{"aliases": {"A.B/c/d": {"paths": [{"path": "x"}]}}}`, "apiVersions is empty"},
		{"bad type path", `{"aliases": {"A.B/d": {"types": {"A.B/c": "a]"}}}}`, `types["A.B/c"]`},
		{"bad type name", `{"aliases": {"A.B/d": {"types": {"c": "a"}}}}`, "not a resource type"},
		{"duplicate", `{"aliases": {"A.B/c/d": {}, "a.b/C/D": {}}}`, "listed twice"},
		{"bad capability", `{"types": {"A.B/c": "colour"}}`, "unknown flag"},
		{"bad type", `{"types": {"c": "tags"}}`, "not a resource type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			err := c.Load(strings.NewReader(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.want)
			}
			if c.Len() != 0 {
				t.Errorf("a failed Load left %d entries", c.Len())
			}
		})
	}
}

func TestLoadFileAndReadOnly(t *testing.T) {
	err := New().LoadFile(filepath.Join("testdata", "missing.json"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile(missing) = %v, want a not-exist error", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"aliases": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New().LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadFile(bad) = %v, want an error naming the file", err)
	}
	if err := Builtin().Load(strings.NewReader(`{}`)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Builtin().Load = %v, want ErrReadOnly", err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "user.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := DecodeFile(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := f.Encode(&b); err != nil {
		t.Fatal(err)
	}
	g, err := DecodeFile(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("re-decode: %v\n%s", err, b.String())
	}
	var b2 strings.Builder
	if err := g.Encode(&b2); err != nil {
		t.Fatal(err)
	}
	if b.String() != b2.String() {
		t.Errorf("Encode is not stable:\n%s\n---\n%s", b.String(), b2.String())
	}
}

func TestNames(t *testing.T) {
	c := New()
	if err := c.Load(strings.NewReader(`{"aliases": {"B.C/d/x": {}, "a.b/C/y": {}, "A.B/c/x": {}}}`)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Names(), " ")
	if got != "A.B/c/x a.b/C/y B.C/d/x" {
		t.Errorf("Names() = %q", got)
	}
}

// TestConcurrentResolveAndLoad runs readers against a catalogue being loaded
// into, so that `go test -race` can check the synchronisation.
func TestConcurrentResolveAndLoad(t *testing.T) {
	c := Builtin().Clone()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				name := fmt.Sprintf("Contoso.Widgets/widgets/p%d", (i+g)%50)
				p, err := c.Resolve(name, "")
				if err != nil || len(p) != 2 {
					t.Errorf("Resolve(%q) = %q, %v", name, p, err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		file := fmt.Sprintf(`{"aliases": {"Contoso.Widgets/widgets/p%d": {"path": "properties.q%d"}}}`, i, i)
		if err := c.Load(strings.NewReader(file)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if p, _ := c.Resolve("Contoso.Widgets/widgets/p3", ""); p.String() != "properties.q3" {
		t.Errorf("after Load, p3 = %q", p)
	}
}

func BenchmarkResolveCatalogHit(b *testing.B) {
	c := Builtin()
	name := "Microsoft.Storage/storageAccounts/enableBlobEncryption"
	if !c.FromCatalog(name) {
		b.Fatal("not a catalogue entry")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Resolve(name, "2023-01-01"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveVersionedHit(b *testing.B) {
	c := Builtin()
	name := "Microsoft.Storage/storageAccounts/sku.name"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Resolve(name, "2016-01-01"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveDefaultRuleHit(b *testing.B) {
	c := Builtin()
	name := "Microsoft.ContainerService/managedClusters/apiServerAccessProfile.authorizedIPRanges[*]"
	if c.FromCatalog(name) {
		b.Fatal("unexpected catalogue entry")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Resolve(name, "2023-01-01"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveParallel(b *testing.B) {
	c := Builtin()
	names := []string{
		"Microsoft.Storage/storageAccounts/enableBlobEncryption",
		"Microsoft.ContainerService/managedClusters/apiServerAccessProfile.authorizedIPRanges[*]",
		"Microsoft.Compute/imagePublisher",
		"Microsoft.KeyVault/vaults/enableSoftDelete",
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Resolve(names[i%len(names)], ""); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkBuiltinLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c := New()
		if err := c.Load(strings.NewReader(string(builtinData))); err != nil {
			b.Fatal(err)
		}
	}
}
