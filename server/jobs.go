package server

import (
	"context"
	"time"

	"github.com/palisade/palisade/activitylog"
)

// Key rotation: the signing key is replaced once it is this old; the check runs hourly.
const (
	keyMaxAge        = 30 * 24 * time.Hour
	keyCheckInterval = time.Hour
)

// background runs the server's periodic jobs until ctx ends: activity-log retention (one replica
// at a time, through the store's lock) and signing-key rotation.
func (s *Server) background(ctx context.Context) {
	ret := &activitylog.Retention{Store: s.st, Keep: s.cfg.ActivityLogRetention, Logger: s.log}
	go ret.Run(ctx)
	t := time.NewTicker(keyCheckInterval)
	defer t.Stop()
	for {
		if rotated, err := s.ident.RotateKeysIfOlder(ctx, keyMaxAge); err != nil {
			s.log.Error("rotate signing keys", "err", err)
		} else if rotated {
			s.log.Info("rotated the token signing key")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
