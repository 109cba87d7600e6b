package authz

import (
	"strings"
	"testing"

	"github.com/palisade/palisade/armid"
)

// chainOf returns the scope chain the snapshot walks for id.
func chainOf(s *Snapshot, id string) []string {
	return s.chain(strings.ToLower(id), nil)
}

func TestScopeChain(t *testing.T) {
	s := NewSnapshot(Objects{Parents: testParents, RootGroupID: rootMG})
	low := strings.ToLower
	tests := []struct {
		id   string
		want []string
	}{
		{"/", []string{"/"}},
		{db, []string{low(db), low(rg + "/providers/Microsoft.Sql/servers/s1"), low(rg), low(sub), low(mg), low(rootMG), "/"}},
		{vm + "/providers/Microsoft.Authorization/roleAssignments/x", []string{low(vm + "/providers/Microsoft.Authorization/roleAssignments/x"), low(vm), low(rg), low(sub), low(mg), low(rootMG), "/"}},
		{mg, []string{low(mg), low(rootMG), "/"}},
		{rootMG, []string{low(rootMG), "/"}},
		// A subscription the tree does not place sits under the root group.
		{otherSub, []string{low(otherSub), low(rootMG), "/"}},
		{"/providers/Microsoft.Authorization/policyDefinitions/d", []string{"/providers/microsoft.authorization/policydefinitions/d", "/"}},
	}
	for _, tt := range tests {
		got := chainOf(s, tt.id)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("chain(%s):\n got %v\nwant %v", tt.id, got, tt.want)
		}
	}
}

// Without a management-group tree, the chain is exactly the id's ancestors
// as armid computes them: the key walk and the parser agree on every id.
func FuzzScopeChain(f *testing.F) {
	for _, s := range []string{db, vm, rg, sub, mg, "/", vm + "/providers/Microsoft.Authorization/roleAssignments/x",
		mg + "/providers/Microsoft.Authorization/policyAssignments/p", rg + "/providers/Microsoft.Web/sites/providers/slots/s"} {
		f.Add(s)
	}
	empty := NewSnapshot(Objects{})
	f.Fuzz(func(t *testing.T, s string) {
		id, err := armid.Parse(s)
		if err != nil {
			return
		}
		want := []string{id.Key()}
		for _, a := range id.Ancestors() {
			want = append(want, a.Key())
		}
		if id.Kind() == armid.Tenant {
			want = []string{"/"}
		}
		got := chainOf(empty, id.String())
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("chain(%q) = %q, armid ancestors %q", s, got, want)
		}
	})
}
