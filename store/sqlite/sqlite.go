// Package sqlite is the embedded Store: one SQLite file in WAL mode, through
// the pure-Go modernc.org/sqlite driver, so `palisade serve` needs no
// database server and no cgo.
//
// Writes go through a single connection owned by one goroutine (SQLite
// allows one writer at a time; queueing in Go is cheaper than retrying on
// SQLITE_BUSY), which commits concurrent updates in groups (see writer.go).
// Each commit starts with BEGIN IMMEDIATE so another process sharing the
// file waits instead of failing mid-transaction. Reads use a pool of read-only
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

// cacheBytes bounds the document cache (see docCache).
const cacheBytes = 128 << 20

// DB is the SQLite Store.
type DB struct {
	w, r       *sql.DB
	requests   chan *request // to the writer goroutine
	quit       chan struct{} // closed by Close
	writerDone chan struct{}
	readers    chan *session // idle read sessions; nil for OpenMemory
	all        []*session
	notifier   sqlstore.Notifier
	locks      sync.Map // name -> *atomic.Bool, for TryLock
	closed     atomic.Bool

	// Background checkpoints (see checkpoint.go); nil for OpenMemory.
	checkpoints      *session
	committed        chan struct{} // the writer's signal after a commit
	checkpointerDone chan struct{}
	checkpointErrors atomic.Int64
	writing          sync.Mutex // held by the writer while it runs a batch

	cache           *docCache
	path            string   // the database file; empty for OpenMemory
	file            *os.File // path, open for the checkpointer's fsync (see start); nil for OpenMemory
	dataVersion     int64    // the writer's last PRAGMA data_version; 0 before the first
	externalChanges atomic.Int64
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) dir/palisade.db and migrates it.
//
// Settings: WAL journal so readers never block the writer; synchronous=NORMAL,
// which in WAL mode skips the fsync on each commit but syncs at checkpoints:
// a committed transaction survives a crash of the process (the WAL is in
// the OS page cache) and the database is never corrupted, though a power
// loss may roll back the last commits; busy_timeout so a second process
// waits for locks; foreign keys on so future migrations can rely on them.
func Open(dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1"
	// The writer keeps savepoint journals in memory: each grouped transaction
	// runs in a savepoint (see writer.go), and a journal file would cost a
	// write system call for every page a savepoint first touches.
	w, err := sql.Open("sqlite", dsn+"&_pragma=temp_store(memory)&_pragma=cache_size(-8192)"+walPragmas)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_query_only=1&_pragma=cache_size(-8192)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	db := &DB{w: w, r: r, path: path}
	if err := db.start(max(4, 2*runtime.GOMAXPROCS(0))); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return db, nil
}

// OpenMemory opens a private in-memory database, for tests and throwaway
// runs. It has one connection, owned by the writer, so reads and writes
// take turns.
func OpenMemory() (*DB, error) {
	w, err := sql.Open("sqlite", "file::memory:?_foreign_keys=1")
	if err != nil {
		return nil, fmt.Errorf("open in-memory sqlite store: %w", err)
	}
	db := &DB{w: w}
	if err := db.start(0); err != nil {
		db.Close()
		return nil, fmt.Errorf("open in-memory sqlite store: %w", err)
	}
	return db, nil
}

// start opens the sessions (readers == 0 means reads go through the
// writer), migrates the schema and starts the writer goroutine.
func (db *DB) start(readers int) error {
	ctx := context.Background()
	ws, err := newSession(ctx, db.w)
	if err != nil {
		return err
	}
	db.all = append(db.all, ws)
	if readers > 0 {
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
	if _, err := ws.Exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := sqlstore.Migrate(ctx, ws, sqlstore.SQLite, ms); err != nil {
		ws.Exec(ctx, "ROLLBACK")
		return err
	}
	db.cache = newDocCache(cacheBytes)
	if err := db.checkExternal(ws); err != nil {
		ws.Exec(ctx, "ROLLBACK")
		return err
	}
	if _, err := ws.Exec(ctx, "COMMIT"); err != nil {
		ws.Exec(ctx, "ROLLBACK")
		return fmt.Errorf("migrate: commit: %w", err)
	}
	// Buffered, so a handler hands its request over without waiting for
	// the writer to take it: with an unbuffered channel every request
	// parked its handler twice (once to send, once for the result), and
	// each send the writer took woke a goroutine only to park again.
	db.requests = make(chan *request, queueLength)
	db.quit = make(chan struct{})
	db.writerDone = make(chan struct{})
	if readers > 0 { // a file database: checkpoints in the background
		// The checkpointer fsyncs the database file through a descriptor
		// of its own, opened once and closed only after every SQLite
		// connection (see Close): closing a descriptor of a file drops every
		// POSIX lock the process holds on it, SQLite's included
		// (https://www.sqlite.org/howtocorrupt.html, section 2.2).
		if db.file, err = os.OpenFile(db.path, os.O_RDWR, 0); err != nil {
			return fmt.Errorf("open the database file for fsync: %w", err)
		}
		if db.checkpoints, err = newSession(ctx, db.w); err != nil {
			return err
		}
		db.committed = make(chan struct{}, 1)
		db.checkpointerDone = make(chan struct{})
		go db.checkpointer(db.checkpoints)
	}
	go db.writer(ws)
	return nil
}

var errClosed = errors.New("sqlite store: closed")

// Update implements store.Store. fn runs on the writer goroutine, batched
// with other concurrent updates (see writer); a panic in fn is re-raised in
// the caller.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	changed, err := db.submit(ctx, fn, true)
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
	if db.readers == nil { // in-memory: the writer's connection is the only one
		_, err := db.submit(ctx, fn, false)
		return err
	}
	if db.closed.Load() {
		return errClosed
	}
	var s *session
	select {
	case s = <-db.readers:
	case <-db.quit: // Close is taking the read connections back
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("wait for a read connection: %w", ctx.Err())
	}
	defer func() { db.readers <- s }()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// BEGIN only marks the start (the snapshot is taken at the first
	// read), so it runs without the caller's cancellation, which would
	// cost a watcher goroutine in database/sql and the driver.
	if _, err := s.Exec(context.Background(), "BEGIN"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// ROLLBACK ends the read snapshot, also after an error or panic; a
	// fresh context because the caller's may be what ended fn.
	defer s.Exec(context.Background(), "ROLLBACK")
	return fn(sqlstore.NewTx(s, sqlstore.SQLite, false))
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
	if db.quit != nil {
		// The writer finishes the batch it runs; later requests get
		// errClosed.
		close(db.quit)
		<-db.writerDone
		if db.checkpointerDone != nil {
			<-db.checkpointerDone
		}
	}
	// A read connection is closed only once it is back in the pool: closing
	// one while a View still steps through a query on it would free the
	// statement under the driver. Reads in progress finish first; new ones
	// get errClosed.
	if db.readers != nil {
		for range len(db.all) - 1 { // every session but the writer's
			<-db.readers
		}
	}
	var err error
	if db.checkpoints != nil {
		err = db.checkpoints.close()
	}
	for _, s := range db.all {
		err = errors.Join(err, s.close())
	}
	err = errors.Join(err, db.w.Close())
	if db.r != nil {
		err = errors.Join(err, db.r.Close())
	}
	if db.file != nil { // last: no SQLite connection holds a lock any more
		err = errors.Join(err, db.file.Close())
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
