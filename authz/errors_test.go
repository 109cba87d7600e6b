package authz

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade/palisade/armid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("%s differs:\ngot:  %s\nwant: %s", name, got, want)
	}
}

// The body and message are ARM's, as captured from a refused storage-account
// write in https://github.com/Azure/ARO-RP/issues/66 and a refused
// resource-health read in
// https://github.com/Azure/azure-rest-api-specs-examples/issues/4471: the
// scope is echoed in the request's casing.
func TestAuthorizationFailedBody(t *testing.T) {
	a := NewAuthorizer(nil, nil)
	a.Load(NewSnapshot(Objects{RoleAssignments: []*RoleAssignment{assign(sub, ReaderRoleID, alice)}}))
	scope := armid.MustParse(sub + "/resourcegroups/Shared-RG")
	err := a.Check(context.Background(), Principal{ObjectID: alice, Caller: "alice@contoso.example"},
		"Microsoft.Resources/subscriptions/resourceGroups/delete", scope)
	af, ok := err.(*AuthorizationFailedError)
	if !ok {
		t.Fatalf("Check = %v, want *AuthorizationFailedError", err)
	}
	wantMsg := "The client 'alice@contoso.example' with object id 'aaaaaaaa-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/delete' over scope '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/Shared-RG' or the scope is invalid. If access was recently granted, please refresh your credentials."
	if af.Message() != wantMsg || af.Error() != wantMsg {
		t.Errorf("message:\n got %s\nwant %s", af.Message(), wantMsg)
	}
	if af.Status() != 403 || af.Code() != "AuthorizationFailed" {
		t.Errorf("status %d code %s, want 403 AuthorizationFailed", af.Status(), af.Code())
	}
	golden(t, "authorization_failed.json", af.Body())

	rec := httptest.NewRecorder()
	WriteError(rec, err)
	if rec.Code != 403 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("WriteError: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !bytes.Equal(rec.Body.Bytes(), af.Body()) {
		t.Errorf("WriteError body %s, want %s", rec.Body.Bytes(), af.Body())
	}
}

// An application has no UPN: ARM names it by application id, and by object
// id when even that is unknown.
func TestAuthorizationFailedCallerFallback(t *testing.T) {
	e := &AuthorizationFailedError{ObjectID: bob, Action: "Microsoft.Compute/virtualMachines/read", Scope: vm}
	want := "The client '" + bob + "' with object id '" + bob + "' does not have authorization"
	if got := e.Message(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("Message() = %s", got)
	}
}

func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

// A refused role-assignment write names ABAC conditions too, as in the
// "Unable to assign a role" symptom of
// https://learn.microsoft.com/azure/role-based-access-control/troubleshooting.
func TestAuthorizationFailedRoleAssignmentWrite(t *testing.T) {
	id := rg + "/providers/Microsoft.Authorization/roleAssignments/" + ra1
	a := NewAuthorizer(nil, nil)
	a.Load(NewSnapshot(Objects{RoleAssignments: []*RoleAssignment{assign(sub, ContributorRoleID, bob)}}))
	err := a.Check(context.Background(), Principal{ObjectID: bob}, "Microsoft.Authorization/roleAssignments/write", armid.MustParse(id))
	want := "The client '" + bob + "' with object id '" + bob + "' does not have authorization or an ABAC condition not fulfilled to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '" + id + "' or the scope is invalid. If access was recently granted, please refresh your credentials."
	if err == nil || err.Error() != want {
		t.Errorf("Check error:\n got %v\nwant %s", err, want)
	}
}
