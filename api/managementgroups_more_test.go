package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
)

// The shapes checked here follow the Management Groups REST specification,
// Azure/azure-rest-api-specs
// specification/managementgroups/resource-manager/Microsoft.Management/ManagementGroups/stable/2023-04-01/management.json
// and its examples (GetDescendants.json, GetEntities.json,
// CheckManagementGroupNameAvailability.json, PutHierarchySettings.json,
// HierarchySettings_Get.json: the settings object is named after its group),
// documented at https://learn.microsoft.com/rest/api/managementgroups/.
// The armmanagementgroups client sends api-version 2021-04-01.

const (
	mgSub2 = "00000000-0000-0000-0000-0000000000a2"
	mgSub3 = "00000000-0000-0000-0000-0000000000a3"
	mgSub4 = "00000000-0000-0000-0000-0000000000a4"
)

func mgClients(t *testing.T) (*testAPI, *armmanagementgroups.ClientFactory) {
	t.Helper()
	a := newTestAPI(t)
	opts := &arm.ClientOptions{ClientOptions: azpolicy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: a.srv.URL, Audience: "https://management.core.windows.net/"}}},
		InsecureAllowCredentialWithHTTP: true,
	}, DisableRPRegistration: true}
	f, err := armmanagementgroups.NewClientFactory(staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, f
}

