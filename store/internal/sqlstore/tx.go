package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/store"
)

// Tx implements store.Tx over a Conn.
type Tx struct {
	conn     Conn
	d        *Dialect
	now      time.Time
	writable bool
	changed  map[string]struct{}

	// Cache, when set, answers document reads before SQL does. Only a
	// backend whose cache is exact for this transaction sets it (the
	// SQLite writer, whose transactions see every commit).
	Cache DocLookup
	// written holds the documents this transaction wrote (nil for a
	// delete), for reads of its own writes and for the backend's cache.
	written map[string]*store.Document
}

// DocLookup answers document reads from memory.
type DocLookup interface {
	// Lookup returns the document with this lower-cased key, nil when it
	// does not exist; known is false when the cache cannot tell.
	Lookup(key string) (doc *store.Document, known bool)
}

// Written returns the documents the transaction wrote, by key, nil for
// the deleted ones.
func (t *Tx) Written() map[string]*store.Document { return t.written }

func (t *Tx) wrote(key string, d *store.Document) {
	if t.written == nil {
		t.written = make(map[string]*store.Document)
	}
	t.written[key] = d
}

// lookup answers a read of key from the transaction's own writes or its
// cache; known is false when SQL must answer.
func (t *Tx) lookup(key string) (*store.Document, bool) {
	if d, ok := t.written[key]; ok {
		return d, true
	}
	if t.Cache != nil {
		return t.Cache.Lookup(key)
	}
	return nil, false
}

// CloneDocument copies d so that a caller may change it without touching
// a cached copy (Body is shared: it is never modified in place).
func CloneDocument(d *store.Document) *store.Document {
	c := *d
	if d.Tags != nil {
		c.Tags = maps.Clone(d.Tags)
	}
	return &c
}

// NewTx wraps conn, an open database transaction. writable is false for
// View transactions.
func NewTx(conn Conn, d *Dialect, writable bool) *Tx {
	return &Tx{conn: conn, d: d, now: Now(), writable: writable}
}

// Now returns the current time as the store records it: UTC, truncated to
// microseconds, the precision both databases keep.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ChangedTypes lists the lower-cased types of the documents this
// transaction wrote or deleted, sorted; nil when none.
func (t *Tx) ChangedTypes() []string {
	if len(t.changed) == 0 {
		return nil
	}
	out := make([]string, 0, len(t.changed))
	for typ := range t.changed {
		out = append(out, typ)
	}
	slices.Sort(out)
	return out
}

func (t *Tx) touch(typ string) {
	if t.changed == nil {
		t.changed = make(map[string]struct{})
	}
	t.changed[typ] = struct{}{}
}

func (t *Tx) checkWritable(op string) error {
	if !t.writable {
		return fmt.Errorf("%s: %w", op, store.ErrReadOnly)
	}
	return nil
}

// Now implements store.Tx.
func (t *Tx) Now() time.Time { return t.now }

const (
	docColumns    = "key, id, type, parent_key, subscription_id, resource_group, name, location, tags, body, etag, created_at, updated_at"
	insertColumns = "key, id, type, parent_key, subscription_id, resource_group, name, location, tags, tag_index, body, etag, created_at, updated_at"
)

// scanDoc reads one row of docColumns.
func scanDoc(rows Rows) (*store.Document, error) {
	var (
		d                store.Document
		tags             string
		body             []byte
		created, updated int64
	)
	if err := rows.Scan(&d.Key, &d.ID, &d.Type, &d.ParentKey, &d.SubscriptionID, &d.ResourceGroup, &d.Name,
		&d.Location, &tags, &body, &d.ETag, &created, &updated); err != nil {
		return nil, fmt.Errorf("scan document: %w", err)
	}
	if tags != "" && tags != "null" {
		if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
			return nil, fmt.Errorf("decode tags of %s: %w", d.Key, err)
		}
	}
	d.Body = body
	d.CreatedAt = time.UnixMicro(created).UTC()
	d.UpdatedAt = time.UnixMicro(updated).UTC()
	return &d, nil
}

