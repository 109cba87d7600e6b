package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang/snappy"

	"github.com/palisade/palisade/store"
)

// The event columns other than id, ts and body hold lower-cased copies of
// the Event fields so that filters compare ignoring case with plain
// equality; Body keeps the event as served.
const eventColumns = "id, ts, subscription_id, tenant_id, resource_group, resource_id, provider, correlation_id, caller, status, level, category, operation_name, body"

// Activity-log bodies are most of what a database holds (two events of
// about 3 KB for every write, kept 90 days), and JSON halves under snappy,
// which costs a few microseconds an event. A compressed body starts with
// compressedEvent, a byte no JSON text starts with, so bodies stored
// before compression was used read as they are.
const compressedEvent = 0x00

// eventBuffers recycles the buffers AppendEvents compresses bodies into;
// the driver copies bound values, so a buffer is free again once the
// INSERT ran.
var eventBuffers = sync.Pool{New: func() any { return new([]byte) }}

// encodeEvents returns the bodies of events as stored, and the buffer they
// were compressed into (nil when they were not), for eventBuffers.
func (t *Tx) encodeEvents(events []store.Event) ([][]byte, *[]byte) {
	out := make([][]byte, len(events))
	if !t.d.CompressEvents {
		for i := range events {
			out[i] = events[i].Body
		}
		return out, nil
	}
	size := 0
	for i := range events {
		size += 1 + snappy.MaxEncodedLen(len(events[i].Body))
	}
	buf := eventBuffers.Get().(*[]byte)
	if cap(*buf) < size {
		*buf = make([]byte, size)
	}
	free := (*buf)[:size]
	for i := range events {
		free[0] = compressedEvent
		n := 1 + len(snappy.Encode(free[1:], events[i].Body))
		out[i], free = free[:n:n], free[n:]
	}
	return out, buf
}

// decodeEvent returns the body as written to AppendEvents.
func decodeEvent(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != compressedEvent {
		return stored, nil
	}
	body, err := snappy.Decode(nil, stored[1:])
	if err != nil {
		return nil, fmt.Errorf("decompress body: %w", err)
	}
	return body, nil
}

// AppendEvents implements store.Tx.
func (t *Tx) AppendEvents(ctx context.Context, events []store.Event) error {
	if err := t.checkWritable("append events"); err != nil {
		return err
	}
	// One INSERT carries many rows: a write records two to four events, and each statement is a
	// round through the driver inside the store's single writer.
	const perStatement = 50
	l := strings.ToLower
	ctx, err := keyed(ctx)
	if err != nil {
		return fmt.Errorf("append %d events: %w", len(events), err)
	}
	for start := 0; start < len(events); start += perStatement {
		batch := events[start:min(start+perStatement, len(events))]
		for i := range batch {
			e := &batch[i]
			if e.ID == "" {
				e.ID = newEventID()
			}
			if e.Timestamp.IsZero() {
				return fmt.Errorf("append event %s: zero timestamp: %w", e.ID, store.ErrInvalid)
			}
			if len(e.Body) == 0 {
				return fmt.Errorf("append event %s: empty body: %w", e.ID, store.ErrInvalid)
			}
		}
		bodies, buf := t.encodeEvents(batch)
		vals := make([]any, 0, eventColumnCount*len(batch))
		for i := range batch {
			e := &batch[i]
			vals = append(vals, e.ID, e.Timestamp.UnixMicro(), l(e.SubscriptionID), l(e.TenantID),
				l(e.ResourceGroup), l(e.ResourceID), l(e.Provider), l(e.CorrelationID),
				l(e.Caller), l(e.Status), l(e.Level), l(e.Category), l(e.OperationName), bodies[i])
		}
		_, err := t.conn.Exec(ctx, insertEventsSQL(t.d, len(batch)), vals...)
		if buf != nil {
			eventBuffers.Put(buf)
		}
		if err != nil {
			return fmt.Errorf("append %d events: %w", len(batch), err)
		}
	}
	return nil
}

// eventColumnCount is the number of names in eventColumns.
const eventColumnCount = 14

