package aliases

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Alias is a catalogue entry: the path an alias selects, per api-version and,
// for namespace-wide aliases such as Microsoft.Compute/imagePublisher, per
// resource type. Entries handed out by a Catalog are shared and read-only.
type Alias struct {
	Name        string
	DefaultPath Path
	// Paths apply only to the listed api-versions; DefaultPath applies otherwise.
	Paths []VersionedPath
	// Modifiable marks aliases the modify effect may write.
	Modifiable bool
	// TypePaths, keyed by lower-cased full resource type, override the other
	// paths for resources of that type.
	TypePaths map[string]Path
}

// VersionedPath is a path that applies only to the listed api-versions.
type VersionedPath struct {
	Path        Path
	APIVersions []string
}

// PathFor returns the path for a resource of the given type (may be "") sent
// with the given api-version (may be "").
func (a *Alias) PathFor(resourceType, apiVersion string) Path {
	if len(a.TypePaths) > 0 && resourceType != "" {
		if p, ok := lookupFold(a.TypePaths, resourceType); ok {
			return p
		}
	}
	if apiVersion != "" {
		for _, vp := range a.Paths {
			for _, v := range vp.APIVersions {
				if strings.EqualFold(v, apiVersion) {
					return vp.Path
				}
			}
		}
	}
	return a.DefaultPath
}

// Capabilities says what a resource type supports; Indexed-mode definitions
// apply only to types that support both tags and location.
type Capabilities struct {
	// Known is false when the catalogue has no record of the type.
	Known             bool
	SupportsTags      bool
	SupportsLocation  bool
	SupportsExtension bool
}

// Indexed reports whether definitions in Indexed mode apply to the type: it
// must support both tags and location.
func (c Capabilities) Indexed() bool { return c.SupportsTags && c.SupportsLocation }

// Catalog maps alias names to paths and resource types to capabilities.
// Lookups are case-insensitive. All methods are safe for concurrent use;
// Load replaces the contents atomically, so readers see the old or the new
// catalogue, never a mix.
type Catalog struct {
	snap     atomic.Pointer[snapshot]
	readOnly bool
	loadMu   sync.Mutex // serialises Load

	cacheMu sync.RWMutex
	cache   map[string]ruleResult // default-rule results by lower-cased alias
}

// snapshot is an immutable state of a Catalog.
type snapshot struct {
	aliases map[string]*Alias       // by lower-cased alias name
	types   map[string]Capabilities // by lower-cased full resource type
}

// ruleResult is a cached outcome of the default rule.
type ruleResult struct {
	path Path
	err  error
}

// maxCached bounds the default-rule cache: field names can be built by
// expressions, so the set of names seen is not bounded by the definitions.
const maxCached = 1 << 16

// ErrReadOnly is returned by Load on the shared Builtin catalogue.
var ErrReadOnly = errors.New("the built-in alias catalogue is read-only; load into Builtin().Clone()")

// New returns an empty catalogue, in which every alias resolves by the default rule.
func New() *Catalog {
	c := &Catalog{cache: make(map[string]ruleResult)}
	c.snap.Store(&snapshot{aliases: map[string]*Alias{}, types: map[string]Capabilities{}})
	return c
}

//go:embed data/catalog.json
var builtinData []byte

// builtin parses the embedded catalogue once.
var builtin = sync.OnceValue(func() *Catalog {
	c := New()
	if err := c.Load(bytes.NewReader(builtinData)); err != nil {
		panic(fmt.Sprintf("aliases: embedded catalogue: %v", err))
	}
	c.readOnly = true
	return c
})

// Builtin returns the catalogue Palisade ships (aliases/data/catalog.json),
// parsed once and shared; it cannot be loaded into (use Clone).
func Builtin() *Catalog { return builtin() }

// Clone returns a writable copy of the catalogue, for adding a user's file to
// the built-in entries without changing them for everyone else.
func (c *Catalog) Clone() *Catalog {
	s := c.snap.Load()
	n := New()
	n.snap.Store(&snapshot{aliases: maps.Clone(s.aliases), types: maps.Clone(s.types)})
	return n
}

// Load adds the entries of a file in the catalogue format (FORMAT.md),
// replacing entries with the same name. Nothing changes if the file has an error.
func (c *Catalog) Load(r io.Reader) error {
	if c.readOnly {
		return ErrReadOnly
	}
	f, err := DecodeFile(r)
	if err != nil {
		return err
	}
	return c.Add(f)
}

// LoadFile is Load on the named file; errors name the file.
func (c *Catalog) LoadFile(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load aliases: %w", err)
	}
	defer fh.Close()
	if err := c.Load(fh); err != nil {
		return fmt.Errorf("load aliases from %s: %w", path, err)
	}
	return nil
}

