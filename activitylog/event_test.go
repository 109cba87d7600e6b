package activitylog_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/activitylog"
)

// TestTicks checks the ticks segment of event ids against the schema
// documentation's sample: eventTimestamp 2018-01-29T20:42:31.3810679Z has id
// …/ticks/636528553513810679
// (https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema).
func TestTicks(t *testing.T) {
	ts, err := time.Parse(time.RFC3339Nano, "2018-01-29T20:42:31.3810679Z")
	if err != nil {
		t.Fatal(err)
	}
	if got := activitylog.Ticks(ts); got != 636528553513810679 {
		t.Errorf("Ticks = %d, want 636528553513810679", got)
	}
	id := activitylog.EventID("/subscriptions/s/resourcegroups/myResourceGroup/providers/Microsoft.Network/networkSecurityGroups/myNSG",
		"d0d36f97-b29c-4cd9-9d3d-ea2b92af3e9d", ts)
	want := "/subscriptions/s/resourcegroups/myResourceGroup/providers/Microsoft.Network/networkSecurityGroups/myNSG/events/d0d36f97-b29c-4cd9-9d3d-ea2b92af3e9d/ticks/636528553513810679"
	if id != want {
		t.Errorf("EventID = %s", id)
	}
}

// TestTimestampFormat checks that times are written as Azure writes them:
// UTC, trailing zeros of the fraction dropped.
func TestTimestampFormat(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2022, 6, 28, 10, 6, 27, 353384000, time.UTC), `"2022-06-28T10:06:27.353384Z"`},
		{time.Date(2022, 6, 28, 10, 6, 27, 0, time.UTC), `"2022-06-28T10:06:27Z"`},
		{time.Date(2022, 6, 28, 12, 6, 27, 500000999, time.FixedZone("CEST", 7200)), `"2022-06-28T10:06:27.5Z"`},
	} {
		b, err := json.Marshal(activitylog.Timestamp(c.in))
		if err != nil || string(b) != c.want {
			t.Errorf("%v: got %s (%v), want %s", c.in, b, err, c.want)
		}
		var back activitylog.Timestamp
		if err := json.Unmarshal(b, &back); err != nil || !back.Time().Equal(c.in.Truncate(time.Microsecond)) {
			t.Errorf("round trip of %s: %v %v", b, back.Time(), err)
		}
	}
}

// TestToStore checks the indexed columns an event is stored with: lower-cased
// as the store compares them (the body keeps the casing).
func TestToStore(t *testing.T) {
	e := must[*activitylog.Event](t)(newBuilder().Finished(storageRequest("PUT", user(false), ""), 201, nil))
	s := e.ToStore()
	for _, c := range []struct{ name, got, want string }{
		{"ID", s.ID, e.EventDataID},
		{"SubscriptionID", s.SubscriptionID, subID},
		{"TenantID", s.TenantID, tenantID},
		{"ResourceGroup", s.ResourceGroup, "Rg-Prod"},
		{"ResourceID", s.ResourceID, saID},
		{"Provider", s.Provider, "Microsoft.Storage"},
		{"CorrelationID", s.CorrelationID, "b5768deb-836b-41cc-803e-3f4de2f9e40b"},
		{"Caller", s.Caller, "alice@contoso.com"},
		{"Status", s.Status, "Succeeded"},
		{"Level", s.Level, "Informational"},
		{"Category", s.Category, "Administrative"},
		{"OperationName", s.OperationName, "Microsoft.Storage/storageAccounts/write"},
	} {
		want := c.want
		if c.name != "ID" {
			want = strings.ToLower(want)
		}
		if c.got != want {
			t.Errorf("%s = %q, want %q", c.name, c.got, want)
		}
	}
	if !s.Timestamp.Equal(e.EventTimestamp.Time()) {
		t.Errorf("Timestamp = %v, want %v", s.Timestamp, e.EventTimestamp.Time())
	}
	var back activitylog.Event
	if err := json.Unmarshal(s.Body, &back); err != nil || back.EventDataID != e.EventDataID || back.Properties["statusCode"] != "Created" {
		t.Errorf("Body does not decode to the event: %v", err)
	}
}
