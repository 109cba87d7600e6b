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

// FuzzParsePHC: stored hash strings never panic the parser and accepted
// parameters stay within the bounds that keep a sign-in cheap.
func FuzzParsePHC(f *testing.F) {
	h, err := HashPassword("seed", Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{h, "$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=8,t=1,p=1x$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "$argon2i$", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePHC(s)
		if err != nil {
			return
		}
		if p.memoryKiB > maxArgonMemoryKiB || p.time > maxArgonTime || p.threads == 0 || len(p.salt) < 8 {
			t.Fatalf("out-of-bounds parameters accepted from %q: %+v", s, p)
		}
	})
}
