package store

import (
	"context"
	"fmt"
)

// eachPage is the page size Each asks for when q sets none, so a large
// list is read in bounded pieces.
const eachPage = 500

// Each calls fn for every document matching q, in key order, reading page
// after page; an error from fn stops it and is returned as is.
func Each(ctx context.Context, tx Tx, q Query, fn func(*Document) error) error {
	if q.Limit <= 0 {
		q.Limit = eachPage
	}
	for {
		p, err := tx.List(ctx, q)
		if err != nil {
			return fmt.Errorf("list %v: %w", q.Types, err)
		}
		for _, d := range p.Documents {
			if err := fn(d); err != nil {
				return err
			}
		}
		if p.Continuation == "" {
			return nil
		}
		q.Continuation = p.Continuation
	}
}

// ListAll returns every document matching q, in key order.
func ListAll(ctx context.Context, tx Tx, q Query) ([]*Document, error) {
	var out []*Document
	err := Each(ctx, tx, q, func(d *Document) error {
		out = append(out, d)
		return nil
	})
	return out, err
}
