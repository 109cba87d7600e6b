package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

const (
	managementGroupPrefix = "/providers/Microsoft.Management/managementGroups/"
	mgType                = "microsoft.management/managementgroups"
	mgSubscriptionType    = "microsoft.management/managementgroups/subscriptions"
	// mgAPIVersion is the version polling URLs carry.
	mgAPIVersion = "2021-04-01"
)

type mgParent struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

type mgPathElement struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

type mgDetails struct {
	Version     int       `json:"version"`
	UpdatedTime time.Time `json:"updatedTime"`
	UpdatedBy   string    `json:"updatedBy"`
	Parent      *mgParent `json:"parent"`
	// Filled on GET with $expand=path / ancestors.
	Path                          []mgPathElement `json:"path,omitempty"`
	ManagementGroupAncestors      []string        `json:"managementGroupAncestors,omitempty"`
	ManagementGroupAncestorsChain []mgPathElement `json:"managementGroupAncestorsChain,omitempty"`
}

type mgChild struct {
	Type        string     `json:"type"`
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	DisplayName string     `json:"displayName"`
	Children    []*mgChild `json:"children,omitempty"`
}

type mgProperties struct {
	TenantID    string     `json:"tenantId"`
	DisplayName string     `json:"displayName"`
	Details     mgDetails  `json:"details"`
	Children    []*mgChild `json:"children,omitempty"`
}

// mgBody is the ManagementGroup object of the 2021-04-01 API.
type mgBody struct {
	ID         string       `json:"id"`
	Type       string       `json:"type"`
	Name       string       `json:"name"`
	Properties mgProperties `json:"properties"`
}

// mgSubscriptionBody is SubscriptionUnderManagementGroup: the membership
// of a subscription in its parent group, stored at its own id
// (…/managementGroups/{mg}/subscriptions/{sub}).
type mgSubscriptionBody struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Properties struct {
		Tenant      string   `json:"tenant"`
		DisplayName string   `json:"displayName"`
		Parent      mgParent `json:"parent"`
		State       string   `json:"state"`
	} `json:"properties"`
}

func managementGroupNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "NotFound", "Management group '%s' not found.", name)
}

// hierarchy is the management-group tree, loaded whole: groups are few.
type hierarchy struct {
	groups  map[string]*mgBody              // lower-case name
	subs    map[string][]mgSubscriptionBody // lower-case group name
	subOf   map[string]string               // lower-case subscription → lower-case group
	byGroup map[string][]*mgBody            // lower-case parent name → child groups
}

