package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// excludedFromResourceList reports types that live below resource groups
// but that ARM's resource list does not return (policy objects, role
// assignments and other Microsoft.Authorization extension objects).
func excludedFromResourceList(typ string) bool {
	return strings.HasPrefix(typ, "microsoft.authorization/")
}

// serveResourceList answers GET /subscriptions/{s}/resources and
// /subscriptions/{s}/resourceGroups/{rg}/resources: the top-level
// resources of the resource group or of every group in the subscription,
// with $filter and $top.
func (h *Handler) serveResourceList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	f, err := ParseFilter(req.HTTP.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	q := store.Query{SubscriptionID: req.ID.SubscriptionID()}
	if req.ID.Kind() == armid.ResourceGroup {
		q.ParentKey = req.ID.Key()
	}
	alts := f.Alternatives()
	if f.Or == nil {
		// One conjunction: the store narrows by what it can index; Matches checks the rest.
		q.Location, q.TagName = store.NormalizeLocation(f.Location), f.TagName
		if f.HasTagValue && f.TagValue != "" {
			q.TagValue = f.TagValue
		}
		if f.ResourceType != "" {
			q.Types = []string{strings.ToLower(f.ResourceType)}
		}
		if req.ID.Kind() != armid.ResourceGroup {
			q.ResourceGroup = f.ResourceGroup
		}
	}
	expand := strings.ToLower(req.HTTP.URL.Query().Get("$expand"))
	omitTags := f.OmitsTags()
	return h.listFiltered(w, req, q, func(d *store.Document) bool {
		if excludedFromResourceList(d.Type) || !strings.Contains(d.ParentKey, "/resourcegroups/") ||
			strings.Count(d.ParentKey, "/") != 4 {
			return false
		}
		for i := range alts {
			if alts[i].Matches(d) {
				d.Body = listItem(d, expand, omitTags)
				return true
			}
		}
		return false
	})
}

// listItem shapes a resource as the resource list returns it
// (GenericResourceExpanded): without properties, and with createdTime,
// changedTime and provisioningState only when $expand asks for them
// (https://learn.microsoft.com/rest/api/resources/resources/list-by-resource-group). When
// the list is filtered by a tag name and value, ARM leaves the tags out of the results, as the
// $filter parameter's description in the Resources_List operation of
// Azure/azure-rest-api-specs' resources.json says.
func listItem(d *store.Document, expand string, withoutTags bool) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(d.Body, &m) != nil {
		return d.Body
	}
	delete(m, "properties")
	if withoutTags {
		delete(m, "tags")
	}
	if expand != "" {
		for _, e := range strings.Split(expand, ",") {
			switch strings.TrimSpace(e) {
			case "createdtime":
				m["createdTime"], _ = json.Marshal(d.CreatedAt)
			case "changedtime":
				m["changedTime"], _ = json.Marshal(d.UpdatedAt)
			case "provisioningstate":
				m["provisioningState"] = json.RawMessage(`"Succeeded"`)
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return d.Body
	}
	return b
}

// serveTypedList answers GET of a provider collection:
// {scope}/providers/{ns}/{type} (the resources of one type in a
// subscription or resource group) and {resource}/{childType} (nested
// resources).
func (h *Handler) serveTypedList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	q := store.Query{Types: []string{strings.ToLower(req.Type)}}
	switch req.ID.Kind() {
	case armid.Subscription:
		q.SubscriptionID = req.ID.SubscriptionID()
	case armid.ResourceGroup, armid.Resource, armid.Extension, armid.ManagementGroup, armid.Tenant:
		q.ParentKey = req.ID.Key()
	}
	return h.listFiltered(w, req, q, nil)
}

// listFiltered lists documents matching q after checking that the scope
// exists; keep (when not nil) drops documents the store query cannot
// exclude. A page may then hold fewer items than $top; nextLink still
// continues correctly.
func (h *Handler) listFiltered(w http.ResponseWriter, req *Request, q store.Query, keep func(*store.Document) bool) error {
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	q.Limit, q.Continuation = size, req.SkipToken()
	ctx := req.HTTP.Context()
	var page store.Page
	err = h.cfg.Store.View(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, req.ID); err != nil {
			return err
		}
		var err error
		page, err = tx.List(ctx, q)
		return err
	})
	if errors.Is(err, store.ErrInvalid) && q.Continuation != "" {
		return Errorf(http.StatusBadRequest, "InvalidSkipToken", "The $skiptoken '%s' is invalid.", q.Continuation)
	}
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return ae
		}
		return fmt.Errorf("list: %w", err)
	}
	items := make([]json.RawMessage, 0, len(page.Documents))
	for _, d := range page.Documents {
		if keep == nil || keep(d) {
			items = append(items, d.Body)
		}
	}
	WritePage(w, req, items, page.Continuation)
	return nil
}
