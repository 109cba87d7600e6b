package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const locksAPI = "?api-version=2020-05-01"

// lockFixture is a subscription with two groups: rg1 holding storage accounts a1 and a2, and
// rg2 holding b1.
type lockFixture struct {
	a                      *testAPI
	sub, rg1, rg2, a1, a2  string
	b1                     string
	lockRG1, lockA1, lockS string
}

func newLockFixture(t *testing.T) *lockFixture {
	t.Helper()
	a := newPolicyTestAPI(t)
	f := &lockFixture{a: a, sub: "/subscriptions/" + testSub}
	f.rg1, f.rg2 = f.sub+"/resourceGroups/rg1", f.sub+"/resourceGroups/rg2"
	f.a1 = f.rg1 + "/providers/Microsoft.Storage/storageAccounts/a1"
	f.a2 = f.rg1 + "/providers/Microsoft.Storage/storageAccounts/a2"
	f.b1 = f.rg2 + "/providers/Microsoft.Storage/storageAccounts/b1"
	f.lockRG1 = f.rg1 + "/providers/Microsoft.Authorization/locks/keep-rg1"
	f.lockA1 = f.a1 + "/providers/Microsoft.Authorization/locks/keep-a1"
	f.lockS = f.sub + "/providers/Microsoft.Authorization/locks/keep-sub"
	for _, rg := range []string{f.rg1, f.rg2} {
		a.mustDo(t, http.MethodPut, rg+groupsAPI, `{"location":"westus"}`, http.StatusCreated)
	}
	for _, res := range []string{f.a1, f.a2, f.b1} {
		a.mustDo(t, http.MethodPut, res+storageAPI, `{"location":"westus","properties":{}}`, http.StatusCreated)
	}
	return f
}

// wantLocked checks ARM's refusal of a locked scope: 409 ScopeLocked naming the scope, the
// operation and the locked scopes, asking to remove the lock. The message as Azure sends it
// (for example "The scope '…/storageAccounts/…' cannot perform write operation because
// following scope(s) are locked: '…'. Please remove the lock and try again."):
// https://learn.microsoft.com/answers/questions/1392143/the-scope-cannot-perform-delete-operation-because
// and Azure-Player/azure.datafactory.devops#183 for delete; Azure/apiops#606 for a delete
// refused by a group's lock.
func wantLocked(t *testing.T, r response, op string, locked ...string) {
	t.Helper()
	msg, _ := r.Body["error"].(map[string]any)["message"].(string)
	if r.Status != http.StatusConflict || r.code() != "ScopeLocked" ||
		!strings.Contains(msg, "cannot perform "+op+" operation because following scope(s) are locked: '") ||
		!strings.HasSuffix(msg, "Please remove the lock and try again.") {
		t.Fatalf("want 409 ScopeLocked (%s): %d %s", op, r.Status, r.Raw)
	}
	for _, l := range locked {
		if !strings.Contains(msg, "'"+l+"'") {
			t.Errorf("message does not name the locked scope %s: %s", l, msg)
		}
	}
}