// queryDocs runs a query returning docColumns rows.
func (t *Tx) queryDocs(ctx context.Context, sql string, args ...any) ([]*store.Document, error) {
	rows, err := t.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *Tx) getDoc(ctx context.Context, key string, lock bool) (*store.Document, error) {
	key = strings.ToLower(key)
	if d, known := t.lookup(key); known {
		if d == nil {
			return nil, store.ErrNotFound
		}
		return CloneDocument(d), nil
	}
	a := &args{d: t.d}
	sql := "SELECT " + docColumns + " FROM documents WHERE key = " + a.add(key)
	if lock {
		sql += t.d.LockRow
	}
	ctx, err := keyed(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := t.queryDocs(ctx, sql, a.vals...)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, store.ErrNotFound
	}
	return docs[0], nil
}

// Get implements store.Tx.
func (t *Tx) Get(ctx context.Context, key string) (*store.Document, error) {
	d, err := t.getDoc(ctx, key, false)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return d, nil
}

// checkCondition applies If-Match / If-None-Match to the current document
// (nil when missing).
func checkCondition(cur *store.Document, cond store.Condition) error {
	if cond.IfMatch != "" {
		if cur == nil {
			return fmt.Errorf("if-match %q: document does not exist: %w", cond.IfMatch, store.ErrPreconditionFailed)
		}
		if cond.IfMatch != "*" && cond.IfMatch != cur.ETag {
			return fmt.Errorf("if-match %q: current etag is %q: %w", cond.IfMatch, cur.ETag, store.ErrPreconditionFailed)
		}
	}
	if cond.IfNoneMatch != "" && cur != nil {
		if cond.IfNoneMatch == "*" {
			return fmt.Errorf("if-none-match *: document exists: %w", store.ErrPreconditionFailed)
		}
		if cond.IfNoneMatch == cur.ETag {
			return fmt.Errorf("if-none-match %q: etag matches: %w", cond.IfNoneMatch, store.ErrPreconditionFailed)
		}
	}
	return nil
}

// prepare validates doc and returns a copy with the index fields
// normalised.
func prepare(doc *store.Document) (*store.Document, error) {
	if doc == nil || doc.ID == "" {
		return nil, fmt.Errorf("document without id: %w", store.ErrInvalid)
	}
	d := *doc
	key := strings.ToLower(d.ID)
	if d.Key == "" {
		d.Key = key
	} else if d.Key != key {
		return nil, fmt.Errorf("document key %q is not the lower-cased id %q: %w", d.Key, d.ID, store.ErrInvalid)
	}
	if len(d.Body) == 0 || !json.Valid(d.Body) {
		return nil, fmt.Errorf("document %s: body is not valid JSON: %w", d.ID, store.ErrInvalid)
	}
	if d.Type == "" {
		return nil, fmt.Errorf("document %s: empty type: %w", d.ID, store.ErrInvalid)
	}
	d.Type = strings.ToLower(d.Type)
	d.ParentKey = strings.ToLower(d.ParentKey)
	if d.ParentKey != "" && d.ParentKey != "/" && !strings.HasPrefix(d.Key, d.ParentKey+"/") {
		return nil, fmt.Errorf("document %s: parent %q is not a prefix of its id: %w", d.ID, d.ParentKey, store.ErrInvalid)
	}
	d.SubscriptionID = strings.ToLower(d.SubscriptionID)
	d.ResourceGroup = strings.ToLower(d.ResourceGroup)
	if d.SubscriptionID != "" {
		scope := "/subscriptions/" + d.SubscriptionID
		if d.ResourceGroup != "" {
			scope += "/resourcegroups/" + d.ResourceGroup
		}
		if d.Key != scope && !strings.HasPrefix(d.Key, scope+"/") {
			return nil, fmt.Errorf("document %s: subscription %q and resource group %q are not those of its id: %w",
				d.ID, d.SubscriptionID, d.ResourceGroup, store.ErrInvalid)
		}
	} else if d.ResourceGroup != "" {
		return nil, fmt.Errorf("document %s: resource group %q without a subscription: %w", d.ID, d.ResourceGroup, store.ErrInvalid)
	}
	d.Location = strings.ToLower(d.Location)
	if len(d.Tags) > 0 {
		d.Tags = maps.Clone(d.Tags)
	} else {
		d.Tags = nil
	}
	return &d, nil
}

