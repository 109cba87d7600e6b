package authz

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func rdID(scope, name string) string {
	return scope + "/providers/Microsoft.Authorization/roleDefinitions/" + name
}

// Built-in role ids and permission sets from "Azure built-in roles"
// (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged,
// .../general and .../management-and-governance).
func TestBuiltInRoles(t *testing.T) {
	want := map[string]string{
		OwnerRoleID:                     "Owner",
		ContributorRoleID:               "Contributor",
		ReaderRoleID:                    "Reader",
		UserAccessAdministratorRoleID:   "User Access Administrator",
		RBACAdministratorRoleID:         "Role Based Access Control Administrator",
		ResourcePolicyContributorRoleID: "Resource Policy Contributor",
	}
	roles := BuiltInRoles()
	if len(roles) != len(want) {
		t.Fatalf("%d built-in roles, want %d", len(roles), len(want))
	}
	for _, r := range roles {
		if want[r.Name] != r.Properties.RoleName {
			t.Errorf("role %s is named %q, want %q", r.Name, r.Properties.RoleName, want[r.Name])
		}
		if r.Properties.RoleType != BuiltInRole || r.ID != "/providers/Microsoft.Authorization/roleDefinitions/"+r.Name {
			t.Errorf("role %s: type %s id %s", r.Name, r.Properties.RoleType, r.ID)
		}
		if _, err := compileRole(r); err != nil {
			t.Errorf("role %s: %v", r.Properties.RoleName, err)
		}
	}
	b, err := json.MarshalIndent(BuiltInRoleByID("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/"+ContributorRoleID), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "contributor.json", b)
	if BuiltInRoleByID("00000000-0000-0000-0000-000000000000") != nil {
		t.Error("unknown id found")
	}
}

