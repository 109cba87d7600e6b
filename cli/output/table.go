package output

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// ErrTableUnavailable is az's message when a result cannot be shown as a
// table (knack's format_table turns any failure into it). Write returns a
// *TableError, which matches it with errors.Is.
var ErrTableUnavailable = errors.New("Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.")

// TableError is a failed table rendering: its message is exactly az's, the
// underlying reason (for --debug) is kept in Cause.
type TableError struct {
	// Cause says what went wrong, as az would log it under --debug.
	Cause error
}

// Error returns az's message, without the cause.
func (e *TableError) Error() string { return ErrTableUnavailable.Error() }

// Is makes errors.Is(err, ErrTableUnavailable) true.
func (e *TableError) Is(target error) bool { return target == ErrTableUnavailable }

// Unwrap returns the cause.
func (e *TableError) Unwrap() error { return e.Cause }

// tableSkipKeys are the keys knack's _TableOutput never shows.
var tableSkipKeys = map[string]bool{"id": true, "type": true, "etag": true}

// tableRow is one row of cells in column order.
type tableRow struct {
	keys   []string
	values map[string]any
}

func (r *tableRow) set(k string, v any) {
	if r.values == nil {
		r.values = map[string]any{}
	}
	if _, ok := r.values[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.values[k] = v
}

// formatTable renders az's table output: the transformer runs first when no
// query is active; a single object becomes a one-row list; each row keeps
// its scalar values (skipping id, type and etag) under capitalised headers;
// keys are sorted only when neither a query nor a transformer chose them.
func formatTable(result any, transformer TableTransformer, queryActive bool) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &TableError{Cause: fmt.Errorf("table transformer or row: %v", r)}
		}
	}()
	if transformer != nil && !queryActive {
		t, nerr := normalize(transformer(result))
		if nerr != nil {
			return nil, &TableError{Cause: fmt.Errorf("table transformer result: %w", nerr)}
		}
		result = t
	}
	items, ok := result.([]any)
	if !ok {
		items = []any{result}
	}
	sortKeys := !queryActive && transformer == nil
	rows := make([]tableRow, 0, len(items))
	for _, item := range items {
		rows = append(rows, autoTableRow(item, sortKeys))
	}
	if len(rows) == 0 {
		return []byte("\n"), nil
	}
	s := tabulateSimple(rows)
	if s == "\n" {
		return nil, &TableError{Cause: errors.New("unable to extract fields for table")}
	}
	return []byte(s + "\n"), nil
}

// autoTableRow is knack's _auto_table_item: objects give their scalar
// fields, lists give Column1..N, anything else a single Result column.
func autoTableRow(item any, sortKeys bool) tableRow {
	var row tableRow
	var keys []string
	var get func(string) any
	switch x := item.(type) {
	case map[string]any:
		keys, get = sortedKeys(x), func(k string) any { return x[k] }
	case *OrderedMap:
		keys, get = x.keys, func(k string) any { return x.values[k] }
		if sortKeys {
			keys = sortedKeys(x.values)
		}
	case []any:
		for i, v := range x {
			row.set(fmt.Sprintf("Column%d", i+1), v)
		}
		return row
	default:
		row.set("Result", item)
		return row
	}
	for _, k := range keys {
		if tableSkipKeys[k] {
			continue
		}
		switch v := get(k); v.(type) {
		case nil, []any, map[string]any, *OrderedMap:
		default:
			row.set(capitalizeFirst(k), v)
		}
	}
	return row
}

// capitalizeFirst upper-cases the first character only, as knack does.
func capitalizeFirst(s string) string {
	for i, r := range s {
		if i == 0 {
			return string(unicode.ToUpper(r)) + s[len(string(r)):]
		}
	}
	return s
}

// tabulateSimple is tabulate(rows, headers="keys", tablefmt="simple",
// disable_numparse=True): headers are the union of row keys in order of first
// appearance; every column is left-aligned (no number parsing); a column is
// at least its header plus two wide; cells lose surrounding whitespace; a
// missing or None cell is empty; lines lose trailing spaces.
func tabulateSimple(rows []tableRow) string {
	var headers []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				headers = append(headers, k)
			}
		}
	}
	if len(headers) == 0 {
		// No column survived (every row empty): tabulate returns "".
		return ""
	}
	cells := make([][]string, len(rows))
	multiline := false
	for _, h := range headers {
		if strings.ContainsAny(h, "\r\n") {
			multiline = true
		}
	}
	for i, r := range rows {
		cells[i] = make([]string, len(headers))
		for j, h := range headers {
			v, ok := r.values[h]
			if !ok || v == nil {
				continue
			}
			s := pyStr(v)
			if strings.ContainsAny(s, "\r\n") {
				multiline = true
			}
			cells[i][j] = strings.TrimSpace(s)
		}
	}
	widths := make([]int, len(headers))
	for j, h := range headers {
		for _, line := range cellLines(h, multiline) {
			widths[j] = max(widths[j], displayWidth(line)+2)
		}
		for i := range cells {
			for _, line := range cellLines(cells[i][j], multiline) {
				widths[j] = max(widths[j], displayWidth(line))
			}
		}
	}
	lines := rowLines(headers, widths, multiline)
	rule := make([]string, len(headers))
	for j, w := range widths {
		rule[j] = strings.Repeat("-", w)
	}
	lines = append(lines, joinRow(rule, widths))
	for _, row := range cells {
		lines = append(lines, rowLines(row, widths, multiline)...)
	}
	return strings.Join(lines, "\n")
}

// rowLines renders one row; in a multiline table a row takes as many lines
// as its tallest cell, shorter cells padded with blank lines.
func rowLines(row []string, widths []int, multiline bool) []string {
	if !multiline {
		return []string{joinRow(row, widths)}
	}
	split := make([][]string, len(row))
	n := 0
	for j, c := range row {
		split[j] = cellLines(c, true)
		n = max(n, len(split[j]))
	}
	var lines []string
	for l := 0; l < n; l++ {
		line := make([]string, len(row))
		for j := range row {
			if l < len(split[j]) {
				line[j] = split[j][l]
			}
		}
		lines = append(lines, joinRow(line, widths))
	}
	return lines
}

// cellLines splits a cell as Python's str.splitlines does for the common
// line ends (\n, \r\n, \r).
func cellLines(s string, multiline bool) []string {
	if !multiline {
		return []string{s}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// joinRow pads each cell to its column width, joins with two spaces and
// drops trailing whitespace.
func joinRow(cells []string, widths []int) string {
	var b strings.Builder
	for j, c := range cells {
		if j > 0 {
			b.WriteString("  ")
		}
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", max(widths[j]-displayWidth(c), 0)))
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}

// displayWidth counts terminal columns as wcwidth's wcswidth (az ships
// wcwidth, so tabulate uses it): East Asian wide and full-width characters
// take two, combining marks and zero-width format characters none, and a
// control character makes the whole string -1, which tabulate then pads
// past the column width, as az's output shows.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == 0:
			continue
		case r < 0x20 || (r >= 0x7F && r < 0xA0):
			return -1
		case unicode.In(r, unicode.Mn, unicode.Me) || (r >= 0x200B && r <= 0x200F) ||
			(r >= 0x2028 && r <= 0x202E) || (r >= 0x2060 && r <= 0x2063):
			continue
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
