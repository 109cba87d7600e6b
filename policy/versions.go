package policy

import (
	"strconv"
	"strings"
)

// VersionMatches reports whether a definition's version ("1.2.0", "2.0.1-preview") is selected
// by a definitionVersion pattern ("1.*.*", "1.2.*", "1.2.0"), as an assignment or an initiative
// member pins one. A pre-release suffix is ignored on both sides. Versions or patterns not of
// three parts match only when equal (an unversioned definition matches any pattern).
func VersionMatches(v, pattern string) bool {
	vp := strings.Split(strings.SplitN(strings.ToLower(v), "-", 2)[0], ".")
	pp := strings.Split(strings.SplitN(strings.ToLower(pattern), "-", 2)[0], ".")
	if len(vp) != 3 || len(pp) != 3 {
		return v == "" || strings.EqualFold(v, pattern)
	}
	for i := range pp {
		if pp[i] != "*" && pp[i] != vp[i] {
			return false
		}
	}
	return true
}

// NewestMatching returns the index of the newest of versions that pattern selects (an empty
// pattern selects every one), or -1 when none does: the version an assignment or initiative
// member pinning pattern uses among those held.
func NewestMatching(versions []string, pattern string) int {
	best := -1
	for i, v := range versions {
		if (pattern == "" || VersionMatches(v, pattern)) && (best < 0 || CompareVersions(v, versions[best]) > 0) {
			best = i
		}
	}
	return best
}

// CompareVersions orders two dotted versions numerically, part by part: negative when a is
// older, positive when newer, zero when equal. A part that is not a number counts as 0, and a
// pre-release suffix ("-preview") is ignored.
func CompareVersions(a, b string) int {
	as := strings.Split(strings.SplitN(a, "-", 2)[0], ".")
	bs := strings.Split(strings.SplitN(b, "-", 2)[0], ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(as) - len(bs)
}
