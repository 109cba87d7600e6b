package sqlite

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/internal/sqlstore"
)

// docCache holds the latest committed version of recently used documents
// and the set of every stored key, so that most single-document reads need
// no SQL: a reader's first statement after a commit finds its connection's
// page cache discarded and reads each page again with a system call.
//
// The writer keeps it exact. After each commit, before answering the
// batch, it publishes every document the batch wrote or deleted (a
// tombstone), so a client that was answered reads its write. Reads of
// other documents fill it (see fill). A commit by another process sharing
// the file resets it (see DB.checkExternal).
//
// The key set answers "does not exist" for keys never stored: it holds a
// 64-bit hash of every stored key and only grows (deleted keys stay until
// the set is reloaded), so a hash it lacks is certainly absent and a
// collision only costs a SQL read.
type docCache struct {
	mu        sync.RWMutex
	docs      map[string]*store.Document // by key; nil value: deleted (a tombstone)
	bytes     int
	maxBytes  int
	keys      map[uint64]struct{} // nil until loaded
	loaded    int                 // keys at the last load
	deleted   int                 // deletes published since the last load
	seed      maphash.Seed
	evictions uint64 // counts drops, so fills read before one are refused
}

// entryOverhead approximates the memory of one entry beyond its body.
const entryOverhead = 256

func newDocCache(maxBytes int) *docCache {
	return &docCache{docs: map[string]*store.Document{}, maxBytes: maxBytes, seed: maphash.MakeSeed()}
}

func (c *docCache) hash(key string) uint64 { return maphash.String(c.seed, key) }

// Lookup implements sqlstore.DocLookup for committed documents.
func (c *docCache) Lookup(key string) (*store.Document, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lookupLocked(key)
}

func (c *docCache) lookupLocked(key string) (*store.Document, bool) {
	if d, ok := c.docs[key]; ok {
		return d, true
	}
	if c.keys != nil {
		if _, ok := c.keys[c.hash(key)]; !ok {
			return nil, true
		}
	}
	return nil, false
}

// lookupForFill is Lookup that also returns the eviction count to pass to
// fill after reading the document from SQL.
func (c *docCache) lookupForFill(key string) (*store.Document, bool, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, known := c.lookupLocked(key)
	return d, known, c.evictions
}

// fill caches d, read from a snapshot taken after a lookup that missed
// with eviction count ev. A publish of the key since then left an entry (a
// document or a tombstone) that is at least as new, and an eviction since
// then may have dropped one; in both cases d is not cached.
func (c *docCache) fill(d *store.Document, ev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evictions != ev {
		return
	}
	if _, ok := c.docs[d.Key]; ok {
		return
	}
	c.put(d.Key, d)
}

// publish records the documents a commit wrote (nil for deletes).
func (c *docCache) publish(written map[string]*store.Document) {
	if len(written) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, d := range written {
		if old, ok := c.docs[key]; ok {
			c.bytes -= size(key, old)
		}
		delete(c.docs, key)
		c.put(key, d)
		if d != nil && c.keys != nil {
			c.keys[c.hash(key)] = struct{}{}
		} else if d == nil {
			c.deleted++
		}
	}
}

// put stores an entry, first dropping entries when the cache is full.
// Callers hold mu.
func (c *docCache) put(key string, d *store.Document) {
	n := size(key, d)
	if c.bytes+n > c.maxBytes {
		// Drop about half the entries; map order makes the choice
		// arbitrary, which is good enough for a cache in front of a
		// database that answers in microseconds.
		for k, v := range c.docs {
			if c.bytes <= c.maxBytes/2 {
				break
			}
			c.bytes -= size(k, v)
			delete(c.docs, k)
		}
		c.evictions++
	}
	c.docs[key] = d
	c.bytes += n
}

func size(key string, d *store.Document) int {
	if d == nil {
		return len(key) + entryOverhead
	}
	return len(key) + len(d.Body) + entryOverhead
}

// reset forgets everything, after another process changed the database;
// the key set must be loaded again.
func (c *docCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.docs, c.bytes, c.keys = map[string]*store.Document{}, 0, nil
	c.evictions++
}

// setKeys installs the set of stored keys, read in the writer's
// transaction so that no commit can come between the read and this call.
func (c *docCache) setKeys(keys []string) {
	set := make(map[uint64]struct{}, len(keys))
	for _, k := range keys {
		set[c.hash(k)] = struct{}{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys, c.loaded, c.deleted = set, len(keys), 0
}

// keysStale reports whether the key set should be read again: it is not
// loaded, or so many keys were deleted since that it may hold more dead
// keys than live ones (it never drops a key on its own).
func (c *docCache) keysStale() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.keys == nil || c.deleted > c.loaded+1024
}

// batchLookup answers the reads of a transaction in the writer: documents
// written by earlier transactions of the same batch, then the committed
// ones.
type batchLookup struct {
	written map[string]*store.Document
	cache   *docCache
}

func (b *batchLookup) Lookup(key string) (*store.Document, bool) {
	if d, ok := b.written[key]; ok {
		return d, true
	}
	return b.cache.Lookup(key)
}

var (
	_ sqlstore.DocLookup = (*batchLookup)(nil)
	_ store.LatestReader = (*DB)(nil)
)

// GetLatest implements store.LatestReader from the document cache, reading
// and caching the document on a miss.
func (db *DB) GetLatest(ctx context.Context, key string) (*store.Document, error) {
	key = strings.ToLower(key)
	d, known, ev := db.cache.lookupForFill(key)
	if known {
		if d == nil {
			return nil, fmt.Errorf("get %s: %w", key, store.ErrNotFound)
		}
		return sqlstore.CloneDocument(d), nil
	}
	err := db.View(ctx, func(tx store.Tx) error {
		var err error
		d, err = tx.Get(ctx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	db.cache.fill(sqlstore.CloneDocument(d), ev)
	return d, nil
}
