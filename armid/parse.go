package armid

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLength bounds the length of an id in bytes; longer input is rejected
// before any work is done.
const MaxLength = 4096

// Error describes why a string is not a valid resource id. Segment is the
// 1-based index of the offending "/"-separated segment and Offset its byte
// offset in ID (both zero when the problem is the whole string).
type Error struct {
	ID      string
	Segment int
	Offset  int
	Msg     string
}

// Error formats the problem as "invalid resource id '...': segment 3
// 'resourceGroups' needs a name (offset 52)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("invalid resource id ")
	b.WriteString(quote(e.ID))
	b.WriteString(": ")
	if e.Segment > 0 {
		b.WriteString("segment ")
		b.WriteString(itoa(e.Segment))
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	if e.Segment > 0 {
		b.WriteString(" (offset ")
		b.WriteString(itoa(e.Offset))
		b.WriteByte(')')
	}
	return b.String()
}

// parser holds the state of one Parse call.
type parser struct {
	s       string
	segs    []string
	offsets []int
}

func (p *parser) fail(i int, msg string) *Error {
	if i >= len(p.segs) { // a missing segment: point just past the end
		return &Error{ID: p.s, Segment: len(p.segs) + 1, Offset: len(p.s), Msg: msg}
	}
	return &Error{ID: p.s, Segment: i + 1, Offset: p.offsets[i], Msg: msg}
}

// Parse validates s and returns its ID. Keywords ("subscriptions",
// "resourceGroups", "providers") match ignoring case. Names may hold any
// characters but "/", control characters, "?" and "#", and may not be "."
// or "..". On failure the error is an *Error naming the segment.
func Parse(s string) (ID, error) {
	if s == "" {
		return ID{}, &Error{ID: s, Msg: "is empty"}
	}
	if len(s) > MaxLength {
		return ID{}, &Error{ID: s[:64] + "...", Msg: "is longer than " + itoa(MaxLength) + " bytes"}
	}
	if s[0] != '/' {
		return ID{}, &Error{ID: s, Msg: "must start with '/'"}
	}
	if !utf8.ValidString(s) {
		return ID{}, &Error{ID: strconv.Quote(s), Msg: "is not valid UTF-8"}
	}
	if s == "/" {
		return Root, nil
	}
	p := &parser{s: s}
	p.segs = strings.Split(s[1:], "/")
	p.offsets = make([]int, len(p.segs))
	off := 1
	for i, seg := range p.segs {
		p.offsets[i] = off
		off += len(seg) + 1
	}
	for i, seg := range p.segs {
		if seg == "" {
			return ID{}, p.fail(i, "is empty")
		}
		if r, bad := badRune(seg); bad {
			return ID{}, p.fail(i, quote(seg)+" contains "+strconv.QuoteRune(r))
		}
		if seg == "." || seg == ".." {
			return ID{}, p.fail(i, quote(seg)+" is not a name")
		}
	}
	id := ID{s: s, key: strings.ToLower(s), segs: p.segs, ascii: isASCII(s)}
	i := 0
	if strings.EqualFold(p.segs[0], "subscriptions") {
		if len(p.segs) < 2 {
			return ID{}, p.fail(1, quote(p.segs[0])+" needs a subscription id")
		}
		i = 2
		if i < len(p.segs) && strings.EqualFold(p.segs[i], "resourceGroups") {
			if i+1 >= len(p.segs) {
				return ID{}, p.fail(i, quote(p.segs[i])+" needs a name")
			}
			i += 2
		}
	}
	for i < len(p.segs) {
		g, err := p.group(i)
		if err != nil {
			return ID{}, err
		}
		id.groups = append(id.groups, g)
		i = g.end
	}
	id.kind = kindOf(id.segs, id.groups)
	return id, nil
}

// group parses one "providers/{ns}/{type}/{name}[/{type}/{name}]*" run
// starting at segment i.
func (p *parser) group(i int) (group, error) {
	if !strings.EqualFold(p.segs[i], "providers") {
		want := "'providers'"
		if i == 0 {
			want = "'subscriptions' or 'providers'"
		} else if i == 2 && strings.EqualFold(p.segs[0], "subscriptions") {
			want = "'resourceGroups' or 'providers'"
		}
		return group{}, p.fail(i, quote(p.segs[i])+": expected "+want)
	}
	if i+1 >= len(p.segs) {
		return group{}, p.fail(i+1, "'providers' needs a namespace")
	}
	if err := checkNamespace(p.segs[i+1]); err != "" {
		return group{}, p.fail(i+1, "namespace "+quote(p.segs[i+1])+" "+err)
	}
	j := i + 2
	for {
		if j >= len(p.segs) {
			if j == i+2 {
				return group{}, p.fail(j, "namespace "+quote(p.segs[i+1])+" needs a resource type")
			}
			break
		}
		if j > i+2 && strings.EqualFold(p.segs[j], "providers") {
			break // an extension resource starts here
		}
		if err := checkType(p.segs[j]); err != "" {
			return group{}, p.fail(j, "type "+quote(p.segs[j])+" "+err)
		}
		if j+1 >= len(p.segs) {
			return group{}, p.fail(j, "type "+quote(p.segs[j])+" needs a name")
		}
		j += 2
	}
	return group{start: i, end: j}, nil
}

// badRune finds a character no id segment may hold.
func badRune(seg string) (rune, bool) {
	for _, r := range seg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '?' || r == '#' || r == '\\' {
			return r, true
		}
	}
	return 0, false
}

// checkNamespace accepts "Microsoft.Storage", "Palisade.Identity",
// "84codes.CloudAMQP": dot-separated runs of letters, digits, '-' and '_'.
func checkNamespace(ns string) string {
	for _, part := range strings.Split(ns, ".") {
		if part == "" {
			return "has an empty part"
		}
		for _, r := range part {
			if !isASCIIAlnum(r) && r != '-' && r != '_' {
				return "contains " + strconv.QuoteRune(r)
			}
		}
	}
	return ""
}

// checkType accepts a resource type segment: ASCII letters, digits, '-'
// and '_'.
func checkType(t string) string {
	for _, r := range t {
		if !isASCIIAlnum(r) && r != '-' && r != '_' {
			return "contains " + strconv.QuoteRune(r)
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func quote(s string) string { return "'" + s + "'" }

func itoa(n int) string { return strconv.Itoa(n) }
