// Package builtin holds the policy definitions Palisade ships: the two multi-factor
// authentication definitions of Azure's MFA enforcement (same ids, names, parameters and rules as
// Azure's) and a starter set of everyday guardrails (allowed locations, allowed resource types,
// required tags, tag inheritance, secure transfer). They are embedded in the binary and served
// read-only at /providers/Microsoft.Authorization/policyDefinitions/{name}.
package builtin

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/palisade/palisade/policy"
)

//go:embed definitions/*.json
var files embed.FS

// The ids of the MFA definitions, as Azure ships them.
const (
	MFACreateUpdateID = "/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"
	MFADeleteID       = "/providers/Microsoft.Authorization/policyDefinitions/db4a9d17-db75-4f46-9fcb-9f9526604417"
)

var (
	loadOnce sync.Once
	defs     []*policy.Definition
	raw      map[string][]byte
	loadErr  error
)

func load() {
	raw = map[string][]byte{}
	err := fs.WalkDir(files, "definitions", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		def, err := policy.ParseDefinition(data, policy.Options{})
		if err != nil {
			return fmt.Errorf("built-in definition %s: %w", p, err)
		}
		defs = append(defs, def)
		raw[strings.ToLower(def.Name)] = data
		return nil
	})
	sort.Slice(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	loadErr = err
}

// Definitions returns every shipped definition, parsed and compiled, sorted by name.
func Definitions() ([]*policy.Definition, error) {
	loadOnce.Do(load)
	return defs, loadErr
}

// Definition returns the shipped definition with the given name (a GUID) or full id.
func Definition(nameOrID string) (*policy.Definition, bool) {
	all, err := Definitions()
	if err != nil {
		return nil, false
	}
	name := nameOrID
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	for _, d := range all {
		if strings.EqualFold(d.Name, name) {
			return d, true
		}
	}
	return nil, false
}

// JSON returns the shipped file of a definition, as Azure serves a built-in definition.
func JSON(name string) ([]byte, bool) {
	loadOnce.Do(load)
	b, ok := raw[strings.ToLower(name)]
	return b, ok
}
