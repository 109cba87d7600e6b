package sqlstore

import "sync"

// Notifier holds the Subscribe callbacks of a store and calls them after
// commits.
type Notifier struct {
	mu  sync.RWMutex
	fns []func(types []string)
}

// Subscribe registers fn.
func (n *Notifier) Subscribe(fn func(types []string)) {
	n.mu.Lock()
	n.fns = append(n.fns, fn)
	n.mu.Unlock()
}

// Notify calls every callback with types (nil meaning "anything may have
// changed").
func (n *Notifier) Notify(types []string) {
	n.mu.RLock()
	fns := n.fns
	n.mu.RUnlock()
	for _, fn := range fns {
		fn(types)
	}
}
