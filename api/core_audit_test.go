package api

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// sdkOptions points the real ARM clients at the test server.
func sdkOptions(a *testAPI) *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: azpolicy.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: a.srv.URL, Audience: "https://management.core.windows.net/"}}},
		InsecureAllowCredentialWithHTTP: true,
	}, DisableRPRegistration: true}
}

// A PUT cannot move an existing resource to another region: ARM answers
// 400 InvalidResourceLocation ("The resource 'x' already exists in
// location 'a' in resource group 'rg'. A resource with the same name cannot
// be created in location 'b'. …"), as reported verbatim in
// MicrosoftDocs/azure-docs#70422 and Azure/azure-service-operator#784.
// The same location in another spelling is not a move, and PATCH never
// moves a resource.
func TestPutRefusesLocationChange(t *testing.T) {
	ctx := context.Background()
	a := newTestAPI(t)
	opts := sdkOptions(a)
	rgs, err := armresources.NewResourceGroupsClient(testSub, staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rgs.CreateOrUpdate(ctx, "rg1", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	rc, err := armresources.NewClient(testSub, staticToken{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	const apiVersion = "2023-01-01"
	id := "/subscriptions/" + testSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1"
	put := func(loc string) error {
		p, err := rc.BeginCreateOrUpdateByID(ctx, id, apiVersion, armresources.GenericResource{Location: to.Ptr(loc)}, nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(ctx, nil)
		return err
	}
	steps := []struct {
		name, loc string
		code      string // "" for success
	}{
		{"create", "westeurope", ""},
		{"replace in the same location", "West Europe", ""},
		{"move", "eastus", "InvalidResourceLocation"},
		{"move again", "North Europe", "InvalidResourceLocation"},
	}
	for _, s := range steps {
		err := put(s.loc)
		if s.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		re := respErr(t, err)
		if re.StatusCode != http.StatusBadRequest || re.ErrorCode != s.code {
			t.Errorf("%s: %d %s, want 400 %s", s.name, re.StatusCode, re.ErrorCode, s.code)
		}
	}
	got, err := rc.GetByID(ctx, id, apiVersion, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Location != "westeurope" {
		t.Errorf("location after refused moves = %s", *got.Location)
	}
	r := a.do(t, "PUT", id+"?api-version="+apiVersion, `{"location":"eastus"}`)
	want := "The resource 'sa1' already exists in location 'westeurope' in resource group 'rg1'. A resource with the same name cannot be created in location 'eastus'. Please select a new resource name."
	if msg, _ := r.Body["error"].(map[string]any)["message"].(string); msg != want {
		t.Errorf("message %q", msg)
	}
	// PATCH ignores location rather than refusing it.
	up, err := rc.BeginUpdateByID(ctx, id, apiVersion, armresources.GenericResource{Location: to.Ptr("eastus"), Tags: map[string]*string{"a": to.Ptr("b")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := up.PollUntilDone(ctx, nil); err != nil || *res.Location != "westeurope" || *res.Tags["a"] != "b" {
		t.Errorf("PATCH: %v %+v", err, res)
	}
}

// The alias PUT answers SubscriptionAliasResponse: besides subscriptionId
// and provisioningState, its properties echo displayName, workload,
// billingScope, managementGroupId, subscriptionOwnerId and tags, with
// createdTime, and the object has systemData
// (Azure/azure-rest-api-specs specification/subscription/resource-manager/
// Microsoft.Subscription/stable/2021-10-01/subscriptions.json,
// SubscriptionAliasResponseProperties, and examples/createAlias.json).
func TestAliasResponseProperties(t *testing.T) {
	a := newTestAPI(t)
	path := "/providers/Microsoft.Subscription/aliases/team-a?api-version=2021-10-01"
	body := `{"properties":{"displayName":"Team A","workload":"DevTest","billingScope":"/billingAccounts/b1/enrollmentAccounts/e1",
		"additionalProperties":{"managementGroupId":"/providers/Microsoft.Management/managementGroups/` + testTenant + `",
		"subscriptionOwnerId":"f09b39eb-c496-482c-9ab9-afd799572f4c","tags":{"cost":"42"}}}}`
	created := a.do(t, "PUT", path, body)
	if created.Status != http.StatusCreated {
		t.Fatalf("PUT: %d %s", created.Status, created.Raw)
	}
	got := a.do(t, "GET", path, "")
	if got.Status != http.StatusOK {
		t.Fatalf("GET: %d %s", got.Status, got.Raw)
	}
	for _, r := range []response{created, got} {
		props, _ := r.Body["properties"].(map[string]any)
		want := map[string]string{
			"displayName": "Team A", "workload": "DevTest", "billingScope": "/billingAccounts/b1/enrollmentAccounts/e1",
			"managementGroupId":   "/providers/Microsoft.Management/managementGroups/" + testTenant,
			"subscriptionOwnerId": "f09b39eb-c496-482c-9ab9-afd799572f4c", "provisioningState": "Succeeded",
		}
		for k, v := range want {
			if props[k] != v {
				t.Errorf("properties.%s = %v, want %q", k, props[k], v)
			}
		}
		if tags, _ := props["tags"].(map[string]any); tags["cost"] != "42" {
			t.Errorf("properties.tags = %v", props["tags"])
		}
		if s, _ := props["createdTime"].(string); s == "" {
			t.Errorf("no createdTime: %s", r.Raw)
		}
		if sd, _ := r.Body["systemData"].(map[string]any); sd["createdByType"] != "User" {
			t.Errorf("systemData = %v", r.Body["systemData"])
		}
		if r.Body["type"] != "Microsoft.Subscription/aliases" || r.Body["name"] != "team-a" {
			t.Errorf("envelope: %s", r.Raw)
		}
	}
	sub, _ := created.Body["properties"].(map[string]any)["subscriptionId"].(string)
	if s := a.do(t, "GET", "/subscriptions/"+sub+"?api-version=2022-12-01", ""); s.Status != 200 || s.Body["displayName"] != "Team A" {
		t.Errorf("subscription: %d %s", s.Status, s.Raw)
	}
}

// Deleting a management group is a long-running operation whose
// Azure-AsyncOperation status is AzureAsyncOperationResults: the id, type
// and name of the management group with the status (Azure/azure-rest-api-specs
// specification/managementgroups/resource-manager/Microsoft.Management/
// stable/2021-04-01/management.json and examples/DeleteManagementGroup.json).
// ManagementGroups.BeginDelete returns that object as its result.
func TestManagementGroupDeleteResult(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the poller's one-second Retry-After")
	}
	ctx := context.Background()
	a := newTestAPI(t)
	mgs, err := armmanagementgroups.NewClient(staticToken{}, sdkOptions(a))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := mgs.BeginCreateOrUpdate(ctx, "Child1", armmanagementgroups.CreateManagementGroupRequest{
		Properties: &armmanagementgroups.CreateManagementGroupProperties{DisplayName: to.Ptr("Child One")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	dp, err := mgs.BeginDelete(ctx, "Child1", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := dp.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID == nil || *res.ID != "/providers/Microsoft.Management/managementGroups/Child1" ||
		res.Name == nil || *res.Name != "Child1" || res.Type == nil || *res.Type != "Microsoft.Management/managementGroups" ||
		res.Status == nil || *res.Status != "Succeeded" ||
		res.Properties == nil || res.Properties.DisplayName == nil || *res.Properties.DisplayName != "Child One" {
		t.Errorf("delete result = %+v", res)
	}
	if _, err := mgs.Get(ctx, "Child1", nil); respErr(t, err).StatusCode != http.StatusNotFound {
		t.Errorf("group still readable: %v", err)
	}
}

// The resource list $filter also takes substringof('<text>', resourceGroup)
// and startswith(tagName, '<prefix>')
// (https://learn.microsoft.com/rest/api/resources/resources/list, the
// $filter parameter; the same text is in the Resources_List operation of
// Azure/azure-rest-api-specs Microsoft.Resources resources.json).
func TestResourceListFilterForms(t *testing.T) {
	a := newTestAPI(t)
	v := "?api-version=2025-04-01"
	sub := "/subscriptions/" + testSub
	for _, rg := range []string{"rg-one", "RG-Two"} {
		if r := a.do(t, "PUT", sub+"/resourceGroups/"+rg+v, `{"location":"westeurope","tags":{"Department":"x"}}`); r.Status != 201 {
			t.Fatalf("%s: %d %s", rg, r.Status, r.Raw)
		}
	}
	resources := []struct{ rg, name, tags string }{
		{"rg-one", "kv-demo", `{"Department":"finance"}`},
		{"rg-one", "sa-prod", `{"env":"prod"}`},
		{"RG-Two", "vm-demo", `{"departureDate":"2025"}`},
		{"RG-Two", "vm-plain", `{}`},
	}
	for _, r := range resources {
		path := sub + "/resourceGroups/" + r.rg + "/providers/A.B/things/" + r.name + "?api-version=2020-01-01"
		if resp := a.do(t, "PUT", path, `{"location":"westeurope","tags":`+r.tags+`}`); resp.Status != 201 {
			t.Fatalf("%s: %d %s", r.name, resp.Status, resp.Raw)
		}
	}
	cases := []struct {
		scope, filter string
		want          []string
		code          string
	}{
		{sub, "substringof('two', resourceGroup)", []string{"vm-demo", "vm-plain"}, ""},
		{sub, "substringof('demo', name) and substringof('ONE', resourceGroup)", []string{"kv-demo"}, ""},
		{sub, "startswith(tagName, 'depart')", []string{"kv-demo", "vm-demo"}, ""},
		{sub, "startswith(tagName, 'DEPARTMENT')", []string{"kv-demo"}, ""},
		{sub + "/resourceGroups/RG-Two", "startswith(tagName, 'dep')", []string{"vm-demo"}, ""},
		{sub, "startswith(tagName, 'zzz')", nil, ""},
		// "You can link more than one substringof together by adding and/or operators."
		{sub, "substringof('kv', name) or substringof('plain', name)", []string{"kv-demo", "vm-plain"}, ""},
		{sub, "(substringof('kv', name) or substringof('vm', name)) and substringof('two', resourceGroup)", []string{"vm-demo", "vm-plain"}, ""},
		{sub + "/resourceGroups/rg-one", "tagName eq 'env' or tagName eq 'Department'", []string{"kv-demo", "sa-prod"}, ""},
		{sub, "name eq 'kv-demo' and name eq 'sa-prod'", nil, ""},
		{sub, "name eq 'kv-demo' or", nil, CodeInvalidFilter},
		{sub, "startswith(location, 'west')", nil, CodeInvalidFilter},
		{sub, "substringof('x', location)", nil, CodeInvalidFilter},
		{sub, "startswith(tagName 'x')", nil, CodeInvalidFilter},
	}
	for _, c := range cases {
		names, r := a.listAll(t, c.scope+"/resources"+v+"&$filter="+url.QueryEscape(c.filter))
		if c.code != "" {
			if r.Status != http.StatusBadRequest || r.code() != c.code {
				t.Errorf("%q: %d %s, want 400 %s", c.filter, r.Status, r.Raw, c.code)
			}
			continue
		}
		if r.Status != http.StatusOK {
			t.Errorf("%q: %d %s", c.filter, r.Status, r.Raw)
			continue
		}
		sort.Strings(names)
		if len(names) != len(c.want) || (len(names) > 0 && !equalStrings(names, c.want)) {
			t.Errorf("%q: %v, want %v", c.filter, names, c.want)
		}
	}
	// The resource-group list applies the tag-name prefix as well.
	if names, r := a.listAll(t, sub+"/resourcegroups"+v+"&$filter="+url.QueryEscape("startswith(tagName, 'dep')")); r.Status != 200 || len(names) != 2 {
		t.Errorf("resource groups: %v %d %s", names, r.Status, r.Raw)
	}
	if names, r := a.listAll(t, sub+"/resourcegroups"+v+"&$filter="+url.QueryEscape("startswith(tagName, 'env')")); r.Status != 200 || len(names) != 0 {
		t.Errorf("resource groups: %v %d %s", names, r.Status, r.Raw)
	}
}

// listAll GETs path and follows nextLink, returning the names of every
// item and the last response (the failing one, if any).
func (a *testAPI) listAll(t *testing.T, path string) ([]string, response) {
	t.Helper()
	var names []string
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("%s: too many pages", path)
		}
		r := a.do(t, "GET", path, "")
		if r.Status != http.StatusOK {
			return names, r
		}
		items, _ := r.Body["value"].([]any)
		for _, it := range items {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		next, _ := r.Body["nextLink"].(string)
		if next == "" {
			return names, r
		}
		path = strings.TrimPrefix(next, a.srv.URL)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
