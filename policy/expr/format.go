package expr

import (
	"math"
	"strconv"
	"strings"
)

// fnFormat implements ARM's format(formatString, args...), which follows
// .NET composite formatting: {index[,alignment][:formatString]}, with "{{"
// and "}}" standing for literal braces. Numeric format strings N, F, D, X
// and P (with an optional precision) are supported; other format strings
// are an error rather than a silently different result.
// https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#format
func fnFormat(a []any) (any, error) {
	f, err := argString("format", a, 0)
	if err != nil {
		return nil, err
	}
	vals := a[1:]
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch c {
		case '{':
			if i+1 < len(f) && f[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, failf("format", "input string was not in a correct format: unclosed '{' at position %d", i)
			}
			item := f[i+1 : i+end]
			text, err := formatItem(item, vals)
			if err != nil {
				return nil, err
			}
			b.WriteString(text)
			i += end
		case '}':
			if i+1 < len(f) && f[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return nil, failf("format", "input string was not in a correct format: unmatched '}' at position %d", i)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// formatItem formats one "{index,alignment:format}" item (without braces).
func formatItem(item string, vals []any) (string, error) {
	spec := ""
	if k := strings.IndexByte(item, ':'); k >= 0 {
		item, spec = item[:k], item[k+1:]
	}
	align := 0
	if k := strings.IndexByte(item, ','); k >= 0 {
		n, err := strconv.Atoi(strings.TrimSpace(item[k+1:]))
		if err != nil {
			return "", failf("format", "input string was not in a correct format: bad alignment '%s'", item[k+1:])
		}
		if n > MaxResultLength || n < -MaxResultLength {
			return "", failf("format", "the alignment %d exceeds the limit of %d characters", n, MaxResultLength)
		}
		align, item = n, item[:k]
	}
	idx, err := strconv.Atoi(strings.TrimSpace(item))
	if err != nil || idx < 0 {
		return "", failf("format", "input string was not in a correct format: bad index '%s'", item)
	}
	if idx >= len(vals) {
		return "", failf("format", "index (zero based) must be greater than or equal to zero and less than the size of the argument list (%d)", len(vals))
	}
	text, err := formatValue(vals[idx], spec)
	if err != nil {
		return "", err
	}
	if w := utf8Len(text); align > w {
		text = strings.Repeat(" ", align-w) + text
	} else if align < 0 && -align > w {
		text += strings.Repeat(" ", -align-w)
	}
	return text, nil
}

func utf8Len(s string) int { return len([]rune(s)) }

// formatValue applies a .NET standard numeric format string to a number;
// other values ignore an empty spec and reject a non-empty one.
func formatValue(v any, spec string) (string, error) {
	if spec == "" {
		return toText(v), nil
	}
	var f float64
	isInt := false
	switch n := v.(type) {
	case int64:
		f, isInt = float64(n), true
	case float64:
		f = n
	default:
		return "", failf("format", "format string '%s' applies to numbers, the value is of type '%s'", spec, TypeName(v))
	}
	kind := spec[0]
	prec := -1
	if len(spec) > 1 {
		p, err := strconv.Atoi(spec[1:])
		if err != nil || p < 0 || p > 99 {
			return "", failf("format", "format specifier '%s' is not supported", spec)
		}
		prec = p
	}
	switch kind {
	case 'N', 'n':
		if prec < 0 {
			prec = 2
		}
		return groupThousands(strconv.FormatFloat(roundAway(f, prec), 'f', prec, 64)), nil
	case 'F', 'f':
		if prec < 0 {
			prec = 2
		}
		return strconv.FormatFloat(roundAway(f, prec), 'f', prec, 64), nil
	case 'P', 'p':
		if prec < 0 {
			prec = 2
		}
		return groupThousands(strconv.FormatFloat(roundAway(f*100, prec), 'f', prec, 64)) + " %", nil
	case 'D', 'd':
		if !isInt {
			return "", failf("format", "format specifier '%s' requires an integer", spec)
		}
		n := int64(f)
		s := strconv.FormatInt(abs64(n), 10)
		if prec > len(s) {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		if n < 0 {
			s = "-" + s
		}
		return s, nil
	case 'X', 'x':
		if !isInt {
			return "", failf("format", "format specifier '%s' requires an integer", spec)
		}
		s := strconv.FormatUint(uint64(int64(f)), 16)
		if kind == 'X' {
			s = strings.ToUpper(s)
		}
		if prec > len(s) {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		return s, nil
	}
	return "", failf("format", "format specifier '%s' is not supported", spec)
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// roundAway rounds half away from zero, as .NET numeric formatting does.
func roundAway(f float64, prec int) float64 {
	p := math.Pow(10, float64(prec))
	return math.Round(f*p) / p
}

// groupThousands inserts ',' between groups of three integer digits.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
