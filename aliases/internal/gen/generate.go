package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/palisade/palisade/aliases"
)

// dumpAliases is the shape of a <Namespace>.aliases.json file.
type dumpAliases struct {
	Namespace     string `json:"namespace"`
	ResourceTypes []struct {
		ResourceType string      `json:"resourceType"`
		Aliases      []dumpAlias `json:"aliases"`
	} `json:"resourceTypes"`
}

// dumpAlias is one alias of a dump, as ARM lists it.
type dumpAlias struct {
	Name  string `json:"name"`
	Paths []struct {
		Path        string   `json:"path"`
		APIVersions []string `json:"apiVersions"`
	} `json:"paths"`
	DefaultPath     string `json:"defaultPath"`
	DefaultMetadata *struct {
		Attributes string `json:"attributes"`
	} `json:"defaultMetadata"`
}

// dumpTypes is the shape of a <Namespace>.types.json file; Capabilities is
// null for some types.
type dumpTypes struct {
	Namespace     string `json:"namespace"`
	ResourceTypes []struct {
		ResourceType string  `json:"resourceType"`
		Capabilities *string `json:"capabilities"`
	} `json:"resourceTypes"`
}

// stats counts what generate did, for the summary line.
type stats struct {
	read, defaultRule, fromDumps, modifiableOnly, fromExtra, types int
}

// merged accumulates one alias across the resource types that list it.
type merged struct {
	name        string
	defaultPath string
	versioned   []aliases.FilePath
	modifiable  bool
}

// generate reads the dumps in dir and the extra file (skipped when "") and
// returns the catalogue to write.
func generate(dir, extraPath string) (*aliases.File, stats, error) {
	var st stats
	out := &aliases.File{Aliases: map[string]aliases.FileAlias{}, Types: map[string]string{}}

	aliasFiles, err := filepath.Glob(filepath.Join(dir, "*.aliases.json"))
	if err != nil {
		return nil, st, fmt.Errorf("list alias dumps: %w", err)
	}
	typeFiles, err := filepath.Glob(filepath.Join(dir, "*.types.json"))
	if err != nil {
		return nil, st, fmt.Errorf("list type dumps: %w", err)
	}
	if len(aliasFiles)+len(typeFiles) == 0 {
		return nil, st, fmt.Errorf("no *.aliases.json or *.types.json files in %s", dir)
	}

	byName := map[string]*merged{}
	var order []string
	for _, file := range aliasFiles {
		var d dumpAliases
		if err := readJSON(file, &d); err != nil {
			return nil, st, err
		}
		for _, rt := range d.ResourceTypes {
			for _, a := range rt.Aliases {
				st.read++
				if err := mergeAlias(byName, &order, a); err != nil {
					return nil, st, fmt.Errorf("%s: %s/%s: %w", file, d.Namespace, rt.ResourceType, err)
				}
			}
		}
	}
	for _, key := range order {
		m := byName[key]
		entry, keep, err := diffFromRule(m)
		if err != nil {
			return nil, st, err
		}
		if !keep {
			st.defaultRule++
			continue
		}
		if entry.Path == "" && len(entry.Paths) == 0 {
			st.modifiableOnly++
		}
		st.fromDumps++
		out.Aliases[m.name] = entry
	}

	for _, file := range typeFiles {
		var d dumpTypes
		if err := readJSON(file, &d); err != nil {
			return nil, st, err
		}
		for _, rt := range d.ResourceTypes {
			caps := ""
			if rt.Capabilities != nil {
				caps = *rt.Capabilities
			}
			c, err := aliases.ParseCapabilities(caps)
			if err != nil {
				return nil, st, fmt.Errorf("%s: %s: %w", file, rt.ResourceType, err)
			}
			out.Types[d.Namespace+"/"+rt.ResourceType] = c.String()
			st.types++
		}
	}

	if extraPath != "" {
		n, err := mergeExtra(out, extraPath, byName)
		if err != nil {
			return nil, st, err
		}
		st.fromExtra = n
	}

	// Prove the result loads before anyone embeds it.
	if err := aliases.New().Add(out); err != nil {
		return nil, st, fmt.Errorf("generated catalogue does not load: %w", err)
	}
	return out, st, nil
}

