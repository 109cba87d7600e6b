package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

// pagedTx serves List from n documents in pages of the query's limit.
type pagedTx struct {
	Tx
	n      int
	limits []int
}

func (p *pagedTx) List(_ context.Context, q Query) (Page, error) {
	p.limits = append(p.limits, q.Limit)
	start := 0
	if q.Continuation != "" {
		start, _ = strconv.Atoi(q.Continuation)
	}
	var page Page
	for i := start; i < p.n && len(page.Documents) < q.Limit; i++ {
		page.Documents = append(page.Documents, &Document{Key: strconv.Itoa(i)})
	}
	if end := start + len(page.Documents); end < p.n {
		page.Continuation = strconv.Itoa(end)
	}
	return page, nil
}

// Each reads every page in bounded pieces; ListAll returns every document;
// an error from the callback stops the walk and comes back unchanged.
func TestEachPagesThroughEverything(t *testing.T) {
	ctx := context.Background()
	tx := &pagedTx{n: 1234}
	docs, err := ListAll(ctx, tx, Query{})
	if err != nil || len(docs) != 1234 || docs[1233].Key != "1233" {
		t.Fatalf("ListAll: %d documents, %v", len(docs), err)
	}
	if len(tx.limits) != 3 || tx.limits[0] != eachPage {
		t.Errorf("pages asked with limits %v", tx.limits)
	}
	stop := errors.New("stop")
	seen := 0
	err = Each(ctx, &pagedTx{n: 1234}, Query{Limit: 10}, func(d *Document) error {
		if seen++; seen == 15 {
			return stop
		}
		return nil
	})
	if err != stop || seen != 15 {
		t.Errorf("Each after a callback error: %v after %d documents", err, seen)
	}
}
