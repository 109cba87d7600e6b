package activitylog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/sqlite"
)

const (
	otherSub      = "99999999-8888-7777-6666-555555555555"
	listPath      = "/subscriptions/" + subID + "/providers/Microsoft.Insights/eventtypes/management/values"
	tenantPath    = "/providers/Microsoft.Insights/eventtypes/management/values"
	apiVersion    = "2015-04-01"
	listStart     = "2026-03-01T00:00:00Z"
	corrAlice     = "c0000000-0000-4000-8000-00000000a11c"
	corrBobDenied = "c0000000-0000-4000-8000-000000000b0b"
)

// logFixture is a store holding the events of a few requests, and their
// ids newest first.
type logFixture struct {
	st  store.Store
	ids []string // every event of subID, newest first
	by  map[string]*activitylog.Event
}

// newLogFixture writes, one minute apart from t0: Alice's storage account
// create (Started, audit, Succeeded), Bob's refused create in another
// resource group (Started, deny, Failed), an application's resource group
// write, Alice's delete of the account, and events in another subscription
// and at tenant level that the subscription's list must not show.
func newLogFixture(t testing.TB) *logFixture {
	t.Helper()
	db, err := sqlite.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := activitylog.NewBuilder(fakeClock(t0, time.Minute), seqIDs("e0000000"))
	var events []*activitylog.Event
	add := func(e *activitylog.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	addAll := func(es []*activitylog.Event, err error) {
		t.Helper()
		if err != nil || len(es) != 1 {
			t.Fatalf("policy events: %v %v", es, err)
		}
		events = append(events, es...)
	}

	alice := storageRequest("PUT", user(false), `{"location":"westeurope"}`)
	alice.CorrelationID = corrAlice
	add(b.Started(alice))
	addAll(b.Policy(alice, decideMFA(t, mfaAssignment(t, builtin.MFACreateUpdateID, ""), policy.OperationCreate, user(false))))
	add(b.Finished(alice, 201, []byte(`{}`)))

	bob := storageRequest("PUT", user(false), `{"location":"westeurope"}`)
	bob.ResourceID = subScope + "/resourceGroups/rg-dev/providers/Microsoft.Storage/storageAccounts/stdev"
	bob.Caller.UPN = "bob@contoso.com"
	bob.CorrelationID = corrBobDenied
	bob.OperationID = "0b000000-0000-4000-8000-000000000001"
	add(b.Started(bob))
	addAll(b.Policy(bob, decideMFA(t, mfaAssignment(t, builtin.MFACreateUpdateID, "Deny"), policy.OperationCreate, user(false))))
	add(b.Finished(bob, 403, []byte(`{"error":{"code":"RequestDisallowedByPolicy"}}`)))

	rg := &activitylog.Request{TenantID: tenantID, ResourceID: rgScope, Method: "PUT", Caller: app(), CorrelationID: "c0000000-0000-4000-8000-0000000000a9"}
	add(b.Finished(rg, 200, nil))

	del := storageRequest("DELETE", user(true), "")
	del.CorrelationID = "c0000000-0000-4000-8000-0000000000de"
	add(b.Finished(del, 200, nil))

	other := storageRequest("PUT", user(false), "")
	other.ResourceID = "/subscriptions/" + otherSub + "/resourceGroups/Rg-Prod/providers/Microsoft.Storage/storageAccounts/elsewhere"
	add(b.Finished(other, 200, nil))
	mg := &activitylog.Request{TenantID: tenantID, ResourceID: mgChild, Method: "PUT", Caller: app(), CorrelationID: "c0000000-0000-4000-8000-0000000000m9"}
	add(b.Finished(mg, 200, nil))

	if err := db.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvents(context.Background(), activitylog.StoreEvents(events))
	}); err != nil {
		t.Fatal(err)
	}
	f := &logFixture{st: db, by: map[string]*activitylog.Event{}}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		f.by[e.EventDataID] = e
		if e.SubscriptionID == subID {
			f.ids = append(f.ids, e.EventDataID)
		}
	}
	return f
}

// appendEvents stores more events in the fixture.
func appendEvents(t *testing.T, f *logFixture, events []*activitylog.Event) {
	t.Helper()
	if err := f.st.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvents(context.Background(), activitylog.StoreEvents(events))
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *logFixture) lister() *activitylog.Lister {
	return &activitylog.Lister{Store: f.st, TenantID: tenantID, Now: func() time.Time { return t0.Add(time.Hour) }}
}

