package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestWriteFormats(t *testing.T) {
	type sku struct {
		Name string `json:"name"`
		Tier string `json:"tier,omitempty"`
	}
	tests := []struct {
		name   string
		result any
		opt    Options
		want   string
	}{
		{"default is json", map[string]any{"b": 1, "a": "x"}, Options{}, "{\n  \"a\": \"x\",\n  \"b\": 1\n}\n"},
		{"format is case-insensitive", []any{}, Options{Format: "JSON"}, "[]\n"},
		{"jsonc without colour is json", map[string]any{"a": true}, Options{Format: "jsonc"}, "{\n  \"a\": true\n}\n"},
		{"yamlc without colour is yaml", map[string]any{"a": true}, Options{Format: "yamlc"}, "a: true\n"},
		{"none prints nothing", map[string]any{"a": 1}, Options{Format: "none"}, ""},
		{"nil prints nothing", nil, Options{Format: "table"}, ""},
		{"query to null prints nothing", map[string]any{"a": 1}, Options{Format: "json", Query: "b"}, ""},
		{"struct goes through its json tags", sku{Name: "Standard_LRS"}, Options{Format: "tsv"}, "Standard_LRS\n"},
		{"typed slice", []string{"a", "b"}, Options{Format: "tsv"}, "a\nb\n"},
		{"typed slice of ordered rows keeps order", []*OrderedMap{NewOrderedMap("Z", "z", "A", "a")}, Options{Format: "table", Transformer: func(r any) any { return r }}, "Z    A\n---  ---\nz    a\n"},
		{"typed map", map[string]int{"b": 2, "a": 1}, Options{Format: "tsv"}, "1\t2\n"},
		{"bytes are text", map[string]any{"b": []byte("hi")}, Options{Format: "json"}, "{\n  \"b\": \"hi\"\n}\n"},
		{"Go ints", map[string]any{"n": 3, "u": uint8(4)}, Options{Format: "json"}, "{\n  \"n\": 3,\n  \"u\": 4\n}\n"},
		{"scalar table", "abc", Options{Format: "table"}, "Result\n--------\nabc\n"},
		{"empty list table", []any{}, Options{Format: "table"}, "\n"},
		{"top-level bool tsv", true, Options{Format: "tsv"}, "true\n"},
		{"nested bool tsv", []any{[]any{true, nil}}, Options{Format: "tsv"}, "True\tNone\n"},
		{"ordered map keeps order in tsv", NewOrderedMap("z", 1, "a", 2), Options{Format: "tsv"}, "1\t2\n"},
		{"ordered map is sorted in json", NewOrderedMap("z", 1, "a", 2), Options{Format: "json"}, "{\n  \"a\": 2,\n  \"z\": 1\n}\n"},
		{"ordered map sorted in table without query or transformer", NewOrderedMap("z", 1, "a", 2), Options{Format: "table"}, "A    Z\n---  ---\n2    1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.result, tc.opt); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestWriteRejectsUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, 1, Options{Format: "XML"})
	want := "argument --output/-o: invalid choice: 'xml' (choose from 'json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none')"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestTableTransformerFailureIsTableUnavailable(t *testing.T) {
	boom := func(any) any { panic("boom") }
	err := Write(&bytes.Buffer{}, []any{}, Options{Format: "table", Transformer: boom})
	if !errors.Is(err, ErrTableUnavailable) {
		t.Fatalf("error = %v, want ErrTableUnavailable", err)
	}
	if err.Error() != "Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info." {
		t.Errorf("message = %q", err.Error())
	}
	var te *TableError
	if !errors.As(err, &te) || te.Cause == nil {
		t.Errorf("error %T carries no cause", err)
	}
	// With --query active, az skips the transformer entirely.
	var b bytes.Buffer
	if err := Write(&b, []any{map[string]any{"n": "x"}}, Options{Format: "table", Query: "[].n", Transformer: boom}); err != nil {
		t.Fatalf("transformer ran despite --query: %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterErrors(t *testing.T) {
	if err := Write(failingWriter{}, 1, Options{}); err == nil {
		t.Error("Write to a failing writer returned nil")
	}
	if err := WriteError(failingWriter{}, "C", "m"); err == nil {
		t.Error("WriteError to a failing writer returned nil")
	}
}

func TestWriteRejectsValuesJSONCannotEncode(t *testing.T) {
	if err := Write(&bytes.Buffer{}, map[string]any{"f": func() {}}, Options{}); err == nil {
		t.Error("Write accepted a func value")
	}
}

// Python's repr(float), which json.dumps, str() and tabulate all use.
func TestPyFloatRepr(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {1.5, "1.5"}, {0.1, "0.1"}, {-0.25, "-0.25"}, {math.Copysign(0, -1), "-0.0"},
		{1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1.5e16, "1.5e+16"}, {0.0001, "0.0001"},
		{0.00001, "1e-05"}, {1.5e-7, "1.5e-07"}, {1e100, "1e+100"}, {123456789.123, "123456789.123"},
		{0.3333333333333333, "0.3333333333333333"}, {math.NaN(), "nan"}, {math.Inf(-1), "-inf"},
	}
	for _, tc := range tests {
		if got := pyFloatRepr(tc.in); got != tc.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := pyJSONFloat(math.Inf(1)); got != "Infinity" {
		t.Errorf("pyJSONFloat(+Inf) = %q, want Infinity", got)
	}
}

func TestPyQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", `'abc'`},
		{"it's", `"it's"`},
		{`it's "x"`, `'it\'s "x"'`},
		{"a\\b", `'a\\b'`},
		{"tab\tnl\n", `'tab\tnl\n'`},
		{"bell\x07", `'bell\x07'`},
		{"café 日本", `'café 日本'`},
		{"nbsp\u00a0", `'nbsp\xa0'`},
		{"zw\u200b", `'zw\u200b'`},
	}
	for _, tc := range tests {
		if got := pyQuote(tc.in); got != tc.want {
			t.Errorf("pyQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestOrderedMap(t *testing.T) {
	m := NewOrderedMap("b", 1, "a", "x")
	m.Set("b", 2)
	m.Set("c", nil)
	if got := m.Keys(); len(got) != 3 || got[0] != "b" || got[1] != "a" || got[2] != "c" {
		t.Errorf("Keys = %v, want [b a c]", got)
	}
	if v, ok := m.Get("b"); !ok || v != 2 {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	raw, err := json.Marshal(map[string]any{"m": m})
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"m":{"a":"x","b":2,"c":null}}` {
		t.Errorf("json.Marshal = %s", raw)
	}
	var zero OrderedMap
	zero.Set("k", 1)
	if zero.Len() != 1 || len(zero.Map()) != 1 {
		t.Errorf("zero OrderedMap not usable: %+v", zero)
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"abc", 3}, {"日本語", 6}, {"e\u0301", 1}, {"x\u200by", 2}, {"bell\x07", -1}, {"🚀", 2}, {"", 0},
	}
	for _, tc := range tests {
		if got := displayWidth(tc.in); got != tc.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
