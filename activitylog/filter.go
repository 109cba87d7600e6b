package activitylog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/palisade/palisade/store"
)

// Filter is a parsed $filter of the activity-log list API. The API allows
// only a conjunction of simple clauses:
//
//	eventTimestamp ge '<start>' [and eventTimestamp le '<end>']
//	  [and resourceGroupName eq '<rg>'] [and resourceUri eq '<id>']
//	  [and resourceProvider eq '<namespace>'] [and correlationId eq '<id>']
//	  [and caller eq '<caller>'] [and status eq '<status>']
//	  [and levels eq '<level>,<level>'] [and category eq '<category>']
//	  [and operationId eq '<id>'] [and eventChannels eq '<channel>, <channel>']
//
// in any order. Keywords and field names match ignoring case; values are
// single-quoted with ” standing for a quote (timestamps may be unquoted, as
// the Azure CLI sends them); every string comparison ignores case.
// resourceId is accepted for resourceUri (the Azure CLI sends it).
type Filter struct {
	// From is the start time (required); To the end time, zero for "now".
	From, To time.Time
	// ResourceGroup, ResourceID, Provider, CorrelationID, Caller, Status,
	// Category and OperationID must equal the event's, when set.
	ResourceGroup, ResourceID, Provider, CorrelationID, Caller, Status, Category, OperationID string
	// Levels keeps events of any of these levels.
	Levels []string
	// Channels keeps events sent to any of these channels.
	Channels []string
}

// FilterError reports a $filter the API does not accept, naming the
// offending clause.
type FilterError struct {
	// Clause is the clause (or text) at fault; empty when the whole filter
	// is.
	Clause string
	// Reason says what is wrong.
	Reason string
}

func (e *FilterError) Error() string {
	if e.Clause == "" {
		return "invalid $filter: " + e.Reason
	}
	return fmt.Sprintf("invalid $filter clause '%s': %s", e.Clause, e.Reason)
}

// token is a lexical unit of a filter: a bare word or a quoted string.
type token struct {
	text   string
	quoted bool
	start  int
	end    int
}

// lex splits a filter into words and quoted strings.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, &FilterError{Clause: s[i:], Reason: "the quoted value is not closed"}
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			toks = append(toks, token{text: b.String(), quoted: true, start: i, end: j + 1})
			i = j + 1
		case c == '(' || c == ')':
			return nil, &FilterError{Clause: s[i:], Reason: "parentheses are not supported; join clauses with 'and'"}
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r'()", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j], start: i, end: j})
			i = j
		}
	}
	return toks, nil
}

// ParseFilter parses the $filter of the activity-log list API. The error is
// a *FilterError.
func ParseFilter(s string) (*Filter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &FilterError{Reason: "the filter is empty; it must contain a start time (eventTimestamp ge '<time>')"}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	f := &Filter{}
	seen := map[string]bool{}
	for i := 0; i < len(toks); {
		if i > 0 {
			if toks[i].quoted || !strings.EqualFold(toks[i].text, "and") {
				return nil, &FilterError{Clause: clauseText(s, toks[i:]), Reason: "clauses must be joined with 'and' ('or' and 'not' are not supported)"}
			}
			i++
		}
		if i+3 > len(toks) {
			return nil, &FilterError{Clause: s[toks[min(i, len(toks)-1)].start:], Reason: "expected a clause of the form <field> <operator> '<value>'"}
		}
		field, op, val := toks[i], toks[i+1], toks[i+2]
		clause := s[field.start:val.end]
		if field.quoted || op.quoted {
			return nil, &FilterError{Clause: clause, Reason: "expected a clause of the form <field> <operator> '<value>'"}
		}
		if err := f.set(field.text, strings.ToLower(op.text), val, seen); err != nil {
			err.Clause = clause
			return nil, err
		}
		i += 3
	}
	if f.From.IsZero() {
		return nil, &FilterError{Reason: "a start time is required (eventTimestamp ge '<time>')"}
	}
	if !f.To.IsZero() && f.To.Before(f.From) {
		return nil, &FilterError{Reason: fmt.Sprintf("the end time %s is before the start time %s",
			f.To.Format(time.RFC3339Nano), f.From.Format(time.RFC3339Nano))}
	}
	return f, nil
}

// clauseText returns the text from the first token to the end of the next
// three tokens, for error messages.
func clauseText(s string, toks []token) string {
	end := toks[min(len(toks), 3)-1].end
	return s[toks[0].start:end]
}

