package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/palisade/palisade/store"
)

// fixture stores a small estate: two subscriptions, resource groups,
// resources of several types, locations and tags, nested and extension
// resources. It returns the stored documents by key.
func fixture(t *testing.T, s store.Store) map[string]*store.Document {
	t.Helper()
	subs := []string{"/subscriptions/11111111-1111-1111-1111-111111111111", "/subscriptions/22222222-2222-2222-2222-222222222222"}
	var docs []*store.Document
	docs = append(docs, doc(t, "/providers/Microsoft.Management/managementGroups/Root-MG", "", nil))
	for si, sub := range subs {
		docs = append(docs, doc(t, sub, "", nil),
			doc(t, sub+"/providers/Microsoft.Authorization/policyAssignments/sub-pa", "", nil))
		for ri, rgName := range []string{"Prod", "Dev", "prod2"} {
			rg := sub + "/resourceGroups/" + rgName
			loc := []string{"West Europe", "eastus", "westeurope"}[(si+ri)%3]
			docs = append(docs, doc(t, rg, loc, map[string]string{"Env": rgName}))
			for n := 0; n < 3; n++ {
				tags := map[string]string{"Owner": fmt.Sprintf("team%d", n)}
				if n == 1 {
					tags["COST"] = "Low"
				}
				acct := fmt.Sprintf("%s/providers/Microsoft.Storage/storageAccounts/sa%d", rg, n)
				docs = append(docs,
					doc(t, acct, loc, tags),
					doc(t, acct+"/blobServices/default", "", nil),
					doc(t, fmt.Sprintf("%s/providers/Microsoft.Web/sites/Site%d", rg, n), []string{"eastus", "northeurope"}[n%2], nil),
				)
			}
			docs = append(docs, doc(t, rg+"/providers/Microsoft.Storage/storageAccounts/sa0/providers/Microsoft.Authorization/policyAssignments/pa", "", nil))
		}
	}
	out := make(map[string]*store.Document)
	for _, d := range put(t, s, docs...) {
		out[d.Key] = d
	}
	if len(out) != len(docs) {
		t.Fatalf("fixture: %d distinct keys for %d documents", len(out), len(docs))
	}
	return out
}

