package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/want.json")

// TestGenerateGolden runs the generator on a small dump folder and compares
// the catalogue with testdata/want.json (go test -update rewrites it).
func TestGenerateGolden(t *testing.T) {
	f, st, err := generate(filepath.Join("testdata", "in"), filepath.Join("testdata", "extra.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := f.Encode(&got); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "want.json")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("generated catalogue differs from %s:\n%s", golden, got.String())
	}
	// 7 alias entries in the dumps, one name listed twice.
	if st.read != 7 || st.defaultRule != 2 || st.fromDumps != 4 || st.modifiableOnly != 1 || st.fromExtra != 1 || st.types != 4 {
		t.Errorf("stats = %+v", st)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		extra string
		want  string
	}{
		{
			name:  "empty folder",
			files: map[string]string{},
			want:  "no *.aliases.json",
		},
		{
			name:  "bad json",
			files: map[string]string{"A.B.aliases.json": `{`},
			want:  "decode",
		},
		{
			name: "conflicting default paths",
			files: map[string]string{"A.B.aliases.json": `{"namespace": "A.B", "resourceTypes": [
				{"resourceType": "x", "aliases": [{"name": "A.B/s", "defaultPath": "properties.s"}]},
				{"resourceType": "y", "aliases": [{"name": "A.B/s", "defaultPath": "properties.t"}]}]}`},
			want: "default path",
		},
		{
			name:  "bad capability",
			files: map[string]string{"A.B.types.json": `{"namespace": "A.B", "resourceTypes": [{"resourceType": "x", "capabilities": "SupportsColour"}]}`},
			want:  "unknown flag",
		},
		{
			name:  "extra without source",
			files: map[string]string{"A.B.types.json": `{"namespace": "A.B", "resourceTypes": []}`},
			extra: `{"aliases": {"A.B/x/y": {"path": "properties.z"}}}`,
			want:  "has no source",
		},
		{
			name: "extra repeats a dump alias",
			files: map[string]string{"A.B.aliases.json": `{"namespace": "A.B", "resourceTypes": [
				{"resourceType": "x", "aliases": [{"name": "A.B/x/y", "defaultPath": "properties.y"}]}]}`},
			extra: `{"aliases": {"a.b/x/Y": {"path": "properties.z", "source": "s"}}}`,
			want:  "already in the dumps",
		},
		{
			name:  "extra follows the default rule",
			files: map[string]string{"A.B.types.json": `{"namespace": "A.B", "resourceTypes": []}`},
			extra: `{"aliases": {"A.B/x/y": {"path": "properties.y", "source": "s"}}}`,
			want:  "needs no entry",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			extra := ""
			if tt.extra != "" {
				extra = filepath.Join(dir, "extra.json")
				if err := os.WriteFile(extra, []byte(tt.extra), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := generate(dir, extra)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("generate error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestShippedCatalogIsFresh regenerates the shipped catalogue from the shared
// dumps, when they are present, and checks it matches aliases/data/catalog.json.
func TestShippedCatalogIsFresh(t *testing.T) {
	dumps := filepath.Join("..", "..", "..", "..", "shared", "azure-policy", "aliases")
	if _, err := os.Stat(dumps); err != nil {
		t.Skipf("alias dumps not present (%v); skipping", err)
	}
	f, _, err := generate(dumps, filepath.Join("..", "..", "data", "extra.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := f.Encode(&got); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "data", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Error("aliases/data/catalog.json is stale: run go run ./aliases/internal/gen -in DIR -out aliases/data/catalog.json")
	}
}
