package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/palisade/palisade/store/internal/sqlstore"
)

// conn adapts a pgx transaction to sqlstore.Conn. pgx prepares and caches
// each statement per connection on first use.
type conn struct{ tx querier }

// querier runs statements: a transaction, or the pool for a statement of
// its own.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Exec implements sqlstore.Conn.
func (c *conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.tx.Exec(ctx, sql, args...)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

// Query implements sqlstore.Conn.
func (c *conn) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	return &rowsAdapter{rows}, nil
}

type rowsAdapter struct{ r pgx.Rows }

func (r *rowsAdapter) Next() bool             { return r.r.Next() }
func (r *rowsAdapter) Scan(dest ...any) error { return translate(r.r.Scan(dest...)) }
func (r *rowsAdapter) Err() error             { return translate(r.r.Err()) }
func (r *rowsAdapter) Close()                 { r.r.Close() }
