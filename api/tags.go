package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
)

// tagsType is the type of the {scope}/providers/Microsoft.Resources/tags/default object.
const tagsType = "Microsoft.Resources/tags"

// tagsBody is the TagsResource of {scope}/providers/Microsoft.Resources/tags/default.
type tagsBody struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		Tags map[string]string `json:"tags"`
	} `json:"properties"`
}

// tagsPatch is the body of PATCH …/tags/default.
type tagsPatch struct {
	Operation  string `json:"operation"`
	Properties struct {
		Tags map[string]string `json:"tags"`
	} `json:"properties"`
}

// serveTags reads and writes the tags of the scope or resource a
// Microsoft.Resources/tags/default object is deployed on: PUT replaces
// them, PATCH merges, replaces or deletes (operation Merge|Replace|Delete),
// DELETE removes them all. All answer 200 synchronously (the SDK accepts
// 200 or 202). Subscriptions have no tags document of their own in
// Palisade; their tags live in the subscription body.
func (h *Handler) serveTags(w http.ResponseWriter, req *Request) error {
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	if !strings.EqualFold(req.ID.Name(), "default") {
		return resourceNotFound(req.ID.Type(), req.ID.Name(), "")
	}
	target := req.ID.Scope()
	if target.Kind() == armid.Tenant || target.Kind() == armid.ManagementGroup {
		return Errorf(http.StatusBadRequest, "InvalidScope", "Tags can be applied to subscriptions, resource groups and resources only.")
	}
	var in tagsPatch
	switch req.HTTP.Method {
	case http.MethodGet:
		return h.readTags(w, req, target)
	case http.MethodPut, http.MethodPatch:
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
		if err := checkTags(in.Properties.Tags); err != nil {
			return err
		}
	case http.MethodDelete:
	default:
		return methodNotAllowed(req)
	}
	return h.writeTags(w, req, target, &in)
}

// readTags answers GET …/tags/default with the target's tags.
func (h *Handler) readTags(w http.ResponseWriter, req *Request, target armid.ID) error {
	ctx := req.HTTP.Context()
	var tags map[string]string
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		doc, err := getTagged(ctx, tx, target)
		if err != nil {
			return err
		}
		tags, err = storedTags(doc)
		return err
	})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, tagsResource(req.ID, tags))
	return nil
}

// writeTags applies a PUT, PATCH or DELETE of …/tags/default to the target. On a resource
// group or resource the write goes through Azure Policy and the activity log as a write of the
// target (guardTagsWrite): a refusal leaves the tags as they were and is recorded; an allowed
// write stores the tags, after append and modify, with its events in the same transaction.
func (h *Handler) writeTags(w http.ResponseWriter, req *Request, target armid.ID, in *tagsPatch) error {
	ctx := req.HTTP.Context()
	var out []byte
	var wc *writeCheck
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		doc, err := getTagged(ctx, tx, target)
		if err != nil {
			return err
		}
		old, err := storedTags(doc)
		if err != nil {
			return err
		}
		tags, err := changeTags(req.HTTP.Method, old, in)
		if err != nil {
			return err
		}
		if err := setTags(doc, tags); err != nil {
			return err
		}
		if wc, err = h.guardTagsWrite(ctx, tx, req, target, doc); err != nil {
			return err
		}
		if req.HTTP.Method != http.MethodDelete {
			if out, err = json.Marshal(tagsResource(req.ID, doc.Tags)); err != nil {
				return fmt.Errorf("encode tags of %s: %w", target, err)
			}
		}
		if _, err := tx.Put(ctx, doc, store.Condition{}); err != nil {
			return fmt.Errorf("store tags of %s: %w", target, err)
		}
		return h.recordWrite(ctx, tx, wc, http.StatusOK, out)
	})
	if err != nil {
		return h.refused(ctx, wc, err)
	}
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// guardTagsWrite decides a Tags API write as Azure Policy sees it: an update of the tagged
// resource group or resource, carrying its new tags, that only the definitions inspecting
// tags-related fields act on. Its events name the tagged object, as a PATCH of it does, under
// the Tags API's own operation (Microsoft.Resources/tags/write, or …/tags/delete for DELETE),
// the action the request is authorised as. Subscriptions are outside enforcement in Palisade —
// no subscription write is decided or recorded — so their tags are written as before.
func (h *Handler) guardTagsWrite(ctx context.Context, tx store.Tx, req *Request, target armid.ID, doc *store.Document) (*writeCheck, error) {
	if target.Kind() == armid.Subscription {
		return nil, nil
	}
	id := target
	if stored, err := armid.Parse(doc.ID); err == nil {
		id = stored // the casing the object was created with, as a PATCH of it records
	}
	kind := writeKind{tagsOnly: true, action: tagsAction(req.HTTP.Method)}
	return h.guardWriteAs(ctx, tx, req, policy.OperationUpdate, id, doc, kind)
}

