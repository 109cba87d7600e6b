package policyevents

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// The $filter subset of
// https://learn.microsoft.com/rest/api/policy/policy-events/list-query-results-for-subscription
// as the spec's examples use it ("PolicyDefinitionAction eq 'audit' or PolicyDefinitionAction eq
// 'deny'", Azure/azure-rest-api-specs …/stable/2019-10-01/examples/
// PolicyEvents_FilterAndGroupByWithAggregate.json) and az policy event list sends it
// ("isCompliant eq false").
func TestParseFilter(t *testing.T) {
	rec := Record{"policyDefinitionAction": "audit", "isCompliant": false, "resourceGroup": "O'Brien", "principalOid": nil}
	for _, tt := range []struct {
		filter string
		match  bool
	}{
		{"PolicyDefinitionAction eq 'audit' or PolicyDefinitionAction eq 'deny'", true},
		{"isCompliant eq false", true},
		{"isCompliant ne false", false},
		{"resourceGroup eq 'o''brien'", true},
		{"not(resourceGroup eq 'x') and principalOid eq null", true},
		{"((policyDefinitionAction eq 'deny'))", false},
		{"", true},
	} {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("%q: %v", tt.filter, err)
		}
		if got := f.Match(rec); got != tt.match {
			t.Errorf("%q: %v, want %v", tt.filter, got, tt.match)
		}
	}
	for _, bad := range []string{strings.Repeat("(", 40) + "isCompliant eq true" + strings.Repeat(")", 40), strings.Repeat("not ", 40) + "isCompliant eq true", "(resourceGroup eq 'x'", "resourceGroup", "resourceGroup eq", "resourceGroup eq x", "and", "'x' eq resourceGroup", "resourceGroup eq 'x' resourceGroup"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// $from defaults to $to minus one day and $to to the request time (policyEvents.json,
// fromParameter and toParameter).
func TestParseDefaults(t *testing.T) {
	now := time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)
	q, err := Parse(url.Values{}, now)
	if err != nil || !q.To.Equal(now) || !q.From.Equal(now.Add(-24*time.Hour)) || q.Top != -1 {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = Parse(url.Values{"$to": {"2024-05-01T00:00:00Z"}, "$skipToken": {SkipToken(7)}}, now)
	if err != nil || !q.From.Equal(time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC)) || q.Offset != 7 {
		t.Fatalf("%+v %v", q, err)
	}
	link := q.NextLink("https://h/x", url.Values{"$skipToken": {"old"}, "api-version": {"2019-10-01"}}, 12)
	u, err := url.Parse(link)
	if err != nil || strings.Contains(link, "old") || !strings.Contains(link, "$skiptoken=") {
		t.Fatalf("next link %s: %v", link, err)
	}
	if v := u.Query(); v.Get("$from") != "2024-04-30T00:00:00Z" || v.Get("$to") != "2024-05-01T00:00:00Z" || v.Get("$skiptoken") != SkipToken(12) {
		t.Errorf("next link %s", link)
	}
}

// Any $filter either parses into a filter that can be matched or is refused with an error; a
// deeply nested one is refused, not a stack overflow.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "isCompliant eq false", "PolicyDefinitionAction eq 'audit' or PolicyDefinitionAction eq 'deny'",
		"not(resourceGroup eq 'x') and principalOid eq null", strings.Repeat("(", 200) + "isCompliant eq true" + strings.Repeat(")", 200)} {
		f.Add(s)
	}
	rec := Record{"policyDefinitionAction": "audit", "isCompliant": false, "resourceGroup": "rg"}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		flt.Match(rec)
	})
}
