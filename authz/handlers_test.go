package authz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

const (
	tenantID = "11111111-1111-1111-1111-111111111111"
	admin    = "99999999-0000-0000-0000-000000000009"
	ghost    = "dead0000-0000-0000-0000-00000000beef"
	ra1      = "05c5a614-a7d6-4502-b150-c2fb455033ff"
	ra2      = "b0f43c54-e787-4862-89b1-a653fa9cf747"
	ra3      = "0b5fe924-9a61-425c-96af-cfe6e287ca2d"
	ra4      = "1b5fe924-9a61-425c-96af-cfe6e287ca2e"
	ra5      = "2b5fe924-9a61-425c-96af-cfe6e287ca2f"
	custom1  = "7331dcae-0000-4000-8000-000000000001"
)

// scopeMissing is what the router's scope check returns for a scope that
// does not exist; fakeWriteError stands in for the router's error writer.
type scopeMissing struct{ scope string }

func (e *scopeMissing) Error() string { return "scope " + e.scope + " not found" }

func fakeWriteError(w http.ResponseWriter, err error) {
	var sm *scopeMissing
	if errors.As(err, &sm) {
		http.Error(w, `{"error":{"code":"ResourceGroupNotFound","message":"missing"}}`, http.StatusNotFound)
		return
	}
	WriteError(w, err)
}

// testEnv is the handlers over a real SQLite store in a temporary folder.
type testEnv struct {
	t  *testing.T
	st store.Store
	h  *Handlers
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &Handlers{
		Store:    db,
		TenantID: tenantID,
		Hierarchy: func(context.Context, store.Tx) (map[string]string, string, error) {
			return testParents, rootMG, nil
		},
		CheckScope: func(_ context.Context, _ store.Tx, scope armid.ID) error {
			if strings.Contains(scope.Key(), "/resourcegroups/missing") {
				return &scopeMissing{scope.String()}
			}
			return nil
		},
		WriteError: fakeWriteError,
		PrincipalType: func(_ context.Context, oid string) (string, error) {
			switch strings.ToLower(oid) {
			case alice, bob, admin:
				return "User", nil
			case team:
				return "Group", nil
			}
			return "", nil
		},
		GroupsOf: func(_ context.Context, oid string) ([]string, error) {
			if oid == alice {
				return []string{team}, nil
			}
			return nil, nil
		},
	}
	return &testEnv{t: t, st: db, h: h}
}

// do sends one request: path is an item id, or "{scope}|collection" for a
// list at scope.
func (e *testEnv) do(method, path, body string, serve func(*Handlers, http.ResponseWriter, Call)) *httptest.ResponseRecorder {
	e.t.Helper()
	target, coll := path, false
	if i := strings.Index(path, "|"); i >= 0 {
		target, coll = path[:i], true
	}
	idPath, query, _ := strings.Cut(target, "?")
	id := armid.MustParse(idPath)
	url := "http://localhost" + idPath + "?api-version=2022-04-01"
	if k, v, ok := strings.Cut(query, "="); ok {
		url += "&" + k + "=" + neturl.QueryEscape(v)
	}
	r := httptest.NewRequest(method, url, nil)
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	rec := httptest.NewRecorder()
	serve(e.h, rec, Call{HTTP: r, ID: id, Collection: coll, Body: b, Caller: Principal{ObjectID: admin, Caller: "admin@contoso.example"}})
	return rec
}

func (e *testEnv) assignment(method, path, body string) *httptest.ResponseRecorder {
	return e.do(method, path, body, (*Handlers).ServeRoleAssignment)
}

func (e *testEnv) definition(method, path, body string) *httptest.ResponseRecorder {
	return e.do(method, path, body, (*Handlers).ServeRoleDefinition)
}

func raID(scope, name string) string {
	return scope + "/providers/Microsoft.Authorization/roleAssignments/" + name
}

