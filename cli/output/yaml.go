package output

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// formatYAML renders v as az's yaml output: PyYAML's
// safe_dump(default_flow_style=False, allow_unicode=True). knack falls back
// to a JSON round trip when a query made ordered dicts, so keys are always
// sorted. With color, keys, quoted strings and whitespace get Pygments'
// terminal colours (yamlc).
func formatYAML(v any, color bool) ([]byte, error) {
	e := &yamlEmitter{whitespace: true, indention: true, indent: -1, color: color}
	if err := e.node(v, yamlContext{root: true}); err != nil {
		return nil, err
	}
	// Document end (implicit): break the line; then, at stream end, an
	// open-ended document (a plain scalar at the root) gets "...".
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	return []byte(e.b.String()), nil
}

// ansiError is Pygments' colour for an error token (underlined bright red).
const ansiError = "\x1b[04m\x1b[91m"

// ansiDocumentEnd is Pygments' colour for the "..." document end marker
// (underlined cyan).
const ansiDocumentEnd = "\x1b[04m\x1b[36m"

// ansiQuotedSpace is the colour Pygments' YAML lexer gives runs of spaces
// inside a single-quoted scalar (red).
const ansiQuotedSpace = "\x1b[31m"

// yamlBestWidth is PyYAML's default line width, past which scalars fold.
const yamlBestWidth = 80

// yamlContext says where a node sits, as PyYAML's expect_node arguments do.
type yamlContext struct {
	root, sequence, mapping, simpleKey bool
}

// yamlEmitter follows the state machine of PyYAML's Emitter for the subset of
// events safe_dump produces from JSON values: the current column, whether
// the last character written was whitespace or an indentation, the stack of
// indents (-1 standing for Python's None).
type yamlEmitter struct {
	b          strings.Builder
	column     int
	whitespace bool
	indention  bool
	openEnded  bool
	indent     int
	indents    []int
	ctx        yamlContext
	color      bool
}

func (e *yamlEmitter) write(s, code string) {
	switch {
	case e.color && code != "" && s != "":
		e.b.WriteString(code + s + ansiReset)
	case e.color && code == "" && strings.ContainsRune(s, '\u00a0'):
		// Pygments' YAML lexer flags a no-break space in a plain scalar
		// as an error token.
		e.b.WriteString(strings.ReplaceAll(s, "\u00a0", ansiError+"\u00a0"+ansiReset))
	default:
		e.b.WriteString(s)
	}
	e.column += len([]rune(s))
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = 2
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += 2
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *yamlEmitter) writeIndicator(ind string, needWhitespace, whitespace, indention bool) {
	if !e.whitespace && needWhitespace {
		e.write(" ", ansiSpace)
	}
	code := ""
	switch ind {
	case "'", `"`:
		code = ansiString
	case "...":
		code = ansiDocumentEnd
	}
	e.write(ind, code)
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.openEnded = false
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column), ansiSpace)
	}
}

func (e *yamlEmitter) writeLineBreak() {
	if e.color {
		e.b.WriteString(ansiSpace + ansiReset)
	}
	e.b.WriteByte('\n')
	e.whitespace = true
	e.indention = true
	e.column = 0
}

func (e *yamlEmitter) node(v any, ctx yamlContext) error {
	e.ctx = ctx
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			e.writeIndicator("[", true, true, false)
			e.writeIndicator("]", false, false, false)
			return nil
		}
		e.increaseIndent(false, ctx.mapping && !e.indention)
		for i, item := range x {
			e.writeIndent()
			e.writeIndicator("-", true, false, true)
			if err := e.node(item, yamlContext{sequence: true}); err != nil {
				return fmt.Errorf("index %d: %w", i, err)
			}
		}
		e.popIndent()
		return nil
	case map[string]any:
		return e.mapping(sortedKeys(x), func(k string) any { return x[k] })
	case *OrderedMap:
		return e.mapping(sortedKeys(x.values), func(k string) any { return x.values[k] })
	}
	text, isString, err := yamlScalarText(v)
	if err != nil {
		return err
	}
	e.increaseIndent(true, false)
	e.scalar(text, isString)
	e.popIndent()
	return nil
}

