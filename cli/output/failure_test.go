package output

import (
	"bytes"
	"errors"
	"testing"
)

// az prints errors through knack's logger ("ERROR: ") and adds its --query
// hint for query failures; argument errors exit with 2 (azure-cli parser.py,
// self.exit(2)), others with 1.
func TestWriteFailure(t *testing.T) {
	_, parseErr := Query(nil, "azure-cli")
	_, runErr := Query([]any{}, "length(`1`)")
	tableErr := Write(&bytes.Buffer{}, nil, Options{Format: "table", Transformer: func(any) any { panic("x") }})
	if tableErr != nil {
		t.Fatalf("nil result should print nothing, got %v", tableErr)
	}
	tableErr = Write(&bytes.Buffer{}, []any{}, Options{Format: "table", Transformer: func(any) any { panic("x") }})
	tests := []struct {
		name string
		err  error
		code int
		want string
	}{
		{"nil", nil, 0, ""},
		{"query parse", parseErr, 2, "ERROR: argument --query: invalid jmespath_type value: 'azure-cli'\n" + QueryReference + "\n"},
		{"query runtime", runErr, 1, "ERROR: Invalid jmespath query supplied for `--query`: In function length(), invalid type for value: 1, expected one of: ['string', 'array', 'object'], received: \"number\"\n" + QueryReference + "\n"},
		{"unknown output", Write(&bytes.Buffer{}, 1, Options{Format: "xml"}), 2, "ERROR: argument --output/-o: invalid choice: 'xml' (choose from 'json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none')\n"},
		{"table", tableErr, 1, "ERROR: Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.\n"},
		{"other", errors.New("boom"), 1, "ERROR: boom\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if code := WriteFailure(&b, tc.err); code != tc.code {
				t.Errorf("exit code = %d, want %d", code, tc.code)
			}
			if b.String() != tc.want {
				t.Errorf("got %q\nwant %q", b.String(), tc.want)
			}
		})
	}
}
