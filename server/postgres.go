package server

import (
	"context"
	"errors"

	"github.com/palisade/palisade/store"
)

// openPostgres opens the PostgreSQL store.
func openPostgres(ctx context.Context, dsn string) (store.Store, error) {
	_, _ = ctx, dsn
	return nil, errors.New("the PostgreSQL store is not available in this build yet; use the default SQLite store")
}
