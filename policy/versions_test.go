package policy

import "testing"

// definitionVersion patterns select versions part by part; "*" matches any part
// (https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure#policy-definition-id-and-version-preview).
func TestVersionMatches(t *testing.T) {
	for _, tc := range []struct {
		v, pattern string
		want       bool
	}{
		{"1.2.0", "1.*.*", true},
		{"1.2.0", "1.2.*", true},
		{"1.2.0", "1.3.*", false},
		{"2.0.0", "1.*.*", false},
		{"1.0.0-preview", "1.*.*", true},
		{"1.0.0", "1.0.0-preview", true},
		{"", "1.*.*", true},
		{"1.0", "1.*.*", false},
	} {
		if got := VersionMatches(tc.v, tc.pattern); got != tc.want {
			t.Errorf("VersionMatches(%q, %q) = %v, want %v", tc.v, tc.pattern, got, tc.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.10.0", "1.9.0", 1},
		{"1.0.0", "1.0.0", 0},
		{"1.0.0-preview", "1.0.1", -1},
		{"2.0.0", "10.0.0", -1},
	} {
		if got := CompareVersions(tc.a, tc.b); sign(got) != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestNewestMatching(t *testing.T) {
	vs := []string{"1.0.0", "1.10.0", "2.0.0", "1.9.1"}
	for _, tc := range []struct {
		pattern string
		want    int
	}{{"", 2}, {"1.*.*", 1}, {"1.9.*", 3}, {"3.*.*", -1}} {
		if got := NewestMatching(vs, tc.pattern); got != tc.want {
			t.Errorf("NewestMatching(%q) = %d, want %d", tc.pattern, got, tc.want)
		}
	}
	if got := NewestMatching(nil, ""); got != -1 {
		t.Errorf("NewestMatching(nil) = %d", got)
	}
}