func raBody(role, principal, extra string) string {
	return `{"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/` + role +
		`","principalId":"` + principal + `"` + extra + `}}`
}

// expect checks the status and, when code is set, the ARM error code.
func expect(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if code == "" {
		return
	}
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != code {
		t.Fatalf("error code %q (%v), want %q; body %s", env.Error.Code, err, code, rec.Body)
	}
}

var timestamps = regexp.MustCompile(`"(createdOn|updatedOn)":"[^"]*"`)

// stable replaces timestamps for golden comparison.
func stable(b []byte) []byte {
	return timestamps.ReplaceAll(b, []byte(`"$1":"<time>"`))
}

// Shapes and status codes: RoleAssignments_Create answers 201 (and 200 on
// update), _Get 200, _Delete 200 with the deleted assignment or 204
// (authorization-RoleAssignmentsCalls.json, 2022-04-01, and its examples
// RoleAssignments_CreateForResourceGroup.json and RoleAssignments_Get.json).
func TestRoleAssignmentLifecycle(t *testing.T) {
	e := newEnv(t)
	id := raID(rg, ra1)
	rec := e.assignment("PUT", id, raBody(ContributorRoleID, alice, `,"description":"ops <team> & co"`))
	expect(t, rec, http.StatusCreated, "")
	golden(t, "role_assignment_created.json", stable(rec.Body.Bytes()))

	var got RoleAssignment
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Properties.CreatedOn == nil || got.Properties.CreatedOn.IsZero() || *got.Properties.CreatedBy != admin {
		t.Errorf("createdOn/createdBy not recorded: %+v", got.Properties)
	}

	rec = e.assignment("GET", strings.ToUpper(id[:20])+id[20:], "")
	expect(t, rec, http.StatusOK, "")
	if string(stable(rec.Body.Bytes())) != string(stable(mustRead(t, "role_assignment_created.json"))) {
		t.Errorf("GET differs from PUT:\n%s", rec.Body)
	}

	// Same name, same principal and role: an update of the description.
	rec = e.assignment("PUT", id, raBody(ContributorRoleID, alice, `,"description":"changed"`))
	expect(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Body.String(), `"description":"changed"`) {
		t.Errorf("description not updated: %s", rec.Body)
	}
	// Same name, another principal.
	expect(t, e.assignment("PUT", id, raBody(ContributorRoleID, bob, "")), http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted")
	// Another name, same principal, role and scope.
	rec = e.assignment("PUT", raID(rg, ra2), raBody(ContributorRoleID, alice, ""))
	expect(t, rec, http.StatusConflict, "RoleAssignmentExists")
	golden(t, "role_assignment_exists.json", rec.Body.Bytes())

	rec = e.assignment("DELETE", id, "")
	expect(t, rec, http.StatusOK, "")
	if !strings.Contains(rec.Body.String(), `"name":"`+ra1+`"`) {
		t.Errorf("DELETE body is not the deleted assignment: %s", rec.Body)
	}
	expect(t, e.assignment("DELETE", id, ""), http.StatusNoContent, "")
	expect(t, e.assignment("GET", id, ""), http.StatusNotFound, "RoleAssignmentNotFound")
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readTestdata(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoleAssignmentValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, id, body string
		status         int
		code           string
	}{
		{"name is not a GUID", raID(rg, "not-a-guid"), raBody(ReaderRoleID, alice, ""), 400, "InvalidRoleAssignmentId"},
		{"unknown role", raID(rg, ra1), raBody("00000000-dead-beef-0000-000000000000", alice, ""), 400, "RoleDefinitionDoesNotExist"},
		{"role given by bare GUID", raID(rg, ra1), `{"properties":{"roleDefinitionId":"` + ReaderRoleID + `","principalId":"` + alice + `"}}`, 400, "LinkedInvalidPropertyId"},
		{"principal id not a GUID", raID(rg, ra1), raBody(ReaderRoleID, "alice", ""), 400, "InvalidPrincipalId"},
		{"unknown principal", raID(rg, ra1), raBody(ReaderRoleID, ghost, ""), 400, "PrincipalNotFound"},
		{"bad principal type", raID(rg, ra1), raBody(ReaderRoleID, alice, `,"principalType":"Robot"`), 400, "InvalidPrincipalType"},
		{"no properties", raID(rg, ra1), `{}`, 400, "InvalidRequestContent"},
		{"malformed JSON", raID(rg, ra1), `{"properties":`, 400, "InvalidRequestContent"},
		{"empty body", raID(rg, ra1), ``, 400, "InvalidRequestContent"},
		{"scope does not exist", raID(sub+"/resourceGroups/missing", ra1), raBody(ReaderRoleID, alice, ""), 404, "ResourceGroupNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, e.assignment("PUT", tt.id, tt.body), tt.status, tt.code)
		})
	}
	// As a deployment reported it: "InvalidPrincipalId: The Principal ID
	// '...' is not valid."
	rec0 := e.assignment("PUT", raID(rg, ra1), raBody(ReaderRoleID, "alice", ""))
	if !strings.Contains(rec0.Body.String(), `"message":"The Principal ID 'alice' is not valid."`) {
		t.Errorf("InvalidPrincipalId message: %s", rec0.Body)
	}
	// PrincipalNotFound names the principal without dashes and the directory,
	// as ARM does (see Azure/avdaccelerator#99).
	rec := e.assignment("PUT", raID(rg, ra1), raBody(ReaderRoleID, ghost, ""))
	if !strings.Contains(rec.Body.String(), "Principal dead000000000000000000000000beef does not exist in the directory "+tenantID+".") {
		t.Errorf("PrincipalNotFound message: %s", rec.Body)
	}
	// With principalType given, ARM does not look the principal up.
	rec = e.assignment("PUT", raID(rg, ra1), raBody(ReaderRoleID, ghost, `,"principalType":"serviceprincipal"`))
	expect(t, rec, http.StatusCreated, "")
	if !strings.Contains(rec.Body.String(), `"principalType":"ServicePrincipal"`) {
		t.Errorf("principalType not normalised: %s", rec.Body)
	}
	expect(t, e.assignment("POST", raID(rg, ra1), ""), http.StatusMethodNotAllowed, "MethodNotAllowed")
}

