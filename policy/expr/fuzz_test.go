package expr

import (
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors carry an offset
// inside the input, and that the canonical text parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		mfaAMR, mfaACRS, mfaType, mfaHas,
		"[concat('a', parameters('x'))]",
		"[field('tags')['cost center']]",
		"[parameters('p')[0].x]",
		"['it''s']",
		"[add(-1, 2.5)]",
		"[if(true(), 'a', 'b')]",
		"[ns.fn(1)]",
		"[[escaped]",
		"[concat('a',\u202f'b')]",
		"[]",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, template bool) {
		opt := PolicyRule
		if template {
			opt = Template
		}
		e, err := Parse(s, opt)
		if err != nil {
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("Parse(%q) returned %T, want *SyntaxError", s, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q): offset %d outside the input", s, se.Offset)
			}
			return
		}
		canon := e.String()
		e2, err := Parse(canon, opt)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if again := e2.String(); again != canon {
			t.Fatalf("round trip unstable: %q -> %q -> %q", s, canon, again)
		}
	})
}
