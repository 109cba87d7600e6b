package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/decide"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

// Enforcement puts the policy decision and the activity log in the write path: every PUT, PATCH
// and DELETE of a resource group or resource is decided by the assignments above it, refused
// with Azure's error when it must be, and recorded — the change and its events in one
// transaction.
type Enforcement struct {
	Engine *enforce.Engine
	Log    *activitylog.Builder
	// AuthorizeURL is named in the claims challenge of an MFA refusal.
	AuthorizeURL string
	TenantID     string

	scopes enforce.ScopeCache // resource groups and subscriptions as policies see them
}

// errRefused aborts the write transaction of a refused request; the refusal's events are then
// written on their own.
var errRefused = errors.New("request refused by policy")

// writeCheck is the outcome of deciding one write.
type writeCheck struct {
	act      *activitylog.Request
	decision *decide.Decision
	dreq     *decide.Request
	refusal  *Error
	body     []byte // the resource after append/modify (nil: unchanged)
}

// writeKind qualifies a write for its decision and its activity-log events. The zero value is
// an ordinary write of the object the request names.
type writeKind struct {
	// cascade marks a delete that follows from deleting the resource group holding the resource.
	cascade bool
	// tagsOnly marks a write that changes nothing but the resource's tags: only definitions
	// whose conditions inspect tags-related fields act on it (decide.Request.TagsOnly).
	tagsOnly bool
	// action is the operation the events record when it is not the method's on the written
	// type: Microsoft.Resources/tags/write for a Tags API write of the resource's tags.
	action string
}

// check decides a write inside its transaction. resource is the ARM JSON the write would leave
// (for DELETE, the stored resource).
func (e *Enforcement) check(ctx context.Context, tx store.Tx, req *Request, op policy.Operation, id armid.ID, resource []byte, kind writeKind) (*writeCheck, error) {
	v, err := expr.DecodeJSON(resource)
	if err != nil {
		return nil, fmt.Errorf("decode resource %s: %w", id, err)
	}
	res, _ := v.(map[string]any)
	typ, _ := res["type"].(string)
	loc, _ := res["location"].(string)
	act, err := e.describe(ctx, tx, req, id, typ, loc)
	if err != nil {
		return nil, err
	}
	act.Action = kind.action
	wc := &writeCheck{act: act}
	snap, err := e.Engine.SnapshotIn(ctx, tx)
	if err != nil {
		return nil, err
	}
	if id.Kind() == armid.ResourceGroup && res != nil {
		// Azure Policy sees resource groups as Microsoft.Resources/subscriptions/resourceGroups.
		res["type"] = "Microsoft.Resources/subscriptions/resourceGroups"
	}
	rg, sub, err := enforce.ScopeObjects(ctx, tx, id, &e.scopes)
	if err != nil {
		return nil, err
	}
	wc.dreq = &decide.Request{
		Operation: op, ID: id, Resource: res, Cascade: kind.cascade, TagsOnly: kind.tagsOnly,
		RequestContext: requestContext(req), ResourceGroup: rg, Subscription: sub, Now: tx.Now(),
	}
	wc.decision = snap.Decide(wc.dreq)
	if len(wc.decision.Denied) > 0 {
		status, body := decide.Refusal(wc.decision, id.Name(), op)
		wc.refusal = &Error{Status: status, Code: body.Error.Code, Message: body.Error.Message, Target: body.Error.Target}
		for _, ai := range body.Error.AdditionalInfo {
			wc.refusal.AdditionalInfo = append(wc.refusal.AdditionalInfo, AdditionalInfo{Type: ai.Type, Info: ai.Info})
		}
		if status == http.StatusUnauthorized {
			wc.refusal.Header = http.Header{"Www-Authenticate": {identity.MFAChallenge(e.AuthorizeURL)}}
		}
		return wc, nil
	}
	if len(wc.decision.Modified) > 0 {
		b, err := json.Marshal(wc.decision.Resource)
		if err != nil {
			return nil, err
		}
		wc.body = b
	}
	return wc, nil
}

// requestContext is what requestContext() returns: the api-version and the caller's claims in
// the shape Azure gives them to policy rules.
func requestContext(req *Request) map[string]any {
	ident := map[string]any{}
	if req.Principal != nil {
		ident = req.Principal.RequestIdentity()
	}
	return map[string]any{"apiVersion": req.APIVersion, "identity": ident}
}