func loadHierarchy(ctx context.Context, tx store.Tx) (*hierarchy, error) {
	hy := &hierarchy{groups: map[string]*mgBody{}, subs: map[string][]mgSubscriptionBody{},
		subOf: map[string]string{}, byGroup: map[string][]*mgBody{}}
	groups, err := store.ListAll(ctx, tx, store.Query{Types: []string{mgType}})
	if err != nil {
		return nil, err
	}
	for _, d := range groups {
		var b mgBody
		if err := json.Unmarshal(d.Body, &b); err != nil {
			return nil, fmt.Errorf("management group %s: %w", d.ID, err)
		}
		hy.groups[strings.ToLower(b.Name)] = &b
	}
	for _, b := range hy.groups {
		if p := b.Properties.Details.Parent; p != nil {
			pn := strings.ToLower(p.Name)
			hy.byGroup[pn] = append(hy.byGroup[pn], b)
		}
	}
	for _, list := range hy.byGroup {
		sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	}
	members, err := store.ListAll(ctx, tx, store.Query{Types: []string{mgSubscriptionType}})
	if err != nil {
		return nil, err
	}
	for _, d := range members {
		var m mgSubscriptionBody
		if err := json.Unmarshal(d.Body, &m); err != nil {
			return nil, fmt.Errorf("membership %s: %w", d.ID, err)
		}
		g := strings.ToLower(parentName(m.Properties.Parent.ID))
		hy.subs[g] = append(hy.subs[g], m)
		hy.subOf[strings.ToLower(m.Name)] = g
	}
	for _, list := range hy.subs {
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	return hy, nil
}

// hierarchyCache keeps the loaded hierarchy between requests; it is read
// only (ManagementGroupAncestors) and dropped whenever a management group
// or a membership changes (store.Subscribe). Like Azure, which documents a
// propagation delay for hierarchy changes, a replica may briefly use the
// previous hierarchy after another replica's change.
type hierarchyCache struct {
	mu  sync.Mutex
	gen uint64
	hy  *hierarchy
}

func (c *hierarchyCache) get(ctx context.Context, tx store.Tx) (*hierarchy, error) {
	c.mu.Lock()
	hy, gen := c.hy, c.gen
	c.mu.Unlock()
	if hy != nil {
		return hy, nil
	}
	hy, err := loadHierarchy(ctx, tx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if gen == c.gen {
		c.hy = hy
	}
	c.mu.Unlock()
	return hy, nil
}

// invalidate is the store.Subscribe callback.
func (c *hierarchyCache) invalidate(types []string) {
	hit := types == nil
	for _, t := range types {
		if t == mgType || t == mgSubscriptionType {
			hit = true
		}
	}
	if hit {
		c.mu.Lock()
		c.gen++
		c.hy = nil
		c.mu.Unlock()
	}
}

func parentName(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

// ancestors returns the chain of groups above name, nearest first.
func (hy *hierarchy) ancestors(name string) []*mgBody {
	var out []*mgBody
	seen := map[string]bool{}
	for g := hy.groups[strings.ToLower(name)]; g != nil && g.Properties.Details.Parent != nil; {
		p := hy.groups[strings.ToLower(g.Properties.Details.Parent.Name)]
		if p == nil || seen[strings.ToLower(p.Name)] {
			break
		}
		seen[strings.ToLower(p.Name)] = true
		out = append(out, p)
		g = p
	}
	return out
}

// children lists the direct children of group name (groups first, then
// subscriptions), recursing into groups when recurse is set.
func (hy *hierarchy) children(name string, recurse bool) []*mgChild {
	var out []*mgChild
	for _, g := range hy.byGroup[strings.ToLower(name)] {
		c := &mgChild{Type: "Microsoft.Management/managementGroups", ID: g.ID, Name: g.Name, DisplayName: g.Properties.DisplayName}
		if recurse {
			c.Children = hy.children(g.Name, true)
		}
		out = append(out, c)
	}
	for _, s := range hy.subs[strings.ToLower(name)] {
		out = append(out, &mgChild{Type: "/subscriptions", ID: "/subscriptions/" + s.Name, Name: s.Name, DisplayName: s.Properties.DisplayName})
	}
	return out
}

// ManagementGroupAncestors returns the management groups above a
// subscription, nearest first, ending with the tenant root group; the
// policy engine uses it to find assignments at management-group scopes.
//
// Inside an ARM request the handler's cached hierarchy is used (it travels
// in ctx), so a write does not reload every group.
func ManagementGroupAncestors(ctx context.Context, tx store.Tx, subscriptionID string) ([]armid.ID, error) {
	var hy *hierarchy
	var err error
	if c := hierarchyFrom(ctx); c != nil {
		hy, err = c.get(ctx, tx)
	} else {
		hy, err = loadHierarchy(ctx, tx)
	}
	if err != nil {
		return nil, err
	}
	g, ok := hy.subOf[strings.ToLower(subscriptionID)]
	if !ok {
		return nil, nil
	}
	out := []armid.ID{}
	if b := hy.groups[g]; b != nil {
		out = append(out, armid.MustParse(b.ID))
	}
	for _, a := range hy.ancestors(g) {
		out = append(out, armid.MustParse(a.ID))
	}
	return out, nil
}

// placeSubscription makes group mg the parent of subscription sub,
// replacing its previous membership.
func placeSubscription(ctx context.Context, tx store.Tx, tenantID, sub, mg, displayName string) error {
	members, err := store.ListAll(ctx, tx, store.Query{Types: []string{mgSubscriptionType}})
	if err != nil {
		return err
	}
	for _, d := range members {
		if strings.EqualFold(d.Name, sub) {
			if _, err := tx.Delete(ctx, d.Key, store.Condition{}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("move subscription %s: %w", sub, err)
			}
		}
	}
	if displayName == "" {
		if d, err := tx.Get(ctx, "/subscriptions/"+strings.ToLower(sub)); err == nil {
			var s subscriptionBody
			if json.Unmarshal(d.Body, &s) == nil {
				displayName = s.DisplayName
			}
		}
	}
	mgID := managementGroupPrefix + mg
	var m mgSubscriptionBody
	m.ID, m.Type, m.Name = mgID+"/subscriptions/"+sub, "Microsoft.Management/managementGroups/subscriptions", sub
	m.Properties.Tenant, m.Properties.DisplayName, m.Properties.State = tenantID, displayName, "Active"
	m.Properties.Parent = mgParent{ID: mgID}
	body, _ := json.Marshal(m)
	return putDocument(ctx, tx, armid.MustParse(m.ID), body)
}

// NewManagementGroupBody returns the stored body of a management group.
func NewManagementGroupBody(tenantID, name, displayName string, parent *armid.ID, parentDisplay, updatedBy string, at time.Time) json.RawMessage {
	b := mgBody{ID: managementGroupPrefix + name, Type: "Microsoft.Management/managementGroups", Name: name,
		Properties: mgProperties{TenantID: tenantID, DisplayName: displayName,
			Details: mgDetails{Version: 1, UpdatedTime: at.UTC(), UpdatedBy: updatedBy}}}
	if parent != nil {
		b.Properties.Details.Parent = &mgParent{ID: parent.String(), Name: parent.Name(), DisplayName: parentDisplay}
	}
	out, _ := json.Marshal(b)
	return out
}

// serveManagementGroupList answers GET /providers/Microsoft.Management/managementGroups
// with ManagementGroupInfo items.
func (h *Handler) serveManagementGroupList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	ctx := req.HTTP.Context()
	var hy *hierarchy
	if err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		hy, err = loadHierarchy(ctx, tx)
		return err
	}); err != nil {
		return err
	}
	names := make([]string, 0, len(hy.groups))
	for n := range hy.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	page, next, err := paginate(names, req.SkipToken(), size)
	if err != nil {
		return err
	}
	items := make([]json.RawMessage, len(page))
	for i, n := range page {
		g := hy.groups[n]
		items[i], _ = json.Marshal(map[string]any{"id": g.ID, "type": g.Type, "name": g.Name,
			"properties": map[string]any{"tenantId": g.Properties.TenantID, "displayName": g.Properties.DisplayName}})
	}
	WritePage(w, req, items, next)
	return nil
}

