package authz

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/palisade/palisade/armid"
)

const (
	sub      = "/subscriptions/00000000-0000-0000-0000-000000000001"
	otherSub = "/subscriptions/00000000-0000-0000-0000-000000000002"
	rg       = sub + "/resourceGroups/rg1"
	siblingR = sub + "/resourceGroups/rg2"
	vm       = rg + "/providers/Microsoft.Compute/virtualMachines/vm1"
	db       = rg + "/providers/Microsoft.Sql/servers/s1/databases/d1"
	rootMG   = "/providers/Microsoft.Management/managementGroups/11111111-1111-1111-1111-111111111111"
	mg       = "/providers/Microsoft.Management/managementGroups/platform"

	alice = "aaaaaaaa-0000-0000-0000-000000000001"
	bob   = "bbbbbbbb-0000-0000-0000-000000000002"
	team  = "cccccccc-0000-0000-0000-000000000003"
)

// assign builds a role assignment of role to principal at scope.
func assign(scope, role, principal string) *RoleAssignment {
	h := fnv.New128a()
	h.Write([]byte(strings.ToLower(scope) + role + principal))
	b := h.Sum(nil)
	name := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	return &RoleAssignment{
		ID: scope + "/providers/Microsoft.Authorization/roleAssignments/" + name,
		Properties: RoleAssignmentProperties{
			Scope:            scope,
			RoleDefinitionID: RoleDefinitionIDAt(scope, role),
			PrincipalID:      principal,
		},
	}
}

// hierarchy: sub under mg "platform", platform under the tenant root group.
var testParents = map[string]string{
	sub: mg,
	mg:  rootMG,
}