// page is the list envelope as a client decodes it.
type page struct {
	Value    []map[string]any `json:"value"`
	NextLink string           `json:"nextLink"`
}

func ids(p page) []string {
	var out []string
	for _, e := range p.Value {
		out = append(out, e["eventDataId"].(string))
	}
	return out
}

// TestListFilters runs filters against the SQLite store and checks the
// events returned, newest first.
func TestListFilters(t *testing.T) {
	f := newLogFixture(t)
	l := f.lister()
	// Fixture events, oldest first: 1 alice started, 2 alice audit, 3 alice
	// succeeded, 4 bob started, 5 bob deny, 6 bob failed, 7 rg write, 8
	// alice delete (9 other subscription, 10 tenant level).
	id := func(n ...int) []string {
		var out []string
		for _, i := range n {
			out = append(out, fmt.Sprintf("e0000000-0000-4000-8000-%012d", i))
		}
		return out
	}
	ts := func(minutes int) string { return t0.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339Nano) }
	base := "eventTimestamp ge '" + listStart + "'"
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{base, id(8, 7, 6, 5, 4, 3, 2, 1)},
		{"eventTimestamp ge '" + ts(2) + "' and eventTimestamp le '" + ts(5) + "'", id(6, 5, 4, 3)},
		{"eventTimestamp ge '" + ts(6) + "'", id(8, 7)},
		{base + " and resourceGroupName eq 'rg-prod'", id(8, 7, 3, 2, 1)},
		{base + " and resourceUri eq '" + strings.ToUpper(saID) + "'", id(8, 3, 2, 1)},
		{base + " and resourceId eq '" + rgScope + "'", id(7)},
		{base + " and resourceProvider eq 'microsoft.resources'", id(7)},
		{base + " and correlationId eq '" + corrBobDenied + "'", id(6, 5, 4)},
		{base + " and caller eq 'BOB@contoso.com'", id(6, 5, 4)},
		{base + " and status eq 'failed'", id(6, 5)},
		{base + " and levels eq 'Error,Warning'", id(6, 5, 2)},
		{base + " and category eq 'Policy'", id(5, 2)},
		{base + " and operationId eq '0b000000-0000-4000-8000-000000000001'", id(6, 5, 4)},
		{base + " and eventChannels eq 'Admin, Operation'", id(8, 7, 6, 5, 4, 3, 2, 1)},
		{base + " and eventChannels eq 'Admin'", nil},
		{base + " and category eq 'Policy' and caller eq 'alice@contoso.com'", id(2)},
		{"eventTimestamp ge '2020-01-01T00:00:00Z' and eventTimestamp le '2020-02-01T00:00:00Z'", nil},
	} {
		body, err := l.List(context.Background(), subID, url.Values{"api-version": {apiVersion}, "$filter": {c.filter}}, "https://palisade.test"+listPath)
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(p), c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.filter, ids(p), c.want)
		}
		if p.NextLink != "" {
			t.Errorf("%s: nextLink on the only page", c.filter)
		}
	}

	// The tenant-level list has the management-group event only.
	body, err := l.List(context.Background(), "", url.Values{"$filter": {base}}, "https://palisade.test"+tenantPath)
	if err != nil {
		t.Fatal(err)
	}
	var p page
	_ = json.Unmarshal(body, &p)
	if got := ids(p); !reflect.DeepEqual(got, id(10)) {
		t.Errorf("tenant list = %v", got)
	}
}