// The locks API's shapes and codes follow Azure/azure-rest-api-specs
// specification/resources/resource-manager/Microsoft.Authorization/stable/2020-05-01/locks.json
// (ManagementLockObject: properties.level CanNotDelete/ReadOnly, notes of at most 512
// characters, owners; PUT 200/201, DELETE 200/204; lists paged by nextLink) and its examples
// ManagementLocks_CreateOrUpdateAtResourceGroupLevel.json, ManagementLocks_ListAtScope.json,
// https://learn.microsoft.com/rest/api/resources/management-locks.
func TestLocksAPI(t *testing.T) {
	f := newLockFixture(t)
	a := f.a

	r := a.mustDo(t, http.MethodPut, f.lockRG1+locksAPI, `{"properties":{"level":"CanNotDelete","notes":"keep it"}}`, http.StatusCreated)
	want := map[string]any{"id": f.lockRG1, "name": "keep-rg1", "type": "Microsoft.Authorization/locks",
		"properties": map[string]any{"level": "CanNotDelete", "notes": "keep it"}}
	if !reflect.DeepEqual(r.Body, want) {
		t.Errorf("PUT body %v, want %v", r.Body, want)
	}
	// The SDK sends "resourcegroups" in lower case; ARM answers with the canonical id and,
	// on update, keeps the casing of the first create.
	r = a.mustDo(t, http.MethodPut, strings.Replace(f.lockRG1, "resourceGroups", "resourcegroups", 1)+locksAPI,
		`{"properties":{"level":"ReadOnly","owners":[{"applicationId":"app-1"}]}}`, http.StatusOK)
	if r.Body["id"] != f.lockRG1 || props(r)["level"] != "ReadOnly" || props(r)["notes"] != nil ||
		!reflect.DeepEqual(props(r)["owners"], []any{map[string]any{"applicationId": "app-1"}}) {
		t.Errorf("PUT again: %s", r.Raw)
	}
	if r = a.mustDo(t, http.MethodGet, f.lockRG1+locksAPI, "", http.StatusOK); props(r)["level"] != "ReadOnly" {
		t.Errorf("GET: %s", r.Raw)
	}
	a.mustDo(t, http.MethodPut, f.lockRG1+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusOK)
	a.mustDo(t, http.MethodPut, f.lockA1+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusCreated)
	a.mustDo(t, http.MethodPut, f.lockS+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusCreated)
	lockB1 := f.b1 + "/providers/Microsoft.Authorization/locks/keep-b1"
	a.mustDo(t, http.MethodPut, lockB1+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusCreated)

	// Lists: at a scope, the locks at it, above it and below it; with $filter=atScope() the
	// locks at it and above it, those that apply to it ("-AtScope: all locks at or above the
	// specified scope; without it, all locks at, above, or below the scope":
	// https://learn.microsoft.com/powershell/module/az.resources/get-azresourcelock).
	// The list at the subscription holds every lock in it (ManagementLocks_ListAtScope.json
	// lists a group's lock at the subscription scope).
	lists := []struct {
		path string
		want []string
	}{
		{f.sub + "/providers/Microsoft.Authorization/locks", []string{"keep-a1", "keep-b1", "keep-rg1", "keep-sub"}},
		{f.sub + "/providers/Microsoft.Authorization/locks?$filter=atScope()&", []string{"keep-sub"}},
		{f.rg1 + "/providers/Microsoft.Authorization/locks", []string{"keep-a1", "keep-rg1", "keep-sub"}},
		{f.rg1 + "/providers/Microsoft.Authorization/locks?$filter=atScope()&", []string{"keep-rg1", "keep-sub"}},
		{f.a1 + "/providers/Microsoft.Authorization/locks", []string{"keep-a1", "keep-rg1", "keep-sub"}},
		{f.a2 + "/providers/Microsoft.Authorization/locks", []string{"keep-rg1", "keep-sub"}},
		{f.rg2 + "/providers/Microsoft.Authorization/locks", []string{"keep-b1", "keep-sub"}},
	}
	for _, l := range lists {
		path := l.path + locksAPI
		if strings.HasSuffix(l.path, "&") {
			path = l.path + strings.TrimPrefix(locksAPI, "?")
		}
		if got := a.listNames(t, path+"&$top=1"); !reflect.DeepEqual(got, l.want) {
			t.Errorf("%s: %v, want %v", l.path, got, l.want)
		}
	}
	r = a.mustDo(t, http.MethodGet, f.sub+"/providers/Microsoft.Authorization/locks"+locksAPI+"&$top=2", "", http.StatusOK)
	if next, _ := r.Body["nextLink"].(string); !strings.Contains(next, "api-version=2020-05-01") || !strings.Contains(next, "$skiptoken=") {
		t.Errorf("nextLink: %s", r.Raw)
	}

	// DELETE: 200, then 204 when there is no lock.
	a.mustDo(t, http.MethodDelete, lockB1+locksAPI, "", http.StatusOK)
	a.mustDo(t, http.MethodDelete, lockB1+locksAPI, "", http.StatusNoContent)

	bad := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"no level", "PUT", f.lockRG1, `{"properties":{"notes":"x"}}`, 400, "InvalidLockLevel"},
		{"NotSpecified", "PUT", f.lockRG1, `{"properties":{"level":"NotSpecified"}}`, 400, "InvalidLockLevel"},
		{"unknown level", "PUT", f.lockRG1, `{"properties":{"level":"Frozen"}}`, 400, "InvalidLockLevel"},
		{"notes of 513 characters", "PUT", f.lockRG1, `{"properties":{"level":"ReadOnly","notes":"` + strings.Repeat("n", 513) + `"}}`, 400, "LockNotesTooLong"},
		{"no properties", "PUT", f.lockRG1, `{}`, 400, "InvalidRequestContent"},
		{"not JSON", "PUT", f.lockRG1, `{"properties":`, 400, "InvalidRequestContent"},
		{"level not a string", "PUT", f.lockRG1, `{"properties":{"level":1}}`, 400, "InvalidRequestContent"},
		{"name with a colon", "PUT", f.rg1 + "/providers/Microsoft.Authorization/locks/a:b", `{"properties":{"level":"ReadOnly"}}`, 400, "InvalidLockName"},
		{"name of 261 characters", "PUT", f.rg1 + "/providers/Microsoft.Authorization/locks/" + strings.Repeat("l", 261), `{"properties":{"level":"ReadOnly"}}`, 400, "InvalidLockName"},
		{"missing group", "PUT", f.sub + "/resourceGroups/nope/providers/Microsoft.Authorization/locks/l", `{"properties":{"level":"ReadOnly"}}`, 404, "ResourceGroupNotFound"},
		{"missing resource", "PUT", f.rg1 + "/providers/Microsoft.Storage/storageAccounts/nope/providers/Microsoft.Authorization/locks/l", `{"properties":{"level":"ReadOnly"}}`, 404, "ResourceNotFound"},
		{"missing lock", "GET", f.rg1 + "/providers/Microsoft.Authorization/locks/nope", "", 404, "LockNotFound"},
		{"lock in a missing group", "GET", f.sub + "/resourceGroups/nope/providers/Microsoft.Authorization/locks/l", "", 404, "ResourceGroupNotFound"},
		{"PATCH", "PATCH", f.lockRG1, `{"properties":{"level":"ReadOnly"}}`, 405, "MethodNotAllowed"},
		{"old api-version", "GET", f.lockRG1 + "?api-version=2014-01-01", "", 404, "InvalidResourceType"},
		{"other filter", "GET", f.sub + "/providers/Microsoft.Authorization/locks?$filter=name%20eq%20'x'&api-version=2020-05-01", "", 400, "InvalidFilterInQueryString"},
		// Locks are taken by subscriptions, resource groups and resources only: "You can't add
		// a lock to management groups" (MicrosoftDocs/azure-docs#122793,
		// https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources).
		{"management group", "PUT", "/providers/Microsoft.Management/managementGroups/" + testTenant + "/providers/Microsoft.Authorization/locks/l", `{"properties":{"level":"ReadOnly"}}`, 400, "InvalidLockScope"},
		{"tenant", "PUT", "/providers/Microsoft.Authorization/locks/l", `{"properties":{"level":"ReadOnly"}}`, 400, "InvalidLockScope"},
		{"tenant list", "GET", "/providers/Microsoft.Authorization/locks", "", 400, "InvalidLockScope"},
	}
	for _, tc := range bad {
		path := tc.path
		if !strings.Contains(path, "api-version") {
			path += locksAPI
		}
		r := a.do(t, tc.method, path, tc.body)
		if r.Status != tc.status || r.code() != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Raw, tc.status, tc.code)
		}
	}
	// Older api-versions of the API are served.
	for _, v := range []string{"2015-01-01", "2016-09-01", "2017-04-01"} {
		a.mustDo(t, http.MethodGet, f.lockRG1+"?api-version="+v, "", http.StatusOK)
	}
	// Locks are not resources of the group.
	if names := a.listNames(t, f.rg1+"/resources"+groupsAPI); !reflect.DeepEqual(names, []string{"a1", "a2"}) {
		t.Errorf("group resources: %v", names)
	}
}

