package authz

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
)

// Role assignment names are GUIDs unique in the tenant, not only at one
// scope: a PUT of a name already used at another scope is an update of that
// assignment's scope, which ARM refuses with 400
// RoleAssignmentUpdateNotPermitted ("Symptom - ARM template role assignment
// returns BadRequest status" in
// https://learn.microsoft.com/azure/role-based-access-control/troubleshooting).
func TestRoleAssignmentNameUniqueInTenant(t *testing.T) {
	e := newEnv(t)
	expect(t, e.assignment("PUT", raID(rg, ra1), raBody(ReaderRoleID, alice, "")), http.StatusCreated, "")
	tests := []struct {
		name, id, body string
		status         int
		code           string
	}{
		{"same name, same principal and role, sibling resource group", raID(siblingR, ra1), raBody(ReaderRoleID, alice, ""), 400, "RoleAssignmentUpdateNotPermitted"},
		{"same name, other principal, subscription", raID(sub, ra1), raBody(ReaderRoleID, bob, ""), 400, "RoleAssignmentUpdateNotPermitted"},
		{"same name in upper case, other subscription", raID(otherSub, strings.ToUpper(ra1)), raBody(OwnerRoleID, bob, ""), 400, "RoleAssignmentUpdateNotPermitted"},
		{"same name, resource below", raID(vm, ra1), raBody(ReaderRoleID, alice, ""), 400, "RoleAssignmentUpdateNotPermitted"},
		{"same name, same scope, same properties", raID(rg, ra1), raBody(ReaderRoleID, alice, ""), 200, ""},
		{"other name, other scope", raID(siblingR, ra2), raBody(ReaderRoleID, alice, ""), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, e.assignment("PUT", tt.id, tt.body), tt.status, tt.code)
		})
	}
	// The refused writes left nothing behind.
	if got := listNames(t, e.assignment("GET", sub+"|", "")); len(got) != 2 {
		t.Errorf("assignments in the subscription: %v, want ra1 and ra2", got)
	}

	// The same through the Go SDK: the error code reaches the client.
	srv := sdkServer(t, e)
	subID := strings.TrimPrefix(sub, "/subscriptions/")
	ras, err := armauthorization.NewRoleAssignmentsClient(subID, staticToken{}, sdkOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ras.Create(context.Background(), strings.TrimPrefix(siblingR, "/"), ra1, armauthorization.RoleAssignmentCreateParameters{
		Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr(rdID(sub, ReaderRoleID)),
			PrincipalID:      to.Ptr(alice),
		}}, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusBadRequest || re.ErrorCode != "RoleAssignmentUpdateNotPermitted" {
		t.Fatalf("SDK Create of a name used at another scope: %v", err)
	}
}

// RoleDefinitions_List returns the role definitions applicable at the scope
// and above; $filter=atScopeAndBelow() adds those assignable only below it
// (authorization-RoleDefinitionsCalls.json, 2022-04-01, in
// Azure/azure-rest-api-specs). At the tenant root the list holds every
// custom role of the directory ("List custom roles" in
// https://learn.microsoft.com/azure/role-based-access-control/custom-roles-rest).
func TestRoleDefinitionListScope(t *testing.T) {
	e := newEnv(t)
	body := `{"properties":{"roleName":"RG operator","type":"CustomRole",
		"permissions":[{"actions":["*/read"]}],"assignableScopes":["` + rg + `"]}}`
	expect(t, e.definition("PUT", rdID(rg, custom1), body), http.StatusCreated, "")

	tests := []struct {
		name, scope, filter string
		listed              bool
	}{
		{"at its assignable scope", rg, "", true},
		{"below its assignable scope", vm, "", true},
		{"subscription above it", sub, "", false},
		{"subscription above it, custom roles", sub, "type eq 'CustomRole'", false},
		{"subscription above it, at scope and below", sub, "atScopeAndBelow()", true},
		{"subscription above it, at scope and below, custom roles", sub, "atScopeAndBelow() and type eq 'CustomRole'", true},
		{"management group above it", mg, "", false},
		{"management group above it, at scope and below", mg, "atScopeAndBelow()", true},
		{"sibling resource group", siblingR, "atScopeAndBelow()", false},
		{"tenant root: every custom role", "/", "type eq 'CustomRole'", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.scope + "|"
			if tt.filter != "" {
				path = tt.scope + "?$filter=" + tt.filter + "|"
			}
			listed := false
			for _, n := range listNames(t, e.definition("GET", path, "")) {
				listed = listed || n == custom1
			}
			if listed != tt.listed {
				t.Errorf("custom role listed = %v, want %v", listed, tt.listed)
			}
		})
	}
}
