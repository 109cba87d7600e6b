package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/palisade/palisade/armid"
)

// FuzzResolve checks that any request path either routes to an id that
// re-parses to itself or is refused with ARM's 400 InvalidResourceId.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"/", "/subscriptions", "/tenants", "/providers", "/providers/Microsoft.Management/managementGroups",
		"/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg/providers/A.B/c/d/e",
		"/subscriptions/s/providers/Microsoft.Storage/register", "/subscriptions/s/resourceGroups//x",
		"/providers/Microsoft.Management/managementGroups/mg/subscriptions/s",
		"/subscriptions/s/resourceGroups/rg/providers/A.B/c/d/providers/Microsoft.Authorization/policyAssignments",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		var req Request
		_, err := resolve(path, &req)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != 400 || ae.Code != CodeInvalidResourceID {
				t.Fatalf("%q: unexpected error %v", path, err)
			}
			return
		}
		if req.ID.IsZero() {
			t.Fatalf("%q: routed without an id", path)
		}
		again, err := armid.Parse(req.ID.String())
		if err != nil || !again.Equal(req.ID) {
			t.Fatalf("%q: id %q does not re-parse: %v", path, req.ID, err)
		}
		if req.Collection == "" && req.Type != "" && !strings.EqualFold(req.Type, req.ID.Type()) {
			t.Fatalf("%q: item type %q differs from id type %q", path, req.Type, req.ID.Type())
		}
	})
}