// Enforcement as https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources
// describes it: CanNotDelete lets authorised users read and modify but not delete; ReadOnly lets
// them only read (POST included, as for a storage account's listKeys); a lock on a parent scope
// is inherited by everything in it, extension resources included (a ReadOnly lock prevents role
// assignments at the locked scope, a CanNotDelete lock their deletion); deleting a group with a
// locked resource is refused whole ("You never have a partial deletion").
func TestLocksEnforced(t *testing.T) {
	f := newLockFixture(t)
	a := f.a
	assignment := func(scope string) string {
		return scope + "/providers/Microsoft.Authorization/policyAssignments/pa"
	}
	steps := []struct {
		name         string
		method, path string
		body         string
		status       int
		lockedOp     string   // when set, a ScopeLocked refusal of this operation
		lockedScopes []string // named in the refusal
	}{
		{name: "CanNotDelete on rg1", method: "PUT", path: f.lockRG1 + locksAPI, body: `{"properties":{"level":"CanNotDelete"}}`, status: 201},
		{name: "delete rg1", method: "DELETE", path: f.rg1 + groupsAPI, lockedOp: "delete", lockedScopes: []string{f.rg1}},
		{name: "delete a1", method: "DELETE", path: f.a1 + storageAPI, lockedOp: "delete", lockedScopes: []string{f.rg1}},
		{name: "PUT a1", method: "PUT", path: f.a1 + storageAPI, body: `{"location":"westus","properties":{"x":1}}`, status: 200},
		{name: "PATCH a1", method: "PATCH", path: f.a1 + storageAPI, body: `{"tags":{"k":"v"}}`, status: 200},
		{name: "PATCH rg1", method: "PATCH", path: f.rg1 + groupsAPI, body: `{"tags":{"k":"v"}}`, status: 200},
		{name: "create a3", method: "PUT", path: f.rg1 + "/providers/Microsoft.Storage/storageAccounts/a3" + storageAPI, body: `{"location":"westus"}`, status: 201},
		{name: "delete b1 in another group", method: "DELETE", path: f.b1 + storageAPI, status: 200},
		{name: "assign policy at a1", method: "PUT", path: assignment(f.a1) + policyAPI,
			body: `{"properties":{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"}}`, status: 201},
		{name: "delete the assignment at a1", method: "DELETE", path: assignment(f.a1) + policyAPI, lockedOp: "delete", lockedScopes: []string{f.rg1}},
		{name: "delete the tags of a1", method: "DELETE", path: f.a1 + "/providers/Microsoft.Resources/tags/default" + groupsAPI, lockedOp: "delete"},
		{name: "ReadOnly on rg1", method: "PUT", path: f.lockRG1 + locksAPI, body: `{"properties":{"level":"ReadOnly"}}`, status: 200},
		{name: "GET a1", method: "GET", path: f.a1 + storageAPI, status: 200},
		{name: "list rg1", method: "GET", path: f.rg1 + "/resources" + groupsAPI, status: 200},
		{name: "PUT a1 read-only", method: "PUT", path: f.a1 + storageAPI, body: `{"location":"westus","properties":{}}`, lockedOp: "write", lockedScopes: []string{f.rg1}},
		{name: "PATCH a1 read-only", method: "PATCH", path: f.a1 + storageAPI, body: `{"tags":{}}`, lockedOp: "write"},
		{name: "PATCH rg1 read-only", method: "PATCH", path: f.rg1 + groupsAPI, body: `{"tags":{}}`, lockedOp: "write"},
		{name: "create in rg1", method: "PUT", path: f.rg1 + "/providers/Microsoft.Storage/storageAccounts/a4" + storageAPI, body: `{"location":"westus"}`, lockedOp: "write"},
		{name: "listKeys a1", method: "POST", path: f.a1 + "/listKeys" + storageAPI, lockedOp: "write", lockedScopes: []string{f.rg1}},
		{name: "delete a2 read-only", method: "DELETE", path: f.a2 + storageAPI, lockedOp: "delete"},
		{name: "tags of a1", method: "PUT", path: f.a1 + "/providers/Microsoft.Resources/tags/default" + groupsAPI, body: `{"properties":{"tags":{"a":"b"}}}`, lockedOp: "write"},
		{name: "assign policy at rg1", method: "PUT", path: assignment(f.rg1) + policyAPI,
			body: `{"properties":{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"}}`, lockedOp: "write"},
		{name: "rg2 is not locked", method: "PUT", path: f.rg2 + "/providers/Microsoft.Storage/storageAccounts/b2" + storageAPI, body: `{"location":"westus"}`, status: 201},
		{name: "a lock is written under a read-only lock", method: "PUT", path: f.lockA1 + locksAPI, body: `{"properties":{"level":"CanNotDelete"}}`, status: 201},
		{name: "remove the group's lock", method: "DELETE", path: f.lockRG1 + locksAPI, status: 200},
		{name: "PUT a1 again", method: "PUT", path: f.a1 + storageAPI, body: `{"location":"westus","properties":{}}`, status: 200},
		{name: "listKeys a1 unlocked", method: "POST", path: f.a1 + "/listKeys" + storageAPI, status: 405},
		// Now only a1 is locked (CanNotDelete): its sibling goes, the group does not, and
		// nothing in it is deleted.
		{name: "delete the sibling a2", method: "DELETE", path: f.a2 + storageAPI, status: 200},
		{name: "delete a1 locked itself", method: "DELETE", path: f.a1 + storageAPI, lockedOp: "delete", lockedScopes: []string{f.a1}},
		{name: "delete rg1 holding a locked a1", method: "DELETE", path: f.rg1 + groupsAPI, lockedOp: "delete", lockedScopes: []string{f.a1}},
		{name: "a1 is still there", method: "GET", path: f.a1 + storageAPI, status: 200},
		{name: "a3 is still there", method: "GET", path: f.rg1 + "/providers/Microsoft.Storage/storageAccounts/a3" + storageAPI, status: 200},
		{name: "the lock is still there", method: "GET", path: f.lockA1 + locksAPI, status: 200},
		{name: "remove a1's lock", method: "DELETE", path: f.lockA1 + locksAPI, status: 200},
		{name: "delete rg1 at last", method: "DELETE", path: f.rg1 + groupsAPI, status: 200},
		// A subscription lock reaches every group.
		{name: "CanNotDelete on the subscription", method: "PUT", path: f.lockS + locksAPI, body: `{"properties":{"level":"CanNotDelete"}}`, status: 201},
		{name: "delete rg2", method: "DELETE", path: f.rg2 + groupsAPI, lockedOp: "delete", lockedScopes: []string{f.sub}},
		{name: "create rg3", method: "PUT", path: f.sub + "/resourceGroups/rg3" + groupsAPI, body: `{"location":"westus"}`, status: 201},
		// ReadOnly on the subscription: POSTs that only read still answer, writes do not.
		{name: "ReadOnly on the subscription", method: "PUT", path: f.lockS + locksAPI, body: `{"properties":{"level":"ReadOnly"}}`, status: 200},
		{name: "list definition versions", method: "POST", path: f.sub + "/providers/Microsoft.Authorization/listPolicyDefinitionVersions" + policyAPI, status: 200},
		{name: "create rg4", method: "PUT", path: f.sub + "/resourceGroups/rg4" + groupsAPI, body: `{"location":"westus"}`, lockedOp: "write", lockedScopes: []string{f.sub}},
	}
	for _, s := range steps {
		r := a.do(t, s.method, s.path, s.body)
		if s.lockedOp != "" {
			t.Run(s.name, func(t *testing.T) { wantLocked(t, r, s.lockedOp, s.lockedScopes...) })
			continue
		}
		if r.Status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.name, r.Status, r.Raw, s.status)
		}
	}
}

