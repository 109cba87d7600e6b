package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/palisade/palisade/store"
)

// errNeedsSnapshot stops a plan made from single-document reads when it
// needs more (a list, a query): the plan is then made again in a View.
var errNeedsSnapshot = errors.New("plan needs a read snapshot")

// planReads runs fn, which plans a write, with reads of the latest
// committed documents. When the store reads single documents cheaply
// (store.LatestReader) a plan that only reads single documents costs no
// transaction at all; a plan that lists or queries, and every plan on
// other stores, runs in a View. fn must be safe to run twice. Plans made
// this way must be written conditionally on the version they read, as
// putResource does, because the documents they read may change before
// the write.
func (h *Handler) planReads(ctx context.Context, fn func(tx store.Tx) error) error {
	if _, ok := h.cfg.Store.(store.LatestReader); ok {
		err := fn(&latestTx{st: h.cfg.Store, now: time.Now().UTC().Truncate(time.Microsecond)})
		if !errors.Is(err, errNeedsSnapshot) {
			return err
		}
	}
	return h.cfg.Store.View(ctx, fn)
}

// latestTx is the read-only store.Tx of planReads' fast path: Get reads
// the latest committed document, anything else asks for a View.
type latestTx struct {
	st  store.Store
	now time.Time
}

func (t *latestTx) Now() time.Time { return t.now }

func (t *latestTx) Get(ctx context.Context, key string) (*store.Document, error) {
	return store.GetLatest(ctx, t.st, key)
}

func (t *latestTx) List(context.Context, store.Query) (store.Page, error) {
	return store.Page{}, errNeedsSnapshot
}

func (t *latestTx) QueryEvents(context.Context, store.EventQuery) (store.EventPage, error) {
	return store.EventPage{}, errNeedsSnapshot
}

func (t *latestTx) GetValue(context.Context, string, string) ([]byte, error) {
	return nil, errNeedsSnapshot
}

func readOnly(op string) error { return fmt.Errorf("%s while planning: %w", op, store.ErrReadOnly) }

func (t *latestTx) Put(context.Context, *store.Document, store.Condition) (*store.Document, error) {
	return nil, readOnly("put")
}

func (t *latestTx) Delete(context.Context, string, store.Condition) (*store.Document, error) {
	return nil, readOnly("delete")
}

func (t *latestTx) DeleteUnder(context.Context, string) ([]*store.Document, error) {
	return nil, readOnly("delete under")
}

func (t *latestTx) AppendEvents(context.Context, []store.Event) error {
	return readOnly("append events")
}

func (t *latestTx) DeleteEventsBefore(context.Context, time.Time) (int, error) {
	return 0, readOnly("delete events")
}

func (t *latestTx) PutValue(context.Context, string, string, []byte, time.Time) error {
	return readOnly("put value")
}

func (t *latestTx) TakeValue(context.Context, string, string) ([]byte, error) {
	return nil, readOnly("take value")
}

func (t *latestTx) DeleteExpiredValues(context.Context) (int, error) {
	return 0, readOnly("delete expired values")
}

var _ store.Tx = (*latestTx)(nil)
