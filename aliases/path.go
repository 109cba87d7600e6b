package aliases

import (
	"fmt"
	"strings"
)

// Segment is one step of a JSON path: a property name, or every element of
// an array ([*]) when Wildcard is set (Name is then empty).
type Segment struct {
	Name     string
	Wildcard bool
}

// Path is a JSON path into a resource, such as properties.networkAcls.ipRules[*].action.
// Paths handed out by a Catalog are shared: callers must not modify them.
type Path []Segment

// PathError reports where and why a path or alias failed to parse.
// Offset is the byte offset in Input of the offending character.
type PathError struct {
	Input  string
	Offset int
	Msg    string
}

// Error names the offset so that a user can find the mistake in a long field name.
func (e *PathError) Error() string {
	return fmt.Sprintf("path %q: offset %d: %s", e.Input, e.Offset, e.Msg)
}

// ParsePath parses a JSON path as written in aliases and policy fields:
// dot-separated names ("properties.networkAcls.ipRules"), [*] for every element
// of an array, and bracketed names for keys with punctuation: ['a.b'] (a
// single quote inside is written twice) or the unquoted form [a.b] Azure
// accepts for tags.
// A name written after a dot runs to the next '.', '[' or ']'.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, &PathError{Input: s, Offset: 0, Msg: "empty path"}
	}
	var p Path
	i := 0
	for i < len(s) {
		switch s[i] {
		case '[':
			seg, next, err := parseBracket(s, i)
			if err != nil {
				return nil, err
			}
			p = append(p, seg)
			i = next
		case '.':
			if len(p) == 0 {
				return nil, &PathError{Input: s, Offset: i, Msg: "path starts with '.'"}
			}
			i++
			if i == len(s) {
				return nil, &PathError{Input: s, Offset: i, Msg: "path ends with '.'"}
			}
			if s[i] == '.' || s[i] == '[' || s[i] == ']' {
				return nil, &PathError{Input: s, Offset: i, Msg: fmt.Sprintf("expected a name after '.', found %q", s[i])}
			}
			name, next := scanName(s, i)
			p = append(p, Segment{Name: name})
			i = next
		case ']':
			return nil, &PathError{Input: s, Offset: i, Msg: "unexpected ']'"}
		default:
			if len(p) != 0 {
				return nil, &PathError{Input: s, Offset: i, Msg: "expected '.' or '[' between segments"}
			}
			name, next := scanName(s, i)
			p = append(p, Segment{Name: name})
			i = next
		}
	}
	return p, nil
}

// scanName reads an unbracketed name starting at i and returns it with the
// offset just past it.
func scanName(s string, i int) (string, int) {
	j := i
	for j < len(s) && s[j] != '.' && s[j] != '[' && s[j] != ']' {
		j++
	}
	return s[i:j], j
}

// parseBracket reads a bracketed segment starting at the '[' at offset i:
// [*], ['quoted name'] or [unquoted name]. It returns the offset after ']'.
func parseBracket(s string, i int) (Segment, int, error) {
	j := i + 1
	if j >= len(s) {
		return Segment{}, 0, &PathError{Input: s, Offset: i, Msg: "unterminated '['"}
	}
	switch s[j] {
	case '*':
		if j+1 < len(s) && s[j+1] == ']' {
			return Segment{Wildcard: true}, j + 2, nil
		}
	case '\'':
		var b strings.Builder
		for k := j + 1; k < len(s); k++ {
			if s[k] != '\'' {
				b.WriteByte(s[k])
				continue
			}
			if k+1 < len(s) && s[k+1] == '\'' {
				b.WriteByte('\'')
				k++
				continue
			}
			// Closing quote: a ']' must follow.
			if k+1 >= len(s) || s[k+1] != ']' {
				return Segment{}, 0, &PathError{Input: s, Offset: k + 1, Msg: "expected ']' after closing quote"}
			}
			if b.Len() == 0 {
				return Segment{}, 0, &PathError{Input: s, Offset: j, Msg: "empty name in brackets"}
			}
			return Segment{Name: b.String()}, k + 2, nil
		}
		return Segment{}, 0, &PathError{Input: s, Offset: j, Msg: "unterminated quoted name"}
	}
	k := j
	for k < len(s) && s[k] != ']' {
		if s[k] == '[' {
			return Segment{}, 0, &PathError{Input: s, Offset: k, Msg: "'[' inside brackets"}
		}
		k++
	}
	if k >= len(s) {
		return Segment{}, 0, &PathError{Input: s, Offset: i, Msg: "unterminated '['"}
	}
	if k == j {
		return Segment{}, 0, &PathError{Input: s, Offset: j, Msg: "empty name in brackets"}
	}
	return Segment{Name: s[j:k]}, k + 1, nil
}

// plainName reports whether a name can be written after a dot without brackets
// and read back unchanged.
func plainName(name string) bool {
	if name == "" || name == "*" {
		return false
	}
	return !strings.ContainsAny(name, ".[]' \t\r\n")
}

// String writes the path back in the syntax ParsePath reads: dotted names where
// possible, ['...'] for names with punctuation, [*] for wildcards.
func (p Path) String() string {
	var b strings.Builder
	for i, seg := range p {
		switch {
		case seg.Wildcard:
			b.WriteString("[*]")
		case plainName(seg.Name):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg.Name)
		default:
			b.WriteString("['")
			b.WriteString(strings.ReplaceAll(seg.Name, "'", "''"))
			b.WriteString("']")
		}
	}
	return b.String()
}

// HasWildcard reports whether any segment is [*], which makes the path select
// a collection of values rather than one value.
func (p Path) HasWildcard() bool {
	for _, seg := range p {
		if seg.Wildcard {
			return true
		}
	}
	return false
}

// EndsWithWildcard reports whether the last segment is [*] (the path selects
// the array's members themselves, as count.field requires).
func (p Path) EndsWithWildcard() bool {
	return len(p) > 0 && p[len(p)-1].Wildcard
}

// Equal reports whether two paths have the same segments, names compared exactly.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// EqualFold reports whether two paths have the same segments with names
// compared case-insensitively, as ARM compares property names.
func (p Path) EqualFold(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i].Wildcard != q[i].Wildcard || !strings.EqualFold(p[i].Name, q[i].Name) {
			return false
		}
	}
	return true
}
