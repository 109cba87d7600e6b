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

// TestSDKPredefinedTags drives the subscription's tag names with armresources.TagsClient, as
// Azure documents them (https://learn.microsoft.com/rest/api/resources/tags; operations
// Tags_List, Tags_CreateOrUpdate, Tags_CreateOrUpdateValue, Tags_Delete and Tags_DeleteValue of
// Azure/azure-rest-api-specs specification/resources/resource-manager/Microsoft.Resources/
// resources/stable/2025-04-01/resources.json): PUT answers 201 when it creates and 200 when the
// name or value was predefined already; DELETE answers 200, or 204 when there was nothing to
// delete; the list is the union of predefined tags and the tags of the subscription, its groups
// and resources, with a "Total" count per name and per value. Names merge ignoring case, values
// do not.
func TestSDKPredefinedTags(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := startServer(t, tr.mod, func(c *Config) { c.PageSize = 2 })
			predefinedTagsFlow(t, r)
		})
	}
}

func predefinedTagsFlow(t *testing.T, r *running) {
	ctx := context.Background()
	sub := r.SubscriptionID()
	clients := r.resourceClients(t)
	groups := clients.NewResourceGroupsClient()
	res := clients.NewClient()
	tags := clients.NewTagsClient()
	admin := r.adminToken(t)
	base := "/subscriptions/" + sub + "/tagNames/"

	// Tagged objects: two groups, a resource, and the subscription itself.
	for name, tg := range map[string]map[string]*string{
		"rg-a": {"Env": to.Ptr("prod"), "team": to.Ptr("x")},
		"rg-b": {"env": to.Ptr("dev")},
		"rg-c": {"ENV": to.Ptr("Prod")},
	} {
		if _, err := groups.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: to.Ptr("eastus"), Tags: tg}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pollPut(ctx, res, "/subscriptions/"+sub+"/resourceGroups/rg-a/providers/Contoso.Widgets/widgets/w1",
		armresources.GenericResource{Location: to.Ptr("eastus"), Tags: map[string]*string{"env": to.Ptr("prod"), "cost": to.Ptr("1")}}); err != nil {
		t.Fatal(err)
	}
	sp, err := tags.BeginCreateOrUpdateAtScope(ctx, "/subscriptions/"+sub,
		armresources.TagsResource{Properties: &armresources.Tags{Tags: map[string]*string{"owner": to.Ptr("ops")}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// Predefine a name: 201, then 200 in any casing, keeping the first spelling.
	status, _, body := r.raw(t, "PUT", base+"Project?api-version=2025-04-01", admin, "")
	if status != http.StatusCreated || body["tagName"] != "Project" || body["id"] != base+"Project" ||
		dump(body["count"]) != `{"type":"Total","value":0}` || dump(body["values"]) != `[]` {
		t.Errorf("create a tag name: %d %s", status, dump(body))
	}
	got, err := tags.CreateOrUpdate(ctx, "PROJECT", nil)
	if err != nil || *got.TagName != "Project" || *got.Count.Value != 0 || len(got.Values) != 0 {
		t.Fatalf("create an existing tag name: %v %s", err, dump(got))
	}
	if status, _, _ := r.raw(t, "PUT", base+"project?api-version=2025-04-01", admin, ""); status != http.StatusOK {
		t.Errorf("re-creating a predefined name answers 200, got %d", status)
	}

	// Predefine values: 201, then 200; the name must be predefined.
	status, _, body = r.raw(t, "PUT", base+"project/tagValues/alpha?api-version=2025-04-01", admin, "")
	if status != http.StatusCreated || body["tagValue"] != "alpha" || body["id"] != base+"Project/tagValues/alpha" ||
		dump(body["count"]) != `{"type":"Total","value":0}` {
		t.Errorf("create a tag value: %d %s", status, dump(body))
	}
	if v, err := tags.CreateOrUpdateValue(ctx, "Project", "alpha", nil); err != nil || *v.TagValue.TagValue != "alpha" {
		t.Fatalf("create an existing value: %v %s", err, dump(v))
	}
	if status, _, _ := r.raw(t, "PUT", base+"Project/tagValues/alpha?api-version=2025-04-01", admin, ""); status != http.StatusOK {
		t.Errorf("re-creating a predefined value answers 200, got %d", status)
	}
	// A PUT of a value of a name that is not predefined is refused as Azure does
	// (https://github.com/Azure/azure-powershell/issues/19194 shows PredefinedTagNameNotFound).
	_, err = tags.CreateOrUpdateValue(ctx, "team", "x", nil)
	wantCode(t, err, http.StatusNotFound, "PredefinedTagNameNotFound")
	// A value holding "/" travels escaped and stays one value.
	if v, err := tags.CreateOrUpdateValue(ctx, "Project", "a/b", nil); err != nil || *v.TagValue.TagValue != "a/b" {
		t.Fatalf("create a value with a slash: %v %s", err, dump(v))
	}

	// Predefining a name in use reports its usage, merged across casings; values stay apart.
	env, err := tags.CreateOrUpdate(ctx, "eNv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *env.TagName != "eNv" || *env.Count.Value != 4 || *env.Count.Type != "Total" {
		t.Errorf("predefined env: %s", dump(env))
	}
	if vals := tagValueCounts(env.TagDetails); vals != "Prod=1 dev=1 prod=2" {
		t.Errorf("env values: %s", vals)
	}
	if v, err := tags.CreateOrUpdateValue(ctx, "env", "prod", nil); err != nil || *v.Count.Value != 2 {
		t.Errorf("predefine a value in use: %v %s", err, dump(v))
	}

	// The list: every name once, over pages of 2.
	pager := tags.NewListPager(nil)
	summary := map[string]string{}
	var names []string
	pages := 0
	for pager.More() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(p.Value) > 2 {
			t.Errorf("page of %d items with page size 2", len(p.Value))
		}
		for _, d := range p.Value {
			names = append(names, *d.TagName)
			summary[*d.TagName] = dumpCount(d) + " " + tagValueCounts(*d)
			if *d.ID != base+*d.TagName {
				t.Errorf("tag id %s", *d.ID)
			}
			for _, v := range d.Values {
				if *v.ID != base+*d.TagName+"/tagValues/"+*v.TagValue {
					t.Errorf("tag value id %s", *v.ID)
				}
			}
		}
	}
	if strings.Join(names, ",") != "cost,eNv,owner,Project,team" || pages != 3 {
		t.Errorf("listed %v in %d pages", names, pages)
	}
	want := map[string]string{
		"cost":    "1 1=1",
		"eNv":     "4 Prod=1 dev=1 prod=2",
		"owner":   "1 ops=1",
		"Project": "0 a/b=0 alpha=0",
		"team":    "1 x=1",
	}
	for k, v := range want {
		if summary[k] != v {
			t.Errorf("tag %s: %q, want %q", k, summary[k], v)
		}
	}

	// Deletes. A name or value in use is refused with Azure's message
	// (https://github.com/Azure/azure-cli/issues/11761); so is a name whose predefined values
	// remain (https://learn.microsoft.com/rest/api/resources/tags/delete).
	_, err = tags.DeleteValue(ctx, "env", "prod", nil)
	wantCode(t, err, http.StatusConflict, "PredefinedTagValueInUse")
	_, err = tags.Delete(ctx, "ENV", nil)
	wantCode(t, err, http.StatusConflict, "PredefinedTagNameInUse")
	// The use is checked first, whether or not the name is predefined: the name in
	// Azure/azure-cli#11761 was only carried by resources, and in
	// Azure/azure-powershell#19194 the in-use refusal came before PredefinedTagNameNotFound.
	_, err = tags.Delete(ctx, "TEAM", nil)
	wantCode(t, err, http.StatusConflict, "PredefinedTagNameInUse")
	_, err = tags.DeleteValue(ctx, "team", "x", nil)
	wantCode(t, err, http.StatusConflict, "PredefinedTagValueInUse")
	_, err = tags.Delete(ctx, "Project", nil)
	wantCode(t, err, http.StatusConflict, "PredefinedTagNameHasValues")
	if _, err := tags.DeleteValue(ctx, "project", "alpha", nil); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := r.raw(t, "DELETE", base+"Project/tagValues/"+url.PathEscape("a/b")+"?api-version=2025-04-01", admin, ""); status != http.StatusOK {
		t.Errorf("delete a predefined value: %d", status)
	}
	if status, _, _ := r.raw(t, "DELETE", base+"Project/tagValues/alpha?api-version=2025-04-01", admin, ""); status != http.StatusNoContent {
		t.Errorf("delete a value no longer predefined: %d, want 204", status)
	}
	if status, _, _ := r.raw(t, "DELETE", base+"Project/tagValues/Alpha?api-version=2025-04-01", admin, ""); status != http.StatusNoContent {
		t.Errorf("values compare exactly: %d, want 204", status)
	}
	_, err = tags.DeleteValue(ctx, "nope", "x", nil)
	wantCode(t, err, http.StatusNotFound, "PredefinedTagNameNotFound")
	if _, err := tags.Delete(ctx, "project", nil); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := r.raw(t, "DELETE", base+"Project?api-version=2025-04-01", admin, ""); status != http.StatusNoContent {
		t.Errorf("delete a name no longer predefined: %d, want 204", status)
	}
	// Once nothing carries the value, it can go; then the name, once no group carries it.
	gp, err := groups.BeginDelete(ctx, "rg-c", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	env, err = tags.CreateOrUpdate(ctx, "env", nil)
	if err != nil || *env.Count.Value != 3 || tagValueCounts(env.TagDetails) != "dev=1 prod=2" {
		t.Errorf("env after deleting rg-c: %v %s", err, dump(env))
	}

	all := listTagNames(t, tags)
	if strings.Join(all, ",") != "cost,eNv,owner,team" {
		t.Errorf("after deletes: %v", all)
	}

	// Bad input.
	_, err = tags.CreateOrUpdate(ctx, "azure-reserved", nil)
	wantCode(t, err, http.StatusBadRequest, "InvalidTagName")
	_, err = tags.CreateOrUpdate(ctx, "a<b", nil)
	wantCode(t, err, http.StatusBadRequest, "InvalidTagNameCharacters")
	_, err = tags.CreateOrUpdate(ctx, strings.Repeat("n", 513), nil)
	wantCode(t, err, http.StatusBadRequest, "InvalidTagNameCharacters")
	_, err = tags.CreateOrUpdateValue(ctx, "env", strings.Repeat("v", 257), nil)
	wantCode(t, err, http.StatusBadRequest, "InvalidTag")
	if status, _, body := r.raw(t, "GET", base+"?api-version=2099-01-01", admin, ""); status != http.StatusBadRequest ||
		body["error"].(map[string]any)["code"] != "InvalidApiVersionParameter" {
		t.Errorf("unknown api-version: %d %v", status, body)
	}
	if status, _, _ := r.raw(t, "GET", base+"env?api-version=2025-04-01", admin, ""); status != http.StatusMethodNotAllowed {
		t.Errorf("GET of one tag name: %d, want 405", status)
	}
	if status, _, body := r.raw(t, "GET", "/subscriptions/00000000-0000-0000-0000-00000000bbbb/tagNames?api-version=2025-04-01", admin, ""); status != http.StatusNotFound ||
		body["error"].(map[string]any)["code"] != "SubscriptionNotFound" {
		t.Errorf("tag names of a missing subscription: %d %v", status, body)
	}
}

// TestPredefinedTagsRBAC: reading tag names is Microsoft.Resources/subscriptions/tagNames/read,
// which Reader's */read grants; predefining one is …/tagNames/write, which Contributor has and
// Reader has not (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance#microsoftresources).
func TestPredefinedTagsRBAC(t *testing.T) {
	r := startServer(t)
	admin := r.adminToken(t)
	sub := "/subscriptions/" + testSub
	reader := tagNamesUser(t, r, admin, "tagreader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", "6f1a2b3c-0000-4000-8000-0000000000a1")
	contributor := tagNamesUser(t, r, admin, "tagcontributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", "6f1a2b3c-0000-4000-8000-0000000000a2")

	if status, _, body := r.raw(t, "GET", sub+"/tagNames?api-version=2025-04-01", reader, ""); status != http.StatusOK {
		t.Errorf("reader lists tag names: %d %v", status, body)
	}
	status, _, body := r.raw(t, "PUT", sub+"/tagNames/dept?api-version=2025-04-01", reader, "")
	if msg := dump(body); status != http.StatusForbidden || !strings.Contains(msg, `"AuthorizationFailed"`) ||
		!strings.Contains(msg, "Microsoft.Resources/subscriptions/tagNames/write") {
		t.Errorf("reader predefines a name: %d %s", status, msg)
	}
	if status, _, body := r.raw(t, "PUT", sub+"/tagNames/dept?api-version=2025-04-01", contributor, ""); status != http.StatusCreated {
		t.Errorf("contributor predefines a name: %d %v", status, body)
	}
	if status, _, body := r.raw(t, "PUT", sub+"/tagNames/dept/tagValues/hr?api-version=2025-04-01", contributor, ""); status != http.StatusCreated {
		t.Errorf("contributor predefines a value: %d %v", status, body)
	}
	status, _, body = r.raw(t, "DELETE", sub+"/tagNames/dept/tagValues/hr?api-version=2025-04-01", reader, "")
	if status != http.StatusForbidden || !strings.Contains(dump(body), "Microsoft.Resources/subscriptions/tagNames/delete") {
		t.Errorf("reader deletes a value: %d %v", status, body)
	}
}

// tagNamesUser creates a user, grants it a role on the test subscription and returns its token.
func tagNamesUser(t *testing.T, r *running, admin, name, roleID, assignment string) string {
	t.Helper()
	sub := "/subscriptions/" + testSub
	status, _, body := r.raw(t, "PUT", "/providers/Palisade.Identity/users/"+name+"?api-version=2024-01-01", admin,
		`{"properties":{"password":"`+name+`-password-1"}}`)
	if status != http.StatusCreated {
		t.Fatalf("create %s: %d %v", name, status, body)
	}
	oid := body["properties"].(map[string]any)["objectId"].(string)
	status, _, body = r.raw(t, "PUT", sub+"/providers/Microsoft.Authorization/roleAssignments/"+assignment+"?api-version=2022-04-01", admin,
		`{"properties":{"roleDefinitionId":"`+sub+`/providers/Microsoft.Authorization/roleDefinitions/`+roleID+`","principalId":"`+oid+`","principalType":"User"}}`)
	if status != http.StatusCreated {
		t.Fatalf("grant %s: %d %v", roleID, status, body)
	}
	tok, err := r.token(context.Background(), url.Values{"grant_type": {"password"}, "client_id": {"palisade-cli"},
		"username": {name}, "password": {name + "-password-1"}, "scope": {armScope}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tagValueCounts renders a tag's values as "value=count" sorted by value.
func tagValueCounts(d armresources.TagDetails) string {
	var out []string
	for _, v := range d.Values {
		out = append(out, *v.TagValue+"="+dump(*v.Count.Value))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func dumpCount(d *armresources.TagDetails) string {
	if d.Count == nil || d.Count.Value == nil || d.Count.Type == nil || *d.Count.Type != "Total" {
		return "?"
	}
	return dump(*d.Count.Value)
}

// listTagNames returns the names the list pager yields.
func listTagNames(t *testing.T, c *armresources.TagsClient) []string {
	t.Helper()
	var names []string
	p := c.NewListPager(nil)
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Value {
			names = append(names, *d.TagName)
		}
	}
	return names
}
