package identity

import (
	"strings"
	"testing"
)

// FuzzParseClaimsRequest: any input either parses or errors, never panics,
// and an MFA demand is only ever derived from a "p1" value.
func FuzzParseClaimsRequest(f *testing.F) {
	for _, s := range []string{
		MFAClaims,
		`{"access_token":{"acrs":{"essential":true,"value":"p1"}}}`,
		`{"access_token":{"xms_cc":{"values":["CP1"]}}}`,
		`{"access_token":{"acrs":{"essential":true,"values":["c1","P1"]}},"id_token":{"auth_time":{"essential":true}}}`,
		`{"access_token":{"acrs":null}}`, `{"access_token":{"acrs":{"values":"p1"}}}`, `[]`, `{`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseClaimsRequest(raw)
		if err != nil {
			return
		}
		if req.requiresMFA() && !strings.Contains(strings.ToLower(raw), "p1") {
			t.Fatalf("MFA demanded by %q", raw)
		}
		for _, a := range req.acrs {
			if !supportedACRS[a] {
				t.Fatalf("unsupported acrs %q kept", a)
			}
		}
	})
}

func TestParseClaimsRequest(t *testing.T) {
	cases := []struct {
		raw     string
		mfa     bool
		wantErr bool
	}{
		{MFAClaims, true, false},
		{`{"access_token":{"acrs":{"essential":true,"value":"P1"}}}`, true, false},
		{`{"access_token":{"xms_cc":{"values":["CP1"]}}}`, false, false},
		{`{"access_token":{"acrs":{"essential":true,"values":["c1"]}}}`, false, false},
		{`{"access_token":{"acrs":{"values":"p1"}}}`, false, true},
		{`not json`, false, true},
		{``, false, false},
	}
	for _, tc := range cases {
		req, err := parseClaimsRequest(tc.raw)
		if (err != nil) != tc.wantErr || req.requiresMFA() != tc.mfa {
			t.Errorf("%s: mfa %v err %v", tc.raw, req.requiresMFA(), err)
		}
	}
}
