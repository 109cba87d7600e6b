package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/store"
)

// Filter is a parsed $filter of the resource and resource-group lists.
// ARM accepts a small OData subset there
// (https://learn.microsoft.com/rest/api/resources/resources/list):
// "<field> eq '<value>'" clauses for the fields resourceType, location,
// resourceGroup, name, tagName and tagValue, substringof('<text>', name),
// substringof('<text>', resourceGroup) and startswith(tagName, '<prefix>'),
// joined by "and" and "or" ("You can link more than one substringof
// together by adding and/or operators", and substringof with resourceType),
// with parentheses to group; "and" binds tighter than "or".
//
// A Filter without Or is one conjunction: every field set must hold. With
// Or it is the disjunction of those conjunctions (each without an Or of its
// own) and its other fields are empty; an empty, non-nil Or matches nothing.
type Filter struct {
	ResourceType  string
	Location      string
	ResourceGroup string
	Name          string
	// NameContains and ResourceGroupContains are the texts of
	// substringof('…', name) and substringof('…', resourceGroup); each must
	// be found (ignoring case).
	NameContains          []string
	ResourceGroupContains []string
	TagName               string
	// TagNamePrefix is the prefix of startswith(tagName, '…'): documents
	// with a tag whose name starts with it (ignoring case) are kept.
	TagNamePrefix string
	TagValue      string
	// HasTagValue distinguishes tagValue eq '' from no tagValue clause.
	HasTagValue bool
	// Or holds the alternatives of a filter that uses "or".
	Or []Filter
	// impossible marks a conjunction that cannot hold: two of its clauses
	// ask for different values of one field.
	impossible bool
}

// maxFilterTerms bounds the alternatives a filter may expand to once its
// parentheses are distributed, so that a short $filter cannot ask for an
// exponential amount of work.
const maxFilterTerms = 64

// ParseFilter parses a $filter expression; the empty string is the empty
// filter. Errors are *Error values with ARM's InvalidFilterInQueryString.
func ParseFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return Filter{}, nil
	}
	p := &filterLexer{s: s}
	terms, err := p.or()
	if err != nil {
		return Filter{}, err
	}
	p.space()
	if !p.eof() {
		return Filter{}, p.errorf("expected 'and' or 'or'")
	}
	for i := range terms {
		if terms[i].HasTagValue && terms[i].TagName == "" {
			return Filter{}, filterError(s, "tagValue can only be used together with tagName")
		}
	}
	live := terms[:0]
	for _, t := range terms {
		if !t.never() {
			live = append(live, t)
		}
	}
	if len(live) == 1 && len(terms) == 1 {
		return live[0], nil
	}
	return Filter{Or: live}, nil
}

// Alternatives lists the conjunctions the filter is the disjunction of:
// the filter itself when it has no "or".
func (f *Filter) Alternatives() []Filter {
	if f.Or != nil {
		return f.Or
	}
	return []Filter{*f}
}

// OmitsTags reports whether the list's items leave out their tags: ARM does
// so when the list is filtered by a tag name and value (Resources_List's
// $filter description in Azure/azure-rest-api-specs resources.json).
func (f *Filter) OmitsTags() bool {
	alts := f.Alternatives()
	for _, a := range alts {
		if !a.HasTagValue {
			return false
		}
	}
	return len(alts) > 0
}

// Matches reports whether a document satisfies the conjunction f (f has no
// Or), comparing as ARM does: names, types, groups and tag names ignoring
// case, tag values exactly, locations in their normalised form.
func (f *Filter) Matches(d *store.Document) bool {
	switch {
	case f.ResourceType != "" && !strings.EqualFold(d.Type, f.ResourceType),
		f.Location != "" && !strings.EqualFold(d.Location, store.NormalizeLocation(f.Location)),
		f.ResourceGroup != "" && !strings.EqualFold(d.ResourceGroup, f.ResourceGroup),
		f.Name != "" && !strings.EqualFold(d.Name, f.Name),
		f.TagNamePrefix != "" && !hasTagPrefix(d.Tags, f.TagNamePrefix):
		return false
	}
	for _, c := range f.NameContains {
		if !strings.Contains(strings.ToLower(d.Name), strings.ToLower(c)) {
			return false
		}
	}
	for _, c := range f.ResourceGroupContains {
		if !strings.Contains(strings.ToLower(d.ResourceGroup), strings.ToLower(c)) {
			return false
		}
	}
	if f.TagName != "" {
		found := false
		for k, v := range d.Tags {
			if strings.EqualFold(k, f.TagName) && (!f.HasTagValue || v == f.TagValue) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// never reports whether the conjunction cannot hold.
func (f *Filter) never() bool { return f.impossible }

// and merges two conjunctions; a field asked for two different values makes
// the result one that never holds.
func and(a, b Filter) Filter {
	if a.never() || b.never() {
		return Filter{impossible: true}
	}
	out := a
	conflict := false
	one := func(dst *string, v string, fold bool) {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		case fold && !strings.EqualFold(*dst, v), !fold && *dst != v:
			conflict = true
		}
	}
	one(&out.ResourceType, b.ResourceType, true)
	one(&out.Location, b.Location, true)
	one(&out.ResourceGroup, b.ResourceGroup, true)
	one(&out.Name, b.Name, true)
	one(&out.TagName, b.TagName, true)
	one(&out.TagNamePrefix, b.TagNamePrefix, true)
	if b.HasTagValue {
		if out.HasTagValue && out.TagValue != b.TagValue {
			conflict = true
		}
		out.TagValue, out.HasTagValue = b.TagValue, true
	}
	out.NameContains = append(append([]string(nil), a.NameContains...), b.NameContains...)
	out.ResourceGroupContains = append(append([]string(nil), a.ResourceGroupContains...), b.ResourceGroupContains...)
	if conflict {
		return Filter{impossible: true}
	}
	return out
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
	s     string
	pos   int
	depth int // parentheses open
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

// or parses alternatives joined by "or" into their conjunctions.
func (p *filterLexer) or() ([]Filter, error) {
	terms, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		more, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, more...)
		if len(terms) > maxFilterTerms {
			return nil, p.errorf("the filter has more than %d alternatives", maxFilterTerms)
		}
	}
	return terms, nil
}

// and parses units joined by "and", distributing over the alternatives of
// parenthesised groups.
func (p *filterLexer) and() ([]Filter, error) {
	terms, err := p.unit()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		more, err := p.unit()
		if err != nil {
			return nil, err
		}
		if len(terms)*len(more) > maxFilterTerms {
			return nil, p.errorf("the filter has more than %d alternatives", maxFilterTerms)
		}
		var out []Filter
		for _, a := range terms {
			for _, b := range more {
				out = append(out, and(a, b))
			}
		}
		terms = out
	}
	return terms, nil
}

// unit parses a clause or a parenthesised filter.
func (p *filterLexer) unit() ([]Filter, error) {
	if p.punct('(') {
		p.depth++
		if p.depth > 16 {
			return nil, p.errorf("parentheses nest too deeply")
		}
		terms, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.punct(')') {
			return nil, p.errorf("expected ')'")
		}
		p.depth--
		return terms, nil
	}
	var f Filter
	if err := p.clause(&f); err != nil {
		return nil, err
	}
	return []Filter{f}, nil
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
			f.NameContains = append(f.NameContains, v)
		case strings.EqualFold(arg, "resourceGroup"):
			f.ResourceGroupContains = append(f.ResourceGroupContains, v)
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
