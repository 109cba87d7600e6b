package server

import (
	"context"
	"fmt"

	"github.com/palisade/palisade/store"
	"github.com/palisade/palisade/store/postgres"
)

// openPostgres opens the PostgreSQL store (several replicas may share it).
func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL store: %w", err)
	}
	return st, nil
}
