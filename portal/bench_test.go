package portal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/portal"
)

// seedLarge fills the store through the ARM API with resources resources
// spread over 20 resource groups and assignments policy assignments (half
// at the subscription, half at the resource groups), as the admin.
func seedLarge(b testing.TB, s *stack, resources, assignments int) {
	ctx := context.Background()
	res, err := s.portal.TestPasswordGrant(ctx, "admin", adminPassword, s.code(b, adminTOTP))
	if err != nil || res.AccessToken == "" {
		b.Fatalf("admin token: %v", err)
	}
	tok := res.AccessToken
	put := func(path string, body string) {
		r, err := s.portal.TestCall(ctx, tok, http.MethodPut, path, []byte(body))
		if err != nil || !r.OK() {
			b.Fatalf("PUT %s: %v %d %s", path, err, r.Status, r.Body)
		}
	}
	const groups = 20
	for g := 0; g < groups; g++ {
		put(fmt.Sprintf("/subscriptions/%s/resourcegroups/rg-%02d?api-version=%s", testSub, g, portal.VerResources), `{"location":"eastus"}`)
	}
	regions := []string{"eastus", "westus2", "westeurope", "northeurope"}
	var wg sync.WaitGroup
	work := make(chan func(), 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				f()
			}
		}()
	}
	for i := 0; i < resources; i++ {
		path := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%02d/providers/Microsoft.Storage/storageAccounts/st%05d?api-version=%s",
			testSub, i%groups, i, portal.VerResources)
		body := fmt.Sprintf(`{"location":%q,"tags":{"env":"bench"},"properties":{"supportsHttpsTrafficOnly":true}}`, regions[i%len(regions)])
		work <- func() { put(path, body) }
	}
	for i := 0; i < assignments; i++ {
		scope := "/subscriptions/" + testSub
		if i%2 == 1 {
			scope += fmt.Sprintf("/resourceGroups/rg-%02d", i%groups)
		}
		path := fmt.Sprintf("%s/providers/Microsoft.Authorization/policyAssignments/bench-%04d?api-version=%s", scope, i, portal.VerPolicy)
		body := fmt.Sprintf(`{"properties":{"displayName":"Bench assignment %d","policyDefinitionId":%q,"parameters":{"effect":{"value":"Audit"}},
			"resourceSelectors":[{"name":"r","selectors":[{"kind":"resourceLocation","in":["westus3"]}]}],
			"nonComplianceMessages":[{"message":"bench"}]}}`, i, builtin.MFACreateUpdateID)
		work <- func() { put(path, body) }
	}
	close(work)
	wg.Wait()
}

// benchPages are the pages measured on the large store.
var benchPages = []string{
	"/portal/",
	"/portal/definitions",
	"/portal/definitions?q=multi-factor",
	"/portal/definition?id=" + url.QueryEscape(builtin.MFACreateUpdateID),
	"/portal/assignments",
	"/portal/assignments?q=bench+assignment+77",
	"/portal/assignment?id=" + url.QueryEscape("/subscriptions/"+testSub+"/providers/Microsoft.Authorization/policyAssignments/bench-0000"),
	"/portal/assign?definition=" + url.QueryEscape(builtin.MFACreateUpdateID),
	"/portal/assign?assignment=" + url.QueryEscape("/subscriptions/"+testSub+"/providers/Microsoft.Authorization/policyAssignments/bench-0000"),
	"/portal/activity",
	"/portal/resourcegroups",
	"/portal/resources",
	"/portal/resources?resourceGroup=rg-07",
	"/portal/resources/new",
}

// BenchmarkPagesLargeStore measures the server time of every page on a
// store with 10,000 resources and 1,000 assignments. The handler is called
// in-process, so the figure excludes the network and the browser.
//
//	go test ./portal -run '^$' -bench PagesLargeStore -benchtime 20x
func BenchmarkPagesLargeStore(b *testing.B) {
	s := startStack(b)
	start := time.Now()
	seedLarge(b, s, 10000, 1000)
	b.Logf("seeded 10,000 resources and 1,000 assignments in %v", time.Since(start).Round(time.Millisecond))
	cookie := signedInCookie(b, s)
	h := s.portal.Handler()
	for _, page := range benchPages {
		b.Run(page, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, "http://portal.test"+page, nil)
				req.AddCookie(cookie)
				w := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(w, req)
				times = append(times, time.Since(t0))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %.300s", page, w.Code, w.Body.String())
				}
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-p50")
			b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "ms-max")
		})
	}
}

// signedInCookie signs the admin in through the portal and returns the
// session cookie.
func signedInCookie(b testing.TB, s *stack) *http.Cookie {
	br := s.browser(b)
	br.signIn(s, "admin", adminPassword, adminTOTP)
	u, _ := url.Parse(s.web.URL + "/portal/")
	for _, c := range br.hc.Jar.Cookies(u) {
		if c.Name == portal.CookieName {
			return c
		}
	}
	b.Fatal("no session cookie after sign-in")
	return nil
}
