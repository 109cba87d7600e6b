package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// TestRBACOnRequests: every ARM request is authorised by role at scope. A Reader can read but
// not write, a Contributor can write resources but not assign policy, and each refusal is ARM's
// 403 AuthorizationFailed naming the caller, the action and the scope
// (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting).
func TestRBACOnRequests(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	userToken := func(name string) (token, objectID string) {
		status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/users/"+name+"?api-version=2024-01-01", admin,
			`{"properties":{"password":"`+name+`-password-1"}}`)
		if status != 201 {
			t.Fatalf("create %s: %d %v", name, status, body)
		}
		oid := body["properties"].(map[string]any)["objectId"].(string)
		tok, err := r.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"},
			"username": {name}, "password": {name + "-password-1"}, "scope": {armScope}})
		if err != nil {
			t.Fatal(err)
		}
		return tok, oid
	}
	grant := func(name, oid, roleID string) {
		path := sub + "/providers/Microsoft.Authorization/roleAssignments/" + name + "?api-version=2022-04-01"
		status, _, body := r.raw(t, "PUT", path, admin, `{"properties":{"roleDefinitionId":"`+sub+
			`/providers/Microsoft.Authorization/roleDefinitions/`+roleID+`","principalId":"`+oid+`","principalType":"User"}}`)
		if status != 201 {
			t.Fatalf("grant %s: %d %v", roleID, status, body)
		}
	}
	reader, readerOID := userToken("reader")
	contributor, contributorOID := userToken("contributor")
	nobody, _ := userToken("nobody")
	grant("6f1a2b3c-0000-4000-8000-000000000001", readerOID, "acdd72a7-3385-48ef-bd42-f606fba81ae7")
	grant("6f1a2b3c-0000-4000-8000-000000000002", contributorOID, "b24988ac-6180-42a0-ab88-20f7382dd24c")

	rg := sub + "/resourceGroups/rg1?api-version=2025-04-01"
	if status, _, body := r.raw(t, "PUT", rg, admin, `{"location":"eastus"}`); status != 201 {
		t.Fatalf("admin creates a group: %d %v", status, body)
	}
	if status, _, _ := r.raw(t, "GET", rg, reader, ""); status != 200 {
		t.Errorf("reader reads: %d", status)
	}
	status, _, body := r.raw(t, "PUT", sub+"/resourceGroups/rg2?api-version=2025-04-01", reader, `{"location":"eastus"}`)
	msg := dump(body)
	if status != 403 || !strings.Contains(msg, `"AuthorizationFailed"`) ||
		!strings.Contains(msg, "Microsoft.Resources/subscriptions/resourceGroups/write") || !strings.Contains(msg, "rg2") || !strings.Contains(msg, "reader") {
		t.Errorf("reader writes: %d %s", status, msg)
	}
	if status, _, body := r.raw(t, "PUT", sub+"/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/a1?api-version=2023-01-01", contributor,
		`{"location":"eastus"}`); status != 201 {
		t.Errorf("contributor writes a resource: %d %v", status, body)
	}
	status, _, body = r.raw(t, "PUT", sub+"/providers/Microsoft.Authorization/policyAssignments/mfa?api-version=2025-03-01", contributor,
		`{"properties":{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"}}`)
	if status != 403 || !strings.Contains(dump(body), "Microsoft.Authorization/policyAssignments/write") {
		t.Errorf("contributor assigns policy: %d %v", status, body)
	}
	if status, _, _ := r.raw(t, "GET", rg, nobody, ""); status != 403 {
		t.Errorf("a user without a role reads: %d", status)
	}
	if status, _, _ := r.raw(t, "GET", "/subscriptions?api-version=2022-12-01", nobody, ""); status != 200 {
		t.Errorf("listing subscriptions is open to every signed-in caller: %d", status)
	}
	// Any signed-in caller may ask whether a management group name is free and list the
	// entities of the hierarchy, each with the caller's own permission on it: the Reader of the
	// subscription sees it with "view", and the root group above it with "noaccess".
	if status, _, body := r.raw(t, "POST", "/providers/Microsoft.Management/checkNameAvailability?api-version=2021-04-01", nobody,
		`{"name":"new-group","type":"Microsoft.Management/managementGroups"}`); status != 200 || body["nameAvailable"] != true {
		t.Errorf("checkNameAvailability without a role: %d %v", status, body)
	}
	status, _, body = r.raw(t, "POST", "/providers/Microsoft.Management/getEntities?api-version=2021-04-01", reader, "")
	if status != 200 {
		t.Fatalf("getEntities as a subscription Reader: %d %v", status, body)
	}
	perms := map[string]string{}
	for _, v := range body["value"].([]any) {
		e := v.(map[string]any)
		perms[strings.ToLower(e["name"].(string))], _ = e["properties"].(map[string]any)["permissions"].(string)
	}
	if perms[testSub] != "view" || perms[strings.ToLower(testTenant)] != "noaccess" {
		t.Errorf("getEntities permissions for a subscription Reader: %v", perms)
	}
}