// mergeAlias adds a dump alias to byName. An alias listed under several
// resource types must have the same default path everywhere; its
// api-version-specific paths are combined.
func mergeAlias(byName map[string]*merged, order *[]string, a dumpAlias) error {
	key := strings.ToLower(a.Name)
	m, ok := byName[key]
	if !ok {
		m = &merged{name: a.Name, defaultPath: a.DefaultPath}
		byName[key] = m
		*order = append(*order, key)
	} else if m.defaultPath != a.DefaultPath {
		return fmt.Errorf("alias %q: default path %q here, %q elsewhere", a.Name, a.DefaultPath, m.defaultPath)
	}
	if a.DefaultMetadata != nil && strings.EqualFold(a.DefaultMetadata.Attributes, "Modifiable") {
		m.modifiable = true
	}
	for _, p := range a.Paths {
		i := slices.IndexFunc(m.versioned, func(fp aliases.FilePath) bool { return fp.Path == p.Path })
		if i < 0 {
			m.versioned = append(m.versioned, aliases.FilePath{Path: p.Path})
			i = len(m.versioned) - 1
		}
		for _, v := range p.APIVersions {
			if !slices.ContainsFunc(m.versioned[i].APIVersions, func(x string) bool { return strings.EqualFold(x, v) }) {
				m.versioned[i].APIVersions = append(m.versioned[i].APIVersions, v)
			}
		}
	}
	return nil
}

// diffFromRule returns the catalogue entry for an alias and whether it is
// needed: its default path differs from the default rule, one of its
// api-version paths differs from its default path, or it is modifiable.
func diffFromRule(m *merged) (aliases.FileAlias, bool, error) {
	var entry aliases.FileAlias
	dp, err := aliases.ParsePath(m.defaultPath)
	if err != nil {
		return entry, false, fmt.Errorf("alias %q: default path: %w", m.name, err)
	}
	rule, err := aliases.DefaultPath(m.name)
	if err != nil || !rule.Equal(dp) {
		entry.Path = m.defaultPath
	}
	for _, vp := range m.versioned {
		p, err := aliases.ParsePath(vp.Path)
		if err != nil {
			return entry, false, fmt.Errorf("alias %q: path: %w", m.name, err)
		}
		if !p.Equal(dp) && len(vp.APIVersions) > 0 {
			entry.Paths = append(entry.Paths, vp)
		}
	}
	entry.Modifiable = m.modifiable
	return entry, entry.Path != "" || len(entry.Paths) > 0 || entry.Modifiable, nil
}

// mergeExtra adds the hand-written entries of extra.json, each of which must
// say where its path comes from and must not repeat an alias of the dumps.
// The source note stays in extra.json only.
func mergeExtra(out *aliases.File, path string, dumped map[string]*merged) (int, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("extra entries: %w", err)
	}
	defer fh.Close()
	extra, err := aliases.DecodeFile(fh)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	names := make([]string, 0, len(extra.Aliases))
	for name := range extra.Aliases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		e := extra.Aliases[name]
		if strings.TrimSpace(e.Source) == "" {
			return 0, fmt.Errorf("%s: alias %q has no source", path, name)
		}
		if old, ok := dumped[strings.ToLower(name)]; ok {
			return 0, fmt.Errorf("%s: alias %q is already in the dumps as %q; remove it from the extra file", path, name, old.name)
		}
		if e.Path != "" && len(e.Paths) == 0 && len(e.Types) == 0 && !e.Modifiable {
			rule, err := aliases.DefaultPath(name)
			if p, perr := aliases.ParsePath(e.Path); err == nil && perr == nil && rule.Equal(p) {
				return 0, fmt.Errorf("%s: alias %q follows the default rule; it needs no entry", path, name)
			}
		}
		e.Source = ""
		out.Aliases[name] = e
	}
	for typ, caps := range extra.Types {
		out.Types[typ] = caps
	}
	return len(extra.Aliases), nil
}

// readJSON decodes a dump file, naming it in errors.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read dump: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}
