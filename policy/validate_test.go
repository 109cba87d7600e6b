package policy

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/palisade/palisade/policy/expr"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestValidationErrorsGolden checks the exact error (JSON path and reason) reported for each
// invalid document in testdata/invalid against testdata/invalid.golden. Run with -update to
// rewrite the golden file after a deliberate change.
func TestValidationErrorsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.json")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		err = validate(data)
		if err == nil {
			t.Errorf("%s: validated, want an error", f)
			continue
		}
		b.WriteString(filepath.Base(f) + ":\n")
		for _, line := range strings.Split(err.Error(), "; ") {
			b.WriteString("  " + line + "\n")
		}
	}
	golden := "testdata/invalid.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("validation errors differ from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
	}
}

func validate(data []byte) error {
	v, err := expr.DecodeJSON(data)
	if err != nil {
		_, err = ParseDefinition(data, Options{})
		return err
	}
	if DetectKind(v) == KindSetDefinition {
		_, err = SetDefinitionFromValue(v)
		return err
	}
	_, err = DefinitionFromValue(v, Options{})
	return err
}
