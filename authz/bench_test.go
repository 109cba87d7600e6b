package authz

import (
	"context"
	"fmt"
	"testing"

	"github.com/palisade/palisade/armid"
)

// benchSnapshot holds 1,000 role assignments: 10 subscriptions × 10
// resource groups × 10 assignments to other principals at the group or one
// of its resources, plus the checked principal's Contributor at one group
// and a group's Reader at the management group.
func benchSnapshot(b *testing.B) (*Snapshot, Principal) {
	var list []*RoleAssignment
	parents := map[string]string{}
	roles := []string{OwnerRoleID, ContributorRoleID, ReaderRoleID, ResourcePolicyContributorRoleID}
	for s := 0; s < 10; s++ {
		subID := fmt.Sprintf("/subscriptions/00000000-0000-0000-0000-%012d", s)
		parents[subID] = mg
		for g := 0; g < 10; g++ {
			group := fmt.Sprintf("%s/resourceGroups/rg%d", subID, g)
			for i := 0; i < 10; i++ {
				scope := group
				if i%2 == 1 {
					scope = fmt.Sprintf("%s/providers/Microsoft.Compute/virtualMachines/vm%d", group, i)
				}
				principal := fmt.Sprintf("%08d-1111-2222-3333-444444444444", s*100+g*10+i)
				list = append(list, assign(scope, roles[i%len(roles)], principal))
			}
		}
	}
	parents[mg] = rootMG
	list = append(list[:len(list)-2],
		assign("/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/rg3", ContributorRoleID, alice),
		assign(mg, ReaderRoleID, team))
	s := NewSnapshot(Objects{RoleAssignments: list, Parents: parents, RootGroupID: rootMG})
	if len(s.Problems) > 0 || s.AssignmentCount() != 1000 {
		b.Fatalf("%d assignments, problems %v", s.AssignmentCount(), s.Problems)
	}
	groups := make([]string, 20)
	for i := range groups {
		groups[i] = fmt.Sprintf("99999999-0000-0000-0000-%012d", i)
	}
	groups[19] = team
	return s, Principal{ObjectID: alice, Groups: groups, Caller: "alice@contoso.example"}
}

func BenchmarkCheck(b *testing.B) {
	s, p := benchSnapshot(b)
	a := NewAuthorizer(nil, nil)
	a.Load(s)
	ctx := context.Background()
	vmID := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/rg3/providers/Microsoft.Compute/virtualMachines/vm5")
	nested := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/rg3/providers/Microsoft.Sql/servers/s1/databases/d1")
	other := armid.MustParse("/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1")
	cases := []struct {
		name   string
		action string
		scope  armid.ID
		allow  bool
	}{
		{"allowed-write-rg", "Microsoft.Compute/virtualMachines/write", vmID, true},
		{"allowed-nested", "Microsoft.Sql/servers/databases/write", nested, true},
		{"allowed-read-mg-group", "Microsoft.Compute/virtualMachines/read", other, true},
		{"denied-notActions", "Microsoft.Authorization/roleAssignments/write", vmID, false},
		{"denied-full-walk", "Microsoft.Compute/virtualMachines/write", other, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := a.Check(ctx, p, c.action, c.scope)
				if (err == nil) != c.allow {
					b.Fatalf("Check = %v, want allowed=%v", err, c.allow)
				}
			}
		})
	}
}

func BenchmarkActionFor(b *testing.B) {
	id := armid.MustParse(vm)
	b.ReportAllocs()
	for b.Loop() {
		_ = ActionFor("PUT", id)
	}
}

// BenchmarkCheckOnePrincipal1000 gives one service principal 1,000 Reader
// assignments (one per resource group), the case where its grants are
// indexed by scope rather than scanned.
func BenchmarkCheckOnePrincipal1000(b *testing.B) {
	var list []*RoleAssignment
	for i := 0; i < 1000; i++ {
		list = append(list, assign(fmt.Sprintf("%s/resourceGroups/rg%d", sub, i), ReaderRoleID, bob))
	}
	s := NewSnapshot(Objects{RoleAssignments: list})
	a := NewAuthorizer(nil, nil)
	a.Load(s)
	p := Principal{ObjectID: bob}
	id := armid.MustParse(sub + "/resourceGroups/rg500/providers/Microsoft.Compute/virtualMachines/vm1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Check(ctx, p, "Microsoft.Compute/virtualMachines/read", id); err != nil {
			b.Fatal(err)
		}
	}
}
