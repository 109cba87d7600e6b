package aliases

import (
	"errors"
	"strings"
	"testing"
)

// seg and wild keep the expected paths in the tables short.
func seg(names ...string) Path {
	var p Path
	for _, n := range names {
		if n == "*" {
			p = append(p, Segment{Wildcard: true})
		} else {
			p = append(p, Segment{Name: n})
		}
	}
	return p
}

func TestParsePath(t *testing.T) {
	// Field and alias path forms from
	// https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule#fields
	// (tags['name'], tags[name], tags[tag.with.dots], tags['''name'''] for apostrophes).
	tests := []struct {
		in    string
		want  Path
		canon string // String() of the result; "" means same as in
	}{
		{in: "properties", want: seg("properties")},
		{in: "properties.networkAcls.ipRules[*].action", want: seg("properties", "networkAcls", "ipRules", "*", "action")},
		{in: "zones[*]", want: seg("zones", "*")},
		{in: "a[*][*].b", want: seg("a", "*", "*", "b")},
		{in: "tags['a.b']", want: seg("tags", "a.b")},
		{in: "tags[a.b]", want: seg("tags", "a.b"), canon: "tags['a.b']"},
		{in: "tags[env]", want: seg("tags", "env"), canon: "tags.env"},
		{in: "tags['env']", want: seg("tags", "env"), canon: "tags.env"},
		{in: "properties['odd key']", want: seg("properties", "odd key")},
		{in: "properties.odd key", want: seg("properties", "odd key"), canon: "properties['odd key']"},
		{in: "tags['''quoted''']", want: seg("tags", "'quoted'")},
		{in: "tags['it''s']", want: seg("tags", "it's")},
		{in: "tags['*']", want: Path{{Name: "tags"}, {Name: "*"}}},
		{in: "['a.b'].c", want: seg("a.b", "c")},
		{in: "tags['a]b']", want: seg("tags", "a]b")},
		{in: "tags['a[b']", want: seg("tags", "a[b")},
		{in: "x.*", want: Path{{Name: "x"}, {Name: "*"}}, canon: "x['*']"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePath(tt.in)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("ParsePath(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.in
			}
			if s := got.String(); s != canon {
				t.Errorf("String() = %q, want %q", s, canon)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"", 0, "empty path"},
		{".a", 0, "starts with '.'"},
		{"a.", 2, "ends with '.'"},
		{"a..b", 2, "expected a name"},
		{"a.[*]", 2, "expected a name"},
		{"a[", 1, "unterminated '['"},
		{"a[*", 1, "unterminated '['"},
		{"a[]", 2, "empty name"},
		{"a['']", 2, "empty name"},
		{"a['x", 2, "unterminated quoted name"},
		{"a['x'y]", 5, "expected ']' after closing quote"},
		{"a]", 1, "unexpected ']'"},
		{"a[*]b", 4, "expected '.' or '['"},
		{"a[b[c]]", 3, "'[' inside brackets"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParsePath(tt.in)
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePath(%q) error = %v, want *PathError", tt.in, err)
			}
			if pe.Offset != tt.offset || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("ParsePath(%q) = offset %d %q, want offset %d containing %q", tt.in, pe.Offset, pe.Msg, tt.offset, tt.msg)
			}
			if !strings.Contains(err.Error(), "offset") {
				t.Errorf("error %q does not name the offset", err)
			}
		})
	}
}

func TestPathPredicates(t *testing.T) {
	tests := []struct {
		in        string
		has, ends bool
	}{
		{"properties.a", false, false},
		{"properties.a[*]", true, true},
		{"properties.a[*].b", true, false},
		{"tags['[*]']", false, false},
	}
	for _, tt := range tests {
		p, err := ParsePath(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if p.HasWildcard() != tt.has || p.EndsWithWildcard() != tt.ends {
			t.Errorf("%q: HasWildcard=%v EndsWithWildcard=%v, want %v %v", tt.in, p.HasWildcard(), p.EndsWithWildcard(), tt.has, tt.ends)
		}
	}
	if (Path{}).EndsWithWildcard() {
		t.Error("empty path ends with a wildcard")
	}
}

func TestEqualFold(t *testing.T) {
	a, b := seg("properties", "Sku", "*"), seg("Properties", "sku", "*")
	if a.Equal(b) || !a.EqualFold(b) {
		t.Errorf("Equal=%v EqualFold=%v, want false true", a.Equal(b), a.EqualFold(b))
	}
	if a.EqualFold(seg("properties", "sku", "x")) {
		t.Error("wildcard equals a name")
	}
}

// FuzzParsePath checks that the parser never panics, that errors carry an
// offset inside the input, and that String writes a path ParsePath reads back
// to the same segments.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"properties.networkAcls.ipRules[*].action", "tags['a.b']", "tags[a.b]",
		"properties['odd key']", "tags['''x''']", "a[*][*]", "a..b", "a['x", "[*]", "x.*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			var pe *PathError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("ParsePath(%q): bad error %v", s, err)
			}
			return
		}
		if len(p) == 0 {
			t.Fatalf("ParsePath(%q) returned no segments and no error", s)
		}
		out := p.String()
		q, err := ParsePath(out)
		if err != nil {
			t.Fatalf("ParsePath(String()=%q) from %q: %v", out, s, err)
		}
		if !p.Equal(q) {
			t.Fatalf("round trip %q → %q: %#v != %#v", s, out, p, q)
		}
	})
}
