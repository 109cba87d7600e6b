// Package postgres is the Store for several `palisade serve` replicas
// sharing one PostgreSQL database (through github.com/jackc/pgx/v5).
//
// Writes run at READ COMMITTED; conditional writes lock the row first
// (SELECT ... FOR UPDATE), so concurrent If-Match updates queue and the
// losers see the new ETag. Reads run in REPEATABLE READ, READ ONLY
// transactions for a consistent snapshot. Commits that change documents send
// a NOTIFY carrying the changed types, so every replica's Subscribe
// callbacks fire at once; TryLock uses session advisory locks so one replica
// runs background jobs.
//
// All tables live in the connection's current schema (set search_path in
// the DSN to share a database between installations or tests).
package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the PostgreSQL Store.
type DB struct {
	pool     *pgxpool.Pool
	schema   string
	channel  string // NOTIFY channel, per schema
	replica  string // this process's id, to skip its own notifications
	notifier sqlstore.Notifier
	stop     context.CancelFunc
	stopped  chan struct{}
	closing  sync.Once

	mu   sync.Mutex
	held map[*pgxpool.Conn]bool // connections holding TryLock locks
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value
// string), applies pending migrations and starts listening for other
// replicas' changes. It returns once the listener is subscribed, so no
// change committed after Open returns is missed.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: parse dsn: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	db := &DB{pool: pool, replica: randomID(), stopped: make(chan struct{})}
	if err := db.start(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return db, nil
}

func (db *DB) start(ctx context.Context) error {
	var schema *string
	if err := db.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("read current schema: %w", translate(err))
	}
	if schema == nil {
		return errors.New("no current schema: the schemas in search_path do not exist")
	}
	db.schema = *schema
	h := fnv.New32a()
	h.Write([]byte(db.schema))
	db.channel = fmt.Sprintf("palisade_changes_%08x", h.Sum32())
	if err := db.migrate(ctx); err != nil {
		return err
	}
	conn, err := db.listenConn(ctx)
	if err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(context.Background())
	db.stop = cancel
	go db.listen(lctx, conn)
	return nil
}

// migrate applies pending migrations in one transaction, holding an
// advisory transaction lock so replicas starting together take turns.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", translate(err))
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", db.lockKey("migrate")); err != nil {
		return fmt.Errorf("migrate: lock: %w", translate(err))
	}
	if _, err := sqlstore.Migrate(ctx, &conn{tx: tx}, sqlstore.Postgres, ms); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit: %w", translate(err))
	}
	return nil
}

// Update implements store.Store.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	done := false
	defer func() {
		if !done { // error or panic: undo everything
			tx.Rollback(context.Background())
		}
	}()
	t := sqlstore.NewTx(&conn{tx: tx}, sqlstore.Postgres, true)
	if err := fn(t); err != nil {
		return err
	}
	changed := t.ChangedTypes()
	if len(changed) > 0 {
		// NOTIFY is delivered at commit and dropped on rollback.
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", db.channel, encodePayload(db.replica, changed)); err != nil {
			return fmt.Errorf("notify: %w", translate(err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	done = true
	if len(changed) > 0 {
		db.notifier.Notify(changed)
	}
	return nil
}

// View implements store.Store.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer tx.Rollback(context.Background())
	return fn(sqlstore.NewTx(&conn{tx: tx}, sqlstore.Postgres, false))
}

// GetLatest implements store.LatestReader with one statement outside any
// transaction: a third of the round trips of a View.
func (db *DB) GetLatest(ctx context.Context, key string) (*store.Document, error) {
	return sqlstore.NewTx(&conn{tx: db.pool}, sqlstore.Postgres, false).Get(ctx, key)
}

// Subscribe implements store.Store: fn sees commits of this process
// directly and those of other replicas through LISTEN/NOTIFY.
func (db *DB) Subscribe(fn func(types []string)) { db.notifier.Subscribe(fn) }

// TryLock implements store.Store with a session-level advisory lock held
// on a dedicated pooled connection until unlock (or until the connection
// dies, so a crashed replica's jobs are taken over).
func (db *DB) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("try lock %q: %w", name, translate(err))
	}
	key := db.lockKey("job:" + name)
	if err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		c.Release()
		return nil, false, fmt.Errorf("try lock %q: %w", name, translate(err))
	}
	if !ok {
		c.Release()
		return nil, false, nil
	}
	db.mu.Lock()
	if db.held == nil {
		db.held = make(map[*pgxpool.Conn]bool)
	}
	db.held[c] = true
	db.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			db.mu.Lock()
			mine := db.held[c]
			delete(db.held, c)
			db.mu.Unlock()
			if !mine { // Close already ended the session
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
				// Closing the session releases the lock for sure.
				c.Conn().Close(ctx)
			}
			c.Release()
		})
	}, true, nil
}

// lockKey maps a lock name to an advisory-lock key, scoped by schema so
// installations sharing a database do not block each other.
func (db *DB) lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(db.schema + "\x00" + name))
	return int64(h.Sum64())
}

// Close implements store.Store. Locks still held are released by ending
// their sessions.
func (db *DB) Close() error {
	db.closing.Do(func() {
		if db.stop != nil {
			db.stop()
			<-db.stopped
		}
		db.mu.Lock()
		for c := range db.held {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c.Conn().Close(ctx)
			cancel()
			c.Release()
		}
		db.held = nil
		db.mu.Unlock()
		db.pool.Close()
	})
	return nil
}

// translate maps PostgreSQL errors to store errors by SQLSTATE
// (https://www.postgresql.org/docs/current/errcodes-appendix.html); this is
// the one place the backend looks at driver errors.
func translate(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "40001", pe.Code == "40P01", pe.Code == "23505", pe.Code == "55P03":
		// serialization_failure, deadlock_detected, unique_violation,
		// lock_not_available
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case pe.Code == "25006": // read_only_sql_transaction
		return fmt.Errorf("%w: %v", store.ErrReadOnly, err)
	case strings.HasPrefix(pe.Code, "22"): // data exception, e.g. NUL in text
		return fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	return err
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
