// Package sqlstore is the SQL implementation of store.Tx shared by the
// SQLite and PostgreSQL backends. Both use the same tables and statements;
// a Dialect supplies the few differences (placeholders, row locks) and each
// backend adapts its driver to Conn, translating driver errors into the
// store's sentinel errors in one place.
package sqlstore

import (
	"context"
	"strconv"
	"strings"
)

// Conn runs statements inside one database transaction. Implementations
// return errors already translated to store errors where one applies.
type Conn interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a statement that returns rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// keyed returns the context for a statement that reads or writes rows by
// key (or one fixed batch of rows): such a statement takes microseconds,
// and with a cancellable context database/sql, the SQLite driver and pgx
// would each start a goroutine to watch it, costing more than the
// statement and crowding the scheduler's queues under load. So it fails at
// once if ctx has ended and otherwise runs without cancellation (ctx's
// values kept). Statements that may scan many rows (lists, queries,
// deletes of ranges) keep the caller's context.
func keyed(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// Rows iterates over a query result, like database/sql.Rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect holds what differs between the SQL databases.
type Dialect struct {
	// Placeholder returns the n-th (1-based) bind parameter.
	Placeholder func(n int) string
	// LockRow is appended to a single-row SELECT that a write will follow,
	// so that concurrent writers queue on the row (" FOR UPDATE" on
	// PostgreSQL; empty on SQLite, which has one writer at a time).
	LockRow string
	// Contains returns a condition true when column holds the text bound
	// to placeholder, compared byte for byte.
	Contains func(column, placeholder string) string
	// CompressEvents stores activity-log bodies compressed (see
	// compressEvent): SQLite keeps them as written, PostgreSQL compresses
	// large values itself.
	CompressEvents bool
}

// SQLite is the dialect of SQLite: numbered "?NNN" parameters, no row locks.
var SQLite = &Dialect{
	Placeholder:    func(n int) string { return placeholder(sqlitePlaceholders[:], "?", n) },
	Contains:       func(col, ph string) string { return "instr(" + col + ", " + ph + ") > 0" },
	CompressEvents: true,
}

// Postgres is the dialect of PostgreSQL: "$N" parameters and SELECT ... FOR
// UPDATE.
var Postgres = &Dialect{
	Placeholder: func(n int) string { return placeholder(postgresPlaceholders[:], "$", n) },
	LockRow:     " FOR UPDATE",
	Contains:    func(col, ph string) string { return "strpos(" + col + ", " + ph + ") > 0" },
}

// The first placeholders of each dialect are made once: every statement
// names several.
var sqlitePlaceholders, postgresPlaceholders [128]string

func init() {
	for n := range sqlitePlaceholders {
		sqlitePlaceholders[n] = "?" + strconv.Itoa(n)
		postgresPlaceholders[n] = "$" + strconv.Itoa(n)
	}
}

func placeholder(made []string, prefix string, n int) string {
	if n < len(made) {
		return made[n]
	}
	return prefix + strconv.Itoa(n)
}

// tuple returns "(p1, p2, …)": n placeholders numbered from first, for a
// statement made once.
func (d *Dialect) tuple(first, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = d.Placeholder(first + i)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// args collects bind parameters while a statement is built.
type args struct {
	d    *Dialect
	vals []any
}

// add binds v and returns its placeholder.
func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return a.d.Placeholder(len(a.vals))
}