// tagsAction is the operation of a Tags API write: Microsoft.Resources/tags/write for PUT and
// PATCH, Microsoft.Resources/tags/delete for DELETE.
func tagsAction(method string) string {
	if method == http.MethodDelete {
		return tagsType + "/delete"
	}
	return tagsType + "/write"
}

// getTagged reads the object a tags/default object is deployed on, or explains its absence.
func getTagged(ctx context.Context, tx store.Tx, target armid.ID) (*store.Document, error) {
	doc, err := tx.Get(ctx, target.Key())
	if errors.Is(err, store.ErrNotFound) {
		return nil, missing(ctx, tx, target)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", target, err)
	}
	return doc, nil
}

// storedTags returns the tags in a stored body (an empty map when it has none).
func storedTags(doc *store.Document) (map[string]string, error) {
	var top struct {
		Tags map[string]string `json:"tags"`
	}
	if err := json.Unmarshal(doc.Body, &top); err != nil {
		return nil, fmt.Errorf("stored %s: %w", doc.ID, err)
	}
	if top.Tags == nil {
		top.Tags = map[string]string{}
	}
	return top.Tags, nil
}

// changeTags computes the tags a write leaves: PUT replaces them, DELETE removes them all, and
// PATCH merges (names compared ignoring case, the new spelling kept), replaces, or deletes the
// named tags (only where the value matches, when one is given).
func changeTags(method string, old map[string]string, in *tagsPatch) (map[string]string, error) {
	switch method {
	case http.MethodPut:
		return in.Properties.Tags, nil
	case http.MethodDelete:
		return nil, nil
	}
	tags := old
	switch strings.ToLower(in.Operation) {
	case "merge":
		for k, v := range in.Properties.Tags {
			for name := range tags {
				if strings.EqualFold(name, k) {
					delete(tags, name)
				}
			}
			tags[k] = v
		}
	case "replace":
		tags = in.Properties.Tags
	case "delete":
		for k, v := range in.Properties.Tags {
			for name, value := range tags {
				if strings.EqualFold(name, k) && (v == "" || v == value) {
					delete(tags, name)
				}
			}
		}
	default:
		e := invalidContent("The value '%s' of 'operation' is invalid; expected Merge, Replace or Delete.", in.Operation)
		e.Target = "operation"
		return nil, e
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// setTags puts tags in doc's body (removing the member when there are none) and in doc.Tags.
func setTags(doc *store.Document, tags map[string]string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc.Body, &m); err != nil {
		return fmt.Errorf("stored %s: %w", doc.ID, err)
	}
	if tags == nil {
		tags = map[string]string{}
	}
	if len(tags) == 0 {
		delete(m, "tags")
	} else {
		b, err := json.Marshal(tags)
		if err != nil {
			return fmt.Errorf("encode tags of %s: %w", doc.ID, err)
		}
		m["tags"] = b
	}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", doc.ID, err)
	}
	doc.Body, doc.Tags = body, tags
	return nil
}

// tagsResource is the TagsResource answered for the tags/default object id.
func tagsResource(id armid.ID, tags map[string]string) tagsBody {
	var out tagsBody
	out.ID, out.Name, out.Type = id.String(), "default", tagsType
	if tags == nil {
		tags = map[string]string{}
	}
	out.Properties.Tags = tags
	return out
}
