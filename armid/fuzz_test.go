package armid

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that every id it accepts is
// self-consistent: it round-trips, its parent chain ends at the root, each
// ancestor re-parses and contains it, and its key is the lower-cased input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"/", "/subscriptions/s", "/subscriptions/s/resourceGroups/rg",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/a/databases/b",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x/providers/Microsoft.Authorization/policyAssignments/pa",
		"/providers/Microsoft.Management/managementGroups/mg",
		"/providers/Microsoft.Authorization/policyDefinitions/d/versions/1.0.0",
		"//", "/subscriptions", "/subscriptions/s/providers", "/x/../y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error is %T, not *Error", err)
			}
			return
		}
		if id.String() != s || id.Key() != strings.ToLower(s) || id.IsZero() {
			t.Fatalf("round trip: %q -> %q / %q", s, id.String(), id.Key())
		}
		again, err := Parse(id.String())
		if err != nil || !again.Equal(id) || again.Kind() != id.Kind() || again.Type() != id.Type() {
			t.Fatalf("reparse of %q: %v", s, err)
		}
		anc := id.Ancestors()
		if id.Kind() != Tenant && (len(anc) == 0 || anc[len(anc)-1].Kind() != Tenant) {
			t.Fatalf("ancestors of %q do not end at the root: %v", s, anc)
		}
		for _, a := range anc {
			if !id.IsUnder(a) || a.Equal(id) {
				t.Fatalf("%q not under ancestor %q", s, a)
			}
			// Ancestors are built without parsing; they must equal what
			// Parse makes of their text.
			pa, err := Parse(a.String())
			if err != nil || pa.Key() != a.Key() || pa.Kind() != a.Kind() || pa.Type() != a.Type() ||
				pa.FullName() != a.FullName() || pa.Scope().Key() != a.Scope().Key() {
				t.Fatalf("ancestor %q of %q differs from its parse (%v)", a, s, err)
			}
		}
		if !id.IsUnder(id.Scope()) {
			t.Fatalf("%q not under its scope %q", s, id.Scope())
		}
		if id.Kind() != Tenant && id.Name() == "" {
			t.Fatalf("%q has no name", s)
		}
	})
}

// BenchmarkParse measures parsing a typical nested resource id and walking
// its ancestors, the work done per request to find the scopes above it.
func BenchmarkParse(b *testing.B) {
	const s = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Sql/servers/srv/databases/db1"
	b.ReportAllocs()
	for b.Loop() {
		id, err := Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		if len(id.Ancestors()) != 4 {
			b.Fatal("ancestors")
		}
	}
}