// listNames returns the names in a list response, in order.
func listNames(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	expect(t, rec, http.StatusOK, "")
	var l struct {
		Value []struct{ Name string } `json:"value"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, v := range l.Value {
		out = append(out, v.Name)
	}
	return out
}

func TestRoleAssignmentList(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ scope, name, role, principal string }{
		{mg, ra1, ReaderRoleID, bob},
		{sub, ra2, OwnerRoleID, alice},
		{rg, ra3, ContributorRoleID, bob},
		{vm, ra4, ReaderRoleID, team},
		{siblingR, ra5, ReaderRoleID, alice},
	} {
		expect(t, e.assignment("PUT", raID(c.scope, c.name), raBody(c.role, c.principal, "")), http.StatusCreated, "")
	}
	tests := []struct {
		name, query string
		scope       string
		want        string
	}{
		{"at, above and below a resource group", "", rg, "ra1 ra2 ra3 ra4"},
		{"at or above a resource group", "$filter=atScope()", rg, "ra1 ra2 ra3"},
		{"at or above a resource", "$filter=atScope()", vm, "ra1 ra2 ra3 ra4"},
		{"everything below a management group", "", mg, "ra1 ra2 ra3 ra4 ra5"},
		{"one principal at, above and below", "$filter=principalId eq '" + alice + "'", rg, "ra2"},
		{"one principal in the subscription", "$filter=principalId eq '" + alice + "'", sub, "ra2 ra5"},
		{"assigned to a principal or its groups", "$filter=assignedTo('" + alice + "')", rg, "ra2 ra4"},
		{"assigned to, at scope", "$filter=atScope() and assignedTo('" + alice + "')", rg, "ra2"},
		{"another subscription outside the group sees none", "", otherSub, ""},
	}
	names := map[string]string{ra1: "ra1", ra2: "ra2", ra3: "ra3", ra4: "ra4", ra5: "ra5"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.scope + "?" + tt.query + "|"
			var got []string
			for _, n := range listNames(t, e.assignment("GET", path, "")) {
				got = append(got, names[n])
			}
			sortStrings(got)
			if strings.Join(got, " ") != tt.want {
				t.Errorf("list = %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
	expect(t, e.assignment("GET", rg+"?$filter=roleName eq 'Reader'|", ""), http.StatusBadRequest, "InvalidFilterInQueryString")
	expect(t, e.assignment("GET", rg+"?$filter=atScope(|", ""), http.StatusBadRequest, "InvalidFilterInQueryString")
}

// The Authorizer follows the store: a role assignment written through the
// handlers governs the next check, and its deletion too.
func TestAuthorizerFollowsStore(t *testing.T) {
	e := newEnv(t)
	a := NewAuthorizer(e.st, e.h.Hierarchy)
	ctx := context.Background()
	p := Principal{ObjectID: bob, Caller: "bob@contoso.example"}
	target := armid.MustParse(vm)
	const write = "Microsoft.Compute/virtualMachines/write"
	if err := a.Check(ctx, p, write, target); err == nil {
		t.Fatal("allowed before any assignment")
	}
	expect(t, e.assignment("PUT", raID(mg, ra1), raBody(ContributorRoleID, bob, "")), http.StatusCreated, "")
	if err := a.Check(ctx, p, write, target); err != nil {
		t.Fatalf("not allowed after a Contributor assignment at the management group: %v", err)
	}
	if err := a.Check(ctx, p, "Microsoft.Authorization/policyAssignments/write", target); err == nil {
		t.Fatal("Contributor may write policy assignments")
	}
	expect(t, e.assignment("DELETE", raID(mg, ra1), ""), http.StatusOK, "")
	if err := a.Check(ctx, p, write, target); err == nil {
		t.Fatal("still allowed after the assignment was deleted")
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func mustID(s string) armid.ID { return armid.MustParse(s) }

// loadSnapshot builds a snapshot from what the handlers stored.
func loadSnapshot(t *testing.T, e *testEnv) *Snapshot {
	t.Helper()
	var s *Snapshot
	err := e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		s, err = LoadSnapshot(context.Background(), tx, e.h.Hierarchy)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) > 0 {
		t.Fatalf("problems: %v", s.Problems)
	}
	return s
}

// Permissions_ListForResourceGroup answers the caller's permission blocks
// (authorization-RoleDefinitionsCalls.json, PermissionGetResult).
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	expect(t, e.assignment("PUT", raID(sub, ra1), raBody(ReaderRoleID, admin, "")), http.StatusCreated, "")
	expect(t, e.assignment("PUT", raID(rg, ra2), raBody(ContributorRoleID, admin, "")), http.StatusCreated, "")
	expect(t, e.assignment("PUT", raID(siblingR, ra3), raBody(OwnerRoleID, admin, "")), http.StatusCreated, "")
	rec := e.do("GET", rg+"|", "", (*Handlers).ServePermissions)
	expect(t, rec, http.StatusOK, "")
	var got struct{ Value []Permission }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, p := range got.Value {
		actions = append(actions, strings.Join(p.Actions, ","))
	}
	sortStrings(actions)
	if strings.Join(actions, " ") != "* */read" {
		t.Errorf("permissions at the resource group: %v (want Contributor's and Reader's, not the sibling's Owner)", actions)
	}
	if !strings.Contains(rec.Body.String(), `"dataActions":[]`) {
		t.Errorf("empty lists must be []: %s", rec.Body)
	}
}
