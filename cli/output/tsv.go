package output

import (
	"bytes"
	"strconv"
)

// formatTSV renders az's tsv output: one line per item (a non-list result is
// one item), no header, fields joined by tabs. An object gives its values in
// sorted-key order, or in its own order when it is an ordered map (a query's
// multiselect hash); a list gives its elements. Inside a row a nested list
// prints its length, a nested object prints nothing, None prints "None" and
// booleans "True"/"False" (Python's str); a bare boolean row is "true"/"false".
func formatTSV(result any) []byte {
	items, ok := result.([]any)
	if !ok {
		items = []any{result}
	}
	var b bytes.Buffer
	for _, item := range items {
		tsvRow(&b, item)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func tsvRow(b *bytes.Buffer, item any) {
	var values []any
	switch x := item.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			values = append(values, x[k])
		}
	case *OrderedMap:
		for _, k := range x.keys {
			values = append(values, x.values[k])
		}
	case []any:
		values = x
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return
	default:
		tsvField(b, item)
		return
	}
	for i, v := range values {
		if i > 0 {
			b.WriteByte('\t')
		}
		tsvField(b, v)
	}
}

func tsvField(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case []any:
		b.WriteString(strconv.Itoa(len(x)))
	case map[string]any, *OrderedMap:
	default:
		b.WriteString(pyStr(v))
	}
}
