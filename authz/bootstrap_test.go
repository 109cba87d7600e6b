package authz

import (
	"context"
	"strings"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

func TestEnsureAssignment(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ensure := func(role, ptype string) (bool, error) {
		var created bool
		err := e.st.Update(ctx, func(tx store.Tx) error {
			var err error
			created, err = EnsureAssignment(ctx, tx, armid.MustParse(rootMG), role, admin, ptype)
			return err
		})
		return created, err
	}
	if created, err := ensure(OwnerRoleID, "user"); err != nil || !created {
		t.Fatalf("first ensure: created=%v err=%v", created, err)
	}
	if created, err := ensure(OwnerRoleID, "User"); err != nil || created {
		t.Fatalf("second ensure: created=%v err=%v, want no new assignment", created, err)
	}
	if _, err := ensure("00000000-dead-beef-0000-000000000000", "User"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := ensure(ReaderRoleID, "Robot"); err == nil {
		t.Error("unknown principal type accepted")
	}
	// The stored assignment reads back through the REST handler and grants.
	names := listNames(t, e.assignment("GET", rootMG+"|", ""))
	if len(names) != 1 || !armid.IsGUID(names[0]) {
		t.Fatalf("assignments at the root group: %v", names)
	}
	rec := e.assignment("GET", raID(rootMG, names[0]), "")
	if !strings.Contains(rec.Body.String(), `"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/`+OwnerRoleID+`"`) {
		t.Errorf("stored assignment: %s", rec.Body)
	}
	if !loadSnapshot(t, e).Allowed(Principal{ObjectID: admin}, "Microsoft.Authorization/roleAssignments/write", mustID(vm), false) {
		t.Error("Owner at the root group does not grant below it")
	}
}
