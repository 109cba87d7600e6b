package api

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade/palisade/store"
)

// The filter grammar follows Resources - List
// (https://learn.microsoft.com/rest/api/resources/resources/list) and
// Resource Groups - List ($filter=tagName eq 'tag1' and tagValue eq 'Value1').
func TestParseFilter(t *testing.T) {
	cases := []struct {
		in   string
		want Filter
		bad  bool
	}{
		{in: "", want: Filter{}},
		{in: "resourceType eq 'Microsoft.Storage/storageAccounts'", want: Filter{ResourceType: "Microsoft.Storage/storageAccounts"}},
		{in: "location eq 'westeurope'", want: Filter{Location: "westeurope"}},
		{in: "tagName eq 'env' and tagValue eq 'prod'", want: Filter{TagName: "env", TagValue: "prod", HasTagValue: true}},
		{in: "tagname EQ 'env'  AND  tagvalue eq ''", want: Filter{TagName: "env", HasTagValue: true}},
		{in: "substringof('web', name)", want: Filter{NameContains: []string{"web"}}},
		{in: "substringof('web', name) and substringof('prod', name)", want: Filter{NameContains: []string{"web", "prod"}}},
		// "You can link more than one substringof together by adding and/or operators", and
		// substringof combines with resourceType.
		{in: "substringof('web', name) or substringof('api', name)", want: Filter{Or: []Filter{{NameContains: []string{"web"}}, {NameContains: []string{"api"}}}}},
		{in: "resourceType eq 'A.B/c' or resourceType eq 'A.B/d'", want: Filter{Or: []Filter{{ResourceType: "A.B/c"}, {ResourceType: "A.B/d"}}}},
		{in: "resourceType eq 'A.B/c' and (substringof('x', name) or substringof('y', name))",
			want: Filter{Or: []Filter{{ResourceType: "A.B/c", NameContains: []string{"x"}}, {ResourceType: "A.B/c", NameContains: []string{"y"}}}}},
		{in: "location eq 'a' and location eq 'b'", want: Filter{Or: []Filter{}}},
		{in: "(location eq 'a')", want: Filter{Location: "a"}},
		{in: "name eq 'it''s'", want: Filter{Name: "it's"}},
		{in: "resourceGroup eq 'rg1' and location eq 'eastus'", want: Filter{ResourceGroup: "rg1", Location: "eastus"}},
		{in: "tagValue eq 'x'", bad: true},
		{in: "location ne 'x'", bad: true},
		{in: "location eq x", bad: true},
		{in: "location eq 'x", bad: true},
		{in: "location eq 'x' or", bad: true},
		{in: "(location eq 'x'", bad: true},
		{in: "location eq 'x')", bad: true},
		{in: "tagName eq 'a' or tagValue eq 'b'", bad: true},
		{in: strings.Repeat("(", 20) + "location eq 'x'" + strings.Repeat(")", 20), bad: true},
		{in: strings.TrimSuffix(strings.Repeat("(name eq 'a' or name eq 'b') and ", 7), " and "), bad: true},
		{in: "plan eq 'x'", bad: true},
		{in: "substringof('x', location)", bad: true},
		{in: "substringof('x' name)", bad: true},
		{in: "eq 'x'", bad: true},
	}
	for _, tc := range cases {
		got, err := ParseFilter(tc.in)
		if tc.bad {
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != CodeInvalidFilter || ae.Status != 400 {
				t.Errorf("%q: err %v, want 400 %s", tc.in, err, CodeInvalidFilter)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "resourceType eq 'a/b'", "tagName eq 'a' and tagValue eq 'b'", "substringof('x', name)", "name eq 'a''b'",
		"(name eq 'a' or name eq 'b') and location eq 'c'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFilter(s)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != 400 {
				t.Fatalf("%q: non-ARM error %v", s, err)
			}
			return
		}
		if got.Or != nil && (got.ResourceType != "" || got.Name != "" || got.TagName != "" || len(got.NameContains) > 0) {
			t.Fatalf("%q: a filter with alternatives has fields of its own: %+v", s, got)
		}
		if len(got.Or) > maxFilterTerms {
			t.Fatalf("%q: %d alternatives", s, len(got.Or))
		}
		for _, a := range got.Alternatives() {
			if a.HasTagValue && a.TagName == "" {
				t.Fatalf("%q: tagValue without tagName accepted", s)
			}
			if a.Or != nil {
				t.Fatalf("%q: nested alternatives", s)
			}
		}
	})
}

// Matches compares as ARM does: names, types, groups and tag names ignoring case, tag values
// exactly, locations in their normalised form; a filter with "or" keeps what any alternative
// keeps.
func TestFilterMatches(t *testing.T) {
	d := &store.Document{Type: "Microsoft.Web/sites", Name: "Web-Prod", ResourceGroup: "rg-app", Location: "westeurope",
		Tags: map[string]string{"Env": "Prod"}}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"resourceType eq 'microsoft.web/SITES'", true},
		{"location eq 'West Europe'", true},
		{"location eq 'eastus'", false},
		{"substringof('prod', name) and substringof('WEB', name)", true},
		{"substringof('prod', name) and substringof('api', name)", false},
		{"substringof('api', name) or substringof('prod', name)", true},
		{"tagName eq 'env' and tagValue eq 'Prod'", true},
		{"tagName eq 'env' and tagValue eq 'prod'", false},
		{"tagName eq 'env' and tagValue eq ''", false},
		{"startswith(tagName, 'EN')", true},
		{"resourceGroup eq 'RG-APP' and (name eq 'x' or name eq 'web-prod')", true},
		{"substringof('app', resourceGroup) and resourceType eq 'A.B/c'", false},
		{"location eq 'a' and location eq 'b'", false},
	} {
		f, err := ParseFilter(tc.filter)
		if err != nil {
			t.Fatalf("%q: %v", tc.filter, err)
		}
		got := false
		for _, a := range f.Alternatives() {
			got = got || a.Matches(d)
		}
		if got != tc.want {
			t.Errorf("%q matches %v, want %v", tc.filter, got, tc.want)
		}
	}
}