// TestGroupRoleAssignment: a role assigned to a group applies to its members, whose tokens carry
// the group in their groups claim.
func TestGroupRoleAssignment(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	if status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/users/carol?api-version=2024-01-01", admin,
		`{"properties":{"password":"carol-password-1"}}`); status != 201 {
		t.Fatalf("create carol: %d %v", status, body)
	}
	status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/groups/writers?api-version=2024-01-01", admin,
		`{"properties":{"displayName":"Writers","members":["carol"]}}`)
	if status != 201 {
		t.Fatalf("create group: %d %v", status, body)
	}
	groupID := body["properties"].(map[string]any)["objectId"].(string)
	if status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/groups/bad?api-version=2024-01-01", admin,
		`{"properties":{"members":["nobody-by-that-name"]}}`); status != 400 {
		t.Errorf("group with an unknown member: %d %v", status, body)
	}
	status, _, body = r.raw(t, "PUT", sub+"/providers/Microsoft.Authorization/roleAssignments/6f1a2b3c-0000-4000-8000-000000000003?api-version=2022-04-01", admin,
		`{"properties":{"roleDefinitionId":"`+sub+`/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c","principalId":"`+groupID+`","principalType":"Group"}}`)
	if status != 201 {
		t.Fatalf("assign Contributor to the group: %d %v", status, body)
	}
	tok, err := r.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"},
		"username": {"carol"}, "password": {"carol-password-1"}, "scope": {armScope}})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := r.raw(t, "PUT", sub+"/resourceGroups/carols?api-version=2025-04-01", tok, `{"location":"eastus"}`); status != 201 {
		t.Errorf("group member writes: %d %v", status, body)
	}
}

// Role assignment and custom role writes are Administrative events in the subscription's activity
// log, as in Azure (Microsoft.Authorization/roleAssignments/write and …/delete, Started then
// Succeeded): the record of who granted access.
func TestRoleWritesInActivityLog(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	ra := sub + "/providers/Microsoft.Authorization/roleAssignments/6f1a2b3c-0000-4000-8000-0000000000aa"
	status, _, body := r.raw(t, "PUT", ra+"?api-version=2022-04-01", admin, `{"properties":{"roleDefinitionId":"`+sub+
		`/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"`+testClientID+`","principalType":"ServicePrincipal"}}`)
	if status != 201 {
		t.Fatalf("grant: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "DELETE", ra+"?api-version=2022-04-01", admin, ""); status != 200 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	filter := url.QueryEscape("eventTimestamp ge '2000-01-01T00:00:00Z' and resourceProvider eq 'Microsoft.Authorization'")
	status, _, body = r.raw(t, "GET", sub+"/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter="+filter, admin, "")
	if status != 200 {
		t.Fatalf("activity log: %d %v", status, body)
	}
	got := map[string]int{}
	for _, v := range body["value"].([]any) {
		e := v.(map[string]any)
		if strings.EqualFold(e["resourceId"].(string), ra) {
			got[e["operationName"].(map[string]any)["value"].(string)+" "+e["status"].(map[string]any)["value"].(string)]++
		}
	}
	for _, want := range []string{"Microsoft.Authorization/roleAssignments/write Started", "Microsoft.Authorization/roleAssignments/write Succeeded",
		"Microsoft.Authorization/roleAssignments/delete Started", "Microsoft.Authorization/roleAssignments/delete Succeeded"} {
		if got[want] != 1 {
			t.Errorf("%s: %d events; all: %v", want, got[want], got)
		}
	}
}
