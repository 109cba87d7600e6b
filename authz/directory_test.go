package authz

import (
	"context"
	"testing"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/identity/memdir"
)

func TestDirectoryPrincipalType(t *testing.T) {
	ctx := context.Background()
	dir := memdir.NewDirectory()
	if err := dir.PutUser(ctx, &identity.User{ObjectID: alice, Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := dir.PutServicePrincipal(ctx, &identity.ServicePrincipal{AppID: "0c0c0c0c-0000-0000-0000-000000000000", ObjectID: bob}); err != nil {
		t.Fatal(err)
	}
	lookup := DirectoryPrincipalType(dir)
	for _, tt := range []struct{ oid, want string }{{alice, "User"}, {bob, "ServicePrincipal"}, {ghost, ""}} {
		got, err := lookup(ctx, tt.oid)
		if err != nil || got != tt.want {
			t.Errorf("PrincipalType(%s) = %q, %v; want %q", tt.oid, got, err, tt.want)
		}
	}
}
