// Package sqlite is the embedded Store: one SQLite file in WAL mode, through
// the pure-Go modernc.org/sqlite driver, so `palisade serve` needs no
// database server and no cgo.
//
// Writes go through a single connection (SQLite allows one writer at a time;
// queueing in Go is cheaper than retrying on SQLITE_BUSY), each transaction
// starting with BEGIN IMMEDIATE so another process sharing the file waits
// instead of failing mid-transaction. Reads use a pool of read-only
// connections that see WAL snapshots without blocking the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	sqlite "modernc.org/sqlite"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file Open creates in its directory.
const FileName = "palisade.db"

// DB is the SQLite Store.
type DB struct {
	w, r     *sql.DB
	writer   chan *session // one session: the single writer
	readers  chan *session // the read sessions (the writer's for OpenMemory)
	all      []*session
	notifier sqlstore.Notifier
	locks    sync.Map // name -> *atomic.Bool, for TryLock
	closed   atomic.Bool
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) dir/palisade.db and migrates it.
//
// Settings: WAL journal so readers never block the writer; synchronous=NORMAL,
// which in WAL mode skips the fsync on each commit but syncs at checkpoints:
// a committed transaction survives a crash of the process (the WAL is in
// the OS page cache) and the database is never corrupted, though a power
// loss may roll back the last commits; busy_timeout so a second process
// waits for locks; foreign keys on for the tag index cascade.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	db := &DB{w: w, r: r}
	if err := db.start(1, max(4, 2*runtime.GOMAXPROCS(0))); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return db, nil
}

// OpenMemory opens a private in-memory database, for tests and throwaway
// runs. It has one connection, so reads and writes take turns.
func OpenMemory() (*DB, error) {
	w, err := sql.Open("sqlite", "file::memory:?_foreign_keys=1")
	if err != nil {
		return nil, fmt.Errorf("open in-memory sqlite store: %w", err)
	}
	db := &DB{w: w}
	if err := db.start(1, 0); err != nil {
		db.Close()
		return nil, fmt.Errorf("open in-memory sqlite store: %w", err)
	}
	return db, nil
}

// start opens the sessions (readers == 0 shares the writer's) and migrates
// the schema.
func (db *DB) start(writers, readers int) error {
	ctx := context.Background()
	db.writer = make(chan *session, 1)
	ws, err := newSession(ctx, db.w)
	if err != nil {
		return err
	}
	db.all = append(db.all, ws)
	db.writer <- ws
	if readers == 0 {
		db.readers = db.writer
	} else {
		db.readers = make(chan *session, readers)
		for i := 0; i < readers; i++ {
			rs, err := newSession(ctx, db.r)
			if err != nil {
				return err
			}
			db.all = append(db.all, rs)
			db.readers <- rs
		}
	}
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return db.withSession(ctx, db.writer, func(s *session) error {
		if _, err := s.Exec(ctx, "BEGIN IMMEDIATE"); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := sqlstore.Migrate(ctx, s, sqlstore.SQLite, ms); err != nil {
			s.Exec(ctx, "ROLLBACK")
			return err
		}
		if _, err := s.Exec(ctx, "COMMIT"); err != nil {
			s.Exec(ctx, "ROLLBACK")
			return fmt.Errorf("migrate: commit: %w", err)
		}
		return nil
	})
}

// withSession takes a session from ch (waiting, unless ctx ends), runs fn
// and gives it back.
func (db *DB) withSession(ctx context.Context, ch chan *session, fn func(*session) error) error {
	if db.closed.Load() {
		return errors.New("sqlite store: closed")
	}
	var s *session
	select {
	case s = <-ch:
	case <-ctx.Done():
		return fmt.Errorf("wait for a database connection: %w", ctx.Err())
	}
	defer func() { ch <- s }()
	return fn(s)
}

// Update implements store.Store.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	var changed []string
	err := db.withSession(ctx, db.writer, func(s *session) error {
		var err error
		changed, err = run(ctx, s, "BEGIN IMMEDIATE", true, fn)
		return err
	})
	if err != nil {
		return err
	}
	if len(changed) > 0 {
		db.notifier.Notify(changed)
	}
	return nil
}

// View implements store.Store.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	return db.withSession(ctx, db.readers, func(s *session) error {
		_, err := run(ctx, s, "BEGIN", false, fn)
		return err
	})
}

// run executes fn in a transaction on s, committing writes on success and
// rolling back on error or panic.
func run(ctx context.Context, s *session, begin string, writable bool, fn func(store.Tx) error) (changed []string, err error) {
	if _, err := s.Exec(ctx, begin); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// A fresh context: the caller's may be what ended the
			// transaction, and the connection must not stay inside it.
			s.Exec(context.Background(), "ROLLBACK")
		}
	}()
	tx := sqlstore.NewTx(s, sqlstore.SQLite, writable)
	if err := fn(tx); err != nil {
		return nil, err
	}
	end := "COMMIT"
	if !writable {
		end = "ROLLBACK" // nothing to keep; this ends the read snapshot
	}
	if _, err := s.Exec(ctx, end); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.ToLower(end), err)
	}
	done = true
	return tx.ChangedTypes(), nil
}

// Subscribe implements store.Store. SQLite has no cross-process
// notification; callbacks see this process's commits.
func (db *DB) Subscribe(fn func(types []string)) { db.notifier.Subscribe(fn) }

// TryLock implements store.Store within this process: an embedded database
// has one server process, so an in-memory flag is enough.
func (db *DB) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	v, _ := db.locks.LoadOrStore(name, new(atomic.Bool))
	held := v.(*atomic.Bool)
	if !held.CompareAndSwap(false, true) {
		return nil, false, nil
	}
	var once sync.Once
	return func() { once.Do(func() { held.Store(false) }) }, true, nil
}

// Close implements store.Store.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	var err error
	for _, s := range db.all {
		err = errors.Join(err, s.close())
	}
	err = errors.Join(err, db.w.Close())
	if db.r != nil {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// translate maps SQLite result codes to store errors; this is the one
// place the backend looks at driver errors. Primary codes are the low byte
// of the extended code (https://www.sqlite.org/rescode.html).
func translate(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	const (
		sqliteBusy       = 5
		sqliteLocked     = 6
		sqliteReadOnly   = 8
		sqliteConstraint = 19
		constraintPK     = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
		constraintUnique = 2067 // SQLITE_CONSTRAINT_UNIQUE
	)
	switch code := se.Code(); {
	case code&0xff == sqliteBusy, code&0xff == sqliteLocked, code == constraintPK, code == constraintUnique:
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case code&0xff == sqliteReadOnly:
		return fmt.Errorf("%w: %v", store.ErrReadOnly, err)
	case code&0xff == sqliteConstraint:
		return fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	return err
}
