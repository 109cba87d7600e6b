package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/store"
)

// LocksType is the type of management locks (Microsoft.Authorization/locks): extension
// resources on a subscription, a resource group or a resource.
const LocksType = "Microsoft.Authorization/locks"

// lockDocType is LocksType as the store keeps document types.
var lockDocType = strings.ToLower(LocksType)

// The lock levels. NotSpecified is in the API's enumeration but is not a lock one can create.
const (
	lockCanNotDelete = "CanNotDelete"
	lockReadOnly     = "ReadOnly"
	// maxLockNotes is the longest notes text a lock takes.
	maxLockNotes = 512
	// maxLockName is the longest lock name.
	maxLockName = 260
)

// CodeScopeLocked is ARM's code for a write or delete refused by a management lock.
const CodeScopeLocked = "ScopeLocked"

// lockBody is the ManagementLockObject the API stores and serves.
type lockBody struct {
	Properties lockProperties `json:"properties"`
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Name       string         `json:"name"`
}

type lockProperties struct {
	Level  string      `json:"level"`
	Notes  string      `json:"notes,omitempty"`
	Owners []lockOwner `json:"owners,omitempty"`
}

type lockOwner struct {
	ApplicationID string `json:"applicationId,omitempty"`
}

// lockRequest is the body of a lock PUT.
type lockRequest struct {
	Properties *struct {
		Level  *string     `json:"level"`
		Notes  *string     `json:"notes"`
		Owners []lockOwner `json:"owners"`
	} `json:"properties"`
}

// initLocks serves the locks API and keeps the lock index that every write consults fresh.
func (h *Handler) initLocks() {
	h.locks = &lockIndex{}
	h.cfg.Store.Subscribe(h.locks.invalidate)
	h.HandleType(LocksType, ProviderHandlerFunc(h.serveLocks))
}

// lockEntry is one lock as enforcement sees it.
type lockEntry struct {
	scopeKey string // lower-cased id of the locked scope
	scope    string // the locked scope in the lock's casing
	readOnly bool
}

// lockSnapshot holds every lock, by lower-cased subscription id. A snapshot is immutable.
type lockSnapshot struct {
	bySub map[string][]lockEntry
}

// lockIndex caches the lock snapshot in memory: most requests find no lock at all and must
// pay no more than an atomic load for the check. Any committed change to a lock (including
// the cascade of a resource-group delete) drops the snapshot; the next check loads it again.
type lockIndex struct {
	snap atomic.Pointer[lockSnapshot]
	mu   sync.Mutex // orders invalidations against the store of a freshly loaded snapshot
	gen  uint64
}

// invalidate is the store.Subscribe callback.
func (x *lockIndex) invalidate(types []string) {
	hit := types == nil
	for _, t := range types {
		if t == lockDocType {
			hit = true
			break
		}
	}
	if hit {
		x.mu.Lock()
		x.gen++
		x.snap.Store(nil)
		x.mu.Unlock()
	}
}

// get returns the current snapshot, loading it from st when it was dropped.
func (x *lockIndex) get(ctx context.Context, st store.Store) (*lockSnapshot, error) {
	if s := x.snap.Load(); s != nil {
		return s, nil
	}
	x.mu.Lock()
	gen := x.gen
	x.mu.Unlock()
	var s *lockSnapshot
	err := st.View(ctx, func(tx store.Tx) error {
		var err error
		s, err = loadLocks(ctx, tx, store.Query{Types: []string{lockDocType}})
		return err
	})
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	if gen == x.gen {
		x.snap.Store(s)
	}
	x.mu.Unlock()
	return s, nil
}

// loadLocks reads the locks q selects.
func loadLocks(ctx context.Context, tx store.Tx, q store.Query) (*lockSnapshot, error) {
	s := &lockSnapshot{bySub: map[string][]lockEntry{}}
	err := store.Each(ctx, tx, q, func(d *store.Document) error {
		id, err := armid.Parse(d.ID)
		if err != nil {
			return nil
		}
		var b lockBody
		if err := json.Unmarshal(d.Body, &b); err != nil {
			return fmt.Errorf("stored lock %s: %w", d.ID, err)
		}
		scope := id.Scope()
		sub := strings.ToLower(id.SubscriptionID())
		s.bySub[sub] = append(s.bySub[sub], lockEntry{scopeKey: scope.Key(), scope: scope.String(),
			readOnly: strings.EqualFold(b.Properties.Level, lockReadOnly)})
		return nil
	})
	return s, err
}

// isLockType reports whether typ is the lock type or a type below it: lock operations are never
// blocked by locks.
func isLockType(typ string) bool {
	return len(typ) >= len(LocksType) && strings.EqualFold(typ[:len(LocksType)], LocksType) &&
		(len(typ) == len(LocksType) || typ[len(LocksType)] == '/')
}