// mgTree builds root → platform → {corp, online}, with testSub in corp and
// three subscriptions (made through aliases) in platform.
func mgTree(t *testing.T, a *testAPI, f *armmanagementgroups.ClientFactory) {
	t.Helper()
	ctx := context.Background()
	for _, g := range []struct{ name, display, parent string }{
		{"platform", "Platform", testTenant}, {"corp", "Corp", "platform"}, {"online", "Online", "platform"},
	} {
		p, err := f.NewClient().BeginCreateOrUpdate(ctx, g.name, armmanagementgroups.CreateManagementGroupRequest{
			Properties: &armmanagementgroups.CreateManagementGroupProperties{DisplayName: to.Ptr(g.display),
				Details: &armmanagementgroups.CreateManagementGroupDetails{Parent: &armmanagementgroups.CreateParentGroupInfo{
					ID: to.Ptr(managementGroupPrefix + g.parent)}}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.PollUntilDone(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.NewManagementGroupSubscriptionsClient().Create(ctx, "corp", testSub, nil); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{mgSub2, mgSub3, mgSub4} {
		createAlias(t, a, "alias"+s[len(s)-1:], s, "Sub "+string(rune('2'+i)), "platform")
	}
}

func createAlias(t *testing.T, a *testAPI, alias, sub, display, mg string) {
	t.Helper()
	extra := ""
	if mg != "" {
		extra = `,"additionalProperties":{"managementGroupId":"` + managementGroupPrefix + mg + `"}`
	}
	r := a.do(t, "PUT", "/providers/Microsoft.Subscription/aliases/"+alias+"?api-version=2021-10-01",
		`{"properties":{"displayName":"`+display+`","workload":"Production","subscriptionId":"`+sub+`"`+extra+`}}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("alias %s: %d %s", alias, r.Status, r.Raw)
	}
}

func TestManagementGroupDescendantsWithSDK(t *testing.T) {
	a, f := mgClients(t)
	mgTree(t, a, f)
	ctx := context.Background()
	list := func(top *int32) ([]*armmanagementgroups.DescendantInfo, int) {
		t.Helper()
		pager := f.NewClient().NewGetDescendantsPager("platform", &armmanagementgroups.ClientGetDescendantsOptions{Top: top})
		var out []*armmanagementgroups.DescendantInfo
		pages := 0
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			out = append(out, page.Value...)
		}
		return out, pages
	}
	// The test server pages by 5; six descendants take two pages.
	got, pages := list(nil)
	if pages != 2 {
		t.Errorf("pages = %d, want 2", pages)
	}
	want := []struct{ name, typ, id, display, parent string }{
		{"corp", "Microsoft.Management/managementGroups", managementGroupPrefix + "corp", "Corp", "platform"},
		{testSub, "Microsoft.Management/managementGroups/subscriptions", "/subscriptions/" + testSub, "", "corp"},
		{"online", "Microsoft.Management/managementGroups", managementGroupPrefix + "online", "Online", "platform"},
		{mgSub2, "Microsoft.Management/managementGroups/subscriptions", "/subscriptions/" + mgSub2, "Sub 2", "platform"},
		{mgSub3, "Microsoft.Management/managementGroups/subscriptions", "/subscriptions/" + mgSub3, "Sub 3", "platform"},
		{mgSub4, "Microsoft.Management/managementGroups/subscriptions", "/subscriptions/" + mgSub4, "Sub 4", "platform"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d descendants, want %d", len(got), len(want))
	}
	for i, w := range want {
		d := got[i]
		if *d.Name != w.name || *d.Type != w.typ || *d.ID != w.id || *d.Properties.Parent.ID != managementGroupPrefix+w.parent {
			t.Errorf("descendant %d = %s %s %s parent %s, want %+v", i, *d.Name, *d.Type, *d.ID, *d.Properties.Parent.ID, w)
		}
		if w.display != "" && *d.Properties.DisplayName != w.display {
			t.Errorf("descendant %d displayName %q, want %q", i, *d.Properties.DisplayName, w.display)
		}
	}
	// $top=2 pages by two, nextLink carrying $top and api-version.
	if got, pages := list(to.Ptr[int32](2)); len(got) != 6 || pages != 3 {
		t.Errorf("$top=2: %d items in %d pages, want 6 in 3", len(got), pages)
	}
	// A leaf group has none.
	if got, _ := f.NewClient().NewGetDescendantsPager("online", nil).NextPage(ctx); len(got.Value) != 0 {
		t.Errorf("online has %d descendants", len(got.Value))
	}
	// The root's descendants are every group and subscription but itself.
	r := a.do(t, "GET", "/providers/Microsoft.Management/managementGroups/"+testTenant+"/descendants?api-version=2021-04-01&$top=100", "")
	if vals, _ := r.Body["value"].([]any); r.Status != 200 || len(vals) != 5 {
		t.Errorf("root descendants: %d %s", r.Status, r.Raw)
	}
	if _, err := f.NewClient().NewGetDescendantsPager("nope", nil).NextPage(ctx); respErr(t, err).StatusCode != 404 {
		t.Errorf("unknown group: %v", err)
	}
	if r := a.do(t, "GET", "/providers/Microsoft.Management/managementGroups/platform/descendants?api-version=2021-04-01&$skiptoken=99", ""); r.Status != 400 || r.code() != "InvalidSkipToken" {
		t.Errorf("bad skiptoken: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "GET", "/providers/Microsoft.Management/managementGroups/platform/descendants?api-version=2018-01-01-preview", ""); r.Status != 404 || r.code() != CodeInvalidResourceType {
		t.Errorf("unsupported api-version: %d %s", r.Status, r.Raw)
	}
}

func TestCheckManagementGroupNameAvailabilityWithSDK(t *testing.T) {
	a, f := mgClients(t)
	mgTree(t, a, f)
	ctx := context.Background()
	c := f.NewAPIClient()
	check := func(name string) armmanagementgroups.CheckNameAvailabilityResult {
		t.Helper()
		r, err := c.CheckNameAvailability(ctx, armmanagementgroups.CheckNameAvailabilityRequest{
			Name: to.Ptr(name), Type: to.Ptr("Microsoft.Management/managementGroups")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.CheckNameAvailabilityResult
	}
	if r := check("finance-(eu)_1.x"); !*r.NameAvailable || r.Reason != nil || r.Message != nil {
		t.Errorf("free name: %+v", r)
	}
	for _, taken := range []string{"platform", "PLATFORM", "Corp", testTenant} {
		r := check(taken)
		if *r.NameAvailable || *r.Reason != armmanagementgroups.ReasonAlreadyExists || *r.Message == "" {
			t.Errorf("taken %q: %v %v", taken, *r.NameAvailable, r.Reason)
		}
	}
	for _, bad := range []string{"", "has space", "ends.", "slash/no", "ümlaut", strings.Repeat("a", 91)} {
		r := check(bad)
		if *r.NameAvailable || *r.Reason != armmanagementgroups.ReasonInvalid || *r.Message == "" {
			t.Errorf("invalid %q: %v %v", bad, *r.NameAvailable, r.Reason)
		}
	}
	if r := check(strings.Repeat("a", 90)); !*r.NameAvailable {
		t.Errorf("90 characters refused: %s", *r.Message)
	}
	path := "/providers/Microsoft.Management/checkNameAvailability?api-version=2021-04-01"
	for _, body := range []string{`{"name":`, `{"name":5}`, `[]`, ""} {
		if r := a.do(t, "POST", path, body); r.Status != 400 || r.code() != CodeInvalidRequestContent {
			t.Errorf("body %q: %d %s", body, r.Status, r.Raw)
		}
	}
	if r := a.do(t, "POST", path, `{"type":"Microsoft.Management/managementGroups"}`); r.Status != 400 || r.code() != CodeInvalidRequestContent {
		t.Errorf("no name: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "POST", path, `{"name":"x","type":"Microsoft.Storage/storageAccounts"}`); r.Status != 400 {
		t.Errorf("other type: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "GET", path, ""); r.Status != 405 {
		t.Errorf("GET: %d %s", r.Status, r.Raw)
	}
}

func TestGetEntitiesWithSDK(t *testing.T) {
	a, f := mgClients(t)
	mgTree(t, a, f)
	ctx := context.Background()
	list := func(o *armmanagementgroups.EntitiesClientListOptions) ([]*armmanagementgroups.EntityInfo, int) {
		t.Helper()
		pager := f.NewEntitiesClient().NewListPager(o)
		var out []*armmanagementgroups.EntityInfo
		pages := 0
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if page.Count == nil || int(*page.Count) < len(page.Value) {
				t.Errorf("page count %v for %d items", page.Count, len(page.Value))
			}
			out = append(out, page.Value...)
		}
		return out, pages
	}
	// Root, three groups, four subscriptions: two pages of five.
	all, pages := list(nil)
	if len(all) != 8 || pages != 2 {
		t.Fatalf("%d entities in %d pages, want 8 in 2", len(all), pages)
	}
	byName := map[string]*armmanagementgroups.EntityInfo{}
	for _, e := range all {
		byName[*e.Name] = e
		if *e.Properties.TenantID != testTenant || *e.Properties.Permissions != armmanagementgroups.PermissionsView ||
			*e.Properties.InheritedPermissions != armmanagementgroups.PermissionsView {
			t.Errorf("%s: tenant %s permissions %s/%s", *e.Name, *e.Properties.TenantID, *e.Properties.Permissions, *e.Properties.InheritedPermissions)
		}
	}
	root := byName[testTenant]
	if root == nil || root.Properties.Parent != nil || *root.Type != "Microsoft.Management/managementGroups" ||
		*root.Properties.NumberOfDescendants != 7 || *root.Properties.NumberOfChildren != 1 || *root.Properties.NumberOfChildGroups != 1 ||
		len(root.Properties.ParentNameChain) != 0 {
		t.Errorf("root entity: %+v", root)
	}
	platform := byName["platform"]
	if *platform.Properties.NumberOfDescendants != 6 || *platform.Properties.NumberOfChildren != 5 || *platform.Properties.NumberOfChildGroups != 2 ||
		*platform.Properties.Parent.ID != managementGroupPrefix+testTenant || *platform.Properties.DisplayName != "Platform" {
		t.Errorf("platform entity: %+v", *platform.Properties)
	}
	sub := byName[testSub]
	if sub == nil || *sub.Type != "/subscriptions" || *sub.ID != "/subscriptions/"+testSub || *sub.Properties.Parent.ID != managementGroupPrefix+"corp" ||
		len(sub.Properties.ParentNameChain) != 3 || *sub.Properties.ParentNameChain[0] != testTenant || *sub.Properties.ParentNameChain[2] != "corp" ||
		*sub.Properties.ParentDisplayNameChain[1] != "Platform" {
		t.Errorf("subscription entity: %+v", sub)
	}
	// groupName: the group and everything below it.
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{GroupName: to.Ptr("CORP")}); len(got) != 2 || *got[0].Name != "corp" || *got[1].Name != testSub {
		t.Errorf("groupName=corp: %d entities", len(got))
	}
	// $filter and $view.
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{Filter: to.Ptr("contains(displayName, 'SUB ')")}); len(got) != 3 {
		t.Errorf("contains(displayName): %d entities", len(got))
	}
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{Filter: to.Ptr("name eq 'Online'")}); len(got) != 1 || *got[0].Name != "online" {
		t.Errorf("name eq: %d entities", len(got))
	}
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{View: to.Ptr(armmanagementgroups.EntityViewParameterTypeGroupsOnly)}); len(got) != 4 {
		t.Errorf("GroupsOnly: %d entities", len(got))
	}
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{View: to.Ptr(armmanagementgroups.EntityViewParameterTypeSubscriptionsOnly)}); len(got) != 4 {
		t.Errorf("SubscriptionsOnly: %d entities", len(got))
	}
	// $search from a group.
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{Search: to.Ptr(armmanagementgroups.EntitySearchTypeChildrenOnly), GroupName: to.Ptr("platform")}); len(got) != 5 {
		t.Errorf("ChildrenOnly: %d entities", len(got))
	}
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{Search: to.Ptr(armmanagementgroups.EntitySearchTypeParentAndFirstLevelChildren),
		Filter: to.Ptr("name eq 'corp'")}); len(got) != 2 {
		t.Errorf("ParentAndFirstLevelChildren: %d entities", len(got))
	}
	// $top, and $skip, which the nextLink does not repeat.
	if got, pages := list(&armmanagementgroups.EntitiesClientListOptions{Top: to.Ptr[int32](3)}); len(got) != 8 || pages != 3 {
		t.Errorf("$top=3: %d entities in %d pages", len(got), pages)
	}
	if got, _ := list(&armmanagementgroups.EntitiesClientListOptions{Skip: to.Ptr[int32](6)}); len(got) != 2 {
		t.Errorf("$skip=6: %d entities", len(got))
	}
	r := a.do(t, "POST", "/providers/Microsoft.Management/getEntities?api-version=2021-04-01&$skip=1&$top=2", "")
	if link, _ := r.Body["nextLink"].(string); r.Status != 200 || strings.Contains(link, "$skip=") || !strings.Contains(link, "$skiptoken=3") {
		t.Errorf("$skip nextLink: %d %s", r.Status, r.Raw)
	}
	for _, q := range []string{"$filter=startswith(name,'a')", "$view=Everything", "$skip=-1", "$search=ChildrenOnly", "$top=0"} {
		if r := a.do(t, "POST", "/providers/Microsoft.Management/getEntities?api-version=2021-04-01&"+q, ""); r.Status != 400 {
			t.Errorf("%s: %d %s", q, r.Status, r.Raw)
		}
	}
	if r := a.do(t, "POST", "/providers/Microsoft.Management/getEntities?api-version=2021-04-01&groupName=nope", ""); r.Status != 404 {
		t.Errorf("unknown groupName: %d %s", r.Status, r.Raw)
	}
}

func TestHierarchySettingsWithSDK(t *testing.T) {
	a, f := mgClients(t)
	mgTree(t, a, f)
	ctx := context.Background()
	c := f.NewHierarchySettingsClient()

	// None yet: Get is 404, List is empty, Delete is 200.
	if _, err := c.Get(ctx, testTenant, nil); respErr(t, err).StatusCode != 404 || respErr(t, err).ErrorCode != "NotFound" {
		t.Errorf("get before set: %v", err)
	}
	if l, err := c.List(ctx, testTenant, nil); err != nil || len(l.Value) != 0 {
		t.Errorf("list before set: %v %v", l.Value, err)
	}
	if _, err := c.Delete(ctx, testTenant, nil); err != nil {
		t.Errorf("delete before set: %v", err)
	}

	put, err := c.CreateOrUpdate(ctx, testTenant, armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{
			RequireAuthorizationForGroupCreation: to.Ptr(true),
			DefaultManagementGroup:               to.Ptr("/providers/Microsoft.Management/managementGroups/PLATFORM"),
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := put.HierarchySettings
	if *s.ID != managementGroupPrefix+testTenant+"/settings/default" || *s.Name != testTenant ||
		*s.Type != "Microsoft.Management/managementGroups/settings" || *s.Properties.TenantID != testTenant ||
		!*s.Properties.RequireAuthorizationForGroupCreation || *s.Properties.DefaultManagementGroup != managementGroupPrefix+"platform" {
		t.Errorf("put: %s %s %s %+v", *s.ID, *s.Name, *s.Type, *s.Properties)
	}
	got, err := c.Get(ctx, testTenant, nil)
	if err != nil || *got.Properties.DefaultManagementGroup != managementGroupPrefix+"platform" || !*got.Properties.RequireAuthorizationForGroupCreation {
		t.Fatalf("get: %+v %v", got, err)
	}
	if l, err := c.List(ctx, testTenant, nil); err != nil || len(l.Value) != 1 || *l.Value[0].Name != testTenant {
		t.Errorf("list: %v %v", l.Value, err)
	}

	// A subscription created without a management group goes to the default group.
	const newSub = "00000000-0000-0000-0000-0000000000b1"
	createAlias(t, a, "newsub", newSub, "New", "")
	if _, err := f.NewManagementGroupSubscriptionsClient().GetSubscription(ctx, "platform", newSub, nil); err != nil {
		t.Errorf("new subscription not in the default group: %v", err)
	}
	// One that names its group goes there.
	const namedSub = "00000000-0000-0000-0000-0000000000b2"
	createAlias(t, a, "namedsub", namedSub, "Named", "online")
	if _, err := f.NewManagementGroupSubscriptionsClient().GetSubscription(ctx, "online", namedSub, nil); err != nil {
		t.Errorf("named subscription not in its group: %v", err)
	}

	// PATCH changes only what it names.
	upd, err := c.Update(ctx, testTenant, armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{RequireAuthorizationForGroupCreation: to.Ptr(false)}}, nil)
	if err != nil || *upd.Properties.RequireAuthorizationForGroupCreation || *upd.Properties.DefaultManagementGroup != managementGroupPrefix+"platform" {
		t.Errorf("patch: %+v %v", upd, err)
	}
	// PUT replaces: the omitted default group is cleared.
	put, err = c.CreateOrUpdate(ctx, testTenant, armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{RequireAuthorizationForGroupCreation: to.Ptr(true)}}, nil)
	if err != nil || put.Properties.DefaultManagementGroup != nil || !*put.Properties.RequireAuthorizationForGroupCreation {
		t.Errorf("put without default: %+v %v", put, err)
	}

	// A default group that does not exist, or an id of something else.
	if _, err := c.CreateOrUpdate(ctx, testTenant, armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{DefaultManagementGroup: to.Ptr(managementGroupPrefix + "nope")}}, nil); respErr(t, err).StatusCode != 404 {
		t.Errorf("missing default group: %v", err)
	}
	if _, err := c.CreateOrUpdate(ctx, testTenant, armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{DefaultManagementGroup: to.Ptr("/subscriptions/" + testSub)}}, nil); respErr(t, err).ErrorCode != CodeLinkedInvalidID {
		t.Errorf("non-group default: %v", err)
	}

	// Only the root group has settings.
	if _, err := c.CreateOrUpdate(ctx, "platform", armmanagementgroups.CreateOrUpdateSettingsRequest{
		Properties: &armmanagementgroups.CreateOrUpdateSettingsProperties{RequireAuthorizationForGroupCreation: to.Ptr(true)}}, nil); respErr(t, err).StatusCode != 400 {
		t.Errorf("put at non-root: %v", err)
	}
	if _, err := c.Get(ctx, "platform", nil); respErr(t, err).StatusCode != 400 {
		t.Errorf("get at non-root: %v", err)
	}
	if _, err := c.List(ctx, "corp", nil); respErr(t, err).StatusCode != 400 {
		t.Errorf("list at non-root: %v", err)
	}
	if _, err := c.Delete(ctx, "nope", nil); respErr(t, err).StatusCode != 404 {
		t.Errorf("delete at missing group: %v", err)
	}

	path := "/providers/Microsoft.Management/managementGroups/" + testTenant + "/settings/default?api-version=2021-04-01"
	for _, body := range []string{`{"properties":`, `{"properties":{"requireAuthorizationForGroupCreation":"yes"}}`, `{}`, ""} {
		if r := a.do(t, "PUT", path, body); r.Status != 400 || r.code() != CodeInvalidRequestContent {
			t.Errorf("body %q: %d %s", body, r.Status, r.Raw)
		}
	}
	if r := a.do(t, "GET", strings.Replace(path, "2021-04-01", "2019-11-01", 1), ""); r.Status != 404 || r.code() != CodeInvalidResourceType {
		t.Errorf("api-version before settings: %d %s", r.Status, r.Raw)
	}
	if r := a.do(t, "GET", strings.Replace(path, "/default", "/other", 1), ""); r.Status != 404 {
		t.Errorf("settings/other: %d %s", r.Status, r.Raw)
	}

	if _, err := c.Delete(ctx, testTenant, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, testTenant, nil); respErr(t, err).StatusCode != 404 {
		t.Errorf("get after delete: %v", err)
	}
}