// serveManagementGroup handles GET/PUT/PATCH/DELETE of one group.
func (h *Handler) serveManagementGroup(w http.ResponseWriter, req *Request) error {
	switch req.HTTP.Method {
	case http.MethodGet:
		return h.getManagementGroup(w, req)
	case http.MethodPut, http.MethodPatch:
		return h.putManagementGroup(w, req)
	case http.MethodDelete:
		return h.deleteManagementGroup(w, req)
	}
	return methodNotAllowed(req)
}

func (h *Handler) getManagementGroup(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	q := req.HTTP.URL.Query()
	expand := strings.ToLower(q.Get("$expand"))
	recurse := strings.EqualFold(q.Get("$recurse"), "true")
	var out json.RawMessage
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		hy, err := loadHierarchy(ctx, tx)
		if err != nil {
			return err
		}
		g := hy.groups[strings.ToLower(req.ID.Name())]
		if g == nil {
			return managementGroupNotFound(req.ID.Name())
		}
		b := *g
		if strings.Contains(expand, "children") {
			b.Properties.Children = hy.children(g.Name, recurse)
		}
		anc := hy.ancestors(g.Name)
		if strings.Contains(expand, "path") {
			// The path runs from the root down to the group itself.
			for i := len(anc) - 1; i >= 0; i-- {
				b.Properties.Details.Path = append(b.Properties.Details.Path, mgPathElement{anc[i].Name, anc[i].Properties.DisplayName})
			}
			b.Properties.Details.Path = append(b.Properties.Details.Path, mgPathElement{g.Name, g.Properties.DisplayName})
		}
		if strings.Contains(expand, "ancestors") {
			for _, a := range anc {
				b.Properties.Details.ManagementGroupAncestors = append(b.Properties.Details.ManagementGroupAncestors, a.Name)
				b.Properties.Details.ManagementGroupAncestorsChain = append(b.Properties.Details.ManagementGroupAncestorsChain,
					mgPathElement{a.Name, a.Properties.DisplayName})
			}
		}
		out, err = json.Marshal(b)
		return err
	})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// mgCreateRequest is CreateManagementGroupRequest (PUT) and, through
