package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// transports runs a test against a plain-HTTP loopback server and against
// one with a generated CA (--tls-self-signed), as real Azure clients need
// HTTPS.
var transports = []struct {
	name string
	mod  func(*Config)
}{
	{"http", func(*Config) {}},
	{"https-self-signed", func(c *Config) { c.TLSSelfSigned = true }},
}

func TestSDKResourceGroupsAndResources(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := startServer(t, tr.mod, func(c *Config) { c.PageSize = 3 })
			resourceFlow(t, r)
		})
	}
}

// Against PostgreSQL when PALISADE_TEST_POSTGRES holds a DSN.
func TestSDKResourcesPostgres(t *testing.T) {
	dsn := os.Getenv("PALISADE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("PALISADE_TEST_POSTGRES is not set; set it to a postgres:// DSN to run the SDK flow on PostgreSQL")
	}
	dsn = freshSchema(t, dsn)
	r := startServer(t, func(c *Config) { c.StoreDSN, c.PageSize = dsn, 3 })
	resourceFlow(t, r)
}

// freshSchema creates a schema dropped after the test and returns a DSN
// selecting it, so the test starts from an empty database.
func freshSchema(t *testing.T, dsn string) string {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to PALISADE_TEST_POSTGRES: %v", err)
	}
	defer c.Close(ctx)
	schema := "palisade_server_" + strings.ReplaceAll(newGUID()[:13], "-", "")
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// resourceFlow drives resource groups, generic resources and tags with the
// real armresources/v3 clients.
func resourceFlow(t *testing.T, r *running) {
	ctx := context.Background()
	cred, opts := r.credential(t), r.clientOptions()
	sub := r.SubscriptionID()
	groups, err := armresources.NewResourceGroupsClient(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := armresources.NewClient(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := armresources.NewTagsClient(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}

	// Resource groups: create, replace, get, exists, update, list over pages.
	rg, err := groups.CreateOrUpdate(ctx, "rg-Main", armresources.ResourceGroup{Location: to.Ptr("West Europe"),
		Tags: map[string]*string{"env": to.Ptr("dev")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *rg.Location != "westeurope" || *rg.Properties.ProvisioningState != "Succeeded" ||
		*rg.ID != "/subscriptions/"+sub+"/resourceGroups/rg-Main" {
		t.Errorf("created group %+v", rg.ResourceGroup)
	}
	if _, err := groups.CreateOrUpdate(ctx, "rg-main", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := groups.Get(ctx, "RG-MAIN", nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Name != "rg-Main" || len(got.Tags) != 0 {
		t.Errorf("PUT is a full replace keeping the first casing: %+v", got.ResourceGroup)
	}
	if ex, err := groups.CheckExistence(ctx, "rg-main", nil); err != nil || !ex.Success {
		t.Errorf("CheckExistence: %v %v", ex.Success, err)
	}
	if ex, err := groups.CheckExistence(ctx, "rg-missing", nil); err != nil || ex.Success {
		t.Errorf("CheckExistence of a missing group: %v %v", ex.Success, err)
	}
	up, err := groups.Update(ctx, "rg-main", armresources.ResourceGroupPatchable{Tags: map[string]*string{"team": to.Ptr("a")}}, nil)
	if err != nil || *up.Tags["team"] != "a" {
		t.Fatalf("Update: %v %+v", err, up)
	}
	_, err = groups.CreateOrUpdate(ctx, "rg-main", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil)
	wantCode(t, err, http.StatusConflict, "InvalidResourceGroupLocation")
	_, err = groups.Get(ctx, "rg-missing", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceGroupNotFound")
	for i := 0; i < 7; i++ {
		if _, err := groups.CreateOrUpdate(ctx, fmt.Sprintf("rg-page-%d", i), armresources.ResourceGroup{Location: to.Ptr("eastus"),
			Tags: map[string]*string{"parity": to.Ptr(fmt.Sprint(i % 2))}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	names, pages := listGroups(t, groups, nil)
	if len(names) != 8 || pages < 3 {
		t.Errorf("listed %d groups in %d pages (page size 3): %v", len(names), pages, names)
	}
	names, _ = listGroups(t, groups, &armresources.ResourceGroupsClientListOptions{Filter: to.Ptr("tagName eq 'parity' and tagValue eq '1'")})
	if strings.Join(names, ",") != "rg-page-1,rg-page-3,rg-page-5" {
		t.Errorf("tag filter: %v", names)
	}

	// Generic resources, nested too.
	base := "/subscriptions/" + sub + "/resourceGroups/rg-main/providers/"
	acct := base + "Microsoft.Storage/storageAccounts/acct1"
	poller, err := res.BeginCreateOrUpdateByID(ctx, acct, "2023-05-01", armresources.GenericResource{
		Location: to.Ptr("West Europe"), Kind: to.Ptr("StorageV2"), SKU: &armresources.SKU{Name: to.Ptr("Standard_LRS")},
		Tags:       map[string]*string{"env": to.Ptr("prod")},
		Properties: map[string]any{"minimumTlsVersion": "TLS1_2", "encryption": map[string]any{"keySource": "Microsoft.Storage"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !poller.Done() {
		t.Error("a synchronous PUT should leave the poller done")
	}
	created, err := poller.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	props := created.Properties.(map[string]any)
	if *created.Location != "westeurope" || props["provisioningState"] != "Succeeded" || props["minimumTlsVersion"] != "TLS1_2" ||
		*created.Kind != "StorageV2" || *created.SKU.Name != "Standard_LRS" {
		t.Errorf("created %+v", created.GenericResource)
	}
	// armresources.GenericResource has no systemData field: read it raw.
	if _, _, body := r.raw(t, "GET", acct+"?api-version=2023-05-01", r.adminToken(t), ""); body["systemData"] == nil ||
		body["systemData"].(map[string]any)["createdBy"] != testClientID || body["systemData"].(map[string]any)["createdByType"] != "Application" {
		t.Errorf("systemData %v", body["systemData"])
	}
	blob := acct + "/blobServices/default"
	if _, err := pollPut(ctx, res, blob, armresources.GenericResource{Properties: map[string]any{"isVersioningEnabled": true}}); err != nil {
		t.Fatal(err)
	}
	upd, err := res.BeginUpdateByID(ctx, acct, "2023-05-01", armresources.GenericResource{
		Tags: map[string]*string{"owner": to.Ptr("me")}, Properties: map[string]any{"allowBlobPublicAccess": false}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	patched, err := upd.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pp := patched.Properties.(map[string]any)
	if len(patched.Tags) != 1 || *patched.Tags["owner"] != "me" || pp["minimumTlsVersion"] != "TLS1_2" || pp["allowBlobPublicAccess"] != false {
		t.Errorf("PATCH replaces tags and merges properties: %+v %v", patched.Tags, pp)
	}
	if ex, err := res.CheckExistenceByID(ctx, blob, "2023-05-01", nil); err != nil || !ex.Success {
		t.Errorf("CheckExistenceByID: %v %v", ex, err)
	}

	// The operations by parts, with no parent resource path and with one.
	p2, err := res.BeginCreateOrUpdate(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01",
		armresources.GenericResource{Location: to.Ptr("westeurope"), Properties: map[string]any{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c2, err := p2.PollUntilDone(ctx, nil); err != nil || *c2.ID != base+"Microsoft.Storage/storageAccounts/acct2" {
		t.Fatalf("create by parts: %v %+v", err, c2)
	}
	if g, err := res.Get(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01", nil); err != nil || *g.Name != "acct2" {
		t.Errorf("Get by parts: %v %+v", err, g)
	}
	if ex, err := res.CheckExistence(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01", nil); err != nil || !ex.Success {
		t.Errorf("CheckExistence by parts: %v %v", ex, err)
	}
	// Other SDKs and az resource fill an empty {parentResourcePath} in verbatim
	// ("…/providers/Microsoft.Storage//storageAccounts/acct2"; this SDK's path.Join removes it).
	if status, _, body := r.raw(t, "GET", base+"Microsoft.Storage//storageAccounts/acct2?api-version=2023-05-01", r.adminToken(t), ""); status != http.StatusOK ||
		body["name"] != "acct2" {
		t.Errorf("GET with an empty parent path: %d %v", status, body)
	}
	if g, err := res.Get(ctx, "rg-main", "Microsoft.Storage", "storageAccounts/acct1", "blobServices", "default", "2023-05-01", nil); err != nil ||
		*g.ID != blob {
		t.Errorf("Get of a nested resource by parts: %v %+v", err, g)
	}
	up2, err := res.BeginUpdate(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01",
		armresources.GenericResource{Tags: map[string]*string{"by": to.Ptr("parts")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u2, err := up2.PollUntilDone(ctx, nil); err != nil || *u2.Tags["by"] != "parts" {
		t.Errorf("Update by parts: %v %+v", err, u2)
	}
	d2, err := res.BeginDelete(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d2.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, err = res.Get(ctx, "rg-main", "Microsoft.Storage", "", "storageAccounts", "acct2", "2023-05-01", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceNotFound")
	for i := 0; i < 5; i++ {
		if _, err := pollPut(ctx, res, fmt.Sprintf("%sContoso.Widgets/widgets/w%d", base, i),
			armresources.GenericResource{Location: to.Ptr("eastus"), Tags: map[string]*string{"env": to.Ptr("prod")}}); err != nil {
			t.Fatal(err)
		}
	}
	ids, pages := listResources(t, res, "rg-main", nil)
	if len(ids) != 6 || pages < 2 {
		t.Errorf("resources in group: %d in %d pages: %v", len(ids), pages, ids)
	}
	ids, _ = listResources(t, res, "rg-main", &armresources.ClientListByResourceGroupOptions{Filter: to.Ptr("resourceType eq 'contoso.widgets/widgets' and location eq 'eastus'")})
	if len(ids) != 5 {
		t.Errorf("filtered by type and location: %v", ids)
	}
	ids, _ = listResources(t, res, "rg-main", &armresources.ClientListByResourceGroupOptions{Filter: to.Ptr("tagName eq 'owner' and tagValue eq 'me'")})
	if len(ids) != 1 || ids[0] != acct {
		t.Errorf("filtered by tag: %v", ids)
	}
	var all []string
	pager := res.NewListPager(&armresources.ClientListOptions{Top: to.Ptr[int32](2)})
	for pager.More() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Value) > 2 {
			t.Errorf("$top=2 page has %d items", len(p.Value))
		}
		for _, v := range p.Value {
			all = append(all, *v.ID)
		}
	}
	if len(all) != 6 {
		t.Errorf("subscription resources: %v", all)
	}
	_, err = res.GetByID(ctx, base+"Contoso.Widgets/widgets/nope", "2023-05-01", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceNotFound")
	_, err = res.GetByID(ctx, "/subscriptions/"+sub+"/resourceGroups/nope/providers/Contoso.Widgets/widgets/w", "2023-05-01", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceGroupNotFound")
	_, err = pollPut(ctx, res, "/subscriptions/"+sub+"/resourceGroups/nope/providers/Contoso.Widgets/widgets/w", armresources.GenericResource{})
	wantCode(t, err, http.StatusNotFound, "ResourceGroupNotFound")

	// Tags at a resource scope (Microsoft.Resources/tags/default).
	tp, err := tags.BeginCreateOrUpdateAtScope(ctx, acct, armresources.TagsResource{Properties: &armresources.Tags{Tags: map[string]*string{"a": to.Ptr("1")}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mp, err := tags.BeginUpdateAtScope(ctx, acct, armresources.TagsPatchResource{Operation: to.Ptr(armresources.TagsPatchOperationMerge),
		Properties: &armresources.Tags{Tags: map[string]*string{"b": to.Ptr("2")}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := mp.PollUntilDone(ctx, nil)
	if err != nil || len(merged.Properties.Tags) != 2 {
		t.Fatalf("merge tags: %v %+v", err, merged)
	}
	if g, err := res.GetByID(ctx, acct, "2023-05-01", nil); err != nil || len(g.Tags) != 2 || *g.Tags["b"] != "2" {
		t.Errorf("resource tags after merge: %v %+v", err, g.Tags)
	}

	// Deletes: a resource (200, then 204 when gone), then the group with the rest.
	dp, err := res.BeginDeleteByID(ctx, base+"Contoso.Widgets/widgets/w0", "2023-05-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	dp, err = res.BeginDeleteByID(ctx, base+"Contoso.Widgets/widgets/w0", "2023-05-01", nil)
	if err != nil {
		t.Fatalf("delete of a missing resource must succeed (204): %v", err)
	}
	if _, err := dp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	gp, err := groups.BeginDelete(ctx, "rg-main", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, err = res.GetByID(ctx, blob, "2023-05-01", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceGroupNotFound")
	_, err = groups.BeginDelete(ctx, "rg-main", nil)
	wantCode(t, err, http.StatusNotFound, "ResourceGroupNotFound")
}

func pollPut(ctx context.Context, c *armresources.Client, id string, body armresources.GenericResource) (armresources.ClientCreateOrUpdateByIDResponse, error) {
	p, err := c.BeginCreateOrUpdateByID(ctx, id, "2023-05-01", body, nil)
	if err != nil {
		return armresources.ClientCreateOrUpdateByIDResponse{}, err
	}
	return p.PollUntilDone(ctx, nil)
}

func listGroups(t *testing.T, c *armresources.ResourceGroupsClient, o *armresources.ResourceGroupsClientListOptions) (names []string, pages int) {
	t.Helper()
	p := c.NewListPager(o)
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range page.Value {
			names = append(names, *g.Name)
		}
	}
	return names, pages
}

func listResources(t *testing.T, c *armresources.Client, rg string, o *armresources.ClientListByResourceGroupOptions) (ids []string, pages int) {
	t.Helper()
	p := c.NewListByResourceGroupPager(rg, o)
	for p.More() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range page.Value {
			ids = append(ids, *g.ID)
		}
	}
	return ids, pages
}
