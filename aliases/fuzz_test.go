package aliases

import (
	"strings"
	"testing"
)

// FuzzDefaultPath checks that the default rule never panics, that it fails
// exactly when SplitAlias or ParsePath does, and that its result ends with the
// alias's own property path.
func FuzzDefaultPath(f *testing.F) {
	for _, s := range []string{
		"Microsoft.Storage/storageAccounts/networkAcls.ipRules[*].value",
		"Microsoft.Storage/storageAccounts/sku.name", "Microsoft.Compute/imagePublisher",
		"Microsoft.X/y/labels['a/b']", "name", "Microsoft.X//y", "Microsoft.X/y/a..b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, alias string) {
		p, err := DefaultPath(alias)
		_, prop, ok := SplitAlias(alias)
		if !ok {
			if err == nil {
				t.Fatalf("DefaultPath(%q) succeeded on a name SplitAlias rejects", alias)
			}
			return
		}
		q, perr := ParsePath(prop)
		if (err != nil) != (perr != nil) {
			t.Fatalf("DefaultPath(%q) error %v, ParsePath(%q) error %v", alias, err, prop, perr)
		}
		if err != nil {
			return
		}
		if !p[len(p)-len(q):].EqualFold(q) {
			t.Fatalf("DefaultPath(%q) = %q does not end with %q", alias, p, q)
		}
		if len(p) != len(q) && (len(p) != len(q)+1 || p[0].Name != "properties") {
			t.Fatalf("DefaultPath(%q) = %q: unexpected prefix", alias, p)
		}
	})
}

// FuzzLoad checks that a catalogue file never panics the loader, that a failed
// load changes nothing, and that every alias of a loaded file resolves.
func FuzzLoad(f *testing.F) {
	f.Add(`{"aliases": {"A.B/c/d": {"path": "properties.x"}}, "types": {"A.B/c": "tags"}}`)
	f.Add(`{"aliases": {"A.B/d": {"types": {"A.B/c": "p.q"}, "paths": [{"path": "x", "apiVersions": ["1"]}]}}}`)
	f.Add(`{"aliases": {"A.B/c/d": {"modifiable": true}}}`)
	f.Add(`{"types": {"A.B/c": "SupportsTags, SupportsLocation"}}`)
	f.Fuzz(func(t *testing.T, file string) {
		c := New()
		if err := c.Load(strings.NewReader(file)); err != nil {
			if c.Len() != 0 {
				t.Fatalf("failed Load left %d entries", c.Len())
			}
			return
		}
		for _, name := range c.Names() {
			if _, err := c.Resolve(name, ""); err != nil {
				t.Fatalf("loaded alias %q does not resolve: %v", name, err)
			}
		}
	})
}