// ParentGroupID and DisplayName at the top level, PatchManagementGroupRequest.
type mgCreateRequest struct {
	Name       string `json:"name"`
	Properties *struct {
		DisplayName string `json:"displayName"`
		Details     *struct {
			Parent *struct {
				ID string `json:"id"`
			} `json:"parent"`
		} `json:"details"`
	} `json:"properties"`
	DisplayName   *string `json:"displayName"`
	ParentGroupID *string `json:"parentGroupId"`
}

// putManagementGroup creates or updates a group (PUT answers 200 with the
// group, which the SDK poller accepts as finished; PATCH answers 200).
func (h *Handler) putManagementGroup(w http.ResponseWriter, req *Request) error {
	var in mgCreateRequest
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	name := req.ID.Name()
	if req.HTTP.Method == http.MethodPut {
		// ARM's own wording for a body naming another group
		// (Azure/azure-sdk-for-python#3923: "(BadRequest) Name of the group doesn't match the group id.").
		if in.Name != "" && !strings.EqualFold(in.Name, name) {
			e := Errorf(http.StatusBadRequest, "BadRequest", "Name of the group doesn't match the group id.")
			e.Target = "name"
			return e
		}
		if ok, why := validManagementGroupName(name); !ok {
			return Errorf(http.StatusBadRequest, "BadRequest", "%s", why)
		}
	}
	display, parent := "", ""
	if req.HTTP.Method == http.MethodPut {
		if p := in.Properties; p != nil {
			display = p.DisplayName
			if p.Details != nil && p.Details.Parent != nil {
				parent = p.Details.Parent.ID
			}
		}
	} else {
		if in.DisplayName != nil {
			display = *in.DisplayName
		}
		if in.ParentGroupID != nil {
			parent = *in.ParentGroupID
		}
	}
	if parent != "" && !strings.HasPrefix(parent, "/") {
		parent = managementGroupPrefix + parent
	}
	var parentID armid.ID
	if parent != "" {
		id, err := armid.Parse(parent)
		if err != nil || id.Kind() != armid.ManagementGroup {
			e := Errorf(http.StatusBadRequest, CodeLinkedInvalidID, "Property id '%s' at path 'properties.details.parent.id' is invalid. Expect fully qualified resource Id that start with '/providers/Microsoft.Management/managementGroups/'.", parent)
			e.Target = "properties.details.parent.id"
			return e
		}
		parentID = id
	}
	ctx := req.HTTP.Context()
	var out json.RawMessage
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		hy, err := loadHierarchy(ctx, tx)
		if err != nil {
			return err
		}
		old := hy.groups[strings.ToLower(name)]
		if old == nil && req.HTTP.Method == http.MethodPatch {
			return managementGroupNotFound(name)
		}
		isRoot := strings.EqualFold(name, h.cfg.TenantID)
		if parentID.IsZero() {
			switch {
			case old != nil && old.Properties.Details.Parent != nil:
				parentID = armid.MustParse(old.Properties.Details.Parent.ID)
			case !isRoot:
				parentID = armid.MustParse(managementGroupPrefix + h.cfg.TenantID)
			}
		}
		if isRoot && !parentID.IsZero() {
			return Errorf(http.StatusBadRequest, "BadRequest", "The tenant root management group cannot be moved.")
		}
		var parentDisplay string
		var pp *armid.ID
		if !parentID.IsZero() {
			p := hy.groups[strings.ToLower(parentID.Name())]
			if p == nil {
				return managementGroupNotFound(parentID.Name())
			}
			if strings.EqualFold(p.Name, name) {
				return Errorf(http.StatusBadRequest, "BadRequest", "Management group '%s' cannot be its own parent.", name)
			}
			for _, a := range hy.ancestors(p.Name) {
				if strings.EqualFold(a.Name, name) {
					return Errorf(http.StatusBadRequest, "BadRequest",
						"Management group '%s' cannot be moved under its descendant '%s'.", name, p.Name)
				}
			}
			parentDisplay, pp = p.Properties.DisplayName, &parentID
		}
		if display == "" {
			display = name
			if old != nil {
				display = old.Properties.DisplayName
			}
		}
		by := ""
		if req.Principal != nil {
			by = req.Principal.ObjectID
		}
		out = NewManagementGroupBody(h.cfg.TenantID, name, display, pp, parentDisplay, by, tx.Now())
		if old != nil {
			var b mgBody
			_ = json.Unmarshal(out, &b)
			b.Name, b.ID = old.Name, old.ID
			b.Properties.Details.Version = old.Properties.Details.Version + 1
			out, _ = json.Marshal(b)
		}
		return putDocument(ctx, tx, req.ID, out)
	})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// deleteManagementGroup deletes an empty group. It answers 202 with an
