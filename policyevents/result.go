package policyevents

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Run filters the records, applies $apply, orders the rows and caps them at
// $top. Without $orderby, records come newest first and groups in the order
// they first appear.
func (q *Query) Run(records []Record) []Record {
	rows := make([]Record, 0, len(records))
	for _, r := range records {
		if q.Filter.Match(r) {
			rows = append(rows, r)
		}
	}
	if q.Apply != nil {
		rows = q.Apply.run(rows)
	} else {
		sort.SliceStable(rows, func(i, j int) bool {
			return compareValues(rows[i]["timestamp"], rows[j]["timestamp"]) > 0
		})
	}
	if len(q.OrderBy) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for _, k := range q.OrderBy {
				c := compareValues(rows[i][k.Column], rows[j][k.Column])
				if c == 0 {
					continue
				}
				if k.Asc {
					return c < 0
				}
				return c > 0
			}
			return false
		})
	}
	if q.Top >= 0 && len(rows) > q.Top {
		rows = rows[:q.Top]
	}
	return rows
}

func (a *Apply) run(rows []Record) []Record {
	if len(a.GroupBy) == 0 {
		r := Record{}
		if a.CountAs != "" {
			r[a.CountAs] = len(rows)
		}
		return []Record{r}
	}
	var out []Record
	index := map[string]Record{}
	for _, r := range rows {
		var key strings.Builder
		for _, g := range a.GroupBy {
			v, _ := json.Marshal(normalized(r[g]))
			key.Write(v)
			key.WriteByte(0)
		}
		g, ok := index[key.String()]
		if !ok {
			g = Record{}
			for _, c := range a.GroupBy {
				g[c] = r[c]
			}
			if a.CountAs != "" {
				g[a.CountAs] = 0
			}
			index[key.String()] = g
			out = append(out, g)
		}
		if a.CountAs != "" {
			g[a.CountAs] = g[a.CountAs].(int) + 1
		}
	}
	return out
}

// normalized is the grouping key of a value: strings group ignoring case,
// as they compare in filters.
func normalized(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return v
}

// compareValues orders values: null first, then booleans (false before
// true), numbers, and strings ignoring case.
func compareValues(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int:
		return x - b.(int)
	case string:
		y := b.(string)
		if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	}
	return 0
}

func rank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int:
		return 2
	}
	return 3
}

// Page cuts the page that starts at q.Offset out of rows: at most size
// rows, and the offset of the next page (0 when this page is the last).
func (q *Query) Page(rows []Record, size int) ([]Record, int) {
	if q.Offset >= len(rows) {
		return nil, 0
	}
	end := q.Offset + size
	if size <= 0 || end >= len(rows) {
		return rows[q.Offset:], 0
	}
	return rows[q.Offset:end], end
}

// columns are the columns a row is written with, in order.
func (q *Query) columns() []string {
	if len(q.Select) > 0 {
		return q.Select
	}
	if q.Apply != nil {
		cols := append([]string(nil), q.Apply.GroupBy...)
		if q.Apply.CountAs != "" {
			cols = append(cols, q.Apply.CountAs)
		}
		return cols
	}
	cols := make([]string, len(Fields))
	for i, f := range Fields {
		cols[i] = f.Name
	}
	return cols
}

// Body writes the PolicyEventsQueryResults envelope of a page:
// @odata.context (metadataURL + "#default"), @odata.count (the rows of
// this page), @odata.nextLink when there is a next page, and value, each
// row with @odata.id (null) and @odata.context before its columns.
func (q *Query) Body(page []Record, metadataURL, nextLink string) []byte {
	var b bytes.Buffer
	ctx, _ := json.Marshal(metadataURL + "#default")
	entity, _ := json.Marshal(metadataURL + "#default/$entity")
	b.WriteString(`{"@odata.context":`)
	b.Write(ctx)
	b.WriteString(`,"@odata.count":`)
	b.WriteString(itoa(len(page)))
	if nextLink != "" {
		l, _ := json.Marshal(nextLink)
		b.WriteString(`,"@odata.nextLink":`)
		b.Write(l)
	}
	b.WriteString(`,"value":[`)
	cols := q.columns()
	for i, r := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"@odata.id":null,"@odata.context":`)
		b.Write(entity)
		for _, c := range cols {
			k, _ := json.Marshal(c)
			v, _ := json.Marshal(r[c])
			b.WriteByte(',')
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes()
}

func itoa(n int) string {
	v, _ := json.Marshal(n)
	return string(v)
}

// NextLink is the URL of the page at offset next: selfURL with the
// request's query options, $from and $to fixed to the window this query
// read (so that later pages read the same events even when $to defaulted
// to the request time), and $skiptoken.
func (q *Query) NextLink(selfURL string, v url.Values, next int) string {
	out := url.Values{}
	for k, vals := range v {
		switch strings.ToLower(k) {
		case "$from", "$to", "$skiptoken":
			continue
		}
		out[k] = vals
	}
	out.Set("$from", q.From.Format(time.RFC3339Nano))
	out.Set("$to", q.To.Format(time.RFC3339Nano))
	out.Set("$skiptoken", SkipToken(next))
	// Encode escapes "$" as %24, which clients decode; keep the query
	// readable.
	return selfURL + "?" + strings.ReplaceAll(out.Encode(), "%24", "$")
}
