package sqlite

import (
	"context"
	"fmt"
	"time"
)

// externalCheckInterval is how often an idle writer looks for commits by
// other processes; a busy one looks at every batch.
const externalCheckInterval = time.Second

// checkExternal notices commits by other processes sharing the database
// file (a `palisade … --data` command while the server runs). PRAGMA
// data_version on the write connection changes exactly when another
// connection has committed, and in this process only the writer commits.
// After such a commit the document cache is reset, the key set read again
// and subscribers told that anything may have changed. The first call
// loads the key set, and so does a call after many deletes (see
// docCache.keysStale). It runs inside a transaction of the writer, so no
// commit comes between the key read and the cache.
func (db *DB) checkExternal(s *session) error {
	ctx := context.Background()
	var version int64
	if err := queryOne(s, "PRAGMA data_version", &version); err != nil {
		return fmt.Errorf("check for other writers: %w", err)
	}
	changed := db.dataVersion != 0 && version != db.dataVersion
	if !changed && db.dataVersion != 0 && !db.cache.keysStale() {
		return nil
	}
	db.dataVersion = version
	if changed {
		db.cache.reset()
	}
	rows, err := s.Query(ctx, "SELECT key FROM documents")
	if err != nil {
		return fmt.Errorf("load document keys: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return fmt.Errorf("load document keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load document keys: %w", err)
	}
	db.cache.setKeys(keys)
	if changed {
		db.externalChanges.Add(1)
		db.notifier.Notify(nil)
	}
	return nil
}

// idleCheck runs checkExternal in a transaction of its own.
func (db *DB) idleCheck(s *session) {
	bg := context.Background()
	if _, err := s.Exec(bg, "BEGIN"); err != nil {
		return
	}
	db.checkExternal(s)
	s.Exec(bg, "COMMIT")
}

// queryOne runs a statement returning one row of one column.
func queryOne(s *session, query string, dest any) error {
	rows, err := s.Query(context.Background(), query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%s: no row", query)
	}
	if err := rows.Scan(dest); err != nil {
		return err
	}
	return rows.Err()
}