// Lock writes are Administrative events (Microsoft.Authorization/locks/write and …/delete,
// Started then Succeeded), and a write refused by a lock records Started and Failed
// (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema#administrative-category).
func TestLocksInActivityLog(t *testing.T) {
	f := newTagsFixture(t)
	lock := f.rg + "/providers/Microsoft.Authorization/locks/l1"
	r := f.a.mustDo(t, http.MethodPut, lock+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusCreated)
	want := []string{"Administrative Microsoft.Authorization/locks/write Started " + lock, "Administrative Microsoft.Authorization/locks/write Succeeded " + lock}
	if got := f.eventsOf(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("lock write events %q, want %q", got, want)
	}
	r = f.a.do(t, http.MethodDelete, f.res+storageAPI, "")
	wantLocked(t, r, "delete", f.rg)
	want = []string{"Administrative Microsoft.Storage/storageAccounts/delete Failed " + f.res, "Administrative Microsoft.Storage/storageAccounts/delete Started " + f.res}
	if got := f.eventsOf(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("refused delete events %q, want %q", got, want)
	}
	r = f.a.mustDo(t, http.MethodDelete, lock+locksAPI, "", http.StatusOK)
	want = []string{"Administrative Microsoft.Authorization/locks/delete Started " + lock, "Administrative Microsoft.Authorization/locks/delete Succeeded " + lock}
	if got := f.eventsOf(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("lock delete events %q, want %q", got, want)
	}
	f.a.mustDo(t, http.MethodDelete, f.res+storageAPI, "", http.StatusOK)
}

// A resource-group delete reads the locks again in its own transaction: a lock this server's
// index has not seen yet (written through another replica) still stops it, and nothing in the
// group is deleted.
func TestLocksGroupDeleteInTransaction(t *testing.T) {
	f := newLockFixture(t)
	f.a.mustDo(t, http.MethodPut, f.lockA1+locksAPI, `{"properties":{"level":"CanNotDelete"}}`, http.StatusCreated)
	idx := f.a.h.locks
	f.a.h.locks = nil // no index: only the transaction's own read can find the lock
	r := f.a.do(t, http.MethodDelete, f.rg1+groupsAPI, "")
	f.a.h.locks = idx
	wantLocked(t, r, "delete", f.a1)
	f.a.mustDo(t, http.MethodGet, f.a2+storageAPI, "", http.StatusOK)
}