// checkLocks refuses a write the management locks above or on its target forbid, as ARM does:
// a CanNotDelete or ReadOnly lock refuses DELETE of the locked scope and of everything below it
// (and a DELETE of a scope holding a locked scope below it: a resource group with a locked
// resource); a ReadOnly lock also refuses PUT, PATCH and POST there. Extension resources (policy
// and role assignments, the Tags API) are below the scope they extend and inherit its locks.
// Reads and lock operations pass. The refusal is 409 ScopeLocked, recorded in the activity log.
func (h *Handler) checkLocks(req *Request) error {
	if !isWrite(req.HTTP.Method) || h.locks == nil {
		return nil
	}
	s, err := h.locks.get(req.HTTP.Context(), h.cfg.Store)
	if err != nil {
		return fmt.Errorf("read management locks: %w", err)
	}
	if len(s.bySub) == 0 || isLockType(req.Type) || readingPost(req) {
		return nil
	}
	refusal := lockRefusal(s, req)
	if refusal == nil {
		return nil
	}
	if h.enforcement != nil {
		action := authz.RequestAction(req.HTTP.Method, req.ID, req.Collection)
		if rerr := h.recordAuthorizationFailure(req, action, refusal); rerr != nil {
			h.log.Error("record lock refusal", "err", rerr)
		}
	}
	return refusal
}

// checkLocksIn is checkLocks for a resource-group delete, read again inside its transaction so
// that a lock created since the request's check still stops the delete.
func (h *Handler) checkLocksIn(ctx context.Context, tx store.Tx, req *Request) error {
	s, err := loadLocks(ctx, tx, store.Query{Types: []string{lockDocType}, SubscriptionID: req.ID.SubscriptionID()})
	if err != nil {
		return err
	}
	if r := lockRefusal(s, req); r != nil {
		return r
	}
	return nil
}

// lockRefusal returns the ScopeLocked error for req, or nil when no lock in s applies.
func lockRefusal(s *lockSnapshot, req *Request) *Error {
	entries := s.bySub[strings.ToLower(req.ID.SubscriptionID())]
	if len(entries) == 0 {
		return nil
	}
	del := req.HTTP.Method == http.MethodDelete
	target := req.ID.Key()
	var locked []string
	seen := map[string]bool{}
	for _, e := range entries {
		above := target == e.scopeKey || strings.HasPrefix(target, e.scopeKey+"/")
		below := del && strings.HasPrefix(e.scopeKey, target+"/")
		if (above && (del || e.readOnly)) || below {
			if !seen[e.scopeKey] {
				seen[e.scopeKey] = true
				locked = append(locked, e.scope)
			}
		}
	}
	if len(locked) == 0 {
		return nil
	}
	op := "write"
	if del {
		op = "delete"
	}
	return Errorf(http.StatusConflict, CodeScopeLocked,
		"The scope '%s' cannot perform %s operation because following scope(s) are locked: '%s'. Please remove the lock and try again.",
		req.ID, op, strings.Join(locked, "','"))
}

// serveLocks answers the management locks API at a subscription, a resource group or a
// resource: PUT, GET and DELETE of {scope}/providers/Microsoft.Authorization/locks/{name}, and
// GET of {scope}/providers/Microsoft.Authorization/locks.
func (h *Handler) serveLocks(w http.ResponseWriter, req *Request) {
	if err := h.serveLock(w, req); err != nil {
		WriteError(w, err)
	}
}

func (h *Handler) serveLock(w http.ResponseWriter, req *Request) error {
	if err := checkTypeAPIVersion(req, "Microsoft.Authorization", "locks"); err != nil {
		return err
	}
	if req.IsCollection() {
		if !strings.EqualFold(req.Type, LocksType) {
			return lockTypeNotFound(req)
		}
		if err := checkLockScope(req, req.ID); err != nil {
			return err
		}
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		return h.listLocks(w, req)
	}
	if !strings.EqualFold(req.ID.Type(), LocksType) {
		return lockTypeNotFound(req)
	}
	if err := checkLockScope(req, req.ID.Scope()); err != nil {
		return err
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		return h.getLock(w, req)
	case http.MethodPut:
		return h.putLock(w, req)
	case http.MethodDelete:
		return h.deleteLock(w, req)
	}
	return methodNotAllowed(req)
}

func lockTypeNotFound(req *Request) error {
	return Errorf(http.StatusNotFound, CodeInvalidResourceType,
		"The resource type '%s' could not be found in the namespace 'Microsoft.Authorization' for api version '%s'.", req.Type, req.APIVersion)
}

// checkLockScope refuses locks above a subscription: management groups and the tenant take no
// locks.
func checkLockScope(req *Request, scope armid.ID) error {
	if scope.SubscriptionID() != "" {
		return nil
	}
	return Errorf(http.StatusBadRequest, "InvalidLockScope",
		"The scope '%s' cannot be locked: management locks apply to a subscription, a resource group or a resource, not to a management group or the tenant.", scope)
}

// checkLockName applies the rules of the lock name: at most 260 characters, none of
// < > % & : \ ? / and no control characters.
func checkLockName(name string) error {
	bad := len([]rune(name)) > maxLockName || name == ""
	for _, r := range name {
		if strings.ContainsRune(`<>%&:\?/`, r) || unicode.IsControl(r) {
			bad = true
		}
	}
	if bad {
		return Errorf(http.StatusBadRequest, "InvalidLockName",
			"The lock name '%s' is invalid: it must have at most %d characters and none of <, >, %%, &, :, \\, ?, / or control characters.", name, maxLockName)
	}
	return nil
}