// Azure-AsyncOperation URL whose status is already final, the shape
// ManagementGroups.BeginDelete polls (it accepts only 202 and 204).
func (h *Handler) deleteManagementGroup(w http.ResponseWriter, req *Request) error {
	name := req.ID.Name()
	if strings.EqualFold(name, h.cfg.TenantID) {
		return Errorf(http.StatusBadRequest, "BadRequest", "The tenant root management group cannot be deleted.")
	}
	ctx := req.HTTP.Context()
	opID := newGUID()
	var op operationBody
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		hy, err := loadHierarchy(ctx, tx)
		if err != nil {
			return err
		}
		g := hy.groups[strings.ToLower(name)]
		if g == nil {
			return managementGroupNotFound(name)
		}
		info, _ := json.Marshal(map[string]string{"tenantId": g.Properties.TenantID, "displayName": g.Properties.DisplayName})
		op = operationBody{ID: g.ID, Type: g.Type, Name: g.Name, Status: "Succeeded", Properties: info}
		if len(hy.children(name, false)) > 0 {
			return Errorf(http.StatusBadRequest, "BadRequest",
				"Management group '%s' has children (management groups or subscriptions) and cannot be deleted; move or delete them first.", name)
		}
		if _, err := tx.Delete(ctx, req.ID.Key(), store.Condition{}); err != nil {
			return fmt.Errorf("delete management group: %w", err)
		}
		// Extension objects deployed on the group (policy assignments…) go with it.
		if _, err := tx.DeleteUnder(ctx, req.ID.Key()); err != nil {
			return fmt.Errorf("delete below management group: %w", err)
		}
		return putOperation(ctx, tx, opID, op, tx.Now())
	})
	if err != nil {
		return err
	}
	writeAccepted(w, req, opID, map[string]string{"id": op.ID, "type": op.Type, "name": op.Name, "status": op.Status})
	return nil
}

// serveManagementGroupSubscriptions answers GET …/managementGroups/{mg}/subscriptions.
func (h *Handler) serveManagementGroupSubscriptions(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	ctx := req.HTTP.Context()
	var items []json.RawMessage
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, req.ID); err != nil {
			return err
		}
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{mgSubscriptionType}, ParentKey: req.ID.Key()})
		for _, d := range docs {
			items = append(items, d.Body)
		}
		return err
	})
	if err != nil {
		return err
	}
	WritePage(w, req, items, "")
	return nil
}

// serveManagementGroupSubscription moves a subscription into a group (PUT,
// 200), reads the membership (GET) or moves the subscription back to the
// tenant root group (DELETE, 200).
func (h *Handler) serveManagementGroupSubscription(w http.ResponseWriter, req *Request) error {
	mgID, _ := req.ID.Parent()
	mg, sub := mgID.Name(), req.ID.Name()
	ctx := req.HTTP.Context()
	switch req.HTTP.Method {
	case http.MethodGet:
		return h.getDocument(w, req, func() error {
			return Errorf(http.StatusNotFound, "NotFound", "Subscription '%s' is not a child of management group '%s'.", sub, mg)
		})
	case http.MethodPut, http.MethodDelete:
	default:
		return methodNotAllowed(req)
	}
	target := mg
	if req.HTTP.Method == http.MethodDelete {
		target = h.cfg.TenantID
	}
	var out json.RawMessage
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, armid.MustParse(managementGroupPrefix+target)); err != nil {
			return err
		}
		if err := checkSubscription(ctx, tx, sub); err != nil {
			return err
		}
		if req.HTTP.Method == http.MethodDelete {
			if _, err := tx.Get(ctx, req.ID.Key()); errors.Is(err, store.ErrNotFound) {
				return nil // not a child: nothing to move
			}
		}
		if err := placeSubscription(ctx, tx, h.cfg.TenantID, sub, target, ""); err != nil {
			return err
		}
		d, err := tx.Get(ctx, strings.ToLower(managementGroupPrefix+target+"/subscriptions/"+sub))
		if err == nil {
			out = d.Body
		}
		return err
	})
	if err != nil {
		return err
	}
	if req.HTTP.Method == http.MethodDelete {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}
