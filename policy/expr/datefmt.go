package expr

import (
	"strconv"
	"strings"
	"time"
)

// standardDateFormats maps .NET single-letter standard formats to custom
// patterns (invariant culture, UTC).
var standardDateFormats = map[string]string{
	"o": "yyyy-MM-ddTHH:mm:ss.fffffffK",
	"O": "yyyy-MM-ddTHH:mm:ss.fffffffK",
	"u": "yyyy-MM-dd HH:mm:ssZ",
	"s": "yyyy-MM-ddTHH:mm:ss",
	"d": "MM/dd/yyyy",
	"D": "dddd, dd MMMM yyyy",
	"t": "HH:mm",
	"T": "HH:mm:ss",
	"g": "MM/dd/yyyy HH:mm",
	"G": "MM/dd/yyyy HH:mm:ss",
	"r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
	"R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
}

// formatDotNetTime renders t with a .NET date format string, as ARM's
// utcNow(format) does. Unknown single-letter formats are an error.
func formatDotNetTime(fn string, t time.Time, f string) (string, error) {
	if len(f) == 1 {
		p, ok := standardDateFormats[f]
		if !ok {
			return "", failf(fn, "the date format '%s' is not supported", f)
		}
		f = p
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		c := f[i]
		n := 1
		for i+n < len(f) && f[i+n] == c {
			n++
		}
		switch c {
		case 'y':
			y := t.Year()
			switch {
			case n <= 2:
				b.WriteString(pad(y%100, n))
			default:
				b.WriteString(pad(y, n))
			}
		case 'M':
			switch n {
			case 1, 2:
				b.WriteString(pad(int(t.Month()), n))
			case 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(t.Month().String())
			}
		case 'd':
			switch n {
			case 1, 2:
				b.WriteString(pad(t.Day(), n))
			case 3:
				b.WriteString(t.Weekday().String()[:3])
			default:
				b.WriteString(t.Weekday().String())
			}
		case 'H':
			b.WriteString(pad(t.Hour(), min(n, 2)))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(pad(h, min(n, 2)))
		case 'm':
			b.WriteString(pad(t.Minute(), min(n, 2)))
		case 's':
			b.WriteString(pad(t.Second(), min(n, 2)))
		case 'f', 'F':
			if n > 7 {
				return "", failf(fn, "the date format '%s' is not valid", f)
			}
			frac := pad(t.Nanosecond()/100, 7)[:n]
			if c == 'F' {
				frac = strings.TrimRight(frac, "0")
			}
			b.WriteString(frac)
		case 't':
			ampm := "AM"
			if t.Hour() >= 12 {
				ampm = "PM"
			}
			b.WriteString(ampm[:min(n, 2)])
		case 'K', 'z':
			if c == 'K' {
				b.WriteString("Z")
			} else {
				b.WriteString("+00")
				if n >= 3 {
					b.WriteString(":00")
				}
			}
		case '\'', '"':
			end := strings.IndexByte(f[i+1:], c)
			if end < 0 {
				return "", failf(fn, "the date format '%s' has an unterminated quote", f)
			}
			b.WriteString(f[i+1 : i+1+end])
			n = end + 2
		case '\\':
			if i+1 < len(f) {
				b.WriteByte(f[i+1])
			}
			n = 2
		default:
			b.WriteString(f[i : i+n])
		}
		i += n
	}
	return b.String(), nil
}

func pad(v, width int) string {
	s := strconv.Itoa(v)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}