func TestCheckBuiltInRoles(t *testing.T) {
	tests := []struct {
		name   string
		assign []*RoleAssignment
		action string
		scope  string
		want   bool
	}{
		// Reader: "*/read" only.
		{"reader reads a resource", []*RoleAssignment{assign(sub, ReaderRoleID, alice)}, "Microsoft.Compute/virtualMachines/read", vm, true},
		{"reader reads a resource group", []*RoleAssignment{assign(sub, ReaderRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/read", rg, true},
		{"reader cannot write", []*RoleAssignment{assign(sub, ReaderRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, false},
		{"reader cannot delete a group", []*RoleAssignment{assign(sub, ReaderRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/delete", rg, false},
		// Contributor: everything but Microsoft.Authorization writes and deletes.
		{"contributor writes resources", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, true},
		{"contributor creates resource groups", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/write", rg, true},
		{"contributor deletes nested resources", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Sql/servers/databases/delete", db, true},
		{"contributor cannot assign policy", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Authorization/policyAssignments/write", sub + "/providers/Microsoft.Authorization/policyAssignments/pa", false},
		{"contributor cannot write role assignments", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", rg, false},
		{"contributor cannot delete policy exemptions", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Authorization/policyExemptions/delete", rg, false},
		{"contributor reads role assignments", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/read", rg, true},
		{"contributor cannot cancel the subscription", []*RoleAssignment{assign(sub, ContributorRoleID, alice)}, "Microsoft.Subscription/cancel/action", sub, false},
		// Resource Policy Contributor.
		{"policy contributor assigns policy", []*RoleAssignment{assign(sub, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Authorization/policyAssignments/write", sub, true},
		{"policy contributor writes definitions", []*RoleAssignment{assign(sub, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Authorization/policyDefinitions/write", sub, true},
		{"policy contributor writes exemptions", []*RoleAssignment{assign(sub, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Authorization/policyExemptions/write", rg, true},
		{"policy contributor cannot write resources", []*RoleAssignment{assign(sub, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, false},
		{"policy contributor cannot assign roles", []*RoleAssignment{assign(sub, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", sub, false},
		// Owner: everything.
		{"owner writes role assignments", []*RoleAssignment{assign(sub, OwnerRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", vm, true},
		{"owner assigns policy", []*RoleAssignment{assign(sub, OwnerRoleID, alice)}, "Microsoft.Authorization/policyAssignments/write", sub, true},
		{"owner deletes resources", []*RoleAssignment{assign(sub, OwnerRoleID, alice)}, "Microsoft.Compute/virtualMachines/delete", vm, true},
		// User Access Administrator: Microsoft.Authorization/* and reads.
		{"user access administrator writes role assignments", []*RoleAssignment{assign(sub, UserAccessAdministratorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", rg, true},
		{"user access administrator deletes role assignments", []*RoleAssignment{assign(sub, UserAccessAdministratorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/delete", rg, true},
		{"user access administrator cannot write resources", []*RoleAssignment{assign(sub, UserAccessAdministratorRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, false},
		// RBAC administrator: role assignments but not policy.
		{"rbac administrator assigns roles", []*RoleAssignment{assign(sub, RBACAdministratorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", rg, true},
		{"rbac administrator cannot assign policy", []*RoleAssignment{assign(sub, RBACAdministratorRoleID, alice)}, "Microsoft.Authorization/policyAssignments/write", rg, false},
		// Inheritance down the scope tree.
		{"tenant root grants everywhere", []*RoleAssignment{assign("/", OwnerRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, true},
		{"root management group grants to a resource", []*RoleAssignment{assign(rootMG, ContributorRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, true},
		{"management group grants to a resource", []*RoleAssignment{assign(mg, ContributorRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, true},
		{"management group grants to itself", []*RoleAssignment{assign(mg, ResourcePolicyContributorRoleID, alice)}, "Microsoft.Authorization/policyAssignments/write", mg + "/providers/Microsoft.Authorization/policyAssignments/pa", true},
		{"root group grants to a subscription outside the recorded tree", []*RoleAssignment{assign(rootMG, ReaderRoleID, alice)}, "Microsoft.Resources/subscriptions/read", otherSub, true},
		{"management group does not grant to another subscription", []*RoleAssignment{assign(mg, ContributorRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/write", otherSub + "/resourceGroups/x", false},
		{"resource group grants to its resources", []*RoleAssignment{assign(rg, ContributorRoleID, alice)}, "Microsoft.Sql/servers/databases/write", db, true},
		{"resource group grants to itself", []*RoleAssignment{assign(rg, ContributorRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/write", rg, true},
		{"resource group does not grant to its subscription", []*RoleAssignment{assign(rg, ContributorRoleID, alice)}, "Microsoft.Resources/subscriptions/resourceGroups/write", siblingR, false},
		{"sibling resource group does not grant", []*RoleAssignment{assign(siblingR, OwnerRoleID, alice)}, "Microsoft.Compute/virtualMachines/write", vm, false},
		{"parent resource grants to nested child", []*RoleAssignment{assign(rg+"/providers/Microsoft.Sql/servers/s1", ContributorRoleID, alice)}, "Microsoft.Sql/servers/databases/write", db, true},
		{"child does not grant to its parent", []*RoleAssignment{assign(db, OwnerRoleID, alice)}, "Microsoft.Sql/servers/write", rg + "/providers/Microsoft.Sql/servers/s1", false},
		{"resource grants to an extension on it", []*RoleAssignment{assign(vm, OwnerRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", vm + "/providers/Microsoft.Authorization/roleAssignments/x", true},
		// Principals.
		{"another principal's assignment does not grant", []*RoleAssignment{assign(sub, OwnerRoleID, bob)}, "Microsoft.Compute/virtualMachines/read", vm, false},
		{"a group's assignment grants to members", []*RoleAssignment{assign(sub, ContributorRoleID, team)}, "Microsoft.Compute/virtualMachines/write", vm, true},
		// notActions subtract only within their role.
		{"a second role restores what notActions removed", []*RoleAssignment{assign(sub, ContributorRoleID, alice), assign(rg, UserAccessAdministratorRoleID, alice)}, "Microsoft.Authorization/roleAssignments/write", vm, true},
		{"no assignment, no access", nil, "Microsoft.Compute/virtualMachines/read", vm, false},
	}
	p := Principal{ObjectID: alice, Groups: []string{team}, Caller: "alice@contoso.example"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot(Objects{RoleAssignments: tt.assign, Parents: testParents, RootGroupID: rootMG})
			if len(s.Problems) > 0 {
				t.Fatalf("problems: %v", s.Problems)
			}
			a := NewAuthorizer(nil, nil)
			a.Load(s)
			err := a.Check(context.Background(), p, tt.action, armid.MustParse(tt.scope))
			if got := err == nil; got != tt.want {
				t.Fatalf("Check(%s at %s) = %v, want allowed=%v", tt.action, tt.scope, err, tt.want)
			}
			var af *AuthorizationFailedError
			if err != nil && !errors.As(err, &af) {
				t.Fatalf("refusal is %T, want *AuthorizationFailedError", err)
			}
		})
	}
}

func TestCustomRoleNotActionsAndDataActions(t *testing.T) {
	custom := &RoleDefinition{
		ID:   sub + "/providers/Microsoft.Authorization/roleDefinitions/dddddddd-0000-0000-0000-000000000004",
		Name: "dddddddd-0000-0000-0000-000000000004",
		Properties: RoleDefinitionProperties{
			RoleName: "Storage operator",
			RoleType: CustomRole,
			Permissions: []Permission{{
				Actions:        []string{"Microsoft.Storage/*"},
				NotActions:     []string{"Microsoft.Storage/storageAccounts/delete", "Microsoft.Storage/*/listKeys/action"},
				DataActions:    []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"},
				NotDataActions: []string{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"},
			}},
			AssignableScopes: []string{sub},
		},
	}
	s := NewSnapshot(Objects{RoleDefinitions: []*RoleDefinition{custom}, RoleAssignments: []*RoleAssignment{assign(rg, custom.Name, alice)}})
	if len(s.Problems) > 0 {
		t.Fatal(s.Problems)
	}
	acct := armid.MustParse(rg + "/providers/Microsoft.Storage/storageAccounts/acct")
	p := Principal{ObjectID: alice}
	tests := []struct {
		action string
		data   bool
		want   bool
	}{
		{"Microsoft.Storage/storageAccounts/write", false, true},
		{"Microsoft.Storage/storageAccounts/delete", false, false},
		{"Microsoft.Storage/storageAccounts/listKeys/action", false, false},
		{"Microsoft.Compute/virtualMachines/write", false, false},
		{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", true, true},
		{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete", true, false},
		// Control-plane patterns never grant data actions and the reverse.
		{"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", false, true},
		{"Microsoft.Storage/storageAccounts/write", true, false},
	}
	for _, tt := range tests {
		if got := s.Allowed(p, tt.action, acct, tt.data); got != tt.want {
			t.Errorf("Allowed(%s, data=%v) = %v, want %v", tt.action, tt.data, got, tt.want)
		}
	}
	// Owner's "*" is a control-plane pattern: it grants no data action.
	owner := NewSnapshot(Objects{RoleAssignments: []*RoleAssignment{assign(sub, OwnerRoleID, alice)}})
	if owner.Allowed(p, "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", acct, true) {
		t.Error("Owner grants a data action")
	}
}

func TestConditionalAssignmentFailsClosed(t *testing.T) {
	ra := assign(sub, OwnerRoleID, alice)
	cond := "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})))"
	ra.Properties.Condition = &cond
	s := NewSnapshot(Objects{RoleAssignments: []*RoleAssignment{ra}})
	p := Principal{ObjectID: alice}
	if !s.Allowed(p, "Microsoft.Compute/virtualMachines/write", armid.MustParse(vm), false) {
		t.Error("a conditional Owner assignment should still grant ordinary control-plane actions")
	}
	if s.Allowed(p, "Microsoft.Authorization/roleAssignments/write", armid.MustParse(vm), false) {
		t.Error("a condition that is not evaluated must not grant role-assignment writes")
	}
}

func TestSnapshotProblems(t *testing.T) {
	bad := &RoleDefinition{Name: "eeeeeeee-0000-0000-0000-000000000005", Properties: RoleDefinitionProperties{
		Permissions: []Permission{{Actions: []string{"Microsoft.Compute/has space/read"}}}}}
	shadow := &RoleDefinition{Name: OwnerRoleID, Properties: RoleDefinitionProperties{Permissions: []Permission{{Actions: []string{"*"}}}}}
	s := NewSnapshot(Objects{
		RoleDefinitions: []*RoleDefinition{bad, shadow},
		RoleAssignments: []*RoleAssignment{assign(sub, "ffffffff-0000-0000-0000-000000000006", alice), assign(sub, bad.Name, alice)},
	})
	// The bad pattern, the shadowed built-in, the assignment of a missing
	// role and the assignment of the role that did not compile.
	if len(s.Problems) != 4 {
		t.Fatalf("problems = %v, want 4", s.Problems)
	}
	// An assignment whose id names no scope grants nothing, rather than
	// standing for the tenant root.
	noScope := &RoleAssignment{ID: "garbage", Properties: RoleAssignmentProperties{RoleDefinitionID: OwnerRoleID, PrincipalID: alice}}
	s2 := NewSnapshot(Objects{RoleAssignments: []*RoleAssignment{noScope}})
	if len(s2.Problems) != 1 || s2.Allowed(Principal{ObjectID: alice}, "Microsoft.Compute/virtualMachines/read", mustID(vm), false) {
		t.Fatalf("assignment without scope: problems %v", s2.Problems)
	}
	if s.AssignmentCount() != 0 {
		t.Errorf("AssignmentCount = %d, want 0", s.AssignmentCount())
	}
}
