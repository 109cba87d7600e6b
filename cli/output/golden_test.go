package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update rewrites the golden files from the current output:
//
//	go test ./cli/output/ -run TestGolden -update
//
// testdata/knack_crosscheck.py checks the same files against knack itself.
var update = flag.Bool("update", false, "rewrite testdata/golden files")

// goldenCase is one entry of testdata/cases.json: an input document, an
// optional --query and table transformer, and the formats to render.
type goldenCase struct {
	Name        string   `json:"name"`
	Input       string   `json:"input"`
	Query       string   `json:"query"`
	Transformer string   `json:"transformer"`
	Formats     []string `json:"formats"`
}

var defaultGoldenFormats = []string{"json", "jsonc", "yaml", "yamlc", "table", "tsv"}

func loadInput(t testing.TB, name string) any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "input", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	n, err := normalize(v)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// renderCase runs Write for one format; an error is rendered as
// "error: <message>" so that failures are pinned by golden files too.
func renderCase(t testing.TB, c goldenCase, format string) []byte {
	t.Helper()
	opt := Options{Format: format, Query: c.Query, Color: true}
	if c.Transformer != "" {
		tr, ok := TableTransformers[c.Transformer]
		if !ok {
			t.Fatalf("case %s: no transformer %q", c.Name, c.Transformer)
		}
		opt.Transformer = tr
	}
	var b bytes.Buffer
	if err := Write(&b, loadInput(t, c.Input), opt); err != nil {
		return []byte("error: " + err.Error() + "\n")
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("decode cases.json: %v", err)
	}
	for _, c := range cases {
		formats := c.Formats
		if len(formats) == 0 {
			formats = defaultGoldenFormats
		}
		for _, format := range formats {
			t.Run(c.Name+"."+format, func(t *testing.T) {
				got := renderCase(t, c, format)
				path := filepath.Join("testdata", "golden", c.Name+"."+format)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from %s\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
				}
			})
		}
	}
}
