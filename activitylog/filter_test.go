package activitylog_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/activitylog"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestParseFilterValid covers the patterns of the ActivityLogs_List
// operation (activityLogs_API.json 2015-04-01: time range, resourceGroupName,
// resourceUri, resourceProvider, correlationId), the clauses the Azure CLI
// adds (caller, status; resourceId for resourceUri; unquoted times in
// Python's isoformat, azure-cli monitor/operations/activity_log.py) and the
// portal's levels and eventChannels.
func TestParseFilterValid(t *testing.T) {
	start, end := utc("2024-05-01T00:00:00Z"), utc("2024-05-02T12:30:00Z")
	for _, c := range []struct {
		filter string
		want   activitylog.Filter
	}{
		{"eventTimestamp ge '2024-05-01T00:00:00Z'", activitylog.Filter{From: start}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and eventTimestamp le '2024-05-02T12:30:00Z'", activitylog.Filter{From: start, To: end}},
		{"EVENTTIMESTAMP GE '2024-05-01T00:00:00Z' AND eventtimestamp LE '2024-05-02T12:30:00Z'", activitylog.Filter{From: start, To: end}},
		{"eventTimestamp le '2024-05-02T12:30:00Z' and eventTimestamp ge '2024-05-01T00:00:00Z'", activitylog.Filter{From: start, To: end}},
		{"  eventTimestamp   ge   '2024-05-01T00:00:00Z'  ", activitylog.Filter{From: start}},
		// The SDK samples' seven fractional digits; offsets; no zone means UTC.
		{"eventTimestamp ge '2014-07-16T04:36:37.6407898Z'", activitylog.Filter{From: utc("2014-07-16T04:36:37.640789Z")}},
		{"eventTimestamp ge '2024-05-01T02:00:00+02:00'", activitylog.Filter{From: start}},
		{"eventTimestamp ge 2024-05-01T00:00:00Z and eventTimestamp le 2024-05-02T12:30:00Z", activitylog.Filter{From: start, To: end}},
		{"eventTimestamp ge 2024-05-01T00:00:00.000000 and eventTimestamp le 2024-05-02T12:30:00", activitylog.Filter{From: start, To: end}},
		{"eventTimestamp ge 2024-05-01T05:00:00+0500", activitylog.Filter{From: start}},
		{"eventTimestamp ge '2024-05-01'", activitylog.Filter{From: start}},
		{"eventTimestamp gt '2024-05-01T00:00:00Z' and eventTimestamp lt '2024-05-02T12:30:00Z'",
			activitylog.Filter{From: start.Add(time.Microsecond), To: end.Add(-time.Microsecond)}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and resourceGroupName eq 'Rg-Prod'", activitylog.Filter{From: start, ResourceGroup: "Rg-Prod"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and resourceUri eq '" + saID + "'", activitylog.Filter{From: start, ResourceID: saID}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and resourceId eq '" + saID + "'", activitylog.Filter{From: start, ResourceID: saID}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and resourceProvider eq 'Microsoft.Storage'", activitylog.Filter{From: start, Provider: "Microsoft.Storage"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and correlationId eq 'b5768deb-836b-41cc-803e-3f4de2f9e40b'",
			activitylog.Filter{From: start, CorrelationID: "b5768deb-836b-41cc-803e-3f4de2f9e40b"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and caller eq 'alice@contoso.com' and status eq 'Failed'",
			activitylog.Filter{From: start, Caller: "alice@contoso.com", Status: "Failed"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and levels eq 'critical,Error, Warning'",
			activitylog.Filter{From: start, Levels: []string{"Critical", "Error", "Warning"}}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and category eq 'Policy' and operationId eq 'op-1'",
			activitylog.Filter{From: start, Category: "Policy", OperationID: "op-1"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and eventChannels eq 'Admin, Operation'",
			activitylog.Filter{From: start, Channels: []string{"Admin", "Operation"}}},
		// '' is a quote inside a value.
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and caller eq 'o''brien@contoso.com'", activitylog.Filter{From: start, Caller: "o'brien@contoso.com"}},
		{"eventTimestamp ge '2024-05-01T00:00:00Z' and caller eq 'and'", activitylog.Filter{From: start, Caller: "and"}},
	} {
		got, err := activitylog.ParseFilter(c.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.filter, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("ParseFilter(%q) =\n %+v, want\n %+v", c.filter, *got, c.want)
		}
	}
}

// TestParseFilterInvalid checks that every refusal names the clause at
// fault and says why.
func TestParseFilterInvalid(t *testing.T) {
	const ge = "eventTimestamp ge '2024-05-01T00:00:00Z'"
	for _, c := range []struct {
		filter, clause, reason string
	}{
		{"", "", "empty"},
		{"   ", "", "empty"},
		{"resourceGroupName eq 'rg'", "", "start time is required"},
		{"eventTimestamp le '2024-05-01T00:00:00Z'", "", "start time is required"},
		{"eventTimestamp ge '2024-05-02T00:00:00Z' and eventTimestamp le '2024-05-01T00:00:00Z'", "", "before the start time"},
		{"eventTimestamp ge 'yesterday'", "eventTimestamp ge 'yesterday'", "not a valid ISO 8601"},
		{"eventTimestamp eq '2024-05-01T00:00:00Z'", "eventTimestamp eq '2024-05-01T00:00:00Z'", "use 'ge' and 'le'"},
		{ge + " and " + ge, ge, "more than once"},
		{ge + " and resourceGroupName ne 'rg'", "resourceGroupName ne 'rg'", "use 'eq'"},
		{ge + " and resourceGroupName eq rg", "resourceGroupName eq rg", "single quotes"},
		{ge + " and resourceGroupName eq ''", "resourceGroupName eq ''", "empty"},
		{ge + " and resourceGroupName eq 'a' and resourceGroupName eq 'b'", "resourceGroupName eq 'b'", "more than once"},
		{ge + " and location eq 'westeurope'", "location eq 'westeurope'", "cannot be filtered on"},
		{ge + " and levels eq 'Error,Severe'", "levels eq 'Error,Severe'", "'Severe' is not a level"},
		{ge + " or caller eq 'a'", "or caller eq", "joined with 'and'"},
		{ge + " and (caller eq 'a')", "(caller eq 'a')", "parentheses"},
		{ge + " and caller eq 'unterminated", "'unterminated", "not closed"},
		{ge + " and caller eq", "caller eq", "expected a clause"},
		{ge + " and", "and", "expected a clause"},
		{ge + " caller eq 'a'", "caller eq 'a'", "joined with 'and'"},
		{"'eventTimestamp' ge '2024-05-01T00:00:00Z'", "'eventTimestamp' ge '2024-05-01T00:00:00Z'", "expected a clause"},
	} {
		_, err := activitylog.ParseFilter(c.filter)
		var fe *activitylog.FilterError
		if !errors.As(err, &fe) {
			t.Errorf("ParseFilter(%q) = %v, want a *FilterError", c.filter, err)
			continue
		}
		if fe.Clause != c.clause || !strings.Contains(fe.Reason, c.reason) {
			t.Errorf("ParseFilter(%q): clause %q reason %q; want clause %q and a reason with %q", c.filter, fe.Clause, fe.Reason, c.clause, c.reason)
		}
		if c.clause != "" && !strings.Contains(err.Error(), c.clause) {
			t.Errorf("error %q does not name the clause", err)
		}
	}
}

// TestFilterQuery checks the store query a filter becomes.
func TestFilterQuery(t *testing.T) {
	f, err := activitylog.ParseFilter("eventTimestamp ge '2024-05-01T00:00:00Z' and resourceGroupName eq 'rg' and levels eq 'Error' and status eq 'Failed'")
	if err != nil {
		t.Fatal(err)
	}
	now := utc("2024-05-03T00:00:00Z")
	q := f.Query(subID, tenantID, now)
	if q.SubscriptionID != subID || q.TenantID != tenantID || !q.From.Equal(f.From) || !q.To.Equal(now) ||
		q.ResourceGroup != "rg" || q.Status != "Failed" || !reflect.DeepEqual(q.Levels, []string{"Error"}) {
		t.Errorf("Query = %+v", q)
	}
}

// FuzzParseFilter checks that the parser never panics, and that what it
// accepts is a usable time range.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"eventTimestamp ge '2024-05-01T00:00:00Z' and eventTimestamp le '2024-05-02T00:00:00Z' and resourceGroupName eq 'rg'",
		"eventTimestamp ge 2024-05-01T00:00:00.123456 and caller eq 'o''brien' and levels eq 'Error,Warning'",
		"eventTimestamp ge '2024-05-01' and eventChannels eq 'Admin, Operation' and operationId eq 'x'",
		"eventTimestamp gt '2024-05-01T00:00:00+02:00' or (status eq 'Failed')",
		"'", "and", "eventTimestamp ge", "''''",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := activitylog.ParseFilter(s)
		if err != nil {
			var fe *activitylog.FilterError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FilterError", err)
			}
			return
		}
		if got.From.IsZero() {
			t.Fatalf("accepted %q without a start time", s)
		}
		if !got.To.IsZero() && got.To.Before(got.From) {
			t.Fatalf("accepted %q with an end before the start", s)
		}
	})
}
