package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
)

// serveResource handles PUT/GET/HEAD/PATCH/DELETE of a provider resource
// of any namespace and type, nested or deployed on another scope.
func (h *Handler) serveResource(w http.ResponseWriter, req *Request) error {
	switch req.HTTP.Method {
	case http.MethodGet, http.MethodHead:
		return h.getResource(w, req)
	case http.MethodPut:
		return h.putResource(w, req, false)
	case http.MethodPatch:
		return h.putResource(w, req, true)
	case http.MethodDelete:
		return h.deleteResource(w, req)
	}
	return methodNotAllowed(req)
}

// missing explains why id is absent: its subscription, resource group or
// parent is missing, or the object itself.
func missing(ctx context.Context, tx store.Tx, id armid.ID) error {
	if id.Kind().IsScope() {
		if err := CheckScope(ctx, tx, id); err != nil {
			return err
		}
	}
	if p, ok := id.Parent(); ok {
		if err := CheckScope(ctx, tx, p); err != nil {
			return err
		}
	}
	return resourceNotFound(id.Type(), id.FullName(), id.ResourceGroup())
}

func (h *Handler) getResource(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	key := req.ID.Key()
	var doc *store.Document
	var gen uint64
	if h.cache != nil {
		if doc = h.cache.get(strings.ToLower(req.ID.Type()), key); doc != nil {
			if req.HTTP.Method == http.MethodHead {
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
			writeDoc(w, http.StatusOK, doc)
			return nil
		}
		gen = h.cache.generation()
	}
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		doc, err = tx.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			return missing(ctx, tx, req.ID)
		}
		return err
	})
	if err == nil && h.cache != nil {
		h.cache.put(gen, doc)
	}
	if req.HTTP.Method == http.MethodHead {
		// CheckExistence: 204 when the resource exists, 404 otherwise.
		var ae *Error
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
			return nil
		case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	writeDoc(w, http.StatusOK, doc)
	return nil
}

// invalidate drops cached documents of the given lower-case types (all
// when none are given) after a write, before the response is sent, so a
// client always reads its own writes.
func (h *Handler) invalidate(types ...string) {
	if h.cache == nil {
		return
	}
	if len(types) == 0 {
		types = nil
	}
	h.cache.invalidate(types)
}

// conditionOf reads If-Match / If-None-Match (quotes removed).
func conditionOf(r *http.Request) store.Condition {
	unq := func(s string) string {
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "W/"))
		return strings.Trim(s, `"`)
	}
	return store.Condition{IfMatch: unq(r.Header.Get("If-Match")), IfNoneMatch: unq(r.Header.Get("If-None-Match"))}
}

func preconditionFailed(id armid.ID) *Error {
	return Errorf(http.StatusPreconditionFailed, CodePreconditionFailed,
		"The condition specified using HTTP conditional header(s) is not met for resource '%s'.", id)
}

// putResource creates or replaces (PUT, 201/200) or updates (PATCH, 200) a
// resource. The parent scope must exist. The write is one transaction:
// the existing object is read for 201-vs-200, its creation systemData and
// its casing, then the new body is stored under the If-Match /
// If-None-Match condition.
func (h *Handler) putResource(w http.ResponseWriter, req *Request, patch bool) error {
	in, err := decodeResource(req.Body)
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	cond := conditionOf(req.HTTP)
	by, byType := principalType(req.Principal)
	status := http.StatusOK
	var stored *store.Document
	var wc *writeCheck
	err = h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.Get(ctx, req.ID.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
			if patch {
				return missing(ctx, tx, req.ID)
			}
			if p, ok := req.ID.Parent(); ok {
				if err := CheckScope(ctx, tx, p); err != nil {
					return err
				}
			}
			status, old = http.StatusCreated, nil
		case err != nil:
			return err
		}
		id, typ := canonicalID(req.ID), req.ID.Type()
		sd := systemData{CreatedBy: by, CreatedByType: byType, CreatedAt: tx.Now(),
			LastModifiedBy: by, LastModifiedByType: byType, LastModifiedAt: tx.Now()}
		body := in
		if old != nil {
			if oid, perr := armid.Parse(old.ID); perr == nil {
				id, typ = oid, oid.Type()
			}
			prev := storedSystemData(old.Body)
			sd.CreatedBy, sd.CreatedByType, sd.CreatedAt = prev.CreatedBy, prev.CreatedByType, prev.CreatedAt
			if patch {
				if body, err = mergePatch(old.Body, in); err != nil {
					return err
				}
			}
		}
		doc := &store.Document{
			ID: id.String(), Key: id.Key(), Type: strings.ToLower(typ), Name: id.Name(),
			SubscriptionID: strings.ToLower(id.SubscriptionID()), ResourceGroup: strings.ToLower(id.ResourceGroup()),
			Location: body.location, Tags: body.tags,
			Body: buildEnvelope(id.String(), id.Name(), typ, body, sd),
		}
		if p, ok := id.Parent(); ok {
			doc.ParentKey = p.Key()
		}
		op := policy.OperationUpdate
		if old == nil {
			op = policy.OperationCreate
		}
		if wc, err = h.guardWrite(ctx, tx, req, op, id, doc, false); err != nil {
			return err
		}
		stored, err = tx.Put(ctx, doc, cond)
		if errors.Is(err, store.ErrPreconditionFailed) {
			return preconditionFailed(req.ID)
		}
		if err != nil {
			return err
		}
		return h.recordWrite(ctx, tx, wc, status, stored.Body)
	})
	h.invalidate(strings.ToLower(req.ID.Type()))
	if err != nil {
		return h.refused(ctx, wc, err)
	}
	writeDoc(w, status, stored)
	return nil
}

// deleteResource removes a resource and everything below it (nested and
// extension resources): 200 when it existed, 204 when it did not.
func (h *Handler) deleteResource(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	cond := conditionOf(req.HTTP)
	found := true
	var wc *writeCheck
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if old, err := tx.Get(ctx, req.ID.Key()); err == nil {
			if wc, err = h.guardWrite(ctx, tx, req, policy.OperationDelete, req.ID, old, false); err != nil {
				return err
			}
		}
		_, err := tx.Delete(ctx, req.ID.Key(), cond)
		switch {
		case errors.Is(err, store.ErrNotFound):
			found = false
			if p, ok := req.ID.Parent(); ok {
				return CheckScope(ctx, tx, p)
			}
			return nil
		case errors.Is(err, store.ErrPreconditionFailed):
			return preconditionFailed(req.ID)
		case err != nil:
			return fmt.Errorf("delete %s: %w", req.ID, err)
		}
		if _, err = tx.DeleteUnder(ctx, req.ID.Key()); err != nil {
			return err
		}
		return h.recordWrite(ctx, tx, wc, http.StatusOK, nil)
	})
	h.invalidate() // the cascade may have removed any type
	if err != nil {
		return h.refused(ctx, wc, err)
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