// insertSQL holds the INSERT statements of AppendEvents by dialect and row
// count.
var insertSQL sync.Map // insertKey -> string

type insertKey struct {
	d    *Dialect
	rows int
}

// insertEventsSQL returns the INSERT of rows events, with placeholders
// numbered row by row in eventColumns' order.
func insertEventsSQL(d *Dialect, rows int) string {
	if s, ok := insertSQL.Load(insertKey{d, rows}); ok {
		return s.(string)
	}
	tuples := make([]string, rows)
	for r := range tuples {
		tuples[r] = d.tuple(1+r*eventColumnCount, eventColumnCount)
	}
	s := "INSERT INTO events (" + eventColumns + ") VALUES " + strings.Join(tuples, ", ")
	insertSQL.Store(insertKey{d, rows}, s)
	return s
}

// QueryEvents implements store.Tx.
func (t *Tx) QueryEvents(ctx context.Context, q store.EventQuery) (store.EventPage, error) {
	if q.From.IsZero() || q.To.IsZero() {
		return store.EventPage{}, fmt.Errorf("query events: a time range is required: %w", store.ErrInvalid)
	}
	a := &args{d: t.d}
	where := []string{"ts >= " + a.add(q.From.UnixMicro()), "ts <= " + a.add(q.To.UnixMicro())}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = "+a.add(strings.ToLower(v)))
		}
	}
	switch {
	case q.SubscriptionID != "":
		eq("subscription_id", q.SubscriptionID)
		eq("tenant_id", q.TenantID)
	case q.TenantID != "":
		eq("tenant_id", q.TenantID)
		where = append(where, "subscription_id = ''")
	}
	eq("resource_group", q.ResourceGroup)
	eq("resource_id", q.ResourceID)
	eq("provider", q.Provider)
	eq("correlation_id", q.CorrelationID)
	eq("caller", q.Caller)
	eq("status", q.Status)
	eq("category", q.Category)
	if q.ResourceIDPrefix != "" {
		p := strings.ToLower(strings.TrimSuffix(q.ResourceIDPrefix, "/"))
		lo, hi := underRange(p)
		where = append(where, "(resource_id = "+a.add(p)+" OR (resource_id > "+a.add(lo)+" AND resource_id < "+a.add(hi)+"))")
	}
	if len(q.Levels) > 0 {
		ph := make([]string, len(q.Levels))
		for i, lv := range q.Levels {
			ph[i] = a.add(strings.ToLower(lv))
		}
		where = append(where, "level IN ("+strings.Join(ph, ", ")+")")
	}
	if q.Continuation != "" {
		ts, id, err := decodeEventToken(q.Continuation)
		if err != nil {
			return store.EventPage{}, fmt.Errorf("query events: %w", err)
		}
		where = append(where, "(ts < "+a.add(ts)+" OR (ts = "+a.add(ts)+" AND id < "+a.add(id)+"))")
	}
	sql := "SELECT " + eventColumns + " FROM events WHERE " + strings.Join(where, " AND ") + " ORDER BY ts DESC, id DESC"
	if q.Limit > 0 {
		sql += " LIMIT " + a.add(q.Limit+1)
	}
	rows, err := t.conn.Query(ctx, sql, a.vals...)
	if err != nil {
		return store.EventPage{}, fmt.Errorf("query events: %w", err)
	}
	defer rows.Close()
	var page store.EventPage
	var lastTS int64
	for rows.Next() {
		if q.Limit > 0 && len(page.Events) == q.Limit {
			last := page.Events[len(page.Events)-1]
			page.Continuation = encodeEventToken(lastTS, last.ID)
			break
		}
		var e store.Event
		var body []byte
		if err := rows.Scan(&e.ID, &lastTS, &e.SubscriptionID, &e.TenantID, &e.ResourceGroup, &e.ResourceID, &e.Provider,
			&e.CorrelationID, &e.Caller, &e.Status, &e.Level, &e.Category, &e.OperationName, &body); err != nil {
			return store.EventPage{}, fmt.Errorf("query events: scan: %w", err)
		}
		e.Timestamp = time.UnixMicro(lastTS).UTC()
		if e.Body, err = decodeEvent(body); err != nil {
			return store.EventPage{}, fmt.Errorf("query events: event %s: %w", e.ID, err)
		}
		page.Events = append(page.Events, &e)
	}
	if err := rows.Err(); err != nil {
		return store.EventPage{}, fmt.Errorf("query events: %w", err)
	}
	return page, nil
}

