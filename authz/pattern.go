package authz

import (
	"fmt"
	"strings"
)

// pattern is one compiled action pattern of a role definition, such as
// "*/read" or "Microsoft.Authorization/*/Write". Azure compares actions
// ignoring case, and "*" matches any run of characters, "/" included
// ("Microsoft.CostManagement/exports/*" grants ".../exports/run/action").
type pattern struct {
	text  string   // as written, for messages
	parts []string // lower-cased literal runs between the stars
	star0 bool     // starts with "*"
	starN bool     // ends with "*"
}

// compilePattern lower-cases p and splits it at its stars. Empty patterns
// and patterns with characters ARM never uses in operation names are
// refused, so a typo in a custom role fails loudly rather than matching
// nothing.
func compilePattern(p string) (pattern, error) {
	if strings.TrimSpace(p) == "" {
		return pattern{}, fmt.Errorf("empty action pattern")
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x21 || c == 0x7f || c == '?' || c == '#' {
			return pattern{}, fmt.Errorf("action pattern %q: character %q at offset %d is not allowed", p, c, i)
		}
	}
	low := strings.ToLower(p)
	cp := pattern{text: p, star0: low[0] == '*', starN: low[len(low)-1] == '*'}
	for _, s := range strings.Split(low, "*") {
		if s != "" {
			cp.parts = append(cp.parts, s)
		}
	}
	return cp, nil
}

// match reports whether action (any case) matches the pattern.
func (p *pattern) match(action string) bool {
	parts := p.parts
	if len(parts) == 0 { // "*", "**", …
		return true
	}
	pos := 0
	if !p.star0 {
		if !hasPrefixFold(action, parts[0]) {
			return false
		}
		pos = len(parts[0])
		parts = parts[1:]
		if len(parts) == 0 {
			return p.starN || pos == len(action)
		}
	}
	// The last literal must end the action unless the pattern ends with a
	// star; the ones in between are found leftmost-first, which is enough
	// for "*" patterns (no backtracking is ever needed with a single kind of
	// wildcard when the last part is anchored separately).
	last := len(parts) - 1
	if !p.starN {
		tail := parts[last]
		if len(action)-pos < len(tail) || !hasSuffixFold(action, tail) {
			return false
		}
		end := len(action) - len(tail)
		for _, s := range parts[:last] {
			i := indexFold(action[pos:end], s)
			if i < 0 {
				return false
			}
			pos += i + len(s)
		}
		return true
	}
	for _, s := range parts {
		i := indexFold(action[pos:], s)
		if i < 0 {
			return false
		}
		pos += i + len(s)
	}
	return true
}

// lower folds one ASCII byte; action names are ASCII, and non-ASCII bytes
// only ever equal themselves.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s starts with low (already lower case),
// ignoring ASCII case in s.
func hasPrefixFold(s, low string) bool {
	if len(s) < len(low) {
		return false
	}
	for i := 0; i < len(low); i++ {
		if lower(s[i]) != low[i] {
			return false
		}
	}
	return true
}

// hasSuffixFold reports whether s ends with low, ignoring ASCII case in s.
func hasSuffixFold(s, low string) bool {
	return len(s) >= len(low) && hasPrefixFold(s[len(s)-len(low):], low)
}

// indexFold returns the first index of low in s ignoring ASCII case in s,
// or -1.
func indexFold(s, low string) int {
	n := len(low)
	if n == 0 {
		return 0
	}
	first := low[0]
	for i := 0; i+n <= len(s); i++ {
		if lower(s[i]) == first && hasPrefixFold(s[i:], low) {
			return i
		}
	}
	return -1
}

// patternSet is a compiled list of patterns (a permission block's actions,
// or its notActions).
type patternSet []pattern

func compilePatterns(list []string) (patternSet, error) {
	out := make(patternSet, 0, len(list))
	for _, p := range list {
		cp, err := compilePattern(p)
		if err != nil {
			return nil, err
		}
		out = append(out, cp)
	}
	return out, nil
}

// any reports whether some pattern matches action.
func (s patternSet) any(action string) bool {
	for i := range s {
		if s[i].match(action) {
			return true
		}
	}
	return false
}

// MatchAction reports whether action matches the role-definition pattern
// (case-insensitive, "*" matching any run of characters), as Azure compares
// an operation with a role's actions and notActions. A malformed pattern
// matches nothing.
func MatchAction(pattern, action string) bool {
	cp, err := compilePattern(pattern)
	if err != nil {
		return false
	}
	return cp.match(action)
}