func TestRoleDefinitionHandlers(t *testing.T) {
	e := newEnv(t)
	// Built-ins are readable at every scope, with the id ARM shows there.
	rec := e.definition("GET", rdID(rg, ReaderRoleID), "")
	expect(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Body.String(), `"id":"`+rdID(sub, ReaderRoleID)+`"`) {
		t.Errorf("built-in read in a resource group: %s", rec.Body)
	}
	rec = e.definition("GET", rdID(mg, OwnerRoleID), "")
	expect(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Body.String(), `"id":"/providers/Microsoft.Authorization/roleDefinitions/`+OwnerRoleID+`"`) {
		t.Errorf("built-in read at a management group: %s", rec.Body)
	}
	expect(t, e.definition("GET", rdID(sub, custom1), ""), http.StatusNotFound, "RoleDefinitionDoesNotExist")

	body := `{"properties":{"roleName":"VM Operator","description":"Start and stop VMs","type":"CustomRole",
		"permissions":[{"actions":["*/read","Microsoft.Compute/virtualMachines/start/action","Microsoft.Compute/virtualMachines/*"],
		"notActions":["Microsoft.Compute/virtualMachines/delete"]}],
		"assignableScopes":["` + sub + `"]}}`
	rec = e.definition("PUT", rdID(sub, custom1), body)
	expect(t, rec, http.StatusCreated, "")
	golden(t, "custom_role_created.json", stable(rec.Body.Bytes()))

	tests := []struct {
		name, id, body string
		status         int
		code           string
	}{
		{"same role name", rdID(sub, "7331dcae-0000-4000-8000-000000000002"), body, 409, "RoleDefinitionWithSameNameExists"},
		{"name of a built-in role", rdID(sub, "7331dcae-0000-4000-8000-000000000003"), strings.Replace(body, "VM Operator", "reader", 1), 409, "RoleDefinitionWithSameNameExists"},
		{"replace a built-in role", rdID(sub, ReaderRoleID), body, 400, "RoleDefinitionUpdateNotAllowed"},
		{"name is not a GUID", rdID(sub, "vm-operator"), body, 400, "InvalidRoleDefinitionId"},
		{"no role name", rdID(sub, "7331dcae-0000-4000-8000-000000000004"), strings.Replace(body, `"roleName":"VM Operator",`, "", 1), 400, "InvalidRoleDefinition"},
		{"no assignable scopes", rdID(sub, "7331dcae-0000-4000-8000-000000000004"), strings.Replace(body, `"`+sub+`"`, "", 1), 400, "InvalidRoleDefinition"},
		{"tenant root as assignable scope", rdID(sub, "7331dcae-0000-4000-8000-000000000004"), strings.Replace(body, `"`+sub+`"`, `"/"`, 1), 400, "InvalidRoleDefinition"},
		{"two management groups", rdID(sub, "7331dcae-0000-4000-8000-000000000004"), strings.Replace(body, `"`+sub+`"`, `"`+mg+`","`+rootMG+`"`, 1), 400, "InvalidRoleDefinition"},
		{"bad action pattern", rdID(sub, "7331dcae-0000-4000-8000-000000000004"), strings.Replace(body, "*/read", "* /read", 1), 400, "InvalidActionOrNotAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, e.definition("PUT", tt.id, tt.body), tt.status, tt.code)
		})
	}

	// Readable below its assignable scope, not in another subscription.
	expect(t, e.definition("GET", rdID(rg, custom1), ""), http.StatusOK, "")
	expect(t, e.definition("GET", rdID(otherSub, custom1), ""), http.StatusNotFound, "RoleDefinitionDoesNotExist")

	// Lists and filters.
	if got := listNames(t, e.definition("GET", sub+"?$filter=roleName eq 'Reader'|", "")); strings.Join(got, ",") != ReaderRoleID {
		t.Errorf("roleName filter: %v", got)
	}
	if got := listNames(t, e.definition("GET", sub+"?$filter=type eq 'CustomRole'|", "")); strings.Join(got, ",") != custom1 {
		t.Errorf("type filter: %v", got)
	}
	if got := listNames(t, e.definition("GET", rg+"|", "")); len(got) != len(BuiltInRoles())+1 {
		t.Errorf("list at a resource group: %v", got)
	}
	if got := listNames(t, e.definition("GET", otherSub+"|", "")); len(got) != len(BuiltInRoles()) {
		t.Errorf("list in another subscription: %v", got)
	}

	// Not assignable outside its assignable scopes.
	expect(t, e.assignment("PUT", raID(otherSub, ra2), `{"properties":{"roleDefinitionId":"`+rdID(otherSub, custom1)+`","principalId":"`+bob+`"}}`),
		http.StatusBadRequest, "RoleDefinitionNotAssignableAtScope")
	expect(t, e.assignment("PUT", raID(mg, ra2), `{"properties":{"roleDefinitionId":"`+rdID(mg, custom1)+`","principalId":"`+bob+`"}}`),
		http.StatusBadRequest, "RoleDefinitionNotAssignableAtScope")

	// The custom role grants through an assignment; it cannot be deleted
	// while assigned.
	expect(t, e.assignment("PUT", raID(rg, ra1), `{"properties":{"roleDefinitionId":"`+rdID(sub, custom1)+`","principalId":"`+bob+`"}}`), http.StatusCreated, "")
	snap := loadSnapshot(t, e)
	if !snap.Allowed(Principal{ObjectID: bob}, "Microsoft.Compute/virtualMachines/start/action", mustID(vm), false) {
		t.Error("custom role does not grant start")
	}
	if snap.Allowed(Principal{ObjectID: bob}, "Microsoft.Compute/virtualMachines/delete", mustID(vm), false) {
		t.Error("custom role grants its notAction")
	}
	expect(t, e.definition("DELETE", rdID(sub, custom1), ""), http.StatusConflict, "RoleDefinitionHasAssignments")
	expect(t, e.assignment("DELETE", raID(rg, ra1), ""), http.StatusOK, "")
	rec = e.definition("DELETE", rdID(sub, custom1), "")
	expect(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Body.String(), `"roleName":"VM Operator"`) {
		t.Errorf("DELETE body: %s", rec.Body)
	}
	expect(t, e.definition("DELETE", rdID(sub, custom1), ""), http.StatusNoContent, "")
	expect(t, e.definition("DELETE", rdID(sub, OwnerRoleID), ""), http.StatusBadRequest, "RoleDefinitionUpdateNotAllowed")
}