// matches is the reference meaning of a Query, used to compute the
// expected result of every filter combination.
func matches(d *store.Document, q store.Query) bool {
	l := strings.ToLower
	if len(q.Types) > 0 && !slices.ContainsFunc(q.Types, func(typ string) bool { return l(typ) == d.Type }) {
		return false
	}
	if q.ParentKey != "" && l(q.ParentKey) != d.ParentKey ||
		q.SubscriptionID != "" && l(q.SubscriptionID) != d.SubscriptionID ||
		q.ResourceGroup != "" && l(q.ResourceGroup) != d.ResourceGroup ||
		q.Location != "" && l(q.Location) != d.Location {
		return false
	}
	if q.Under != "" {
		prefix := l(q.Under) + "/"
		if q.Under == "/" {
			prefix = "/"
		}
		if !strings.HasPrefix(d.Key, prefix) || d.Key == "/" {
			return false
		}
	}
	if q.TagName != "" {
		found := false
		for name, value := range d.Tags {
			if l(name) == l(q.TagName) && (q.TagValue == "" || value == q.TagValue) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// listQueries are the filter combinations the list tests try.
func listQueries() []store.Query {
	sub := "/subscriptions/11111111-1111-1111-1111-111111111111"
	return []store.Query{
		{},
		{Types: []string{"Microsoft.Storage/storageAccounts"}},
		{Types: []string{"microsoft.web/SITES", "Microsoft.Storage/storageAccounts/blobServices"}},
		{Types: []string{"Microsoft.Resources/subscriptions/resourceGroups"}, SubscriptionID: "11111111-1111-1111-1111-111111111111"},
		{ParentKey: strings.ToUpper(sub + "/resourceGroups/prod")},
		{ParentKey: "/"},
		{Under: sub + "/resourceGroups/Prod"},
		{Under: sub},
		{Under: "/"},
		{SubscriptionID: "22222222-2222-2222-2222-222222222222", ResourceGroup: "DEV"},
		{ResourceGroup: "prod"},
		{Location: "westeurope"},
		{Location: "EastUS", Types: []string{"Microsoft.Web/sites"}},
		{TagName: "owner"},
		{TagName: "Owner", TagValue: "team2"},
		{TagName: "cost", TagValue: "Low"},
		{TagName: "cost", TagValue: "low"}, // values are case-sensitive
		{TagName: "env", SubscriptionID: "11111111-1111-1111-1111-111111111111"},
		{TagName: "nope"},
		{Types: []string{"Microsoft.Nothing/here"}},
	}
}

func testListFilters(t *testing.T, s store.Store) {
	all := fixture(t, s)
	for _, q := range listQueries() {
		var want []string
		for k, d := range all {
			if matches(d, q) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		var page store.Page
		err := s.View(ctx(t), func(tx store.Tx) error {
			var err error
			page, err = tx.List(ctx(t), q)
			return err
		})
		if err != nil {
			t.Errorf("List(%+v): %v", q, err)
			continue
		}
		if got := keys(page.Documents); !sameStrings(got, want) {
			t.Errorf("List(%+v) =\n%v\nwant\n%v", q, got, want)
		}
		if page.Continuation != "" {
			t.Errorf("List(%+v) without limit returned a continuation", q)
		}
	}
	// Spot checks that do not depend on the reference predicate.
	var page store.Page
	_ = s.View(ctx(t), func(tx store.Tx) error {
		var err error
		page, err = tx.List(ctx(t), store.Query{TagName: "COST", TagValue: "Low", ResourceGroup: "dev", SubscriptionID: "22222222-2222-2222-2222-222222222222"})
		return err
	})
	want := "/subscriptions/22222222-2222-2222-2222-222222222222/resourcegroups/dev/providers/microsoft.storage/storageaccounts/sa1"
	if got := keys(page.Documents); len(got) != 1 || got[0] != want {
		t.Errorf("tag+rg query = %v, want [%s]", got, want)
	}
	err := s.View(ctx(t), func(tx store.Tx) error {
		_, err := tx.List(ctx(t), store.Query{Continuation: "not-a-token"})
		return err
	})
	wantErr(t, "bad continuation", err, store.ErrInvalid)
	err = s.View(ctx(t), func(tx store.Tx) error {
		_, err := tx.List(ctx(t), store.Query{TagValue: "x"})
		return err
	})
	wantErr(t, "tag value without name", err, store.ErrInvalid)
}

func testListPaging(t *testing.T, s store.Store) {
	all := fixture(t, s)
	for _, q := range listQueries() {
		for _, limit := range []int{1, 2, 7} {
			var want []string
			for k, d := range all {
				if matches(d, q) {
					want = append(want, k)
				}
			}
			slices.Sort(want)
			q := q
			q.Limit = limit
			var got []string
			for pages := 0; ; pages++ {
				if pages > len(all)+1 {
					t.Fatalf("List(%+v) does not end", q)
				}
				var page store.Page
				err := s.View(ctx(t), func(tx store.Tx) error {
					var err error
					page, err = tx.List(ctx(t), q)
					return err
				})
				if err != nil {
					t.Fatalf("List(%+v): %v", q, err)
				}
				if len(page.Documents) > limit {
					t.Fatalf("page of %d documents, limit %d", len(page.Documents), limit)
				}
				got = append(got, keys(page.Documents)...)
				if page.Continuation == "" {
					break
				}
				q.Continuation = page.Continuation
			}
			if !sameStrings(got, want) {
				t.Errorf("paged List(%+v) =\n%v\nwant\n%v", q, got, want)
			}
		}
	}
	// Writes between pages neither repeat nor skip documents that stay.
	q := store.Query{Types: []string{"Microsoft.Storage/storageAccounts"}, Limit: 4}
	var first store.Page
	_ = s.View(ctx(t), func(tx store.Tx) error {
		var err error
		first, err = tx.List(ctx(t), q)
		return err
	})
	put(t, s, doc(t, "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/Dev/providers/Microsoft.Storage/storageAccounts/sa0", "", nil))
	q.Continuation = first.Continuation
	seen := keys(first.Documents)
	for q.Continuation != "" {
		var page store.Page
		err := s.View(ctx(t), func(tx store.Tx) error {
			var err error
			page, err = tx.List(ctx(t), q)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, keys(page.Documents)...)
		q.Continuation = page.Continuation
	}
	var want []string
	for k, d := range all {
		if d.Type == "microsoft.storage/storageaccounts" {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if !sameStrings(seen, want) {
		t.Errorf("paging across a write saw %v\nwant %v", seen, want)
	}
}