func (e *yamlEmitter) mapping(keys []string, get func(string) any) error {
	if len(keys) == 0 {
		e.writeIndicator("{", true, true, false)
		e.writeIndicator("}", false, false, false)
		return nil
	}
	e.increaseIndent(false, false)
	for _, k := range keys {
		e.writeIndent()
		if isSimpleYAMLKey(k) {
			e.ctx = yamlContext{mapping: true, simpleKey: true}
			e.increaseIndent(true, false)
			e.scalar(k, true)
			e.popIndent()
			e.writeIndicator(":", false, false, false)
		} else {
			// A complex key: "? key" on its own line, then ": value".
			e.writeIndicator("?", true, false, true)
			e.ctx = yamlContext{mapping: true}
			e.increaseIndent(true, false)
			e.scalar(k, true)
			e.popIndent()
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
		}
		if err := e.node(get(k), yamlContext{mapping: true}); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	e.popIndent()
	return nil
}

// isSimpleYAMLKey is PyYAML's check_simple_key for a string key: not empty,
// on one line, and shorter than 128 characters counting the "!!str" tag
// PyYAML prepares (though it does not print it).
func isSimpleYAMLKey(k string) bool {
	a := analyzeYAMLScalar(k)
	return len([]rune(k))+len("!!str") < 128 && !a.empty && !a.multiline
}

// yamlScalarText is SafeRepresenter's text for a scalar: null, true/false,
// the int, the float (repr, lower-cased, ".0" added before a bare exponent,
// .nan/.inf), or the string itself.
func yamlScalarText(v any) (string, bool, error) {
	switch x := v.(type) {
	case nil:
		return "null", false, nil
	case bool:
		return strconv.FormatBool(x), false, nil
	case int64:
		return strconv.FormatInt(x, 10), false, nil
	case float64:
		switch {
		case math.IsNaN(x):
			return ".nan", false, nil
		case math.IsInf(x, 1):
			return ".inf", false, nil
		case math.IsInf(x, -1):
			return "-.inf", false, nil
		}
		s := strings.ToLower(pyFloatRepr(x))
		if !strings.Contains(s, ".") && strings.Contains(s, "e") {
			s = strings.Replace(s, "e", ".0e", 1)
		}
		return s, false, nil
	case string:
		return x, true, nil
	}
	return "", false, fmt.Errorf("unsupported value type %T", v)
}

// scalar picks the style PyYAML's choose_scalar_style would (plain, single
// quoted, double quoted) and writes the text.
func (e *yamlEmitter) scalar(text string, isString bool) {
	a := analyzeYAMLScalar(text)
	implicit := !isString || resolvesAsString(text)
	simple := e.ctx.simpleKey
	split := !simple
	switch {
	case implicit && !(simple && (a.empty || a.multiline)) && a.allowBlockPlain:
		e.writePlain([]rune(text), split)
	case a.allowSingleQuoted && !(simple && a.multiline):
		e.writeSingleQuoted([]rune(text), split)
	default:
		e.writeDoubleQuoted([]rune(text), split)
	}
}

// yamlAnalysis is the part of PyYAML's ScalarAnalysis that decides a style.
type yamlAnalysis struct {
	empty, multiline                   bool
	allowBlockPlain, allowSingleQuoted bool
}

func isYAMLBreak(r rune) bool { return r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029' }

func isYAMLSpaceOrEnd(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || isYAMLBreak(r)
}

// analyzeYAMLScalar applies PyYAML's analyze_scalar rules: indicators,
// leading/trailing spaces and breaks, special characters (with
// allow_unicode, printable non-ASCII is not special).
func analyzeYAMLScalar(s string) yamlAnalysis {
	if s == "" {
		return yamlAnalysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	var blockIndicators, lineBreaks, special bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededByWS := true
	followedByWS := len(rs) == 1 || isYAMLSpaceOrEnd(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				blockIndicators = true
			}
			if (ch == '?' || ch == ':' || ch == '-') && followedByWS {
				blockIndicators = true
			}
		} else {
			if ch == ':' && followedByWS {
				blockIndicators = true
			}
			if ch == '#' && precededByWS {
				blockIndicators = true
			}
		}
		if isYAMLBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7E)) {
			printable := ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) || (ch >= 0x10000 && ch < 0x10FFFF)
			if !printable || ch == 0xFEFF {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(rs)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isYAMLBreak(ch):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(rs)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = isYAMLSpaceOrEnd(ch)
		followedByWS = i+2 >= len(rs) || isYAMLSpaceOrEnd(rs[i+2])
	}
	a := yamlAnalysis{multiline: lineBreaks, allowBlockPlain: true, allowSingleQuoted: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowBlockPlain = false
	}
	if breakSpace {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if spaceBreak || special {
		a.allowBlockPlain, a.allowSingleQuoted = false, false
	}
	if lineBreaks || blockIndicators {
		a.allowBlockPlain = false
	}
	return a
}

// PyYAML's implicit resolvers (yaml/resolver.py): a plain scalar matching one
// of these would load as something other than a string, so such strings are
// quoted. Each applies only when the text starts with one of its characters.
var yamlResolvers = []struct {
	first string
	re    *regexp.Regexp
}{
	{"yYnNtTfFoO", regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)},
	{"-+0123456789.", regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)},
	{"-+0123456789", regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)},
	{"<", regexp.MustCompile(`^(?:<<)$`)},
	{"~nN", regexp.MustCompile(`^(?:~|null|Null|NULL)$`)},
	{"0123456789", regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`)},
	{"=", regexp.MustCompile(`^(?:=)$`)},
}

// resolvesAsString reports whether s, written plain, would load back as a
// string. Python's "$" also matches before a final newline, so a trailing
// "\n" is ignored when matching, as PyYAML does.
func resolvesAsString(s string) bool {
	if s == "" {
		return false // the null resolver matches the empty scalar
	}
	probe := strings.TrimSuffix(s, "\n")
	for _, r := range yamlResolvers {
		if strings.ContainsRune(r.first, []rune(s)[0]) && r.re.MatchString(probe) {
			return false
		}
	}
	return true
}

func (e *yamlEmitter) keyCode() string {
	if e.ctx.simpleKey {
		return ansiKey
	}
	return ""
}

// writePlain follows PyYAML's write_plain: a single space past the best
// width becomes a line break (when split is allowed).
func (e *yamlEmitter) writePlain(text []rune, split bool) {
	if e.ctx.root {
		e.openEnded = true
	}
	if len(text) == 0 {
		return
	}
	if !e.whitespace {
		e.write(" ", ansiSpace)
	}
	e.whitespace, e.indention = false, false
	if e.ctx.simpleKey {
		// A simple key is one line and never folded; Pygments colours it
		// as a single span, unless it holds a quote character.
		code := ansiKey
		if strings.ContainsAny(string(text), `'"`) {
			code = ""
		}
		e.write(string(text), code)
		return
	}
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split {
					e.writeIndent()
					e.whitespace, e.indention = false, false
				} else {
					e.write(string(text[start:end]), e.keyCode())
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isYAMLBreak(ch) {
				e.writeBreaks(text[start:end])
				e.writeIndent()
				e.whitespace, e.indention = false, false
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isYAMLBreak(ch) {
				e.write(string(text[start:end]), e.keyCode())
				start = end
			}
		}
		if ch != -1 {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
}

// writeBreaks writes a run of line breaks the way the quoted and plain
// writers do: a leading "\n" counts twice (the folding rule).
func (e *yamlEmitter) writeBreaks(run []rune) {
	if len(run) > 0 && run[0] == '\n' {
		e.writeLineBreak()
	}
	for _, br := range run {
		if br == '\n' {
			e.writeLineBreak()
		} else {
			e.b.WriteString(string(br))
			e.whitespace, e.indention, e.column = true, true, 0
		}
	}
}

// writeSingleQuoted follows PyYAML's write_single_quoted: quotes doubled,
// line breaks folded, long lines broken at single spaces.
func (e *yamlEmitter) writeSingleQuoted(text []rune, split bool) {
	e.writeIndicator("'", true, false, false)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		switch {
		case spaces:
			if ch == -1 || ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split && start != 0 && end != len(text) {
					e.writeIndent()
				} else {
					e.write(string(text[start:end]), ansiQuotedSpace)
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isYAMLBreak(ch) {
				e.writeBreaks(text[start:end])
				e.writeIndent()
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isYAMLBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(text[start:end]), ansiString)
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''", ansiString)
			start = end + 1
		}
		if ch != -1 {
			spaces, breaks = ch == ' ', isYAMLBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

// yamlEscapes are the named escapes of PyYAML's double-quoted writer.
var yamlEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
	0x0D: "r", 0x1B: "e", '"': "\"", '\\': "\\", 0x85: "N", 0xA0: "_",
	0x2028: "L", 0x2029: "P",
}

// writeDoubleQuoted follows PyYAML's write_double_quoted with allow_unicode:
// escapes for specials, and a "\" continuation when a line grows too long.
func (e *yamlEmitter) writeDoubleQuoted(text []rune, split bool) {
	e.writeIndicator(`"`, true, false, false)
	start := 0
	for end := 0; end <= len(text); end++ {
		var ch rune = -1
		if end < len(text) {
			ch = text[end]
		}
		plainOK := ch >= 0x20 && ch <= 0x7E || (ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD)
		if ch == -1 || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xFEFF || !plainOK {
			if start < end {
				e.write(string(text[start:end]), ansiString)
				start = end
			}
			if ch != -1 {
				var esc string
				if name, ok := yamlEscapes[ch]; ok {
					esc = `\` + name
				} else if ch <= 0xFF {
					esc = fmt.Sprintf(`\x%02X`, ch)
				} else if ch <= 0xFFFF {
					esc = fmt.Sprintf(`\u%04X`, ch)
				} else {
					esc = fmt.Sprintf(`\U%08X`, ch)
				}
				e.write(esc, ansiString)
				start = end + 1
			}
		}
		if 0 < end && end < len(text)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > yamlBestWidth && split {
			data := `\`
			if start < end { // Python's text[start:end] is empty when start > end
				data = string(text[start:end]) + data
				start = end
			}
			e.write(data, ansiString)
			e.writeIndent()
			e.whitespace, e.indention = false, false
			if text[start] == ' ' {
				e.write(`\`, ansiString)
			}
		}
	}
	e.writeIndicator(`"`, false, false, false)
}
