package aliases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// File is the on-disk catalogue format (see FORMAT.md): alias entries keyed by
// alias name, and resource-type capabilities keyed by full resource type.
// The shipped catalogue, aliases/data/extra.json and user files all use it.
type File struct {
	Aliases map[string]FileAlias `json:"aliases,omitempty"`
	Types   map[string]string    `json:"types,omitempty"`
}

// FileAlias is one alias entry of a File. Path empty means "the default rule";
// an entry may exist only to mark an alias Modifiable.
type FileAlias struct {
	Path       string            `json:"path,omitempty"`
	Paths      []FilePath        `json:"paths,omitempty"`
	Types      map[string]string `json:"types,omitempty"`
	Modifiable bool              `json:"modifiable,omitempty"`
	// Source says where a hand-written entry's path was established (a URL).
	// The loader ignores it; the generator requires it in extra.json.
	Source string `json:"source,omitempty"`
}

// FilePath is a path that applies only to the listed api-versions.
type FilePath struct {
	Path        string   `json:"path"`
	APIVersions []string `json:"apiVersions"`
}

// DecodeFile reads a File strictly: unknown keys and trailing data are errors,
// so that a misspelt key in a user file is reported instead of ignored.
func DecodeFile(r io.Reader) (*File, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode alias catalogue: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decode alias catalogue: unexpected data after the JSON object")
	}
	return &f, nil
}

// Encode writes the file as indented JSON with sorted keys, so generated files
// diff cleanly.
func (f *File) Encode(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encode alias catalogue: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write alias catalogue: %w", err)
	}
	return nil
}

// toAlias converts a file entry into an Alias, applying the default rule when
// no path is given and parsing every path.
func (fa FileAlias) toAlias(name string) (*Alias, error) {
	a := &Alias{Name: name, Modifiable: fa.Modifiable}
	var err error
	if fa.Path == "" {
		a.DefaultPath, err = DefaultPath(name)
	} else if _, _, ok := SplitAlias(name); !ok {
		err = fmt.Errorf("not of the form {Namespace}/{type}/{property path}")
	} else {
		a.DefaultPath, err = ParsePath(fa.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("alias %q: %w", name, err)
	}
	for i, fp := range fa.Paths {
		p, err := ParsePath(fp.Path)
		if err != nil {
			return nil, fmt.Errorf("alias %q: paths[%d]: %w", name, i, err)
		}
		if len(fp.APIVersions) == 0 {
			return nil, fmt.Errorf("alias %q: paths[%d]: apiVersions is empty", name, i)
		}
		a.Paths = append(a.Paths, VersionedPath{Path: p, APIVersions: fp.APIVersions})
	}
	for typ, ps := range fa.Types {
		if !validResourceType(typ) {
			return nil, fmt.Errorf("alias %q: types: %q is not a resource type", name, typ)
		}
		p, err := ParsePath(ps)
		if err != nil {
			return nil, fmt.Errorf("alias %q: types[%q]: %w", name, typ, err)
		}
		if a.TypePaths == nil {
			a.TypePaths = make(map[string]Path, len(fa.Types))
		}
		a.TypePaths[asciiLower(typ)] = p
	}
	return a, nil
}

// ParseCapabilities reads a capability list: comma-separated flags "tags",
// "location", "extension" (Azure's spellings "SupportsTags", "SupportsLocation",
// "SupportsExtension" are accepted too), or "" / "none" for a type with none.
func ParseCapabilities(s string) (Capabilities, error) {
	c := Capabilities{Known: true}
	for flag := range strings.SplitSeq(s, ",") {
		f := strings.ToLower(strings.TrimSpace(flag))
		f = strings.TrimPrefix(f, "supports")
		switch f {
		case "", "none":
		case "tags":
			c.SupportsTags = true
		case "location":
			c.SupportsLocation = true
		case "extension":
			c.SupportsExtension = true
		default:
			return Capabilities{}, fmt.Errorf("capabilities %q: unknown flag %q", s, strings.TrimSpace(flag))
		}
	}
	return c, nil
}

// String writes capabilities in the catalogue's own spelling ("tags,location").
func (c Capabilities) String() string {
	var flags []string
	if c.SupportsTags {
		flags = append(flags, "tags")
	}
	if c.SupportsLocation {
		flags = append(flags, "location")
	}
	if c.SupportsExtension {
		flags = append(flags, "extension")
	}
	return strings.Join(flags, ",")
}
