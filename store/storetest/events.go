package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/store"
)

var (
	zeroTime  time.Time
	eventBase = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// eventFixture appends 60 events spread over an hour, varying every
// indexed field, and returns them as stored (IDs filled in).
func eventFixture(t *testing.T, s store.Store) []store.Event {
	t.Helper()
	subs := []string{"11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222", ""}
	var events []store.Event
	for i := 0; i < 60; i++ {
		sub := subs[i%3]
		rg := []string{"Prod", "dev"}[i%2]
		resID := ""
		if sub != "" {
			resID = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/sa%d", sub, rg, i%4)
			if i%5 == 0 {
				resID += "/blobServices/default"
			}
		}
		e := store.Event{
			SubscriptionID: sub,
			TenantID:       "tenant-1",
			ResourceGroup:  rg,
			ResourceID:     resID,
			Provider:       []string{"Microsoft.Storage", "Microsoft.Authorization"}[i%2],
			CorrelationID:  fmt.Sprintf("corr-%d", i%7),
			Caller:         []string{"Alice@Example.com", "bob@example.com", "app-1"}[i%3],
			Status:         []string{"Succeeded", "Failed", "Started"}[i%3],
			Level:          []string{"Informational", "Warning", "Error", "Critical"}[i%4],
			Category:       []string{"Administrative", "Policy"}[i%2],
			OperationName:  "Microsoft.Storage/storageAccounts/write",
			// Every 10th pair shares a timestamp to exercise the tie-break.
			Timestamp: eventBase.Add(time.Duration(i-i%10/9) * time.Minute),
		}
		if i%3 == 0 {
			e.ID = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		}
		e.Body, _ = json.Marshal(map[string]any{"n": i, "caller": e.Caller})
		events = append(events, e)
	}
	err := s.Update(ctx(t), func(tx store.Tx) error { return tx.AppendEvents(ctx(t), events) })
	if err != nil {
		t.Fatalf("append events: %v", err)
	}
	for _, e := range events {
		if e.ID == "" {
			t.Fatal("AppendEvents did not fill in an id")
		}
	}
	return events
}

// eventMatches is the reference meaning of an EventQuery.
func eventMatches(e store.Event, q store.EventQuery) bool {
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(want, got) }
	if e.Timestamp.Before(q.From) || e.Timestamp.After(q.To) {
		return false
	}
	if q.SubscriptionID != "" {
		if !eq(q.SubscriptionID, e.SubscriptionID) || !eq(q.TenantID, e.TenantID) {
			return false
		}
	} else if q.TenantID != "" && (!eq(q.TenantID, e.TenantID) || e.SubscriptionID != "") {
		return false
	}
	if !eq(q.ResourceGroup, e.ResourceGroup) || !eq(q.ResourceID, e.ResourceID) || !eq(q.Provider, e.Provider) ||
		!eq(q.CorrelationID, e.CorrelationID) || !eq(q.Caller, e.Caller) || !eq(q.Status, e.Status) || !eq(q.Category, e.Category) {
		return false
	}
	if q.ResourceIDPrefix != "" {
		p := strings.ToLower(q.ResourceIDPrefix)
		id := strings.ToLower(e.ResourceID)
		if id != p && !strings.HasPrefix(id, p+"/") {
			return false
		}
	}
	if len(q.Levels) > 0 && !slices.ContainsFunc(q.Levels, func(l string) bool { return strings.EqualFold(l, e.Level) }) {
		return false
	}
	return true
}

func eventQueries() []store.EventQuery {
	from, to := eventBase, eventBase.Add(time.Hour)
	sub := "11111111-1111-1111-1111-111111111111"
	return []store.EventQuery{
		{From: from, To: to},
		{From: eventBase.Add(10 * time.Minute), To: eventBase.Add(20 * time.Minute)},
		{From: from, To: to, SubscriptionID: sub},
		{From: from, To: to, SubscriptionID: strings.ToUpper(sub), TenantID: "TENANT-1"},
		{From: from, To: to, TenantID: "tenant-1"},
		{From: from, To: to, SubscriptionID: sub, ResourceGroup: "PROD"},
		{From: from, To: to, ResourceID: "/subscriptions/" + sub + "/resourcegroups/prod/providers/microsoft.storage/storageaccounts/sa2"},
		{From: from, To: to, ResourceIDPrefix: "/subscriptions/" + sub + "/resourceGroups/Prod/providers/Microsoft.Storage/storageAccounts/sa0"},
		{From: from, To: to, ResourceIDPrefix: "/subscriptions/" + sub + "/resourceGroups/Pro"}, // not a whole segment
		{From: from, To: to, Provider: "microsoft.authorization"},
		{From: from, To: to, CorrelationID: "CORR-3"},
		{From: from, To: to, Caller: "alice@example.com"},
		{From: from, To: to, Status: "failed", Category: "policy"},
		{From: from, To: to, Levels: []string{"error", "Critical"}},
		{From: from, To: to, Levels: []string{"Verbose"}},
	}
}

