package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification payloads are "{replica}\n{type},{type}...". PostgreSQL caps
// a payload at 8000 bytes; past that the types are replaced by "*",
// meaning "anything may have changed".
const maxPayload = 7900

func encodePayload(replica string, types []string) string {
	p := replica + "\n" + strings.Join(types, ",")
	if len(p) > maxPayload {
		return replica + "\n*"
	}
	return p
}

// decodePayload returns the sender and the types (nil for "*").
func decodePayload(p string) (replica string, types []string) {
	replica, list, _ := strings.Cut(p, "\n")
	if list == "*" || list == "" {
		return replica, nil
	}
	return replica, strings.Split(list, ",")
}

// listenConn opens a dedicated connection (outside the pool, which would
// hand a LISTENing session to other users) subscribed to the channel.
func (db *DB) listenConn(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("listen: connect: %w", translate(err))
	}
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{db.channel}.Sanitize()); err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("listen: %w", translate(err))
	}
	return c, nil
}

// listen forwards other replicas' notifications to the subscribers until
// ctx ends. After a lost connection it reconnects and tells subscribers
// that anything may have changed, since notifications sent meanwhile are
// gone.
func (db *DB) listen(ctx context.Context, c *pgx.Conn) {
	defer close(db.stopped)
	backoff := 100 * time.Millisecond
	for {
		for c != nil {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				c.Close(context.Background())
				c = nil
				break
			}
			backoff = 100 * time.Millisecond
			if replica, types := decodePayload(n.Payload); replica != db.replica {
				db.notifier.Notify(types)
			}
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, 10*time.Second)
		if conn, err := db.listenConn(ctx); err == nil {
			c = conn
			db.notifier.Notify(nil)
		}
	}
}