// Put implements store.Tx. A replace keeps the stored ID, Name and
// CreatedAt: ARM returns the casing of the first create.
func (t *Tx) Put(ctx context.Context, doc *store.Document, cond store.Condition) (*store.Document, error) {
	if err := t.checkWritable("put"); err != nil {
		return nil, err
	}
	d, err := prepare(doc)
	if err != nil {
		return nil, fmt.Errorf("put: %w", err)
	}
	// If-Match with an ETag or "*", and If-None-Match: *, are decided by the
	// write statement itself (an UPDATE of the matching row, an INSERT that
	// does nothing on conflict); other conditions read the row first.
	folded := cond == store.Condition{IfNoneMatch: "*"} || (cond.IfMatch != "" && cond.IfNoneMatch == "")
	if cond != (store.Condition{}) && !folded {
		cur, err := t.getDoc(ctx, d.Key, true)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("put %s: %w", d.ID, err)
		}
		if err := checkCondition(cur, cond); err != nil {
			return nil, fmt.Errorf("put %s: %w", d.ID, err)
		}
	}
	index, err := tagIndex(d.Tags)
	if err != nil {
		return nil, fmt.Errorf("put %s: %w", d.ID, err)
	}
	tags := "{}"
	if d.Tags != nil {
		b, err := json.Marshal(d.Tags)
		if err != nil {
			return nil, fmt.Errorf("put %s: encode tags: %w", d.ID, err)
		}
		tags = string(b)
	}
	ctx, err = keyed(ctx)
	if err != nil {
		return nil, fmt.Errorf("put %s: %w", d.ID, err)
	}
	d.ETag = newETag()
	now := t.now.UnixMicro()
	st := putStatementsOf(t.d)
	var sql string
	var vals []any
	if cond.IfMatch != "" && folded {
		// UPDATE: the new values, then the key (and the ETag to match).
		sql = st.update
		vals = append(make([]any, 0, 12), d.Type, d.ParentKey, d.SubscriptionID, d.ResourceGroup, d.Location, tags, index,
			[]byte(d.Body), d.ETag, now, d.Key)
		if cond.IfMatch != "*" {
			sql = st.updateIfMatch
			vals = append(vals, cond.IfMatch)
		}
	} else {
		sql = st.upsert
		if cond.IfNoneMatch == "*" {
			sql = st.create
		}
		vals = []any{d.Key, d.ID, d.Type, d.ParentKey, d.SubscriptionID, d.ResourceGroup, d.Name, d.Location, tags, index,
			[]byte(d.Body), d.ETag, now, now}
	}
	if cond.IfNoneMatch == "*" {
		n, err := t.conn.Exec(ctx, sql, vals...)
		if err != nil {
			return nil, fmt.Errorf("put %s: %w", d.ID, err)
		}
		if n == 0 {
			return nil, t.explainPrecondition(ctx, d, cond)
		}
		d.CreatedAt, d.UpdatedAt = t.now, t.now
		t.touch(d.Type)
		t.wrote(d.Key, CloneDocument(d))
		return d, nil
	}
	rows, err := t.conn.Query(ctx, sql, vals...)
	if err != nil {
		return nil, fmt.Errorf("put %s: %w", d.ID, err)
	}
	var created int64
	found := false
	for rows.Next() {
		if err := rows.Scan(&d.ID, &d.Name, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("put %s: %w", d.ID, err)
		}
		found = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("put %s: %w", d.ID, err)
	}
	if !found {
		return nil, t.explainPrecondition(ctx, d, cond)
	}
	d.CreatedAt = time.UnixMicro(created).UTC()
	d.UpdatedAt = t.now
	t.touch(d.Type)
	t.wrote(d.Key, CloneDocument(d))
	return d, nil
}

// putStatements are the write statements of Put in one dialect, made once.
type putStatements struct {
	// update sets every column but key, id, name and created_at of the row
	// with the key; updateIfMatch only when its etag matches too. Both
	// return the kept id, name and created_at.
	update, updateIfMatch string
	// upsert inserts or replaces (returning the same columns); create
	// inserts only when the key is free and returns nothing.
	upsert, create string
}

