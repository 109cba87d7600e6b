package server

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

const locksAPI = "?api-version=2020-05-01"

// Management locks through the running server: the locks API over HTTP as the spec gives it
// (Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Authorization/
// stable/2020-05-01/locks.json; the armlocks module is not available to this build, so the
// lock calls are raw HTTP), and their enforcement seen by the real armresources/v3 clients: a
// CanNotDelete lock on a group refuses the group's deletion with 409 ScopeLocked, a ReadOnly
// lock refuses writes (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
func TestSDKLocks(t *testing.T) {
	r := startServer(t, func(c *Config) { c.PageSize = 2 })
	ctx := context.Background()
	admin := r.adminToken(t)
	sub := r.SubscriptionID()
	clients := r.resourceClients(t)
	groups := clients.NewResourceGroupsClient()
	res := clients.NewClient()
	if _, err := groups.CreateOrUpdate(ctx, "rg-locked", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	rg := "/subscriptions/" + sub + "/resourceGroups/rg-locked"
	acct := rg + "/providers/Microsoft.Storage/storageAccounts/acct1"
	create := func(body string) error {
		p, err := res.BeginCreateOrUpdateByID(ctx, acct, "2023-05-01", armresources.GenericResource{Location: to.Ptr("westeurope"),
			Properties: map[string]any{"note": body}}, nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(ctx, nil)
		return err
	}
	if err := create("first"); err != nil {
		t.Fatal(err)
	}

	lock := rg + "/providers/Microsoft.Authorization/locks/keep"
	status, _, body := r.raw(t, "PUT", lock+locksAPI, admin, `{"properties":{"level":"CanNotDelete","notes":"production"}}`)
	if status != 201 || body["id"] != lock || body["type"] != "Microsoft.Authorization/locks" {
		t.Fatalf("create lock: %d %v", status, body)
	}
	subLock := "/subscriptions/" + sub + "/providers/Microsoft.Authorization/locks/sub-keep"
	if status, _, body := r.raw(t, "PUT", subLock+locksAPI, admin, `{"properties":{"level":"CanNotDelete"}}`); status != 201 {
		t.Fatalf("create subscription lock: %d %v", status, body)
	}
	// The group's list pages through its own lock and the subscription's.
	var names []string
	for path := rg + "/providers/Microsoft.Authorization/locks" + locksAPI + "&$top=1"; path != ""; {
		status, _, body := r.raw(t, "GET", path, admin, "")
		if status != 200 {
			t.Fatalf("list: %d %v", status, body)
		}
		for _, it := range body["value"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		next, _ := body["nextLink"].(string)
		path = strings.TrimPrefix(next, r.URL())
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "keep,sub-keep" {
		t.Errorf("group's locks: %v", names)
	}

	// CanNotDelete: the group and the account stay; the account can still change.
	dp, err := groups.BeginDelete(ctx, "rg-locked", nil)
	if err == nil {
		_, err = dp.PollUntilDone(ctx, nil)
	}
	wantCode(t, err, http.StatusConflict, "ScopeLocked")
	if !strings.Contains(err.Error(), "cannot perform delete operation because following scope(s) are locked") {
		t.Errorf("message: %v", err)
	}
	_, err = res.BeginDeleteByID(ctx, acct, "2023-05-01", nil)
	wantCode(t, err, http.StatusConflict, "ScopeLocked")
	if err := create("second"); err != nil {
		t.Errorf("update under CanNotDelete: %v", err)
	}

	// ReadOnly: writes refused, reads allowed.
	if status, _, body := r.raw(t, "PUT", lock+locksAPI, admin, `{"properties":{"level":"ReadOnly"}}`); status != 200 {
		t.Fatalf("lock ReadOnly: %d %v", status, body)
	}
	wantCode(t, create("third"), http.StatusConflict, "ScopeLocked")
	if got, err := res.GetByID(ctx, acct, "2023-05-01", nil); err != nil || got.Properties.(map[string]any)["note"] != "second" {
		t.Errorf("read under ReadOnly: %v %v", err, got)
	}
	_, err = groups.Update(ctx, "rg-locked", armresources.ResourceGroupPatchable{Tags: map[string]*string{"a": to.Ptr("b")}}, nil)
	wantCode(t, err, http.StatusConflict, "ScopeLocked")

	// Removing the locks restores writes and deletes.
	for _, l := range []string{lock, subLock} {
		if status, _, body := r.raw(t, "DELETE", l+locksAPI, admin, ""); status != 200 {
			t.Fatalf("delete lock %s: %d %v", l, status, body)
		}
	}
	if status, _, _ := r.raw(t, "DELETE", lock+locksAPI, admin, ""); status != 204 {
		t.Errorf("delete a missing lock: %d", status)
	}
	if err := create("fourth"); err != nil {
		t.Errorf("write after unlock: %v", err)
	}
	dp, err = groups.BeginDelete(ctx, "rg-locked", nil)
	if err == nil {
		_, err = dp.PollUntilDone(ctx, nil)
	}
	if err != nil {
		t.Errorf("delete after unlock: %v", err)
	}
}

// Creating and deleting locks needs Microsoft.Authorization/locks/write and …/delete, which
// of the built-in roles only Owner and User Access Administrator hold: a Contributor is refused
// with 403 AuthorizationFailed (locks.json, ManagementLocks_CreateOrUpdateAtResourceGroupLevel;
// https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources#who-can-create-or-delete-locks).
// A lock binds every role, the Owner's too.
func TestLocksRBAC(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	user := func(name, roleID, assignment string) string {
		status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/users/"+name+"?api-version=2024-01-01", admin,
			`{"properties":{"password":"`+name+`-password-1"}}`)
		if status != 201 {
			t.Fatalf("create %s: %d %v", name, status, body)
		}
		oid := body["properties"].(map[string]any)["objectId"].(string)
		status, _, body = r.raw(t, "PUT", sub+"/providers/Microsoft.Authorization/roleAssignments/"+assignment+"?api-version=2022-04-01", admin,
			`{"properties":{"roleDefinitionId":"`+sub+`/providers/Microsoft.Authorization/roleDefinitions/`+roleID+`","principalId":"`+oid+`","principalType":"User"}}`)
		if status != 201 {
			t.Fatalf("grant %s: %d %v", name, status, body)
		}
		tok, err := r.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"},
			"username": {name}, "password": {name + "-password-1"}, "scope": {armScope}})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	contributor := user("contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", "7a1b2c3d-0000-4000-8000-000000000001")
	uaa := user("uaa", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "7a1b2c3d-0000-4000-8000-000000000002")

	rg := sub + "/resourceGroups/rg1"
	if status, _, body := r.raw(t, "PUT", rg+"?api-version=2025-04-01", contributor, `{"location":"eastus"}`); status != 201 {
		t.Fatalf("contributor creates a group: %d %v", status, body)
	}
	lock := rg + "/providers/Microsoft.Authorization/locks/keep"
	status, _, body := r.raw(t, "PUT", lock+locksAPI, contributor, `{"properties":{"level":"CanNotDelete"}}`)
	if msg := dump(body); status != 403 || !strings.Contains(msg, `"AuthorizationFailed"`) || !strings.Contains(msg, "Microsoft.Authorization/locks/write") {
		t.Errorf("contributor creates a lock: %d %s", status, msg)
	}
	if status, _, body := r.raw(t, "PUT", lock+locksAPI, uaa, `{"properties":{"level":"CanNotDelete"}}`); status != 201 {
		t.Fatalf("User Access Administrator creates a lock: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "GET", lock+locksAPI, contributor, ""); status != 200 {
		t.Errorf("contributor reads the lock: %d %v", status, body)
	}
	status, _, body = r.raw(t, "DELETE", lock+locksAPI, contributor, "")
	if msg := dump(body); status != 403 || !strings.Contains(msg, "Microsoft.Authorization/locks/delete") {
		t.Errorf("contributor deletes the lock: %d %s", status, msg)
	}
	for who, tok := range map[string]string{"contributor": contributor, "owner": admin} {
		if status, _, body := r.raw(t, "DELETE", rg+"?api-version=2025-04-01", tok, ""); status != 409 || !strings.Contains(dump(body), "ScopeLocked") {
			t.Errorf("%s deletes the locked group: %d %v", who, status, body)
		}
	}
	if status, _, body := r.raw(t, "DELETE", lock+locksAPI, admin, ""); status != 200 {
		t.Errorf("owner deletes the lock: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "DELETE", rg+"?api-version=2025-04-01", contributor, ""); status != 200 {
		t.Errorf("contributor deletes the unlocked group: %d %v", status, body)
	}
}