// DeleteEventsBefore implements store.Tx.
func (t *Tx) DeleteEventsBefore(ctx context.Context, before time.Time) (int, error) {
	if err := t.checkWritable("delete events"); err != nil {
		return 0, err
	}
	a := &args{d: t.d}
	n, err := t.conn.Exec(ctx, "DELETE FROM events WHERE ts < "+a.add(before.UnixMicro()), a.vals...)
	if err != nil {
		return 0, fmt.Errorf("delete events before %s: %w", before.Format(time.RFC3339), err)
	}
	return int(n), nil
}

// PutValue implements store.Tx.
func (t *Tx) PutValue(ctx context.Context, ns, key string, value []byte, expires time.Time) error {
	if err := t.checkWritable("put value"); err != nil {
		return err
	}
	var exp int64
	if !expires.IsZero() {
		exp = expires.UnixMicro()
	}
	if value == nil {
		value = []byte{}
	}
	ctx, err := keyed(ctx)
	if err != nil {
		return fmt.Errorf("put value %s/%s: %w", ns, key, err)
	}
	a := &args{d: t.d}
	sql := "INSERT INTO kv (ns, key, value, expires) VALUES (" + a.add(ns) + ", " + a.add(key) + ", " + a.add(value) + ", " + a.add(exp) +
		") ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires"
	if _, err := t.conn.Exec(ctx, sql, a.vals...); err != nil {
		return fmt.Errorf("put value %s/%s: %w", ns, key, err)
	}
	return nil
}

// readValue runs a statement returning (value, expires) for one key and
// applies expiry.
func (t *Tx) readValue(ctx context.Context, op, sql string, vals []any, ns, key string) ([]byte, error) {
	ctx, err := keyed(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", op, ns, key, err)
	}
	rows, err := t.conn.Query(ctx, sql, vals...)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", op, ns, key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", op, ns, key, err)
		}
		return nil, fmt.Errorf("%s %s/%s: %w", op, ns, key, store.ErrNotFound)
	}
	var value []byte
	var exp int64
	if err := rows.Scan(&value, &exp); err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", op, ns, key, err)
	}
	if exp != 0 && exp <= t.now.UnixMicro() {
		return nil, fmt.Errorf("%s %s/%s: expired: %w", op, ns, key, store.ErrNotFound)
	}
	if value == nil {
		value = []byte{}
	}
	return value, nil
}

// GetValue implements store.Tx.
func (t *Tx) GetValue(ctx context.Context, ns, key string) ([]byte, error) {
	a := &args{d: t.d}
	sql := "SELECT value, expires FROM kv WHERE ns = " + a.add(ns) + " AND key = " + a.add(key)
	return t.readValue(ctx, "get value", sql, a.vals, ns, key)
}

// TakeValue implements store.Tx. The DELETE ... RETURNING makes the take
// atomic: a second taker finds no row.
func (t *Tx) TakeValue(ctx context.Context, ns, key string) ([]byte, error) {
	if err := t.checkWritable("take value"); err != nil {
		return nil, err
	}
	a := &args{d: t.d}
	sql := "DELETE FROM kv WHERE ns = " + a.add(ns) + " AND key = " + a.add(key) + " RETURNING value, expires"
	return t.readValue(ctx, "take value", sql, a.vals, ns, key)
}

// DeleteExpiredValues implements store.Tx.
func (t *Tx) DeleteExpiredValues(ctx context.Context) (int, error) {
	if err := t.checkWritable("delete expired values"); err != nil {
		return 0, err
	}
	a := &args{d: t.d}
	n, err := t.conn.Exec(ctx, "DELETE FROM kv WHERE expires <> 0 AND expires <= "+a.add(t.now.UnixMicro()), a.vals...)
	if err != nil {
		return 0, fmt.Errorf("delete expired values: %w", err)
	}
	return int(n), nil
}
