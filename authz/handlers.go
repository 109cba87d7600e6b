package authz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Handlers serves the roleAssignments and roleDefinitions REST families
// (api-version 2022-04-01 shapes) over a store. The ARM router mounts them
// for the types "Microsoft.Authorization/roleAssignments" and
// "Microsoft.Authorization/roleDefinitions" after authenticating the caller,
// checking the api-version, reading the body and authorising the action
// (ActionFor / CollectionAction with Authorizer.Check):
//
//	rh := &authz.Handlers{Store: st, TenantID: tid, CheckScope: api.CheckScope, WriteError: api.WriteError}
//	h.Handle(authz.RoleAssignmentType, api.ProviderHandlerFunc(func(w http.ResponseWriter, r *api.Request) {
//		rh.ServeRoleAssignment(w, authz.Call{HTTP: r.HTTP, ID: r.ID, Collection: r.IsCollection(),
//			Body: r.Body, Caller: authz.PrincipalOf(r.Principal)})
//	}))
//
// and the same with ServeRoleDefinition for RoleDefinitionType.
type Handlers struct {
	// Store holds the role documents. Required.
	Store store.Store
	// TenantID names the directory in PrincipalNotFound messages.
	TenantID string
	// Hierarchy reads the management-group tree for lists that include
	// assignments above or below a scope; StoredHierarchy when nil.
	Hierarchy HierarchyFunc
	// CheckScope, when set, is called in the write transaction before a
	// role assignment or definition is created, and returns the ARM error
	// for a scope that does not exist (the router's api.CheckScope).
	CheckScope func(ctx context.Context, tx store.Tx, scope armid.ID) error
	// WriteError writes errors returned by CheckScope (the router's error
	// writer); the package's WriteError when nil. Errors of this package
	// are always written by WriteError.
	WriteError func(w http.ResponseWriter, err error)
	// PrincipalType, when set, looks a principal up in the directory and
	// returns its type ("User", "Group", "ServicePrincipal"), or "" when it
	// does not exist. A role assignment created without principalType is
	// refused with PrincipalNotFound when it returns "", as ARM does.
	PrincipalType func(ctx context.Context, objectID string) (string, error)
	// GroupsOf, when set, returns the groups a principal is a member of,
	// for the assignedTo('{id}') list filter.
	GroupsOf func(ctx context.Context, objectID string) ([]string, error)
}

// Call is one routed request handed to the role handlers.
type Call struct {
	// HTTP is the request: its method, its query ($filter) and context.
	// Its Body is not read; pass the bytes in Body.
	HTTP *http.Request
	// ID is the object addressed for an item request, and the scope the
	// collection is under for a list.
	ID armid.ID
	// Collection is true for a list ({scope}/providers/
	// Microsoft.Authorization/roleAssignments).
	Collection bool
	// Body is the request body, nil when empty.
	Body []byte
	// Caller is the authenticated caller, recorded as createdBy/updatedBy.
	Caller Principal
	// Record, when set, is called in the write transaction of a role assignment or custom role
	// definition after it is stored (doc, with the status answered) or deleted (doc the deleted
	// document, nil when there was none): the server records the write in the activity log.
	Record func(ctx context.Context, tx store.Tx, doc *store.Document, status int) error
}

// record calls c.Record when it is set.
func (c Call) record(ctx context.Context, tx store.Tx, doc *store.Document, status int) error {
	if c.Record == nil {
		return nil
	}
	return c.Record(ctx, tx, doc, status)
}

// fail writes err: errors of this package through WriteError, other errors
// (from the CheckScope hook, or internal ones) through h.WriteError.
func (h *Handlers) fail(w http.ResponseWriter, err error) {
	var e *Error
	if errors.As(err, &e) || h.WriteError == nil {
		WriteError(w, err)
		return
	}
	h.WriteError(w, err)
}

// methodNotAllowed is ARM's answer to a method a route does not support.
func methodNotAllowed(method string) *Error {
	return errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method '%s' is not allowed for this resource.", method)
}

// invalidContent is ARM's answer to a body that does not decode.
func invalidContent(err error) *Error {
	return errorf(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '%s'.", err.Error())
}

// decodeStrict decodes body into v, refusing trailing data.
func decodeStrict(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errors.New("the request body is empty")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// filterOf parses the $filter query parameter, or returns the zero Filter.
func filterOf(r *http.Request) (Filter, *Error) {
	raw := r.URL.Query().Get("$filter")
	if strings.TrimSpace(raw) == "" {
		return Filter{}, nil
	}
	f, err := ParseFilter(raw)
	if err != nil {
		return Filter{}, errorf(http.StatusBadRequest, "InvalidFilterInQueryString", "The $filter '%s' is invalid: %s.", raw, err.Error())
	}
	return f, nil
}

// related reports how scope key a sits relative to scope key b in the
// hierarchy s knows: at or above b, or below b.
func related(s *Snapshot, a, b string) (atOrAbove, below bool) {
	s.walk(b, func(k string) bool {
		if k == a {
			atOrAbove = true
			return true
		}
		return false
	})
	if atOrAbove {
		return true, false
	}
	s.walk(a, func(k string) bool {
		if k == b {
			below = true
			return true
		}
		return false
	})
	return false, below
}

// hierarchySnapshot builds an empty snapshot holding only the
// management-group tree, for walking scope chains in lists.
func (h *Handlers) hierarchySnapshot(ctx context.Context, tx store.Tx) (*Snapshot, error) {
	hf := h.Hierarchy
	if hf == nil {
		hf = StoredHierarchy
	}
	parents, root, err := hf(ctx, tx)
	if err != nil {
		return nil, err
	}
	return NewSnapshot(Objects{Parents: parents, RootGroupID: root}), nil
}

// methods are the handlers of one object type: list on the collection;
// get, put and delete on one object.
type methods struct {
	list, get, put, del func(http.ResponseWriter, Call) error
}

// serve dispatches c on its method to m and writes ARM's error for
// whatever fails, 405 for a method the type does not have.
func (h *Handlers) serve(w http.ResponseWriter, c Call, m methods) {
	var err error
	switch {
	case c.Collection && c.HTTP.Method == http.MethodGet:
		err = m.list(w, c)
	case c.Collection:
		err = methodNotAllowed(c.HTTP.Method)
	case c.HTTP.Method == http.MethodGet:
		err = m.get(w, c)
	case c.HTTP.Method == http.MethodPut:
		err = m.put(w, c)
	case c.HTTP.Method == http.MethodDelete:
		err = m.del(w, c)
	default:
		err = methodNotAllowed(c.HTTP.Method)
	}
	if err != nil {
		h.fail(w, err)
	}
}