// lockNotFound is the 404 of a missing lock whose scope exists.
func lockNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "LockNotFound", "The lock '%s' could not be found.", name)
}

func (h *Handler) getLock(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	var doc *store.Document
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, req.ID.Scope()); err != nil {
			return err
		}
		var err error
		doc, err = tx.Get(ctx, req.ID.Key())
		if errors.Is(err, store.ErrNotFound) {
			return lockNotFound(req.ID.Name())
		}
		return err
	})
	if err != nil {
		return err
	}
	writeDoc(w, http.StatusOK, doc)
	return nil
}

func (h *Handler) putLock(w http.ResponseWriter, req *Request) error {
	if err := checkLockName(req.ID.Name()); err != nil {
		return err
	}
	var in lockRequest
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.Properties == nil {
		e := invalidContent("The request content was invalid: the 'properties' of the lock are required.")
		e.Target = "properties"
		return e
	}
	var level string
	if in.Properties.Level != nil {
		for _, l := range []string{lockCanNotDelete, lockReadOnly} {
			if strings.EqualFold(*in.Properties.Level, l) {
				level = l
			}
		}
	}
	if level == "" {
		got := ""
		if in.Properties.Level != nil {
			got = *in.Properties.Level
		}
		e := Errorf(http.StatusBadRequest, "InvalidLockLevel",
			"The lock level '%s' is invalid. The lock level must be 'CanNotDelete' or 'ReadOnly'.", got)
		e.Target = "properties.level"
		return e
	}
	out := lockBody{Type: LocksType, Name: req.ID.Name()}
	out.Properties.Level = level
	if in.Properties.Notes != nil {
		if n := len([]rune(*in.Properties.Notes)); n > maxLockNotes {
			e := Errorf(http.StatusBadRequest, "LockNotesTooLong",
				"The lock notes have %d characters; at most %d are allowed.", n, maxLockNotes)
			e.Target = "properties.notes"
			return e
		}
		out.Properties.Notes = *in.Properties.Notes
	}
	out.Properties.Owners = in.Properties.Owners
	ctx := req.HTTP.Context()
	status := http.StatusOK
	var stored *store.Document
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.Get(ctx, req.ID.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := CheckScope(ctx, tx, req.ID.Scope()); err != nil {
				return err
			}
			status = http.StatusCreated
			out.ID = canonicalID(req.ID).String()
		case err != nil:
			return err
		default:
			out.ID, out.Name = old.ID, old.Name
		}
		body, err := json.Marshal(out)
		if err != nil {
			return err
		}
		doc, err := store.NewDocument(armid.MustParse(out.ID), body)
		if err != nil {
			return err
		}
		if stored, err = tx.Put(ctx, doc, store.Condition{}); err != nil {
			return err
		}
		return h.RecordAdministrative(ctx, tx, req, stored, status)
	})
	if err != nil {
		return err
	}
	writeDoc(w, status, stored)
	return nil
}

// deleteLock answers 200 when the lock was removed and 204 when there was none.
func (h *Handler) deleteLock(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	status := http.StatusOK
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		d, err := tx.Delete(ctx, req.ID.Key(), store.Condition{})
		if errors.Is(err, store.ErrNotFound) {
			if err := CheckScope(ctx, tx, req.ID.Scope()); err != nil {
				return err
			}
			status, d = http.StatusNoContent, nil
		} else if err != nil {
			return err
		}
		return h.RecordAdministrative(ctx, tx, req, d, status)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(status)
	return nil
}

// listLocks answers GET {scope}/providers/Microsoft.Authorization/locks: the locks at the scope,
// above it and below it; with $filter=atScope() only those at the scope and above it, the locks
// that apply to it.
func (h *Handler) listLocks(w http.ResponseWriter, req *Request) error {
	atScope := false
	switch f := strings.ToLower(strings.Join(strings.Fields(req.HTTP.URL.Query().Get("$filter")), "")); f {
	case "":
	case "atscope()":
		atScope = true
	default:
		return Errorf(http.StatusBadRequest, CodeInvalidFilter,
			"The $filter '%s' is invalid. The supported filter is 'atScope()'.", req.HTTP.URL.Query().Get("$filter"))
	}
	target := req.ID.Key()
	q := store.Query{Types: []string{lockDocType}, SubscriptionID: req.ID.SubscriptionID()}
	return h.listFiltered(w, req, q, func(d *store.Document) bool {
		scope := lockScopeKey(d.Key)
		if target == scope || strings.HasPrefix(target, scope+"/") {
			return true
		}
		return !atScope && strings.HasPrefix(scope, target+"/")
	})
}

// lockScopeKey is the key of the scope a lock (by its key) is on.
func lockScopeKey(key string) string {
	const tail = "/providers/" + "microsoft.authorization/locks/"
	if i := strings.LastIndex(key, tail); i >= 0 {
		return key[:i]
	}
	return key
}
