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
	doc, err := store.GetLatest(ctx, h.cfg.Store, req.ID.Key())
	if errors.Is(err, store.ErrNotFound) {
		// Which 404: the resource, its group or its subscription.
		err = h.cfg.Store.View(ctx, func(tx store.Tx) error { return missing(ctx, tx, req.ID) })
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
// resource whose parent scope exists.
//
// The work is split so that the store's single writer only does SQL: the
// new body, the policy decision and the activity-log events are prepared
// from a read snapshot (planPut); the write transaction then checks that
// the resource is still the version the plan was made from, checks the
// parent of a new resource again, evaluates If-Match / If-None-Match, and
// stores the resource with its events. A concurrent change to the same
// resource makes the plan stale and it is made again.
func (h *Handler) putResource(w http.ResponseWriter, req *Request, patch bool) error {
	in, err := decodeResource(req.Body)
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	cond := conditionOf(req.HTTP)
	for attempt := 0; ; attempt++ {
		p, err := h.planPut(ctx, req, in, patch, cond)
		if err != nil {
			if p != nil {
				return h.refused(ctx, p.wc, err)
			}
			return err
		}
		var stored *store.Document
		err = h.cfg.Store.Update(ctx, func(tx store.Tx) error {
			// The write applies only to the version planned from: absent
			// for a create, the same ETag for an update.
			write := store.Condition{IfNoneMatch: "*"}
			if p.old != nil {
				write = store.Condition{IfMatch: p.old.ETag}
			} else if err := checkParent(ctx, tx, req.ID); err != nil {
				return err
			}
			if stored, err = tx.Put(ctx, p.doc, write); errors.Is(err, store.ErrPreconditionFailed) {
				return errStalePlan
			} else if err != nil {
				return err
			}
			if p.events != nil {
				return tx.AppendEvents(ctx, p.events)
			}
			return h.recordWrite(ctx, tx, p.wc, p.status, stored.Body)
		})
		if errors.Is(err, errStalePlan) && attempt < 20 {
			continue
		}
		if errors.Is(err, errStalePlan) {
			return Errorf(http.StatusConflict, CodeConflict, "The resource '%s' is being changed by other requests; retry the request.", req.ID)
		}
		if err != nil {
			return err
		}
		writeDoc(w, p.status, stored)
		return nil
	}
}

// checkParent returns ARM's 404 unless the scope or parent resource id is
// created under exists: SubscriptionNotFound, ResourceGroupNotFound, or
// for a nested resource ParentResourceNotFound
// (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-parent-resource).
func checkParent(ctx context.Context, tx store.Tx, id armid.ID) error {
	parent, ok := id.Parent()
	if !ok {
		return nil
	}
	err := CheckScope(ctx, tx, parent)
	var ae *Error
	if errors.As(err, &ae) && ae.Code == CodeResourceNotFound && (parent.Kind() == armid.Resource || parent.Kind() == armid.Extension) {
		return Errorf(http.StatusNotFound, "ParentResourceNotFound",
			"Can not perform requested operation on nested resource. Parent resource '%s' not found.", parent.FullName())
	}
	return err
}

// errStalePlan reports that the resource changed between planPut and the
// write.
var errStalePlan = errors.New("resource changed since the write was planned")

// putPlan is a resource write prepared outside the write transaction.
type putPlan struct {
	old    *store.Document // the version planned from; nil for a create
	doc    *store.Document
	status int
	wc     *writeCheck
	events []store.Event // nil: record them inside the write (existence effects)
}

// planPut builds the document a PUT or PATCH would store and decides the
// write, from a read snapshot. On a policy refusal it returns the plan
// (for the refusal's events) with the error.
func (h *Handler) planPut(ctx context.Context, req *Request, in *resourceInput, patch bool, cond store.Condition) (*putPlan, error) {
	by, byType := principalType(req.Principal)
	var p *putPlan
	err := h.planReads(ctx, func(tx store.Tx) error {
		p = &putPlan{status: http.StatusOK}
		old, err := tx.Get(ctx, req.ID.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
			if patch {
				return missing(ctx, tx, req.ID)
			}
			if err := checkParent(ctx, tx, req.ID); err != nil {
				return err
			}
			p.status, old = http.StatusCreated, nil
		case err != nil:
			return err
		}
		if !conditionHolds(old, cond) {
			return preconditionFailed(req.ID)
		}
		p.old = old
		if old != nil && !patch && in.location != "" && old.Location != "" && !strings.EqualFold(old.Location, in.location) {
			return locationChange(old, in.location)
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
		p.doc = &store.Document{
			ID: id.String(), Key: id.Key(), Type: strings.ToLower(typ), Name: id.Name(),
			SubscriptionID: strings.ToLower(id.SubscriptionID()), ResourceGroup: strings.ToLower(id.ResourceGroup()),
			Location: body.location, Tags: body.tags,
			Body: buildEnvelope(id.String(), id.Name(), typ, body, sd),
		}
		if parent, ok := id.Parent(); ok {
			p.doc.ParentKey = parent.Key()
		}
		op := policy.OperationUpdate
		if old == nil {
			op = policy.OperationCreate
		}
		kind := writeKind{tagsOnly: patch && patchesOnlyTags(in)}
		if p.wc, err = h.guardWriteAs(ctx, tx, req, op, id, p.doc, kind); err != nil {
			return err
		}
		if p.wc != nil && len(p.wc.decision.Existence) == 0 {
			// The stored body is p.doc.Body byte for byte, so the events
			// can be written now; existence effects look at the store
			// after the write and are recorded inside it.
			if p.events, err = h.enforcement.events(ctx, tx, p.wc, p.status, p.doc.Body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errRefused) {
			return p, err
		}
		return nil, err
	}
	return p, nil
}

// patchesOnlyTags reports whether a PATCH body sets nothing but tags. Azure Policy then enforces
// only the definitions whose conditions inspect tags-related fields
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule).
// A body naming any other member counts as a full update, even when it repeats the stored value.
func patchesOnlyTags(in *resourceInput) bool {
	_, ok := in.fields["tags"]
	return ok && len(in.fields) == 1
}

// codeInvalidResourceLocation is ARM's code for a PUT that names another
// location than the existing resource's.
const codeInvalidResourceLocation = "InvalidResourceLocation"

// locationChange is ARM's refusal of a PUT that would move an existing
// resource to another region: a resource keeps the location it was
// created in.
func locationChange(old *store.Document, loc string) *Error {
	if old.ResourceGroup != "" {
		rg := old.ResourceGroup
		if id, err := armid.Parse(old.ID); err == nil {
			rg = id.ResourceGroup()
		}
		return Errorf(http.StatusBadRequest, codeInvalidResourceLocation,
			"The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.",
			old.Name, old.Location, rg, loc)
	}
	return Errorf(http.StatusBadRequest, codeInvalidResourceLocation,
		"The resource '%s' already exists in location '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.",
		old.Name, old.Location, loc)
}

// conditionHolds evaluates If-Match / If-None-Match against the current
// document (nil when absent), as store.Condition defines them.
func conditionHolds(cur *store.Document, c store.Condition) bool {
	if c.IfMatch != "" && (cur == nil || (c.IfMatch != "*" && c.IfMatch != cur.ETag)) {
		return false
	}
	switch {
	case c.IfNoneMatch == "*":
		return cur == nil
	case c.IfNoneMatch != "" && cur != nil:
		return cur.ETag != c.IfNoneMatch
	}
	return true
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
