package builtin

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

// ImportResult counts what Import stored.
type ImportResult struct {
	Definitions, SetDefinitions int
	// Skipped lists files that are not valid definitions or initiatives, with the reason.
	Skipped []string
}

// Import reads a folder laid out like Azure's built-in library (policyDefinitions/<Category>/*.json
// and policySetDefinitions/<Category>/*.json, in the full-resource layout with ids such as
// /providers/Microsoft.Authorization/policyDefinitions/{guid}) and stores every definition and
// initiative as a read-only built-in at the tenant root, replacing earlier imports. Each file is
// validated with the engine first; invalid files are skipped and listed.
func Import(ctx context.Context, st store.Store, dir string) (*ImportResult, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	sort.Strings(files)
	res := &ImportResult{}
	var docs []*store.Document
	for _, f := range files {
		doc, kind, err := importFile(f)
		if err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: %v", f, err))
			continue
		}
		docs = append(docs, doc)
		if kind == policy.KindDefinition {
			res.Definitions++
		} else {
			res.SetDefinitions++
		}
	}
	// Write in batches so that a large library does not hold one huge transaction.
	for start := 0; start < len(docs); start += 500 {
		end := min(start+500, len(docs))
		err := st.Update(ctx, func(tx store.Tx) error {
			for _, d := range docs[start:end] {
				if _, err := tx.Put(ctx, d, store.Condition{}); err != nil {
					return fmt.Errorf("store %s: %w", d.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// importFile validates one file and builds its document at the tenant root.
func importFile(path string) (*store.Document, policy.Kind, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	v, err := expr.DecodeJSON(data)
	if err != nil {
		return nil, 0, fmt.Errorf("not valid JSON: %v", err)
	}
	kind := policy.DetectKind(v)
	var name, typ string
	switch kind {
	case policy.KindDefinition:
		d, err := policy.DefinitionFromValue(v, policy.Options{})
		if err != nil {
			return nil, 0, err
		}
		name, typ = d.Name, "policyDefinitions"
	case policy.KindSetDefinition:
		s, err := policy.SetDefinitionFromValue(v)
		if err != nil {
			return nil, 0, err
		}
		name, typ = s.Name, "policySetDefinitions"
	default:
		return nil, 0, fmt.Errorf("neither a policy definition nor an initiative")
	}
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	id, err := armid.Parse("/providers/Microsoft.Authorization/" + typ + "/" + name)
	if err != nil {
		return nil, 0, fmt.Errorf("name %q: %w", name, err)
	}
	root := v.(map[string]any)
	if _, ok := root["properties"]; !ok {
		root = map[string]any{"properties": root}
	}
	root["id"], root["name"], root["type"] = id.String(), name, "Microsoft.Authorization/"+typ
	if props, ok := root["properties"].(map[string]any); ok {
		if t, _ := props["policyType"].(string); t == "" || strings.EqualFold(t, "Custom") || strings.EqualFold(t, "NotSpecified") {
			props["policyType"] = "BuiltIn"
		}
	}
	body, err := json.Marshal(root)
	if err != nil {
		return nil, 0, err
	}
	doc, err := store.NewDocument(id, body)
	return doc, kind, err
}
