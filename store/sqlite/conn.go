package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/palisade/palisade/store/internal/sqlstore"
)

// session is one SQLite connection with its prepared statements. A session
// is used by one transaction at a time; the DB hands sessions out through
// channels.
type session struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
}

func newSession(ctx context.Context, pool *sql.DB) (*session, error) {
	c, err := pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", translate(err))
	}
	return &session{c: c, stmts: make(map[string]*sql.Stmt)}, nil
}

// stmt returns the prepared statement for query, preparing it on first use
// so repeated statements skip SQLite's parse and plan step.
func (s *session) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

func (s *session) close() error {
	for _, st := range s.stmts {
		st.Close()
	}
	return s.c.Close()
}

// Exec implements sqlstore.Conn. Scripts of several statements (schema
// migrations) run directly; single statements, the writer's BEGIN,
// SAVEPOINT, RELEASE and COMMIT included, through prepared statements, so
// SQLite parses each only once per connection.
func (s *session) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if len(args) == 0 && strings.Contains(query, ";") {
		res, err = s.c.ExecContext(ctx, query)
	} else {
		var st *sql.Stmt
		if st, err = s.stmt(ctx, query); err == nil {
			res, err = st.ExecContext(ctx, args...)
		}
	}
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(err)
	}
	return n, nil
}

// Query implements sqlstore.Conn.
func (s *session) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, translate(err)
	}
	return &rowsAdapter{rows}, nil
}

// rowsAdapter translates errors and drops Close's result.
type rowsAdapter struct{ r *sql.Rows }

func (r *rowsAdapter) Next() bool             { return r.r.Next() }
func (r *rowsAdapter) Scan(dest ...any) error { return translate(r.r.Scan(dest...)) }
func (r *rowsAdapter) Err() error             { return translate(r.r.Err()) }
func (r *rowsAdapter) Close()                 { r.r.Close() }
