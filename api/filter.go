package api

import (
	"fmt"
	"net/http"
	"strings"
)

// Filter is a parsed $filter of the resource and resource-group lists.
// ARM accepts a small OData subset there
// (https://learn.microsoft.com/rest/api/resources/resources/list):
// "<field> eq '<value>'" clauses joined by "and", for the fields
// resourceType, location, resourceGroup, name, tagName and tagValue,
// substringof('<text>', name), substringof('<text>', resourceGroup) and
// startswith(tagName, '<prefix>').
type Filter struct {
	ResourceType  string
	Location      string
	ResourceGroup string
	Name          string
	NameContains  string
	// ResourceGroupContains is the text of substringof('…', resourceGroup).
	ResourceGroupContains string
	TagName               string
	// TagNamePrefix is the prefix of startswith(tagName, '…'): documents
	// with a tag whose name starts with it (ignoring case) are kept.
	TagNamePrefix string
	TagValue      string
	// hasTagValue distinguishes tagValue eq '' from no tagValue clause.
	HasTagValue bool
}

// ParseFilter parses a $filter expression; the empty string is the empty
// filter. Errors are *Error values with ARM's InvalidFilterInQueryString.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	p := &filterLexer{s: s}
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	for {
		if err := p.clause(&f); err != nil {
			return Filter{}, err
		}
		p.space()
		if p.eof() {
			break
		}
		if !p.keyword("and") {
			return Filter{}, p.errorf("expected 'and'")
		}
	}
	if f.HasTagValue && f.TagName == "" {
		return Filter{}, filterError(s, "tagValue can only be used together with tagName")
	}
	return f, nil
}

// hasTagPrefix reports whether tags hold a name starting with prefix,
// ignoring case (tag names compare case-insensitively in ARM).
func hasTagPrefix(tags map[string]string, prefix string) bool {
	for k := range tags {
		if len(k) >= len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

type filterLexer struct {
	s   string
	pos int
}

func (p *filterLexer) eof() bool { return p.pos >= len(p.s) }

func (p *filterLexer) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *filterLexer) errorf(format string, args ...any) error {
	return filterError(p.s, fmt.Sprintf(format, args...)+fmt.Sprintf(" at position %d", p.pos))
}

func filterError(s, why string) error {
	return Errorf(http.StatusBadRequest, CodeInvalidFilter, "Invalid $filter '%s' specified in the query string: %s.", s, why)
}

// keyword consumes word (case-insensitive) followed by a space or "(".
func (p *filterLexer) keyword(word string) bool {
	p.space()
	end := p.pos + len(word)
	if end > len(p.s) || !strings.EqualFold(p.s[p.pos:end], word) {
		return false
	}
	if end < len(p.s) && p.s[end] != ' ' && p.s[end] != '(' && p.s[end] != '\t' {
		return false
	}
	p.pos = end
	return true
}

func (p *filterLexer) ident() string {
	p.space()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '/') {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *filterLexer) punct(c byte) bool {
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// literal reads an OData string literal: '…' with ” standing for '.
func (p *filterLexer) literal() (string, error) {
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != '\'' {
		return "", p.errorf("expected a quoted string")
	}
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		if c == '\'' {
			if p.pos < len(p.s) && p.s[p.pos] == '\'' {
				b.WriteByte('\'')
				p.pos++
				continue
			}
			return b.String(), nil
		}
		b.WriteByte(c)
	}
	return "", p.errorf("unterminated string")
}

func (p *filterLexer) clause(f *Filter) error {
	start := p.pos
	field := p.ident()
	if field == "" {
		return p.errorf("expected a field name")
	}
	if strings.EqualFold(field, "substringof") {
		if !p.punct('(') {
			return p.errorf("expected '('")
		}
		v, err := p.literal()
		if err != nil {
			return err
		}
		if !p.punct(',') {
			return p.errorf("expected ','")
		}
		arg := p.ident()
		switch {
		case strings.EqualFold(arg, "name"):
			f.NameContains = v
		case strings.EqualFold(arg, "resourceGroup"):
			f.ResourceGroupContains = v
		default:
			return p.errorf("substringof supports only the fields 'name' and 'resourceGroup'")
		}
		if !p.punct(')') {
			return p.errorf("expected ')'")
		}
		return nil
	}
	if strings.EqualFold(field, "startswith") {
		if !p.punct('(') {
			return p.errorf("expected '('")
		}
		if arg := p.ident(); !strings.EqualFold(arg, "tagName") {
			return p.errorf("startswith supports only the field 'tagName'")
		}
		if !p.punct(',') {
			return p.errorf("expected ','")
		}
		v, err := p.literal()
		if err != nil {
			return err
		}
		if !p.punct(')') {
			return p.errorf("expected ')'")
		}
		f.TagNamePrefix = v
		return nil
	}
	if !p.keyword("eq") {
		return p.errorf("expected 'eq' after '%s'", field)
	}
	v, err := p.literal()
	if err != nil {
		return err
	}
	switch strings.ToLower(field) {
	case "resourcetype":
		f.ResourceType = v
	case "location":
		f.Location = v
	case "resourcegroup":
		f.ResourceGroup = v
	case "name":
		f.Name = v
	case "tagname":
		f.TagName = v
	case "tagvalue":
		f.TagValue, f.HasTagValue = v, true
	default:
		p.pos = start
		return p.errorf("the field '%s' is not supported", field)
	}
	return nil
}
