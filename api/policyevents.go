package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policyevents"
	"github.com/palisade/palisade/store"
)

// PolicyEventsType is the type of the policy events queries; with Handler.HandleType it
// selects {scope}/providers/Microsoft.PolicyInsights/policyEvents/… at every scope, ahead of
// the refusal of the rest of Microsoft.PolicyInsights.
const PolicyEventsType = "Microsoft.PolicyInsights/policyEvents"

const (
	// policyEventsQueryType is the routed type of POST …/policyEvents/default/queryResults.
	policyEventsQueryType = "microsoft.policyinsights/policyevents/queryresults"
	// policyEventsSegment starts the policy events part of a request path, after the scope.
	policyEventsSegment = "/providers/microsoft.policyinsights/policyevents"
	// maxPolicyEventRecords bounds the records one query gathers before ordering and paging.
	maxPolicyEventRecords = 100_000
	// policyEventsStorePage is the number of activity-log events read per store query.
	policyEventsStorePage = 1000
)

// NewPolicyEvents returns the handler of the policy events queries, served from the Policy
// events of the activity log (see package policyevents): POST
// {scope}/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults for a
// management group, a subscription, a resource group, a resource, and a policy assignment,
// definition or set definition at a subscription (an assignment also at a resource group).
func NewPolicyEvents(h *Handler) ProviderHandler {
	return &policyEventsHandler{h: h, now: time.Now}
}

type policyEventsHandler struct {
	h   *Handler
	now func() time.Time
}

// ServeARM answers one policy events request.
func (p *policyEventsHandler) ServeARM(w http.ResponseWriter, req *Request) {
	if err := p.serve(w, req); err != nil {
		var pe *policyevents.Error
		if errors.As(err, &pe) {
			err = Errorf(pe.Status, pe.Code, "%s", pe.Message)
		}
		var ae *Error
		if !errors.As(err, &ae) {
			p.h.log.Error("policy events query failed", "path", req.HTTP.URL.Path, "request_id", req.RequestID, "err", err)
		}
		WriteError(w, err)
	}
}

// policyEventsScope is what a query's scope selects: the subscriptions whose events are
// read, narrowed to a resource group or a resource, and for a policy object's scope the
// records of that assignment, definition or set definition.
type policyEventsScope struct {
	subscriptions []string
	resourceGroup string
	resourceID    string
	match         func(policyevents.Record) bool
}

func (p *policyEventsHandler) serve(w http.ResponseWriter, req *Request) error {
	path := strings.TrimSuffix(req.HTTP.URL.Path, "/")
	i := strings.LastIndex(strings.ToLower(path), policyEventsSegment)
	if i < 0 {
		return Errorf(http.StatusNotFound, CodeInvalidResourceType, "The resource type '%s' could not be found.", req.Type)
	}
	scopePath, rest := path[:i], strings.Trim(path[i+len(policyEventsSegment):], "/")
	segs := strings.Split(rest, "/")
	if len(segs) != 2 || !strings.EqualFold(segs[1], "queryResults") {
		return Errorf(http.StatusNotFound, CodeInvalidResourceType,
			"The resource type '%s' is not served: policy events are queried with POST {scope}/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults; the $metadata document is not served.", req.Type)
	}
	if !strings.EqualFold(segs[0], "default") {
		return Errorf(http.StatusBadRequest, "InvalidPolicyEventsResource",
			"The policy events resource '%s' is invalid: only 'default' is allowed (…/policyEvents/default/queryResults).", segs[0])
	}
	if req.HTTP.Method != http.MethodPost {
		return Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"The requested method '%s' is not allowed for policy events queries; use POST.", req.HTTP.Method)
	}
	ctx := req.HTTP.Context()
	var (
		sc   *policyEventsScope
		rows []policyevents.Record
		q    *policyevents.Query
	)
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if sc, err = p.scope(ctx, tx, scopePath); err != nil {
			return err
		}
		if q, err = policyevents.Parse(req.HTTP.URL.Query(), p.now()); err != nil {
			return err
		}
		records, err := p.read(ctx, tx, sc, q)
		if err != nil {
			return err
		}
		rows = q.Run(records)
		return nil
	})
	if err != nil {
		return err
	}
	page, next := q.Page(rows, p.h.cfg.PageSize)
	link := ""
	if next > 0 {
		link = q.NextLink(req.BaseURL+req.HTTP.URL.EscapedPath(), req.HTTP.URL.Query(), next)
	}
	metadata := req.BaseURL + scopePath + "/providers/Microsoft.PolicyInsights/policyEvents/$metadata"
	body := q.Body(page, metadata, link)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// scope resolves the scope a query names. Policy objects are matched by id in the records;