// activityRequest describes the request for the activity log. Its only error is
// errNeedsSnapshot (see planReads); without the management groups the event merely lacks them.
func (e *Enforcement) activityRequest(ctx context.Context, tx store.Tx, req *Request, id armid.ID, resource []byte) (*activitylog.Request, error) {
	var top struct {
		Location string `json:"location"`
		Type     string `json:"type"`
	}
	_ = json.Unmarshal(resource, &top)
	return e.describe(ctx, tx, req, id, top.Type, top.Location)
}

// describe is activityRequest for a resource whose type and location the caller has read.
func (e *Enforcement) describe(ctx context.Context, tx store.Tx, req *Request, id armid.ID, typ, location string) (*activitylog.Request, error) {
	r := &activitylog.Request{
		TenantID: e.TenantID, ResourceID: id.String(), ResourceType: typ, Method: req.HTTP.Method,
		URI: req.BaseURL + req.HTTP.URL.RequestURI(), ClientRequestID: req.HTTP.Header.Get("x-ms-client-request-id"),
		ClientIPAddress: clientIP(req.HTTP), CorrelationID: req.CorrelationID, ServiceRequestID: req.RequestID,
		Caller: req.Principal, RequestBody: req.Body, ResourceLocation: store.NormalizeLocation(location),
	}
	if s := id.SubscriptionID(); s != "" {
		mgs, err := ManagementGroupAncestors(ctx, tx, s)
		if errors.Is(err, errNeedsSnapshot) {
			return nil, err
		}
		for _, m := range mgs {
			r.Ancestors = append(r.Ancestors, m.Name())
		}
	}
	return r, nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// events lists what an allowed write records, in order: Started, the policy events (audit and
// friends), the existence effects found non-compliant after the write, then Succeeded.
func (e *Enforcement) events(ctx context.Context, tx store.Tx, wc *writeCheck, status int, response []byte) ([]store.Event, error) {
	var out []*activitylog.Event
	started, err := e.Log.Started(wc.act)
	if err != nil {
		return nil, err
	}
	out = append(out, started)
	pol, err := e.Log.Policy(wc.act, wc.decision)
	if err != nil {
		return nil, err
	}
	out = append(out, pol...)
	if len(wc.decision.Existence) > 0 {
		var missing []*decide.Outcome
		for _, o := range wc.decision.Existence {
			q, err := o.Related(wc.dreq)
			if err != nil {
				return nil, err
			}
			related, err := enforce.Related(ctx, tx, q)
			if err != nil {
				return nil, err
			}
			ok, err := o.Satisfied(wc.dreq, related)
			if err != nil || !ok {
				missing = append(missing, o)
			}
		}
		ex, err := e.Log.Existence(wc.act, missing)
		if err != nil {
			return nil, err
		}
		out = append(out, ex...)
	}
	fin, err := e.Log.Finished(wc.act, status, response)
	if err != nil {
		return nil, err
	}
	out = append(out, fin)
	return activitylog.StoreEvents(out), nil
}

// recordRefusal writes the events of a refused request (Started, the deny events, Failed) in a
// transaction of their own, since the write itself was rolled back.
func (e *Enforcement) recordRefusal(ctx context.Context, st store.Store, wc *writeCheck) error {
	var out []*activitylog.Event
	started, err := e.Log.Started(wc.act)
	if err != nil {
		return err
	}
	out = append(out, started)
	pol, err := e.Log.Policy(wc.act, wc.decision)
	if err != nil {
		return err
	}
	out = append(out, pol...)
	body, _ := json.Marshal(map[string]any{"error": wc.refusal})
	fin, err := e.Log.Finished(wc.act, wc.refusal.Status, body)
	if err != nil {
		return err
	}
	out = append(out, fin)
	return st.Update(ctx, func(tx store.Tx) error { return tx.AppendEvents(ctx, activitylog.StoreEvents(out)) })
}

// recordPlain records an allowed write that has no policy decision (for example a write to an
// object type Azure Policy does not evaluate): Started and Succeeded.
func (e *Enforcement) recordPlain(ctx context.Context, tx store.Tx, req *Request, id armid.ID, resource []byte, status int, response []byte) error {
	act, err := e.activityRequest(ctx, tx, req, id, resource)
	if err != nil {
		return err
	}
	started, err := e.Log.Started(act)
	if err != nil {
		return err
	}
	fin, err := e.Log.Finished(act, status, response)
	if err != nil {
		return err
	}
	return tx.AppendEvents(ctx, activitylog.StoreEvents([]*activitylog.Event{started, fin}))
}

// RecordAdministrative records a write that Azure Policy does not decide — of a policy
// definition, initiative, assignment or exemption, a role assignment or definition — as Azure's
// activity log does: Started and
// Succeeded Administrative events in the write's own transaction, naming the object (doc, the
// stored or deleted document; nil when a DELETE found nothing) and the caller. It does nothing
// when the server keeps no activity log.
func (h *Handler) RecordAdministrative(ctx context.Context, tx store.Tx, req *Request, doc *store.Document, status int) error {
	if h.enforcement == nil {
		return nil
	}
	id, body := req.ID, []byte(nil)
	resource, _ := json.Marshal(map[string]string{"type": req.Type})
	if doc != nil {
		if stored, err := armid.Parse(doc.ID); err == nil {
			id = stored
		}
		resource = doc.Body
		if req.HTTP.Method != http.MethodDelete {
			body = doc.Body
		}
	}
	return h.enforcement.recordPlain(ctx, tx, req, id, resource, status, body)
}

// SetEnforcement puts policy enforcement and the activity log in the write path.
func (h *Handler) SetEnforcement(e *Enforcement) {
	h.enforcement = e
}

// guardWrite decides a write inside its transaction: it returns errRefused (with the check) when
// policy refuses the request, and applies append/modify changes to doc. It does nothing (nil
// check) when enforcement is off.
func (h *Handler) guardWrite(ctx context.Context, tx store.Tx, req *Request, op policy.Operation, id armid.ID, doc *store.Document, cascade bool) (*writeCheck, error) {
	return h.guardWriteAs(ctx, tx, req, op, id, doc, writeKind{cascade: cascade})
}

// guardWriteAs is guardWrite for a write of the given kind: a tags-only PATCH, or a Tags API
// write recorded under its own operation.
func (h *Handler) guardWriteAs(ctx context.Context, tx store.Tx, req *Request, op policy.Operation, id armid.ID, doc *store.Document, kind writeKind) (*writeCheck, error) {
	if h.enforcement == nil {
		return nil, nil
	}
	wc, err := h.enforcement.check(ctx, tx, req, op, id, doc.Body, kind)
	if err != nil {
		return nil, err
	}
	if wc.refusal != nil {
		return wc, errRefused
	}
	if wc.body != nil {
		modified, err := store.NewDocument(id, wc.body)
		if err != nil {
			return nil, err
		}
		doc.Body, doc.Tags, doc.Location = modified.Body, modified.Tags, modified.Location
	}
	return wc, nil
}

// recordWrite appends the events of an allowed write in its transaction.
func (h *Handler) recordWrite(ctx context.Context, tx store.Tx, wc *writeCheck, status int, response []byte) error {
	if wc == nil {
		return nil
	}
	events, err := h.enforcement.events(ctx, tx, wc, status, response)
	if err != nil {
		return err
	}
	return tx.AppendEvents(ctx, events)
}

// refused turns the errRefused of a rolled-back write into the refusal, after recording it.
func (h *Handler) refused(ctx context.Context, wc *writeCheck, err error) error {
	if !errors.Is(err, errRefused) || wc == nil {
		return err
	}
	if rerr := h.enforcement.recordRefusal(ctx, h.cfg.Store, wc); rerr != nil {
		h.log.Error("record policy refusal", "err", rerr)
	}
	return wc.refusal
}

// cascadeRefusal carries the refusal of a resource inside a resource group being deleted.
type cascadeRefusal struct{ wc *writeCheck }

func (c *cascadeRefusal) Error() string { return "a resource in the group refuses deletion" }

// guardCascade decides the deletes a resource-group delete cascades to: only Indexed
// definitions with cascadeBehaviors.resourceGroup deny act on them
// (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deny-action).
func (h *Handler) guardCascade(ctx context.Context, tx store.Tx, req *Request) error {
	if h.enforcement == nil {
		return nil
	}
	return store.Each(ctx, tx, store.Query{Under: req.ID.Key()}, func(d *store.Document) error {
		id, err := armid.Parse(d.ID)
		if err != nil {
			return nil
		}
		wc, err := h.enforcement.check(ctx, tx, req, policy.OperationDelete, id, d.Body, writeKind{cascade: true})
		if err != nil {
			return err
		}
		if wc.refusal != nil {
			return &cascadeRefusal{wc}
		}
		return nil
	})
}
