package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/store"
)

// SetAuthorizer makes every request pass an RBAC check of the action it performs at its scope
// (https://learn.microsoft.com/azure/role-based-access-control/overview).
func (h *Handler) SetAuthorizer(a *authz.Authorizer) { h.authorizer = a }

// authorize checks the caller may perform the request's action at its scope. Listing the
// tenant's directories and subscriptions is open to every signed-in caller, as in Azure.
func (h *Handler) authorize(req *Request) error {
	if h.authorizer == nil || req.Principal == nil {
		return nil
	}
	if req.ID.Kind() == armid.Tenant && req.IsCollection() {
		switch strings.ToLower(req.Collection) {
		case "subscriptions", "tenants", "providers":
			if req.HTTP.Method == http.MethodGet {
				return nil
			}
		case "microsoft.management/checknameavailability", "microsoft.management/getentities", "microsoft.resources/checkresourcename":
			// Asking whether a group or resource name is free, and listing the entities the
			// caller can see (each with the caller's permission on it), need no role at the root.
			return nil
		}
	}
	action := authz.RequestAction(req.HTTP.Method, req.ID, req.Collection)
	err := h.authorizer.Check(req.HTTP.Context(), authz.PrincipalOf(req.Principal), action, req.ID)
	if err != nil && readingPost(req) {
		// A POST that only reads is allowed by the read form of its action too
		// (…/queryResults/read beside …/queryResults/action), which the Reader role's */read grants.
		read := strings.TrimSuffix(action, "/action") + "/read"
		if h.authorizer.Check(req.HTTP.Context(), authz.PrincipalOf(req.Principal), read, req.ID) == nil {
			err = nil
		}
	}
	var af *authz.AuthorizationFailedError
	if !errors.As(err, &af) {
		return err
	}
	refusal := Errorf(af.Status(), af.Code(), "%s", af.Message())
	if isWrite(req.HTTP.Method) && !readingPost(req) && h.enforcement != nil {
		if rerr := h.recordAuthorizationFailure(req, action, refusal); rerr != nil {
			h.log.Error("record authorization failure", "err", rerr)
		}
	}
	return refusal
}

// readingPost reports whether req is a POST that only reads: the version listings of policy
// definitions and initiatives and the policy events queries. The read form of their action
// authorises them, a ReadOnly lock does not stop them (like the Reader role it resembles) and a
// refusal is not recorded as a failed write. Other POST actions (listKeys, start) are writes.
func readingPost(req *Request) bool {
	if req.HTTP.Method != http.MethodPost {
		return false
	}
	switch strings.ToLower(req.Type) {
	case typeListDefinitionVersions, typeListSetDefinitionVersions, policyEventsQueryType:
		return true
	}
	return false
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost:
		return true
	}
	return false
}

// recordAuthorizationFailure writes the Started and Failed events of a write refused by RBAC.
func (h *Handler) recordAuthorizationFailure(req *Request, action string, refusal *Error) error {
	ctx := context.WithoutCancel(req.HTTP.Context())
	e := h.enforcement
	return h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		act, err := e.activityRequest(ctx, tx, req, req.ID, []byte(`{}`))
		if err != nil {
			return err
		}
		act.Action = action
		started, err := e.Log.Started(act)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"error": refusal})
		fin, err := e.Log.Finished(act, refusal.Status, body)
		if err != nil {
			return err
		}
		return tx.AppendEvents(ctx, activitylog.StoreEvents([]*activitylog.Event{started, fin}))
	})
}