// serve runs the lister behind an HTTP server.
func serve(t *testing.T, l *activitylog.Lister) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestListPaging follows nextLink through the pages of an HTTP server:
// each link is absolute, keeps api-version, $filter and $select, and the
// pages together are the whole list once, newest first.
func TestListPaging(t *testing.T) {
	f := newLogFixture(t)
	for _, c := range []struct {
		name   string
		filter string
		size   int
		pages  int
		want   []string
	}{
		{"whole subscription", "eventTimestamp ge '" + listStart + "'", 3, 3, f.ids},
		{"exact pages", "eventTimestamp ge '" + listStart + "'", 4, 2, f.ids},
		// operationId is applied on the events' bodies: pages stay full.
		{"filtered on the body", "eventTimestamp ge '" + listStart + "' and operationId eq '0b000000-0000-4000-8000-000000000001'", 2, 2,
			[]string{f.ids[2], f.ids[3], f.ids[4]}},
	} {
		l := f.lister()
		l.PageSize = c.size
		srv := serve(t, l)
		q := url.Values{"api-version": {apiVersion}, "$filter": {c.filter}, "$select": {"eventDataId,eventTimestamp"}}
		link := srv.URL + listPath + "?" + q.Encode()
		var got []string
		pages := 0
		for link != "" {
			pages++
			if pages > 10 {
				t.Fatalf("%s: nextLink does not end", c.name)
			}
			status, body := get(t, link)
			if status != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", c.name, link, status, body)
			}
			var p page
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Value) > c.size {
				t.Errorf("%s: page of %d events, page size %d", c.name, len(p.Value), c.size)
			}
			got = append(got, ids(p)...)
			if p.NextLink != "" {
				u, err := url.Parse(p.NextLink)
				if err != nil || !strings.HasPrefix(p.NextLink, srv.URL+listPath+"?") {
					t.Fatalf("%s: nextLink %q is not an absolute link to the collection", c.name, p.NextLink)
				}
				nq := u.Query()
				if nq.Get("api-version") != apiVersion || nq.Get("$filter") != c.filter || nq.Get("$select") != "eventDataId,eventTimestamp" || nq.Get("$skiptoken") == "" {
					t.Errorf("%s: nextLink query %v", c.name, nq)
				}
			}
			link = p.NextLink
		}
		if pages != c.pages || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %d pages, events\n %v\nwant %d pages,\n %v", c.name, pages, got, c.pages, c.want)
		}
	}
}

// TestListSelect checks that $select keeps only the named properties, in
// event order, whatever the case and spacing of the names.
func TestListSelect(t *testing.T) {
	f := newLogFixture(t)
	body, err := f.lister().List(context.Background(), subID, url.Values{
		"$filter": {"eventTimestamp ge '" + listStart + "' and category eq 'Policy'"},
		"$select": {"OperationName , eventTimestamp,properties, status"},
	}, "https://palisade.test"+listPath)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"value":[` +
		`{"eventTimestamp":"2026-03-01T09:34:00.123456Z","operationName":{"value":"Microsoft.Authorization/policies/deny/action","localizedValue":"Microsoft.Authorization/policies/deny/action"},"status":{"value":"Failed","localizedValue":"Failed"},"properties":` +
		mustJSON(t, f.by[f.ids[3]].Properties) + `},` +
		`{"eventTimestamp":"2026-03-01T09:31:00.123456Z","operationName":{"value":"Microsoft.Authorization/policies/audit/action","localizedValue":"Microsoft.Authorization/policies/audit/action"},"status":{"value":"Succeeded","localizedValue":"Succeeded"},"properties":` +
		mustJSON(t, f.by[f.ids[6]].Properties) + `}]}`
	if string(body) != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestListErrors checks the ARM errors of bad requests.
func TestListErrors(t *testing.T) {
	f := newLogFixture(t)
	srv := serve(t, f.lister())
	good := "eventTimestamp ge '" + listStart + "'"
	for _, c := range []struct {
		name, method, path string
		query              url.Values
		status             int
		code, message      string
	}{
		{"no filter", "GET", listPath, url.Values{"api-version": {apiVersion}}, 400, "BadRequest", "$filter query parameter is required"},
		{"no start", "GET", listPath, url.Values{"api-version": {apiVersion}, "$filter": {"resourceGroupName eq 'rg'"}}, 400, "BadRequest", "start time is required"},
		{"bad clause", "GET", listPath, url.Values{"api-version": {apiVersion}, "$filter": {good + " and region eq 'x'"}}, 400, "BadRequest", "region eq 'x'"},
		{"bad select", "GET", listPath, url.Values{"api-version": {apiVersion}, "$filter": {good}, "$select": {"eventName,region"}}, 400, "BadRequest", "'region'"},
		{"bad skiptoken", "GET", listPath, url.Values{"api-version": {apiVersion}, "$filter": {good}, "$skiptoken": {"not-a-token"}}, 400, "InvalidSkipToken", "not-a-token"},
		{"no api-version", "GET", listPath, url.Values{"$filter": {good}}, 400, "MissingApiVersionParameter", "api-version"},
		{"not a list path", "GET", "/subscriptions/" + subID + "/providers/Microsoft.Insights/eventtypes", url.Values{"api-version": {apiVersion}}, 404, "InvalidResourceType", "not an activity log collection"},
		{"post", "POST", listPath, url.Values{"api-version": {apiVersion}, "$filter": {good}}, 405, "MethodNotAllowed", "GET"},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path+"?"+c.query.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != c.status || body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.message) {
			t.Errorf("%s: %d %+v (%v); want %d %s with %q", c.name, resp.StatusCode, body.Error, err, c.status, c.code, c.message)
		}
	}
}
