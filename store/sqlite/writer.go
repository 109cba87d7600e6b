package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
)

// maxBatch bounds how many transactions one commit carries.
const maxBatch = 64

// queueLength is how many requests may wait for the writer before
// submitters block.
const queueLength = 2 * maxBatch

// joinYields is how many times the writer may yield its thread before it
// closes a batch that is not full. Under write load the request handlers
// share the cores with the writer, and several are usually a few
// microseconds from submitting; yielding lets them join the batch, so one
// commit carries about ten transactions instead of about three (measured
// with 32 clients), which cuts the writer's time per transaction by a
// third. (Yielding only when writes were already waiting made p99 worse
// by 3–5 ms: batches that start alone are common under load too.)
const joinYields = 2

// request is one Update (or, for in-memory stores, View) waiting for the
// writer.
type request struct {
	ctx      context.Context
	fn       func(store.Tx) error
	writable bool
	done     chan result
}

type result struct {
	err     error
	panic   any // the value fn panicked with, re-raised in the caller
	changed []string
	written map[string]*store.Document // for the cache; nil for reads
}

// writer owns the write session and runs transactions with group commit:
// it takes every request already waiting (up to maxBatch), runs each in its
// own SAVEPOINT inside one BEGIN IMMEDIATE ... COMMIT, and answers them
// after the commit. A request that fails or panics is rolled back to its
// savepoint alone, so each request keeps the all-or-nothing semantics of
// its own transaction, and requests run one after another, so the result
// equals running them serially. Batching matters because SQLite's cost is
// per commit (WAL frames of every touched page, file locks): with many
// concurrent writers one commit carries many small transactions.
func (db *DB) writer(s *session) {
	defer close(db.writerDone)
	tick := time.NewTicker(externalCheckInterval)
	defer tick.Stop()
	for {
		var first *request
		select {
		case first = <-db.requests:
		case <-tick.C:
			db.idleCheck(s)
			continue
		case <-db.quit:
			return
		}
		batch := db.fill([]*request{first})
		// Stop yielding once a yield brought no write: a yield lets every
		// runnable goroutine run first, so a lone write is held back at most
		// one round while readers keep the cores busy.
		for i := 0; i < joinYields && len(batch) < maxBatch; i++ {
			runtime.Gosched()
			n := len(batch)
			if batch = db.fill(batch); len(batch) == n {
				break
			}
		}
		db.writing.Lock()
		db.runBatch(s, batch)
		db.writing.Unlock()
	}
}

// fill adds the requests already waiting to batch, up to maxBatch.
func (db *DB) fill(batch []*request) []*request {
	for len(batch) < maxBatch {
		select {
		case r := <-db.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// runBatch runs one group of requests in a single SQLite transaction.
func (db *DB) runBatch(s *session, batch []*request) {
	bg := context.Background()
	results := make([]result, len(batch))
	if _, err := s.Exec(bg, "BEGIN IMMEDIATE"); err != nil {
		for _, r := range batch {
			r.done <- result{err: fmt.Errorf("begin: %w", err)}
		}
		return
	}
	if err := db.checkExternal(s); err != nil {
		s.Exec(bg, "ROLLBACK")
		for _, r := range batch {
			r.done <- result{err: err}
		}
		return
	}
	// Reads in the batch see the documents earlier transactions of the
	// batch wrote, then the committed ones (see docCache).
	look := &batchLookup{written: map[string]*store.Document{}, cache: db.cache}
	for i, r := range batch {
		results[i] = runOne(s, r, look)
		for k, d := range results[i].written {
			look.written[k] = d
		}
	}
	if _, err := s.Exec(bg, "COMMIT"); err != nil {
		s.Exec(bg, "ROLLBACK")
		for i := range results {
			if results[i].err == nil && results[i].panic == nil {
				results[i] = result{err: fmt.Errorf("commit: %w", err)}
			}
		}
	} else {
		db.cache.publish(look.written)
		if db.committed != nil {
			select {
			case db.committed <- struct{}{}:
			default: // a checkpoint is already due
			}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// runOne runs one request inside a savepoint of the batch transaction.
func runOne(s *session, r *request, look sqlstore.DocLookup) (res result) {
	bg := context.Background()
	if err := r.ctx.Err(); err != nil {
		return result{err: fmt.Errorf("update: %w", err)}
	}
	if _, err := s.Exec(bg, "SAVEPOINT tx"); err != nil {
		return result{err: fmt.Errorf("savepoint: %w", err)}
	}
	tx := sqlstore.NewTx(s, sqlstore.SQLite, r.writable)
	tx.Cache = look
	defer func() {
		if p := recover(); p != nil {
			res = result{panic: p}
		}
		if res.err != nil || res.panic != nil || !r.writable {
			if _, err := s.Exec(bg, "ROLLBACK TO tx"); err != nil && res.err == nil && res.panic == nil {
				res = result{err: fmt.Errorf("rollback to savepoint: %w", err)}
			}
		}
		if _, err := s.Exec(bg, "RELEASE tx"); err != nil && res.err == nil && res.panic == nil {
			res = result{err: fmt.Errorf("release savepoint: %w", err)}
		}
	}()
	if err := r.fn(tx); err != nil {
		return result{err: err}
	}
	return result{changed: tx.ChangedTypes(), written: tx.Written()}
}

// submit hands fn to the writer and waits for its result; a panic in fn is
// re-raised here, in the caller's goroutine.
func (db *DB) submit(ctx context.Context, fn func(store.Tx) error, writable bool) ([]string, error) {
	r := &request{ctx: ctx, fn: fn, writable: writable, done: make(chan result, 1)}
	select {
	case db.requests <- r:
	case <-db.quit:
		return nil, errClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the writer: %w", ctx.Err())
	}
	var res result
	select {
	case res = <-r.done:
	case <-db.writerDone:
		// The writer answers every request it took before it stops (done
		// has room for the answer); one still queued was never run.
		select {
		case res = <-r.done:
		default:
			return nil, errClosed
		}
	}
	if res.panic != nil {
		panic(res.panic)
	}
	return res.changed, res.err
}
