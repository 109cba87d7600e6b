package api

import (
	"errors"
	"testing"
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
		{in: "substringof('web', name)", want: Filter{NameContains: "web"}},
		{in: "name eq 'it''s'", want: Filter{Name: "it's"}},
		{in: "resourceGroup eq 'rg1' and location eq 'eastus'", want: Filter{ResourceGroup: "rg1", Location: "eastus"}},
		{in: "tagValue eq 'x'", bad: true},
		{in: "location ne 'x'", bad: true},
		{in: "location eq x", bad: true},
		{in: "location eq 'x", bad: true},
		{in: "location eq 'x' or name eq 'y'", bad: true},
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
		if err != nil || got != tc.want {
			t.Errorf("%q: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "resourceType eq 'a/b'", "tagName eq 'a' and tagValue eq 'b'", "substringof('x', name)", "name eq 'a''b'"} {
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
		if got.HasTagValue && got.TagName == "" {
			t.Fatalf("%q: tagValue without tagName accepted", s)
		}
	})
}