var putSQL sync.Map // *Dialect -> *putStatements

func putStatementsOf(d *Dialect) *putStatements {
	if st, ok := putSQL.Load(d); ok {
		return st.(*putStatements)
	}
	ph := d.Placeholder
	update := "UPDATE documents SET type = " + ph(1) + ", parent_key = " + ph(2) + ", subscription_id = " + ph(3) +
		", resource_group = " + ph(4) + ", location = " + ph(5) + ", tags = " + ph(6) + ", tag_index = " + ph(7) +
		", body = " + ph(8) + ", etag = " + ph(9) + ", updated_at = " + ph(10) + " WHERE key = " + ph(11)
	insert := "INSERT INTO documents (" + insertColumns + ") VALUES " + d.tuple(1, 14) + " ON CONFLICT (key) "
	const returning = " RETURNING id, name, created_at"
	st := &putStatements{
		update:        update + returning,
		updateIfMatch: update + " AND etag = " + ph(12) + returning,
		upsert: insert + "DO UPDATE SET type = excluded.type, parent_key = excluded.parent_key, subscription_id = excluded.subscription_id, " +
			"resource_group = excluded.resource_group, location = excluded.location, tags = excluded.tags, tag_index = excluded.tag_index, " +
			"body = excluded.body, etag = excluded.etag, updated_at = excluded.updated_at" + returning,
		// A concurrent creator may win the insert, which then must fail the
		// precondition. What a create stores is known, so the statement
		// returns nothing and counts the inserted rows: cheaper than
		// RETURNING.
		create: insert + "DO NOTHING",
	}
	putSQL.Store(d, st)
	return st
}

// explainPrecondition builds the error of a conditional write that changed
// no row, naming the current state of the document.
func (t *Tx) explainPrecondition(ctx context.Context, d *store.Document, cond store.Condition) error {
	cur, err := t.getDoc(ctx, d.Key, false)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("put %s: %w", d.ID, err)
	}
	if err := checkCondition(cur, cond); err != nil {
		return fmt.Errorf("put %s: %w", d.ID, err)
	}
	// The row changed between the write and this read (another replica).
	return fmt.Errorf("put %s: document changed concurrently: %w", d.ID, store.ErrPreconditionFailed)
}

// Tag filters use a tag_index column instead of a table of tag rows, so
// a write touches no extra B-trees: "\x1f" + lower(name) + "\x1e" + value for
// each tag, sorted, and a final "\x1f". A name filter looks for
// "\x1f{name}\x1e", a name and value filter for "\x1f{name}\x1e{value}\x1f".
// Tags holding the two separator characters are refused.
const (
	tagSep   = "\x1f"
	valueSep = "\x1e"
)

