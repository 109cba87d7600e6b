package api

import (
	"context"
	"testing"

	"github.com/palisade/palisade/store"
)

// ManagementGroupAncestors follows moves immediately, also through the
// cached hierarchy an ARM request carries.
func TestManagementGroupAncestorsFollowMoves(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2021-04-01"
	ancestors := func() []string {
		t.Helper()
		ctx := context.WithValue(context.Background(), requestKey{}, &requestValues{hierarchy: a.h.hier})
		var out []string
		err := a.h.Store().View(ctx, func(tx store.Tx) error {
			ids, err := ManagementGroupAncestors(ctx, tx, testSub)
			for _, id := range ids {
				out = append(out, id.Name())
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	check := func(want ...string) {
		t.Helper()
		got := ancestors()
		if len(got) != len(want) {
			t.Fatalf("ancestors %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ancestors %v, want %v", got, want)
			}
		}
	}
	check(testTenant)
	for _, step := range []struct{ method, path, body string }{
		{"PUT", "/providers/Microsoft.Management/managementGroups/a" + v, `{"properties":{}}`},
		{"PUT", "/providers/Microsoft.Management/managementGroups/b" + v, `{"properties":{"details":{"parent":{"id":"/providers/Microsoft.Management/managementGroups/a"}}}}`},
		{"PUT", "/providers/Microsoft.Management/managementGroups/b/subscriptions/" + testSub + v, ""},
	} {
		if r := a.do(t, step.method, step.path, step.body); r.Status != 200 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.Status, r.Raw)
		}
	}
	check("b", "a", testTenant)
	if r := a.do(t, "PATCH", "/providers/Microsoft.Management/managementGroups/b"+v, `{"parentGroupId":"/providers/Microsoft.Management/managementGroups/`+testTenant+`"}`); r.Status != 200 {
		t.Fatalf("move: %d %s", r.Status, r.Raw)
	}
	check("b", testTenant)
	if r := a.do(t, "DELETE", "/providers/Microsoft.Management/managementGroups/b/subscriptions/"+testSub+v, ""); r.Status != 200 {
		t.Fatalf("remove: %d %s", r.Status, r.Raw)
	}
	check(testTenant)
}
