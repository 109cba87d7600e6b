package policyevents

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error is a refusal of a query: the HTTP status, error code and message
// to answer with.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes of refused queries.
const (
	CodeBadRequest       = "BadRequest"
	CodeInvalidSkipToken = "InvalidSkipToken"
)

func badRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// DefaultWindow is how far before $to the query reaches when $from is not
// given.
const DefaultWindow = 24 * time.Hour

// OrderKey is one term of $orderby.
type OrderKey struct {
	Column string
	Asc    bool
}

// Apply is a supported $apply: groupby((columns…)), optionally with
// aggregate($count as Alias), or aggregate($count as Alias) alone.
type Apply struct {
	GroupBy []string
	// CountAs names the count column; empty without aggregate.
	CountAs string
}

// Query is a parsed set of query options.
type Query struct {
	// From and To bound the event time, both inclusive.
	From, To time.Time
	// Top caps the number of rows; negative means no cap.
	Top     int
	Filter  *Filter
	Apply   *Apply
	OrderBy []OrderKey
	// Select lists the columns to keep, in order; empty keeps all.
	Select []string
	// Offset is the number of rows the pages before this one held
	// ($skiptoken).
	Offset int
}

// queryParam returns the value of a query option, its name compared
// ignoring case ($skiptoken arrives as $skipToken in the service's own
// links).
func queryParam(v url.Values, name string) (string, bool) {
	for k, vals := range v {
		if strings.EqualFold(k, name) && len(vals) > 0 {
			return vals[0], true
		}
	}
	return "", false
}

// Parse reads the query options of a request. now is the request time,
// $to when it is not given. A refusal is an *Error.
func Parse(v url.Values, now time.Time) (*Query, error) {
	q := &Query{Top: -1}
	q.To = now.UTC()
	if s, ok := queryParam(v, "$to"); ok {
		t, err := parseTime(s)
		if err != nil {
			return nil, badRequest("The $to value '%s' is not an ISO 8601 date and time, for example 2024-05-01T00:00:00Z.", s)
		}
		q.To = t
	}
	q.From = q.To.Add(-DefaultWindow)
	if s, ok := queryParam(v, "$from"); ok {
		t, err := parseTime(s)
		if err != nil {
			return nil, badRequest("The $from value '%s' is not an ISO 8601 date and time, for example 2024-05-01T00:00:00Z.", s)
		}
		q.From = t
	}
	if q.From.After(q.To) {
		return nil, badRequest("The $from value (%s) is later than the $to value (%s).", q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano))
	}
	if s, ok := queryParam(v, "$top"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return nil, badRequest("The $top value '%s' is not a whole number of zero or more.", s)
		}
		q.Top = n
	}
	if s, ok := queryParam(v, "$filter"); ok {
		f, err := ParseFilter(s)
		if err != nil {
			return nil, badRequest("The $filter '%s' is not supported: %s.", s, err)
		}
		q.Filter = f
	}
	if s, ok := queryParam(v, "$apply"); ok && strings.TrimSpace(s) != "" {
		a, err := parseApply(s)
		if err != nil {
			return nil, badRequest("The $apply '%s' is not supported: %s. Supported are groupby((column, …)), groupby((column, …), aggregate($count as Name)) and aggregate($count as Name).", s, err)
		}
		q.Apply = a
	}
	if s, ok := queryParam(v, "$orderby"); ok && strings.TrimSpace(s) != "" {
		keys, err := q.parseOrderBy(s)
		if err != nil {
			return nil, badRequest("The $orderby '%s' is not valid: %s.", s, err)
		}
		q.OrderBy = keys
	}
	if s, ok := queryParam(v, "$select"); ok && strings.TrimSpace(s) != "" {
		cols, err := q.parseSelect(s)
		if err != nil {
			return nil, badRequest("The $select '%s' is not valid: %s.", s, err)
		}
		q.Select = cols
	}
	if s, ok := queryParam(v, "$expand"); ok && strings.TrimSpace(s) != "" {
		return nil, badRequest("The $expand '%s' is not supported: policy events here have no components.", s)
	}
	if s, ok := queryParam(v, "$skiptoken"); ok && s != "" {
		n, err := decodeSkipToken(s)
		if err != nil {
			return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidSkipToken, Message: fmt.Sprintf("The $skiptoken '%s' is invalid.", s)}
		}
		q.Offset = n
	}
	return q, nil
}

