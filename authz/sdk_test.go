package authz

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/palisade/palisade/armid"
)

// staticToken is a credential that always returns the same bearer token.
type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// sdkServer routes the three families to the handlers the way the ARM
// router does: a path ending in the type is the collection at the scope
// before it, a longer one is an item.
func sdkServer(t *testing.T, e *testEnv) *httptest.Server {
	families := []struct {
		suffix string
		serve  func(*Handlers, http.ResponseWriter, Call)
	}{
		{"/providers/microsoft.authorization/roleassignments", (*Handlers).ServeRoleAssignment},
		{"/providers/microsoft.authorization/roledefinitions", (*Handlers).ServeRoleDefinition},
		{"/providers/microsoft.authorization/permissions", (*Handlers).ServePermissions},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := "/" + strings.TrimLeft(r.URL.Path, "/")
		low := strings.ToLower(p)
		for _, f := range families {
			call := Call{HTTP: r, Caller: Principal{ObjectID: admin}}
			idText := ""
			switch {
			case strings.HasSuffix(low, f.suffix):
				call.Collection, idText = true, p[:len(p)-len(f.suffix)]
				if idText == "" {
					idText = "/"
				}
			case strings.Contains(low, f.suffix+"/"):
				idText = p
			default:
				continue
			}
			id, err := armid.Parse(idText)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			call.ID = id
			if call.Body, err = io.ReadAll(r.Body); err != nil {
				t.Error(err)
			}
			f.serve(e.h, w, call)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sdkOptions(url string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: url, Audience: "https://management.core.windows.net/"},
			}},
			InsecureAllowCredentialWithHTTP: true,
			Retry:                           policy.RetryOptions{MaxRetries: -1},
		},
		DisableRPRegistration: true,
	}
}

// The Go SDK's authorization clients (armauthorization/v2, api-version
// 2022-04-01) accept every answer: status codes, shapes and error codes.
func TestSDKRoleAssignments(t *testing.T) {
	e := newEnv(t)
	srv := sdkServer(t, e)
	ctx := context.Background()
	subID := strings.TrimPrefix(sub, "/subscriptions/")
	ras, err := armauthorization.NewRoleAssignmentsClient(subID, staticToken{}, sdkOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	rgScope := strings.TrimPrefix(rg, "/")
	params := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr("/subscriptions/" + subID + "/providers/Microsoft.Authorization/roleDefinitions/" + ContributorRoleID),
		PrincipalID:      to.Ptr(alice),
		PrincipalType:    to.Ptr(armauthorization.PrincipalTypeUser),
	}}
	created, err := ras.Create(ctx, rgScope, ra1, params, nil)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if *created.ID != raID(rg, ra1) || *created.Properties.Scope != rg || created.Properties.CreatedOn == nil ||
		*created.Properties.PrincipalType != armauthorization.PrincipalTypeUser {
		t.Errorf("Create returned %+v", *created.Properties)
	}
	got, err := ras.Get(ctx, rgScope, ra1, nil)
	if err != nil || *got.Name != ra1 {
		t.Fatalf("Get: %v %v", got, err)
	}
	if _, err := ras.GetByID(ctx, strings.TrimPrefix(raID(rg, ra1), "/"), nil); err != nil {
		t.Fatalf("GetByID: %v", err)
	}

	_, err = ras.Create(ctx, rgScope, ra2, params, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict || re.ErrorCode != "RoleAssignmentExists" {
		t.Fatalf("duplicate Create: %v", err)
	}

	count := 0
	pager := ras.NewListForScopePager(strings.TrimPrefix(vm, "/"), &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("atScope()")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListForScope: %v", err)
		}
		count += len(page.Value)
	}
	if count != 1 {
		t.Errorf("ListForScope(atScope()) at a resource below the assignment: %d items, want 1", count)
	}
	subPager := ras.NewListForSubscriptionPager(nil)
	page, err := subPager.NextPage(ctx)
	if err != nil || len(page.Value) != 1 {
		t.Fatalf("ListForSubscription: %v, %v", page.Value, err)
	}

	perms := mustPermissions(t, srv.URL, subID, ctx)
	if len(perms) != 0 {
		t.Errorf("the caller (admin) has no role, yet permissions %v", perms)
	}

	deleted, err := ras.Delete(ctx, rgScope, ra1, nil)
	if err != nil || deleted.ID == nil || *deleted.ID != raID(rg, ra1) {
		t.Fatalf("Delete: %+v %v", deleted, err)
	}
	if _, err := ras.Delete(ctx, rgScope, ra1, nil); err != nil {
		t.Fatalf("Delete of a missing assignment (204): %v", err)
	}
	_, err = ras.Get(ctx, rgScope, ra1, nil)
	if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || re.ErrorCode != "RoleAssignmentNotFound" {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func mustPermissions(t *testing.T, url, subID string, ctx context.Context) []*armauthorization.Permission {
	t.Helper()
	pc, err := armauthorization.NewPermissionsClient(subID, staticToken{}, sdkOptions(url))
	if err != nil {
		t.Fatal(err)
	}
	page, err := pc.NewListForResourceGroupPager("rg1", nil).NextPage(ctx)
	if err != nil {
		t.Fatalf("Permissions: %v", err)
	}
	return page.Value
}

func TestSDKRoleDefinitions(t *testing.T) {
	e := newEnv(t)
	srv := sdkServer(t, e)
	ctx := context.Background()
	rds, err := armauthorization.NewRoleDefinitionsClient(staticToken{}, sdkOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	subScope := strings.TrimPrefix(sub, "/")
	reader, err := rds.Get(ctx, subScope, ReaderRoleID, nil)
	if err != nil {
		t.Fatalf("Get Reader: %v", err)
	}
	if *reader.Properties.RoleName != "Reader" || *reader.Properties.RoleType != BuiltInRole || *reader.Properties.Permissions[0].Actions[0] != "*/read" {
		t.Errorf("Reader: %+v", *reader.Properties)
	}
	page, err := rds.NewListPager(subScope, &armauthorization.RoleDefinitionsClientListOptions{Filter: to.Ptr("roleName eq 'Owner'")}).NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != OwnerRoleID {
		t.Fatalf("List roleName eq 'Owner': %v %v", page.Value, err)
	}
	custom := armauthorization.RoleDefinition{Properties: &armauthorization.RoleDefinitionProperties{
		RoleName:         to.Ptr("Policy reader"),
		Description:      to.Ptr("Reads policy objects"),
		RoleType:         to.Ptr(CustomRole),
		Permissions:      []*armauthorization.Permission{{Actions: []*string{to.Ptr("Microsoft.Authorization/policy*/read")}}},
		AssignableScopes: []*string{to.Ptr(sub)},
	}}
	made, err := rds.CreateOrUpdate(ctx, subScope, custom1, custom, nil)
	if err != nil {
		t.Fatalf("CreateOrUpdate: %v", err)
	}
	if *made.Properties.RoleType != CustomRole || *made.ID != rdID(sub, custom1) {
		t.Errorf("CreateOrUpdate returned %s %+v", *made.ID, *made.Properties)
	}
	if _, err := rds.Delete(ctx, subScope, custom1, nil); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = rds.Get(ctx, subScope, custom1, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound || re.ErrorCode != "RoleDefinitionDoesNotExist" {
		t.Fatalf("Get after Delete: %v", err)
	}
}