// Add merges a decoded File into the catalogue, as Load does.
func (c *Catalog) Add(f *File) error {
	if c.readOnly {
		return ErrReadOnly
	}
	newAliases := make(map[string]*Alias, len(f.Aliases))
	for name, fa := range f.Aliases {
		a, err := fa.toAlias(name)
		if err != nil {
			return err
		}
		key := asciiLower(name)
		if _, dup := newAliases[key]; dup {
			return fmt.Errorf("alias %q: listed twice (names are case-insensitive)", name)
		}
		newAliases[key] = a
	}
	newTypes := make(map[string]Capabilities, len(f.Types))
	for typ, caps := range f.Types {
		if !validResourceType(typ) {
			return fmt.Errorf("types: %q is not a resource type", typ)
		}
		cp, err := ParseCapabilities(caps)
		if err != nil {
			return fmt.Errorf("types[%q]: %w", typ, err)
		}
		newTypes[asciiLower(typ)] = cp
	}

	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	old := c.snap.Load()
	next := &snapshot{aliases: maps.Clone(old.aliases), types: maps.Clone(old.types)}
	maps.Copy(next.aliases, newAliases)
	maps.Copy(next.types, newTypes)
	c.snap.Store(next)
	return nil
}

// Lookup returns the catalogue entry for an alias; the default rule is not
// consulted. The entry is shared: do not modify it.
func (c *Catalog) Lookup(alias string) (*Alias, bool) {
	return lookupFold(c.snap.Load().aliases, alias)
}

// Len returns the number of catalogue entries.
func (c *Catalog) Len() int { return len(c.snap.Load().aliases) }

// Names returns the catalogue's alias names, sorted case-insensitively.
func (c *Catalog) Names() []string {
	s := c.snap.Load()
	names := make([]string, 0, len(s.aliases))
	for _, a := range s.aliases {
		names = append(names, a.Name)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(asciiLower(a), asciiLower(b)) })
	return names
}

// Resolve returns the path an alias selects in a resource sent with the given
// api-version: the catalogue entry's path for that version (else its default
// path), or the default rule for aliases the catalogue does not list. It fails
// only when the name is not alias-shaped. The returned Path is shared: do not modify it.
func (c *Catalog) Resolve(alias, apiVersion string) (Path, error) {
	return c.ResolveForType(alias, "", apiVersion)
}

// ResolveForType is Resolve for a resource of a known type, which matters for
// namespace-wide aliases (Microsoft.Compute/imagePublisher) whose path differs
// between virtual machines and scale sets.
func (c *Catalog) ResolveForType(alias, resourceType, apiVersion string) (Path, error) {
	var buf [256]byte
	if len(alias) > len(buf) {
		return c.resolveKey(asciiLower(alias), alias, resourceType, apiVersion)
	}
	b := buf[:len(alias)]
	for i := 0; i < len(alias); i++ {
		ch := alias[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b[i] = ch
	}
	// Both map lookups below convert b in place, without allocating.
	if a, ok := c.snap.Load().aliases[string(b)]; ok {
		return a.PathFor(resourceType, apiVersion), nil
	}
	c.cacheMu.RLock()
	r, ok := c.cache[string(b)]
	c.cacheMu.RUnlock()
	if ok {
		return r.path, r.err
	}
	return c.resolveKey(string(b), alias, resourceType, apiVersion)
}

// resolveKey is the slow path of ResolveForType, given the lower-cased name.
func (c *Catalog) resolveKey(key, alias, resourceType, apiVersion string) (Path, error) {
	if a, ok := c.snap.Load().aliases[key]; ok {
		return a.PathFor(resourceType, apiVersion), nil
	}
	c.cacheMu.RLock()
	r, ok := c.cache[key]
	c.cacheMu.RUnlock()
	if ok {
		return r.path, r.err
	}
	p, err := DefaultPath(alias)
	c.cacheMu.Lock()
	if len(c.cache) < maxCached {
		c.cache[key] = ruleResult{path: p, err: err}
	}
	c.cacheMu.Unlock()
	return p, err
}

// FromCatalog reports whether Resolve would answer from a catalogue entry
// rather than from the default rule.
func (c *Catalog) FromCatalog(alias string) bool {
	_, ok := c.Lookup(alias)
	return ok
}

// Capabilities returns what a full resource type (Microsoft.Compute/virtualMachines)
// supports; Known is false for types the catalogue does not list.
func (c *Catalog) Capabilities(fullResourceType string) Capabilities {
	caps, _ := lookupFold(c.snap.Load().types, fullResourceType)
	return caps
}

// asciiLower lower-cases ASCII letters only, which is how catalogue keys are
// stored and looked up (resource types and alias names are ASCII).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// lookupFold looks s up in a map keyed by asciiLower without allocating for
// keys up to 256 bytes.
func lookupFold[V any](m map[string]V, s string) (V, bool) {
	var buf [256]byte
	if len(s) > len(buf) {
		v, ok := m[asciiLower(s)]
		return v, ok
	}
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b[i] = ch
	}
	v, ok := m[string(b)]
	return v, ok
}