// parseTime reads an ISO 8601 time: RFC 3339, or without a zone (UTC), or
// a date alone (its midnight UTC).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 time: %q", s)
}

var (
	aliasRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	aggregateRE = regexp.MustCompile(`(?i)^aggregate\(\s*\$count\s+as\s+([^\s()]+)\s*\)$`)
	groupbyRE   = regexp.MustCompile(`(?i)^groupby\(\s*\(([^()]*)\)\s*(?:,\s*(aggregate\(.*\)))?\s*\)$`)
)

func parseApply(s string) (*Apply, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		return nil, fmt.Errorf("chained transformations ('/') are not supported")
	}
	if m := aggregateRE.FindStringSubmatch(s); m != nil {
		alias, err := countAlias(m[1])
		if err != nil {
			return nil, err
		}
		return &Apply{CountAs: alias}, nil
	}
	m := groupbyRE.FindStringSubmatch(s)
	if m == nil {
		if strings.HasPrefix(strings.ToLower(s), "aggregate(") {
			return nil, fmt.Errorf("only the $count aggregate is supported")
		}
		return nil, fmt.Errorf("it is neither groupby nor aggregate($count as Name)")
	}
	a := &Apply{}
	seen := map[string]bool{}
	for _, c := range strings.Split(m[1], ",") {
		f, ok := lookupField(c)
		if !ok {
			return nil, fmt.Errorf("'%s' is not a field of policy events", strings.TrimSpace(c))
		}
		if !seen[f.Name] {
			seen[f.Name] = true
			a.GroupBy = append(a.GroupBy, f.Name)
		}
	}
	if m[2] != "" {
		am := aggregateRE.FindStringSubmatch(m[2])
		if am == nil {
			return nil, fmt.Errorf("only the $count aggregate is supported")
		}
		alias, err := countAlias(am[1])
		if err != nil {
			return nil, err
		}
		a.CountAs = alias
	}
	return a, nil
}

func countAlias(s string) (string, error) {
	if !aliasRE.MatchString(s) {
		return "", fmt.Errorf("'%s' is not a valid name for the count", s)
	}
	if _, ok := lookupField(s); ok {
		return "", fmt.Errorf("the count cannot be named '%s', a field of policy events", s)
	}
	return s, nil
}

// column resolves a column name of $orderby or $select: a field of the
// records, or with $apply one of its group columns or its count.
func (q *Query) column(name string) (string, error) {
	name = strings.TrimSpace(name)
	if q.Apply != nil {
		if q.Apply.CountAs != "" && strings.EqualFold(name, q.Apply.CountAs) {
			return q.Apply.CountAs, nil
		}
		for _, g := range q.Apply.GroupBy {
			if strings.EqualFold(name, g) {
				return g, nil
			}
		}
		return "", fmt.Errorf("'%s' is not a column of the $apply result", name)
	}
	f, ok := lookupField(name)
	if !ok {
		return "", fmt.Errorf("'%s' is not a field of policy events", name)
	}
	return f.Name, nil
}

// parseOrderBy reads "col [asc|desc], …"; desc is the default.
func (q *Query) parseOrderBy(s string) ([]OrderKey, error) {
	var keys []OrderKey
	for _, term := range strings.Split(s, ",") {
		parts := strings.Fields(term)
		if len(parts) == 0 || len(parts) > 2 {
			return nil, fmt.Errorf("'%s' is not a column with an optional asc or desc", strings.TrimSpace(term))
		}
		col, err := q.column(parts[0])
		if err != nil {
			return nil, err
		}
		k := OrderKey{Column: col}
		if len(parts) == 2 {
			switch strings.ToLower(parts[1]) {
			case "asc":
				k.Asc = true
			case "desc":
			default:
				return nil, fmt.Errorf("'%s' is neither asc nor desc", parts[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (q *Query) parseSelect(s string) ([]string, error) {
	var cols []string
	seen := map[string]bool{}
	for _, c := range strings.Split(s, ",") {
		col, err := q.column(c)
		if err != nil {
			return nil, err
		}
		if !seen[col] {
			seen[col] = true
			cols = append(cols, col)
		}
	}
	return cols, nil
}

const skipTokenPrefix = "o:"

// SkipToken encodes the offset of the next page.
func SkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(skipTokenPrefix + strconv.Itoa(offset)))
}

func decodeSkipToken(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), skipTokenPrefix)
	if !ok {
		return 0, fmt.Errorf("bad token")
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad token")
	}
	return n, nil
}
