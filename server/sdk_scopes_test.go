package server

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions/v2"
)

func TestSDKSubscriptionsTenantsLocationsProviders(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := startServer(t, tr.mod, func(c *Config) { c.PageSize = 2 })
			ctx := context.Background()
			cred, opts := r.credential(t), r.clientOptions()
			subs, err := armsubscriptions.NewClient(cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			s, err := subs.Get(ctx, testSub, nil)
			if err != nil {
				t.Fatal(err)
			}
			if *s.SubscriptionID != testSub || *s.TenantID != testTenant || string(*s.State) != "Enabled" {
				t.Errorf("subscription %+v", s.Subscription)
			}
			_, err = subs.Get(ctx, "00000000-0000-0000-0000-00000000dead", nil)
			wantCode(t, err, http.StatusNotFound, "SubscriptionNotFound")
			_, err = subs.Get(ctx, "not-a-guid", nil)
			wantCode(t, err, http.StatusBadRequest, "InvalidSubscriptionId")

			// A second subscription through the alias API, then list both over pages.
			tok := r.adminToken(t)
			status, _, body := r.raw(t, "PUT", "/providers/Microsoft.Subscription/aliases/second?api-version=2021-10-01", tok,
				`{"properties":{"displayName":"Second","workload":"Production","billingScope":"/billingAccounts/x"}}`)
			if status != http.StatusCreated {
				t.Fatalf("alias PUT: %d %v", status, body)
			}
			second := body["properties"].(map[string]any)["subscriptionId"].(string)
			if status, _, _ := r.raw(t, "PUT", "/providers/Microsoft.Subscription/aliases/second?api-version=2021-10-01", tok,
				`{"properties":{"displayName":"Second"}}`); status != http.StatusOK {
				t.Errorf("repeated alias PUT: %d", status)
			}
			var ids []string
			pager := subs.NewListPager(nil)
			for pager.More() {
				p, err := pager.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range p.Value {
					ids = append(ids, *v.SubscriptionID)
				}
			}
			sort.Strings(ids)
			want := []string{testSub, second}
			sort.Strings(want)
			if strings.Join(ids, ",") != strings.Join(want, ",") {
				t.Errorf("subscriptions %v, want %v", ids, want)
			}

			var locs []string
			lp := subs.NewListLocationsPager(testSub, nil)
			for lp.More() {
				p, err := lp.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range p.Value {
					locs = append(locs, *l.Name)
				}
			}
			if len(locs) < 50 || !contains(locs, "westeurope") || !contains(locs, "eastus") {
				t.Errorf("locations %v", locs)
			}

			// Reserved names, as ARM checks them
			// (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-reserved-resource-name).
			names, err := armsubscriptions.NewSubscriptionClient(cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range map[string]armsubscriptions.ResourceNameStatus{
				"contoso-web": armsubscriptions.ResourceNameStatusAllowed, "Azure": armsubscriptions.ResourceNameStatusReserved,
				"mywindowsapp": armsubscriptions.ResourceNameStatusReserved, "loginportal": armsubscriptions.ResourceNameStatusReserved,
				"portallogin": armsubscriptions.ResourceNameStatusAllowed,
			} {
				res, err := names.CheckResourceName(ctx, &armsubscriptions.SubscriptionClientCheckResourceNameOptions{
					ResourceNameDefinition: &armsubscriptions.ResourceName{Name: to.Ptr(name), Type: to.Ptr("Microsoft.Web/sites")}})
				if err != nil || res.Status == nil || *res.Status != want {
					t.Errorf("checkResourceName %s: %v %+v, want %s", name, err, res, want)
				}
			}
			_, err = names.CheckResourceName(ctx, nil)
			wantCode(t, err, http.StatusBadRequest, "InvalidRequestContent")

			tenants, err := armsubscriptions.NewTenantsClient(cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			tp := tenants.NewListPager(nil)
			p, err := tp.NextPage(ctx)
			if err != nil || len(p.Value) != 1 || *p.Value[0].TenantID != testTenant {
				t.Errorf("tenants %v %+v", err, p.Value)
			}

			prov, err := armresources.NewProvidersClient(testSub, cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			sp, err := prov.Get(ctx, "microsoft.storage", nil)
			if err != nil {
				t.Fatal(err)
			}
			if *sp.Namespace != "Microsoft.Storage" || *sp.RegistrationState != "Registered" || len(sp.ResourceTypes) == 0 ||
				len(sp.ResourceTypes[0].APIVersions) == 0 {
				t.Errorf("provider %+v", sp.Provider)
			}
			if u, err := prov.Unregister(ctx, "Contoso.Widgets", nil); err != nil || *u.RegistrationState != "Unregistered" {
				t.Errorf("unregister: %v %+v", err, u)
			}
			if rg, err := prov.Register(ctx, "Contoso.Widgets", nil); err != nil || *rg.RegistrationState != "Registered" {
				t.Errorf("register: %v %+v", err, rg)
			}
			n := 0
			pp := prov.NewListPager(nil)
			for pp.More() {
				p, err := pp.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				n += len(p.Value)
			}
			if n < 5 {
				t.Errorf("%d providers listed", n)
			}
		})
	}
}

func TestSDKManagementGroups(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := startServer(t, tr.mod)
			ctx := context.Background()
			cred, opts := r.credential(t), r.clientOptions()
			mgs, err := armmanagementgroups.NewClient(cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			mgSubs, err := armmanagementgroups.NewManagementGroupSubscriptionsClient(cred, opts)
			if err != nil {
				t.Fatal(err)
			}
			create := func(name, parent string) {
				t.Helper()
				req := armmanagementgroups.CreateManagementGroupRequest{Properties: &armmanagementgroups.CreateManagementGroupProperties{
					DisplayName: to.Ptr(strings.ToUpper(name))}}
				if parent != "" {
					req.Properties.Details = &armmanagementgroups.CreateManagementGroupDetails{
						Parent: &armmanagementgroups.CreateParentGroupInfo{ID: to.Ptr("/providers/Microsoft.Management/managementGroups/" + parent)}}
				}
				p, err := mgs.BeginCreateOrUpdate(ctx, name, req, nil)
				if err != nil {
					t.Fatal(err)
				}
				g, err := p.PollUntilDone(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				wantParent := parent
				if wantParent == "" {
					wantParent = testTenant
				}
				if *g.Name != name || *g.Properties.Details.Parent.Name != wantParent {
					t.Errorf("created %s: %+v", name, g.Properties.Details.Parent)
				}
			}
			create("platform", "")
			create("prod", "platform")
			create("corp", "prod")

			if _, err := mgSubs.Create(ctx, "prod", testSub, nil); err != nil {
				t.Fatal(err)
			}
			g, err := mgs.Get(ctx, "platform", &armmanagementgroups.ClientGetOptions{
				Expand: to.Ptr(armmanagementgroups.ManagementGroupExpandTypeChildren), Recurse: to.Ptr(true)})
			if err != nil {
				t.Fatal(err)
			}
			kids := g.Properties.Children
			if len(kids) != 1 || *kids[0].Name != "prod" || len(kids[0].Children) != 2 ||
				*kids[0].Children[0].Name != "corp" || *kids[0].Children[1].Type != armmanagementgroups.ManagementGroupChildTypeSubscriptions {
				t.Errorf("children %s", dump(kids))
			}
			root, err := mgs.Get(ctx, testTenant, &armmanagementgroups.ClientGetOptions{Expand: to.Ptr(armmanagementgroups.ManagementGroupExpandTypeChildren)})
			if err != nil {
				t.Fatal(err)
			}
			if len(root.Properties.Children) != 1 || root.Properties.Details.Parent != nil {
				t.Errorf("root children after the move: %s", dump(root.Properties.Children))
			}
			path, err := mgs.Get(ctx, "corp", &armmanagementgroups.ClientGetOptions{Expand: to.Ptr(armmanagementgroups.ManagementGroupExpandTypePath)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range path.Properties.Details.Path {
				names = append(names, *e.Name)
			}
			if strings.Join(names, "/") != testTenant+"/platform/prod/corp" {
				t.Errorf("path %v", names)
			}

			n := 0
			lp := mgs.NewListPager(nil)
			for lp.More() {
				p, err := lp.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				n += len(p.Value)
			}
			if n != 4 {
				t.Errorf("%d management groups listed, want 4", n)
			}

			up, err := mgs.Update(ctx, "corp", armmanagementgroups.PatchManagementGroupRequest{
				DisplayName: to.Ptr("Corporate"), ParentGroupID: to.Ptr("/providers/Microsoft.Management/managementGroups/platform")}, nil)
			if err != nil || *up.Properties.DisplayName != "Corporate" || *up.Properties.Details.Parent.Name != "platform" {
				t.Fatalf("update: %v %+v", err, up)
			}
			_, err = mgs.Update(ctx, "platform", armmanagementgroups.PatchManagementGroupRequest{ParentGroupID: to.Ptr("corp")}, nil)
			wantCode(t, err, http.StatusBadRequest, "BadRequest")

			// A group with children cannot be deleted; an empty one can, and
			// the poller follows the Azure-AsyncOperation URL.
			_, err = mgs.BeginDelete(ctx, "prod", nil)
			wantCode(t, err, http.StatusBadRequest, "BadRequest")
			if _, err := mgSubs.Delete(ctx, "prod", testSub, nil); err != nil {
				t.Fatal(err)
			}
			dp, err := mgs.BeginDelete(ctx, "prod", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := dp.PollUntilDone(ctx, nil); err != nil {
				t.Fatal(err)
			}
			_, err = mgs.Get(ctx, "prod", nil)
			wantCode(t, err, http.StatusNotFound, "NotFound")
			ms, err := mgSubs.GetSubscription(ctx, testTenant, testSub, nil)
			if err != nil || *ms.Properties.Parent.ID != "/providers/Microsoft.Management/managementGroups/"+testTenant {
				t.Errorf("subscription back under the root: %v %+v", err, ms)
			}
		})
	}
}