func queryAll(t *testing.T, s store.Store, q store.EventQuery) []*store.Event {
	t.Helper()
	var all []*store.Event
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("QueryEvents(%+v) does not end", q)
		}
		var page store.EventPage
		err := s.View(ctx(t), func(tx store.Tx) error {
			var err error
			page, err = tx.QueryEvents(ctx(t), q)
			return err
		})
		if err != nil {
			t.Fatalf("QueryEvents(%+v): %v", q, err)
		}
		if q.Limit > 0 && len(page.Events) > q.Limit {
			t.Fatalf("page of %d events, limit %d", len(page.Events), q.Limit)
		}
		all = append(all, page.Events...)
		if page.Continuation == "" {
			return all
		}
		q.Continuation = page.Continuation
	}
}

func expectedEvents(events []store.Event, q store.EventQuery) []string {
	var want []store.Event
	for _, e := range events {
		if eventMatches(e, q) {
			want = append(want, e)
		}
	}
	// Newest first; equal timestamps by id, descending.
	slices.SortFunc(want, func(a, b store.Event) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	ids := make([]string, len(want))
	for i, e := range want {
		ids[i] = e.ID
	}
	return ids
}

func eventIDs(events []*store.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func testEvents(t *testing.T, s store.Store) {
	events := eventFixture(t, s)
	for _, q := range eventQueries() {
		got := queryAll(t, s, q)
		if want := expectedEvents(events, q); !sameStrings(eventIDs(got), want) {
			t.Errorf("QueryEvents(%+v) =\n%v\nwant\n%v", q, eventIDs(got), want)
		}
	}
	// Stored fields and body come back.
	got := queryAll(t, s, store.EventQuery{From: eventBase, To: eventBase, Limit: 5})
	if len(got) != 1 {
		t.Fatalf("events at the first minute: %d", len(got))
	}
	e, want := got[0], events[0]
	if e.ID != want.ID || !e.Timestamp.Equal(want.Timestamp) || string(e.Body) != string(want.Body) ||
		!strings.EqualFold(e.Caller, want.Caller) || !strings.EqualFold(e.ResourceID, want.ResourceID) {
		t.Errorf("event = %+v\nwant %+v", e, want)
	}
	err := s.View(ctx(t), func(tx store.Tx) error {
		_, err := tx.QueryEvents(ctx(t), store.EventQuery{SubscriptionID: "x"})
		return err
	})
	wantErr(t, "query without a time range", err, store.ErrInvalid)
	err = s.View(ctx(t), func(tx store.Tx) error {
		_, err := tx.QueryEvents(ctx(t), store.EventQuery{From: eventBase, To: eventBase, Continuation: "d1.AAAA"})
		return err
	})
	wantErr(t, "document token for events", err, store.ErrInvalid)
	err = s.Update(ctx(t), func(tx store.Tx) error {
		return tx.AppendEvents(ctx(t), []store.Event{{Body: []byte(`{}`)}})
	})
	wantErr(t, "event without timestamp", err, store.ErrInvalid)
}

func testEventPaging(t *testing.T, s store.Store) {
	events := eventFixture(t, s)
	for _, q := range eventQueries() {
		for _, limit := range []int{1, 3, 8} {
			q := q
			q.Limit = limit
			if got, want := eventIDs(queryAll(t, s, q)), expectedEvents(events, q); !sameStrings(got, want) {
				t.Errorf("paged QueryEvents(%+v) =\n%v\nwant\n%v", q, got, want)
			}
		}
	}
}

func testEventRetention(t *testing.T, s store.Store) {
	events := eventFixture(t, s)
	cut := eventBase.Add(30 * time.Minute)
	var n int
	err := s.Update(ctx(t), func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteEventsBefore(ctx(t), cut)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var kept []store.Event
	for _, e := range events {
		if !e.Timestamp.Before(cut) {
			kept = append(kept, e)
		}
	}
	if n != len(events)-len(kept) {
		t.Errorf("DeleteEventsBefore removed %d, want %d", n, len(events)-len(kept))
	}
	q := store.EventQuery{From: eventBase.Add(-time.Hour), To: eventBase.Add(2 * time.Hour)}
	if got, want := eventIDs(queryAll(t, s, q)), expectedEvents(kept, q); !sameStrings(got, want) {
		t.Errorf("after retention %v\nwant %v", got, want)
	}
}

// testEventsRollBack: an event commits exactly with the write it records.
func testEventsRollBack(t *testing.T, s store.Store) {
	id := rg1 + "/providers/Microsoft.Web/sites/evt"
	err := s.Update(ctx(t), func(tx store.Tx) error {
		if _, err := tx.Put(ctx(t), doc(t, id, "", nil), store.Condition{}); err != nil {
			return err
		}
		if err := tx.AppendEvents(ctx(t), []store.Event{{ResourceID: id, Timestamp: eventBase, Body: []byte(`{}`)}}); err != nil {
			return err
		}
		return errors.New("write refused")
	})
	if err == nil {
		t.Fatal("Update succeeded")
	}
	if got := queryAll(t, s, store.EventQuery{From: eventBase, To: eventBase, ResourceID: id}); len(got) != 0 {
		t.Errorf("event of a rolled-back write is visible: %v", eventIDs(got))
	}
}