// a policy definition or set definition named at a subscription also matches the built-in
// one of that name, as a subscription sees both under the name.
func (p *policyEventsHandler) scope(ctx context.Context, tx store.Tx, scopePath string) (*policyEventsScope, error) {
	if scopePath == "" {
		return nil, Errorf(http.StatusBadRequest, "UnsupportedScope",
			"Policy events are not served at the tenant scope; query a management group, a subscription, a resource group, a resource or a policy assignment.")
	}
	id, err := armid.Parse(scopePath)
	if err != nil {
		return nil, invalidID(scopePath, err)
	}
	switch id.Kind() {
	case armid.ManagementGroup:
		subs, err := p.subscriptionsUnder(ctx, tx, id.Name())
		if err != nil {
			return nil, err
		}
		return &policyEventsScope{subscriptions: subs}, nil
	case armid.Subscription:
		return &policyEventsScope{subscriptions: []string{id.SubscriptionID()}}, nil
	case armid.ResourceGroup:
		return &policyEventsScope{subscriptions: []string{id.SubscriptionID()}, resourceGroup: id.ResourceGroup()}, nil
	}
	sub := id.SubscriptionID()
	typ := id.Type()
	policyType := ""
	for _, t := range []string{"Microsoft.Authorization/policyAssignments", "Microsoft.Authorization/policyDefinitions", "Microsoft.Authorization/policySetDefinitions"} {
		if strings.EqualFold(typ, t) {
			policyType = t
		}
	}
	if sub == "" {
		return nil, Errorf(http.StatusBadRequest, "UnsupportedScope",
			"Policy events are not served for '%s': the policy assignment, definition and set definition scopes are served at a subscription (an assignment also at a resource group), and management groups as a whole.", scopePath)
	}
	if policyType == "" {
		return &policyEventsScope{subscriptions: []string{sub}, resourceID: id.String()}, nil
	}
	scope := id.Scope()
	if scope.Kind() != armid.Subscription && !(scope.Kind() == armid.ResourceGroup && policyType == "Microsoft.Authorization/policyAssignments") {
		return nil, Errorf(http.StatusBadRequest, "UnsupportedScope",
			"Policy events are not served for '%s': policy definitions and set definitions are served at a subscription, policy assignments at a subscription or a resource group.", scopePath)
	}
	sc := &policyEventsScope{subscriptions: []string{sub}, resourceGroup: id.ResourceGroup()}
	want := id.String()
	switch policyType {
	case "Microsoft.Authorization/policyAssignments":
		sc.match = fieldIs("policyAssignmentId", want)
	case "Microsoft.Authorization/policyDefinitions":
		sc.match = anyOf(fieldIs("policyDefinitionId", want), fieldIs("policyDefinitionId", "/providers/Microsoft.Authorization/policyDefinitions/"+id.Name()))
	default:
		sc.match = anyOf(fieldIs("policySetDefinitionId", want), fieldIs("policySetDefinitionId", "/providers/Microsoft.Authorization/policySetDefinitions/"+id.Name()))
	}
	return sc, nil
}

func fieldIs(field, want string) func(policyevents.Record) bool {
	return func(r policyevents.Record) bool {
		s, _ := r.Get(field).(string)
		return strings.EqualFold(s, want)
	}
}

func anyOf(fs ...func(policyevents.Record) bool) func(policyevents.Record) bool {
	return func(r policyevents.Record) bool {
		for _, f := range fs {
			if f(r) {
				return true
			}
		}
		return false
	}
}

// subscriptionsUnder lists the subscriptions anywhere below management group name.
func (p *policyEventsHandler) subscriptionsUnder(ctx context.Context, tx store.Tx, name string) ([]string, error) {
	hy, err := p.h.hier.get(ctx, tx)
	if err != nil {
		return nil, err
	}
	if hy.groups[strings.ToLower(name)] == nil {
		return nil, managementGroupNotFound(name)
	}
	var subs []string
	var walk func([]*mgChild)
	walk = func(children []*mgChild) {
		for _, c := range children {
			if c.Type == "/subscriptions" {
				subs = append(subs, c.Name)
			}
			walk(c.Children)
		}
	}
	walk(hy.children(name, true))
	return subs, nil
}

// read gathers the policy event records of the scope in the query's time window, newest
// first within each subscription.
func (p *policyEventsHandler) read(ctx context.Context, tx store.Tx, sc *policyEventsScope, q *policyevents.Query) ([]policyevents.Record, error) {
	var out []policyevents.Record
	for _, sub := range sc.subscriptions {
		eq := store.EventQuery{SubscriptionID: sub, From: q.From, To: q.To, Category: "Policy",
			ResourceGroup: sc.resourceGroup, ResourceID: sc.resourceID, Limit: policyEventsStorePage}
		for {
			page, err := tx.QueryEvents(ctx, eq)
			if err != nil {
				return nil, fmt.Errorf("read policy events of subscription %s: %w", sub, err)
			}
			for _, e := range page.Events {
				records, err := policyevents.FromEvent(e.Body)
				if err != nil {
					return nil, fmt.Errorf("event %s: %w", e.ID, err)
				}
				for _, r := range records {
					if sc.match == nil || sc.match(r) {
						out = append(out, r)
					}
				}
			}
			if len(out) > maxPolicyEventRecords {
				return nil, Errorf(http.StatusBadRequest, "ResponseTooLarge",
					"The query matches more than %d policy events; narrow it with $from and $to or a smaller scope.", maxPolicyEventRecords)
			}
			if page.Continuation == "" {
				break
			}
			eq.Continuation = page.Continuation
		}
	}
	return out, nil
}