// tagIndex builds the tag_index value of tags.
func tagIndex(tags map[string]string) (string, error) {
	if len(tags) == 0 {
		return "", nil
	}
	names := make([]string, 0, len(tags))
	for name, value := range tags {
		if strings.ContainsAny(name, tagSep+valueSep) || strings.ContainsAny(value, tagSep+valueSep) {
			return "", fmt.Errorf("tag %q contains a control character: %w", name, store.ErrInvalid)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(tagSep + strings.ToLower(name) + valueSep + tags[name])
	}
	b.WriteString(tagSep)
	return b.String(), nil
}

// Delete implements store.Tx.
func (t *Tx) Delete(ctx context.Context, key string, cond store.Condition) (*store.Document, error) {
	if err := t.checkWritable("delete"); err != nil {
		return nil, err
	}
	cur, err := t.getDoc(ctx, key, true)
	if err != nil && !(errors.Is(err, store.ErrNotFound) && cond != (store.Condition{})) {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	if err := checkCondition(cur, cond); err != nil {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	if cur == nil {
		return nil, fmt.Errorf("delete %s: %w", key, store.ErrNotFound)
	}
	if ctx, err = keyed(ctx); err != nil {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	a := &args{d: t.d}
	if _, err := t.conn.Exec(ctx, "DELETE FROM documents WHERE key = "+a.add(cur.Key), a.vals...); err != nil {
		return nil, fmt.Errorf("delete %s: %w", key, err)
	}
	t.touch(cur.Type)
	t.wrote(cur.Key, nil)
	return cur, nil
}

// DeleteUnder implements store.Tx.
func (t *Tx) DeleteUnder(ctx context.Context, key string) ([]*store.Document, error) {
	if err := t.checkWritable("delete under"); err != nil {
		return nil, err
	}
	lo, hi := underRange(strings.ToLower(key))
	a := &args{d: t.d}
	docs, err := t.queryDocs(ctx, "DELETE FROM documents WHERE key > "+a.add(lo)+" AND key < "+a.add(hi)+" RETURNING "+docColumns, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("delete under %s: %w", key, err)
	}
	slices.SortFunc(docs, func(x, y *store.Document) int { return strings.Compare(x.Key, y.Key) })
	for _, d := range docs {
		t.touch(d.Type)
		t.wrote(d.Key, nil)
	}
	return docs, nil
}

// List implements store.Tx.
func (t *Tx) List(ctx context.Context, q store.Query) (store.Page, error) {
	a := &args{d: t.d}
	var where []string
	if len(q.Types) > 0 {
		ph := make([]string, len(q.Types))
		for i, typ := range q.Types {
			ph[i] = a.add(strings.ToLower(typ))
		}
		where = append(where, "type IN ("+strings.Join(ph, ", ")+")")
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+a.add(strings.ToLower(v)))
		}
	}
	if q.ParentKey != "" {
		// A document's key starts with its parent's (see prepare), so the
		// parent's range of the primary key holds every child; the
		// equality drops the grandchildren the range also holds.
		parent := strings.ToLower(q.ParentKey)
		lo, hi := underRange(parent)
		where = append(where, "parent_key = "+a.add(parent), "key > "+a.add(lo)+" AND key < "+a.add(hi))
	}
	eq("subscription_id", q.SubscriptionID)
	eq("resource_group", q.ResourceGroup)
	if q.SubscriptionID != "" {
		// A document's key starts with its subscription's (and group's) id
		// (see prepare), so a range of the primary key holds every match:
		// the equalities above drop the neighbours the range also holds.
		prefix := "/subscriptions/" + strings.ToLower(q.SubscriptionID)
		if q.ResourceGroup != "" {
			prefix += "/resourcegroups/" + strings.ToLower(q.ResourceGroup)
		}
		where = append(where, "key >= "+a.add(prefix)+" AND key < "+a.add(prefix+"0"))
	}
	eq("location", q.Location)
	if q.Under != "" {
		lo, hi := underRange(strings.ToLower(q.Under))
		where = append(where, "key > "+a.add(lo)+" AND key < "+a.add(hi))
	}
	if q.TagName != "" {
		needle := tagSep + strings.ToLower(q.TagName) + valueSep
		if q.TagValue != "" {
			needle += q.TagValue + tagSep
		}
		where = append(where, t.d.Contains("tag_index", a.add(needle)))
	} else if q.TagValue != "" {
		return store.Page{}, fmt.Errorf("list: tag value without tag name: %w", store.ErrInvalid)
	}
	if q.Continuation != "" {
		after, err := decodeDocToken(q.Continuation)
		if err != nil {
			return store.Page{}, fmt.Errorf("list: %w", err)
		}
		where = append(where, "key > "+a.add(after))
	}
	sql := "SELECT " + docColumns + " FROM documents"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY key"
	if q.Limit > 0 {
		sql += " LIMIT " + a.add(q.Limit+1)
	}
	docs, err := t.queryDocs(ctx, sql, a.vals...)
	if err != nil {
		return store.Page{}, fmt.Errorf("list: %w", err)
	}
	var page store.Page
	if q.Limit > 0 && len(docs) > q.Limit {
		docs = docs[:q.Limit]
		page.Continuation = encodeDocToken(docs[len(docs)-1].Key)
	}
	page.Documents = docs
	return page, nil
}
