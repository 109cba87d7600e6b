package portal

import (
	"context"
	"strings"
	"sync"
	"time"
)

// summaryTTL is how long the overview's event figures are served before
// they are recounted in the background.
const summaryTTL = 15 * time.Second

// eventSummary is the overview's count of recent audit and deny events.
// Counting means scanning a week of the activity log, which on a busy
// store takes longer than a page may, so the figures are kept for
// summaryTTL and refreshed in the background while the stale ones are
// shown (the page says when they were counted). The activity-log page
// itself always queries live.
type eventSummary struct {
	At             time.Time
	Audits, Denies int
	Recent         []*eventRow
}

// summaries holds one eventSummary per subscription.
type summaries struct {
	mu         sync.Mutex
	bySub      map[string]*eventSummary
	refreshing map[string]bool
}

// stale marks every summary for recounting, after a write made through
// the portal.
func (s *summaries) stale() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.bySub {
		v.At = time.Time{}
	}
}

// summary returns the subscription's event summary: the cached one while
// fresh, the cached one plus a background recount when stale, and an
// empty one (At zero) while the first count runs.
func (p *Portal) summary(ctx context.Context, token, sub string) (*eventSummary, error) {
	s := &p.sums
	key := strings.ToLower(sub)
	s.mu.Lock()
	cur := s.bySub[key]
	now := p.cfg.Now()
	if (cur == nil || now.Sub(cur.At) > summaryTTL) && !s.refreshing[key] {
		if s.refreshing == nil {
			s.refreshing = map[string]bool{}
		}
		s.refreshing[key] = true
		go func() {
			bg, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fresh, err := p.countEvents(bg, token, sub)
			s.mu.Lock()
			defer s.mu.Unlock()
			s.refreshing[key] = false
			if err != nil {
				p.log.Warn("portal: recount policy events", "subscription", sub, "err", err)
				return
			}
			if s.bySub == nil {
				s.bySub = map[string]*eventSummary{}
			}
			s.bySub[key] = fresh
		}()
	}
	s.mu.Unlock()
	if cur == nil {
		// The first count is under way; the page says so.
		return &eventSummary{}, nil
	}
	return cur, nil
}

// countEvents counts the last week's audit and deny events and keeps the
// ten newest.
func (p *Portal) countEvents(ctx context.Context, token, sub string) (*eventSummary, error) {
	now := p.cfg.Now()
	evs, err := p.loadEvents(ctx, token, sub, eventQuery{From: now.Add(-7 * 24 * time.Hour), Category: "Policy"}, 500)
	if err != nil {
		return nil, err
	}
	sum := &eventSummary{At: now}
	for _, e := range evs {
		op := strings.ToLower(e.Operation)
		switch {
		case strings.Contains(op, "/audit/") || strings.Contains(op, "/auditaction/"):
			sum.Audits++
		case strings.Contains(op, "/deny/") || strings.Contains(op, "/denyaction/"):
			sum.Denies++
		}
	}
	if len(evs) > 10 {
		evs = evs[:10]
	}
	sum.Recent = evs
	return sum, nil
}
