package output

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ANSI sequences of Pygments' TerminalFormatter (dark background), which az
// uses for jsonc and yamlc: keys bright blue, strings yellow, numbers and
// keywords blue, whitespace grey; every coloured run ends with a full reset.
const (
	ansiKey    = "\x1b[94m"
	ansiString = "\x1b[33m"
	ansiNumber = "\x1b[34m"
	ansiSpace  = "\x1b[37m"
	ansiReset  = "\x1b[39;49;00m"
)

// jsonWriter prints JSON exactly as Python's json.dumps(indent=2,
// sort_keys=True, ensure_ascii=False, separators=(',', ': ')), optionally
// with the ANSI colours Pygments' JSON lexer gives the same text.
type jsonWriter struct {
	b      *bytes.Buffer
	color  bool
	indent int // spaces per level; 0 means compact
	// sortKeys sorts ordered maps too (az's output); plain Go maps are always
	// printed sorted, having no order of their own.
	sortKeys bool
}

// formatJSON renders v as az's json (or, with color, jsonc) output, including
// the trailing newline knack adds.
func formatJSON(v any, color bool) ([]byte, error) {
	var b bytes.Buffer
	w := jsonWriter{b: &b, color: color, indent: 2, sortKeys: true}
	if err := w.value(v, 0); err != nil {
		return nil, err
	}
	w.space("\n")
	return b.Bytes(), nil
}

// writeCompactJSON writes v on one line with sorted keys (used by
// OrderedMap.MarshalJSON, where the caller controls layout).
func writeCompactJSON(b *bytes.Buffer, v any) error {
	n, err := normalize(v)
	if err != nil {
		return err
	}
	w := jsonWriter{b: b, sortKeys: true}
	return w.value(n, 0)
}

func (w *jsonWriter) colored(code, text string) {
	if w.color {
		w.b.WriteString(code)
		w.b.WriteString(text)
		w.b.WriteString(ansiReset)
		return
	}
	w.b.WriteString(text)
}

// space writes a whitespace run; Pygments colours each line of it separately
// and leaves the line breaks themselves uncoloured.
func (w *jsonWriter) space(s string) {
	if !w.color {
		w.b.WriteString(s)
		return
	}
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if i == len(lines)-1 && line == "" && i > 0 {
			break
		}
		w.colored(ansiSpace, line)
		if i < len(lines)-1 {
			w.b.WriteByte('\n')
		}
	}
}

func (w *jsonWriter) newline(level int) {
	if w.indent == 0 {
		return
	}
	w.space("\n" + strings.Repeat(" ", w.indent*level))
}

func (w *jsonWriter) value(v any, level int) error {
	switch x := v.(type) {
	case nil:
		w.colored(ansiNumber, "null")
	case bool:
		w.colored(ansiNumber, strconv.FormatBool(x))
	case int64:
		w.colored(ansiNumber, strconv.FormatInt(x, 10))
	case float64:
		w.colored(ansiNumber, pyJSONFloat(x))
	case string:
		w.colored(ansiString, pyJSONQuote(x))
	case []any:
		if len(x) == 0 {
			w.b.WriteString("[]")
			return nil
		}
		w.b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.b.WriteByte(',')
				if w.indent == 0 {
					w.b.WriteByte(' ')
				}
			}
			w.newline(level + 1)
			if err := w.value(e, level+1); err != nil {
				return fmt.Errorf("index %d: %w", i, err)
			}
		}
		w.newline(level)
		w.b.WriteByte(']')
	case map[string]any:
		return w.object(sortedKeys(x), func(k string) any { return x[k] }, level)
	case *OrderedMap:
		keys := x.keys
		if w.sortKeys {
			keys = sortedKeys(x.values)
		}
		return w.object(keys, func(k string) any { return x.values[k] }, level)
	default:
		return fmt.Errorf("unsupported value type %T", v)
	}
	return nil
}

func (w *jsonWriter) object(keys []string, get func(string) any, level int) error {
	if len(keys) == 0 {
		w.b.WriteString("{}")
		return nil
	}
	w.b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.b.WriteByte(',')
			if w.indent == 0 {
				w.b.WriteByte(' ')
			}
		}
		w.newline(level + 1)
		w.colored(ansiKey, pyJSONQuote(k))
		w.b.WriteByte(':')
		w.space(" ")
		if err := w.value(get(k), level+1); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	w.newline(level)
	w.b.WriteByte('}')
	return nil
}

// pyJSONFloat is Python's json float text: repr, with NaN and Infinity as
// the json module spells them.
func pyJSONFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return pyFloatRepr(f)
}

// pyJSONQuote quotes s as Python's json module does with ensure_ascii=False:
// only the quote, the backslash and control characters below U+0020 are
// escaped (\b \f \n \r \t by name, the rest as lower-case \u00XX).
func pyJSONQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s { // invalid UTF-8 becomes U+FFFD, as Python text cannot hold it
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// pyJSONIndent4 renders v as Python's json.dumps(v, indent=4) with its
// defaults (ensure_ascii=True, keys unsorted): azure-core uses it for the
// "Info:" and "Inner error:" parts of an ARM error.
func pyJSONIndent4(v any) (string, error) {
	n, err := normalize(v)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	w := jsonWriter{b: &b, indent: 4}
	if err := w.value(n, 0); err != nil {
		return "", err
	}
	return asciiEscape(b.String()), nil
}

// asciiEscape rewrites every non-ASCII rune as \uXXXX (UTF-16 surrogate
// pairs above U+FFFF), which is what ensure_ascii=True does inside strings;
// JSON text outside strings is ASCII already.
func asciiEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
