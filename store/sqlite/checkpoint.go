package sqlite

import (
	"context"
	"fmt"
	"time"
)

// Checkpoints copy pages from the WAL back into the database file. By
// default SQLite runs one inside the committing connection every 1,000 WAL
// pages, which puts the copy and its two fsyncs in the middle of the single
// writer's work and stalls every write waiting behind it. Open turns
// automatic checkpoints off on the write connections instead, and a
// checkpointer goroutine with a connection of its own runs PASSIVE
// checkpoints after commits; they block neither the writer nor readers.
//
// SQLite starts the WAL file over only when a write transaction begins
// right after a checkpoint that reached the end of the WAL, which under
// continuous writes a concurrent checkpoint never does. So once the WAL
// holds restartFrames pages, the checkpointer catches up: it repeats its
// checkpoint back to back, each copying what was committed during the one
// before (copying is faster than committing), until one takes less than
// catchUpTime. Only a checkpoint that reaches the end of the WAL fsyncs the
// database file, and by then every page copied since the last restart is
// waiting to be written, so the checkpointer fsyncs the file itself, then
// catches up again, and only then runs a last checkpoint while the writer
// pauses between batches; the next write starts the WAL over. The pause
// (two fsyncs and a few milliseconds of copying, 10–20 ms on the project's
// test machine instead of 20–70 ms without the early fsync) is the cost of
// a bounded WAL; see docs/PERFORMANCE.md.
const (
	// checkpointInterval paces checkpoints: at most one per interval.
	checkpointInterval = 100 * time.Millisecond
	// restartFrames is the WAL length (16 MiB of 4 KiB pages) from which
	// the checkpointer makes the WAL start over.
	restartFrames = 4096
	// catchUpTime is how long the checkpoint before the last may take: the
	// last one, which pauses the writer, copies what was committed
	// meanwhile.
	catchUpTime = 4 * time.Millisecond
	// maxCatchUp bounds the checkpoints run to catch up before pausing
	// the writer regardless.
	maxCatchUp = 10
)

// walPragmas are the DSN settings of the write connections for this scheme:
// no automatic checkpoints, and a WAL file cut back to 64 MiB when it
// starts over.
const walPragmas = "&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)"

// checkpointer runs checkpoints when the writer has committed, until Close.
func (db *DB) checkpointer(s *session) {
	defer close(db.checkpointerDone)
	for {
		select {
		case <-db.committed:
		case <-db.quit:
			return
		}
		frames, err := checkpoint(s)
		if err == nil && frames >= restartFrames {
			if err = catchUp(s); err == nil {
				if err = db.file.Sync(); err != nil {
					err = fmt.Errorf("checkpoint: sync database file: %w", err)
				}
			}
			if err == nil {
				err = catchUp(s)
			}
			if err == nil {
				db.writing.Lock()
				_, err = checkpoint(s)
				db.writing.Unlock()
			}
		}
		if err != nil {
			db.checkpointErrors.Add(1)
		}
		select {
		case <-time.After(checkpointInterval):
		case <-db.quit:
			return
		}
	}
}

// catchUp runs checkpoints until one takes less than catchUpTime, at most
// maxCatchUp.
func catchUp(s *session) error {
	for range maxCatchUp {
		start := time.Now()
		if _, err := checkpoint(s); err != nil {
			return err
		}
		if time.Since(start) < catchUpTime {
			break
		}
	}
	return nil
}

// checkpoint runs a PASSIVE checkpoint and returns the number of pages in
// the WAL.
func checkpoint(s *session) (frames int, err error) {
	rows, err := s.Query(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	if err != nil {
		return 0, fmt.Errorf("checkpoint: %w", err)
	}
	defer rows.Close()
	var busy, copied int
	if rows.Next() {
		if err := rows.Scan(&busy, &frames, &copied); err != nil {
			return 0, fmt.Errorf("checkpoint: %w", err)
		}
	}
	return frames, rows.Err()
}
