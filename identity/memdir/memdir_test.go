package memdir_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/identity/memdir"
)

func TestValues(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	v := memdir.NewValues(func() time.Time { return now })
	if err := v.Put(ctx, "ns", "k", []byte("v"), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		advance time.Duration
		op      func() ([]byte, error)
		want    string
		missing bool
	}{
		{"get", 0, func() ([]byte, error) { return v.Get(ctx, "ns", "k") }, "v", false},
		{"other namespace", 0, func() ([]byte, error) { return v.Get(ctx, "other", "k") }, "", true},
		{"take", 0, func() ([]byte, error) { return v.Take(ctx, "ns", "k") }, "v", false},
		{"gone after take", 0, func() ([]byte, error) { return v.Get(ctx, "ns", "k") }, "", true},
	}
	for _, tc := range cases {
		now = now.Add(tc.advance)
		got, err := tc.op()
		if tc.missing {
			if !errors.Is(err, identity.ErrNotFound) {
				t.Errorf("%s: %q, %v; want ErrNotFound", tc.name, got, err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
	}
	_ = v.Put(ctx, "ns", "e", []byte("x"), now.Add(time.Minute))
	now = now.Add(time.Minute)
	if _, err := v.Get(ctx, "ns", "e"); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("value readable at its expiry: %v", err)
	}
}

// Take is atomic: of many concurrent takers exactly one gets the value.
func TestValuesTakeOnce(t *testing.T) {
	ctx := context.Background()
	v := memdir.NewValues(nil)
	_ = v.Put(ctx, "code", "c", []byte("1"), time.Now().Add(time.Minute))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Take(ctx, "code", "c"); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d takers won", wins.Load())
	}
}

func TestDirectory(t *testing.T) {
	ctx := context.Background()
	d := memdir.NewDirectory()
	u := &identity.User{ObjectID: "0a", Name: "Admin", PasswordHash: "h"}
	if err := d.PutUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = "changed after put"
	got, err := d.GetUser(ctx, "admin")
	if err != nil || got.PasswordHash != "h" {
		t.Fatalf("case-insensitive get / copy on put: %+v %v", got, err)
	}
	if got, err := d.GetUserByID(ctx, "0A"); err != nil || got.Name != "Admin" {
		t.Fatalf("by id: %+v %v", got, err)
	}
	sp := &identity.ServicePrincipal{AppID: "APP", Secrets: []identity.SecretCredential{{KeyID: "1"}}}
	_ = d.PutServicePrincipal(ctx, sp)
	sp.Secrets[0].KeyID = "mutated"
	gotSP, _ := d.GetServicePrincipal(ctx, "app")
	if gotSP.Secrets[0].KeyID != "1" {
		t.Error("service principal secrets alias the caller's slice")
	}
	for name, err := range map[string]error{
		"delete missing user": d.DeleteUser(ctx, "nobody"),
		"delete missing sp":   d.DeleteServicePrincipal(ctx, "nobody"),
	} {
		if !errors.Is(err, identity.ErrNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := d.DeleteUser(ctx, "ADMIN"); err != nil {
		t.Fatal(err)
	}
	if users, _ := d.ListUsers(ctx); len(users) != 0 {
		t.Errorf("users left: %v", users)
	}
}
