package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

// corpusDir is Azure's built-in policy library, shipped beside the repository as test data.
const corpusDir = "../../shared/azure-policy/built-in-policies"

// corpusFiles lists every JSON file of the built-in library, or skips the test when the library
// is not there.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("built-in policy library not found at %s: %v", corpusDir, err)
	}
	var files []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBuiltInCorpusValidates decodes and validates every built-in definition and initiative.
func TestBuiltInCorpusValidates(t *testing.T) {
	files := corpusFiles(t)
	var defs, sets, rpModes, failed int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := expr.DecodeJSON(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			failed++
			continue
		}
		switch DetectKind(v) {
		case KindDefinition:
			d, err := DefinitionFromValue(v, Options{})
			if err != nil {
				failed++
				if failed < 40 {
					t.Errorf("%s: %v", f, err)
				}
				continue
			}
			defs++
			if !d.Evaluated() {
				rpModes++
				if d.Rule != nil {
					t.Errorf("%s: mode %s should not be compiled", f, d.Mode)
				}
			}
		case KindSetDefinition:
			if _, err := SetDefinitionFromValue(v); err != nil {
				failed++
				if failed < 40 {
					t.Errorf("%s: %v", f, err)
				}
				continue
			}
			sets++
		default:
			t.Errorf("%s: neither a definition nor an initiative", f)
		}
	}
	t.Logf("%d definitions (%d in resource-provider modes, not evaluated), %d initiatives, %d failed", defs, rpModes, sets, failed)
	if defs != 5009 || sets != 257 {
		t.Errorf("decoded %d definitions and %d initiatives, want 5009 and 257", defs, sets)
	}
}
