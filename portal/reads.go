package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Lists on a large store are read from the store directly when
// Config.Store is set: the ARM list routes page through every document,
// which is too slow for a page that must render in well under 100 ms with
// 10,000 resources and 1,000 assignments. Before any such read the user's
// token must be able to read the subscription through ARM (checkRead), so
// the shortcut never shows a signed-in user more than ARM would let them
// list at that scope. Writes always go through ARM.

// policyCache keeps the decoded assignments and definitions until a store
// notification says they changed.
type policyCache struct {
	mu          sync.Mutex
	assignments []*assignment
	definitions map[string][]*definition // by subscription
	// gen counts assignment invalidations, so that a load that started
	// before a change does not keep its stale result.
	gen uint64
	// warm, when set, reloads the assignments in the background after a
	// change, so the next page does not wait for it. One reload runs at a
	// time; changes during it ask for one more (again).
	warm           func()
	warming, again bool
}

// invalidate drops what the changed document types may affect.
func (c *policyCache) invalidate(types []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dropAssignments := types == nil
	if types == nil {
		c.definitions = nil
	}
	for _, t := range types {
		switch {
		case strings.Contains(t, "policyassignments"):
			dropAssignments = true
		case strings.Contains(t, "policydefinitions"), strings.Contains(t, "policysetdefinitions"):
			c.definitions = nil
		}
	}
	if dropAssignments {
		c.assignments = nil
		c.gen++
		c.startWarm()
	}
}

// startWarm runs warm in the background unless it is running, in which
// case it runs once more when it ends. c.mu must be held.
func (c *policyCache) startWarm() {
	if c.warm == nil {
		return
	}
	if c.warming {
		c.again = true
		return
	}
	c.warming = true
	go func() {
		for {
			c.warm()
			c.mu.Lock()
			if !c.again {
				c.warming = false
				c.mu.Unlock()
				return
			}
			c.again = false
			c.mu.Unlock()
		}
	}()
}

// checkRead asks ARM, with the user's token, for the subscription: the
// user may list what is in it only if that succeeds.
func (p *Portal) checkRead(ctx context.Context, token, sub string) error {
	resp, err := p.call(ctx, token, http.MethodGet, withVersion("/subscriptions/"+sub, verSubs), nil)
	if err != nil {
		return err
	}
	if !resp.OK() {
		e := resp.Error()
		return &accessError{Status: resp.Status, Code: e.Code, Message: e.Message}
	}
	return nil
}

// accessError is ARM's refusal of a read the page needs (for example
// AuthorizationFailed for a user without a role on the subscription).
type accessError struct {
	Status        int
	Code, Message string
}

func (e *accessError) Error() string { return e.Code + ": " + e.Message }

// storeAssignments returns every assignment in the store, decoded once per
// change.
func (p *Portal) storeAssignments(ctx context.Context) ([]*assignment, error) {
	c := &p.cache
	c.mu.Lock()
	cached, gen := c.assignments, c.gen
	c.mu.Unlock()
	if cached != nil {
		return cached, nil
	}
	var out []*assignment
	err := p.cfg.Store.View(ctx, func(tx store.Tx) error {
		q := store.Query{Types: []string{"microsoft.authorization/policyassignments"}}
		return store.Each(ctx, tx, q, func(d *store.Document) error {
			a, err := decodeAssignment(d.Body)
			if err == nil {
				out = append(out, a)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*assignment{}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.assignments = out
	}
	c.mu.Unlock()
	return out, nil
}

// appliesTo reports whether an assignment's scope is the subscription, a
// scope inside it, or a management group (above it).
func appliesTo(a *assignment, sub string) bool {
	scope := strings.ToLower(a.Props.Scope)
	if scope == "" {
		scope = strings.ToLower(a.ID)
	}
	subKey := "/subscriptions/" + strings.ToLower(sub)
	return scope == subKey || strings.HasPrefix(scope, subKey+"/") ||
		strings.HasPrefix(scope, "/providers/microsoft.management/managementgroups/")
}

// storeChildren lists the documents a query selects, up to limit, keeping
// those of the wanted kind; it returns the continuation of the last page
// read.
func (p *Portal) storeChildren(ctx context.Context, q store.Query, kind armid.Kind, limit int) ([]armObject, string, error) {
	var out []armObject
	next := ""
	err := p.cfg.Store.View(ctx, func(tx store.Tx) error {
		for {
			pg, err := tx.List(ctx, q)
			if err != nil {
				return fmt.Errorf("list documents: %w", err)
			}
			for _, d := range pg.Documents {
				id, err := armid.Parse(d.ID)
				if err != nil || id.Kind() != kind {
					continue
				}
				objs, err := decodeObjects([]json.RawMessage{d.Body})
				if err != nil {
					return err
				}
				out = append(out, objs[0])
			}
			next = pg.Continuation
			if next == "" || (limit > 0 && len(out) >= limit) {
				return nil
			}
			q.Continuation = next
		}
	})
	return out, next, err
}

// listResourceGroups lists a subscription's resource groups.
func (p *Portal) listResourceGroups(ctx context.Context, token, sub string) ([]armObject, error) {
	if p.cfg.Store == nil {
		raws, err := p.list(ctx, token, withVersion("/subscriptions/"+sub+"/resourcegroups", verResources), 1000)
		if err != nil {
			return nil, err
		}
		return decodeObjects(raws)
	}
	if err := p.checkRead(ctx, token, sub); err != nil {
		return nil, err
	}
	groups, _, err := p.storeChildren(ctx, store.Query{ParentKey: "/subscriptions/" + strings.ToLower(sub), Types: []string{strings.ToLower(armid.ResourceGroupType)}}, armid.ResourceGroup, 0)
	return groups, err
}
