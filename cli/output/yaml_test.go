package output

import (
	"math"
	"strings"
	"testing"
)

// Expected texts are PyYAML 6.0's yaml.safe_dump(v, default_flow_style=False,
// allow_unicode=True), the call knack's format_yaml makes.
func TestYAMLMatchesPyYAML(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"root plain string", "abc", "abc\n...\n"},
		{"root int", int64(5), "5\n...\n"},
		{"root null", nil, "null\n...\n"},
		{"root quoted", "yes", "'yes'\n"},
		{"empty list", []any{}, "[]\n"},
		{"empty map", map[string]any{}, "{}\n"},
		{"nested", map[string]any{
			"a": map[string]any{"b": []any{map[string]any{"c": int64(1), "d": []any{int64(1), []any{int64(2), int64(3)}}}}, "e": map[string]any{}},
			"f": []any{},
		}, "a:\n  b:\n  - c: 1\n    d:\n    - 1\n    - - 2\n      - 3\n  e: {}\nf: []\n"},
		{"floats", []any{1.0, 1e16, 1e-05, 0.1, math.Copysign(0, -1), 1e300, 123456789.123},
			"- 1.0\n- 1.0e+16\n- 1.0e-05\n- 0.1\n- -0.0\n- 1.0e+300\n- 123456789.123\n"},
		{"escapes", "000000000\x040\x180000000000000000000000\"0\x0e00000000000000000000000000000000\"0",
			"\"000000000\\x040\\x180000000000000000000000\\\"0\\x0E00000000000000000000000000000000\\\"\\\n  0\"\n"},
		{"escape wrap", map[string]any{"k": []any{strings.Repeat("a", 70) + strings.Repeat("\x01", 10) + " b c"}},
			"k:\n- \"" + strings.Repeat("a", 70) + "\\x01\\x01\\x01\\\n  \\x01\\x01\\x01\\x01\\x01\\x01\\x01 b c\"\n"},
		{"multiline key", map[string]any{"multi\nline": "v"}, "? 'multi\n\n  line'\n: v\n"},
		{"empty key", map[string]any{"": "v"}, "? ''\n: v\n"},
		{"long single quoted", map[string]any{"k": "yes " + strings.Repeat("word ", 20)},
			"k: 'yes word word word word word word word word word word word word word word word\n  word word word word word '\n"},
		{"bom and line separators", []any{"\ufeffx", "a\u0085b", "a\u2028b"}, "- \"\\uFEFFx\"\n- 'a\u0085  b'\n- 'a\u2028  b'\n"},
		{"long simple key", map[string]any{strings.Repeat("k", 100): "v"}, strings.Repeat("k", 100) + ": v\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := formatYAML(tc.in, false)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// FuzzYAML checks that any string value, as key or value, renders without panicking.
func FuzzYAML(f *testing.F) {
	for _, s := range []string{"abc", "yes", "a\nb", " x", "\x01", strings.Repeat("word ", 30), "'\"", "\ufeff", "- a", "#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := map[string]any{s: []any{s, map[string]any{"k": s}}}
		if _, err := formatYAML(v, true); err != nil {
			t.Fatal(err)
		}
		if _, err := formatYAML(s, false); err != nil {
			t.Fatal(err)
		}
	})
}