// set applies one clause.
func (f *Filter) set(field, op string, val token, seen map[string]bool) *FilterError {
	name := strings.ToLower(field)
	if name == "resourceid" {
		name = "resourceuri"
	}
	if name == "eventtimestamp" {
		return f.setTime(op, val, seen)
	}
	target, known := f.stringField(name)
	if !known && name != "levels" && name != "eventchannels" {
		return &FilterError{Reason: fmt.Sprintf("the field '%s' cannot be filtered on; supported fields are eventTimestamp, resourceGroupName, resourceUri, resourceProvider, correlationId, caller, status, levels, category, operationId and eventChannels", field)}
	}
	if op != "eq" {
		return &FilterError{Reason: fmt.Sprintf("the operator '%s' is not supported for '%s'; use 'eq'", op, field)}
	}
	if !val.quoted {
		return &FilterError{Reason: "the value must be in single quotes"}
	}
	v := strings.TrimSpace(val.text)
	if v == "" {
		return &FilterError{Reason: "the value is empty"}
	}
	if seen[name] {
		return &FilterError{Reason: fmt.Sprintf("'%s' appears more than once", field)}
	}
	seen[name] = true
	switch name {
	case "levels":
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			i := slices.IndexFunc(Levels, func(l string) bool { return strings.EqualFold(l, part) })
			if i < 0 {
				return &FilterError{Reason: fmt.Sprintf("'%s' is not a level; levels are %s", part, strings.Join(Levels, ", "))}
			}
			f.Levels = append(f.Levels, Levels[i])
		}
	case "eventchannels":
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				f.Channels = append(f.Channels, part)
			}
		}
	default:
		*target = v
	}
	return nil
}

// stringField returns the Filter field a plain string clause sets.
func (f *Filter) stringField(name string) (*string, bool) {
	switch name {
	case "resourcegroupname":
		return &f.ResourceGroup, true
	case "resourceuri":
		return &f.ResourceID, true
	case "resourceprovider":
		return &f.Provider, true
	case "correlationid":
		return &f.CorrelationID, true
	case "caller":
		return &f.Caller, true
	case "status":
		return &f.Status, true
	case "category":
		return &f.Category, true
	case "operationid":
		return &f.OperationID, true
	}
	return nil, false
}

// setTime applies an eventTimestamp clause.
func (f *Filter) setTime(op string, val token, seen map[string]bool) *FilterError {
	t, err := parseTime(val.text)
	if err != nil {
		return &FilterError{Reason: err.Error()}
	}
	switch op {
	case "ge", "gt":
		if seen["start"] {
			return &FilterError{Reason: "the start time appears more than once"}
		}
		seen["start"] = true
		if op == "gt" {
			t = t.Add(time.Microsecond)
		}
		f.From = t
	case "le", "lt":
		if seen["end"] {
			return &FilterError{Reason: "the end time appears more than once"}
		}
		seen["end"] = true
		if op == "lt" {
			t = t.Add(-time.Microsecond)
		}
		f.To = t
	default:
		return &FilterError{Reason: fmt.Sprintf("the operator '%s' is not supported for eventTimestamp; use 'ge' and 'le'", op)}
	}
	return nil
}

// timeLayouts are the forms clients send: RFC 3339 (the SDKs, with up to
// seven fractional digits), Python's isoformat() without a zone (the Azure
// CLI, meaning UTC), offsets without a colon, and plain dates.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// parseTime reads a filter time; times without a zone are UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("'%s' is not a valid ISO 8601 date and time (for example 2024-05-01T00:00:00Z)", s)
}

// Query returns the store query for the filter over one subscription's
// events (or, with subscriptionID empty, the tenant's own events). now is
// the end time when the filter has none.
func (f *Filter) Query(subscriptionID, tenantID string, now time.Time) store.EventQuery {
	to := f.To
	if to.IsZero() {
		to = now.UTC()
	}
	return store.EventQuery{
		SubscriptionID: subscriptionID,
		TenantID:       tenantID,
		From:           f.From,
		To:             to,
		ResourceGroup:  f.ResourceGroup,
		ResourceID:     f.ResourceID,
		Provider:       f.Provider,
		CorrelationID:  f.CorrelationID,
		Caller:         f.Caller,
		Status:         f.Status,
		Levels:         f.Levels,
		Category:       f.Category,
	}
}

// needsBody reports whether the filter has clauses the store cannot apply
// (operationId, eventChannels), which are checked on each event's body.
func (f *Filter) needsBody() bool { return f.OperationID != "" || len(f.Channels) > 0 }

// matchesBody applies the clauses the store cannot.
func (f *Filter) matchesBody(operationID, channels string) bool {
	if f.OperationID != "" && !strings.EqualFold(f.OperationID, operationID) {
		return false
	}
	if len(f.Channels) > 0 {
		for _, c := range strings.Split(channels, ",") {
			if slices.ContainsFunc(f.Channels, func(w string) bool { return strings.EqualFold(w, strings.TrimSpace(c)) }) {
				return true
			}
		}
		return false
	}
	return true
}
