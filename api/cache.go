package api

import (
	"strings"
	"sync"

	"github.com/palisade/palisade/store"
)

// docCache keeps recently read documents in memory so that GET of a
// resource or resource group costs no store transaction. It is used only
// with a store that has one server process (SQLite): the handler
// invalidates the types it writes before answering, and the store's
// Subscribe reports every other commit in the process.
//
// A read that overlaps any write does not fill the cache: readers note
// the generation before reading and insert only if it has not moved, so a
// value read before a commit can never be cached after the commit's
// invalidation.
type docCache struct {
	mu       sync.Mutex
	gen      uint64
	byType   map[string]map[string]*store.Document // type → key → document
	bytes    int
	maxBytes int
}

func newDocCache(maxBytes int) *docCache {
	return &docCache{byType: map[string]map[string]*store.Document{}, maxBytes: maxBytes}
}

// generation returns the current generation, to pass to put.
func (c *docCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the cached document with this key and type, or nil.
func (c *docCache) get(typ, key string) *store.Document {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byType[typ][key]
}

// put caches d if no invalidation happened since generation gen.
func (c *docCache) put(gen uint64, d *store.Document) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.bytes+len(d.Body) > c.maxBytes {
		c.byType, c.bytes = map[string]map[string]*store.Document{}, 0
	}
	m := c.byType[d.Type]
	if m == nil {
		m = map[string]*store.Document{}
		c.byType[d.Type] = m
	}
	if old := m[d.Key]; old != nil {
		c.bytes -= len(old.Body)
	}
	m[d.Key] = d
	c.bytes += len(d.Body)
}

// invalidate drops the documents of the given lower-case types (all of
// them when types is nil) and moves the generation.
func (c *docCache) invalidate(types []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if types == nil {
		c.byType, c.bytes = map[string]map[string]*store.Document{}, 0
		return
	}
	for _, t := range types {
		t = strings.ToLower(t)
		for _, d := range c.byType[t] {
			c.bytes -= len(d.Body)
		}
		delete(c.byType, t)
	}
}
