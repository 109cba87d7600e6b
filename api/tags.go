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
	ctx := req.HTTP.Context()
	var out tagsBody
	out.ID, out.Name, out.Type = req.ID.String(), "default", "Microsoft.Resources/tags"
	write := req.HTTP.Method != http.MethodGet
	run := h.cfg.Store.View
	if write {
		run = h.cfg.Store.Update
	}
	err := run(ctx, func(tx store.Tx) error {
		doc, err := tx.Get(ctx, target.Key())
		if errors.Is(err, store.ErrNotFound) {
			return missing(ctx, tx, target)
		} else if err != nil {
			return err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc.Body, &m); err != nil {
			return fmt.Errorf("stored %s: %w", doc.ID, err)
		}
		tags := map[string]string{}
		_ = json.Unmarshal(m["tags"], &tags)
		switch req.HTTP.Method {
		case http.MethodPut:
			tags = in.Properties.Tags
		case http.MethodDelete:
			tags = nil
		case http.MethodPatch:
			switch strings.ToLower(in.Operation) {
			case "merge":
				for k, v := range in.Properties.Tags {
					for old := range tags {
						if strings.EqualFold(old, k) {
							delete(tags, old)
						}
					}
					tags[k] = v
				}
			case "replace":
				tags = in.Properties.Tags
			case "delete":
				for k, v := range in.Properties.Tags {
					for old, ov := range tags {
						if strings.EqualFold(old, k) && (v == "" || v == ov) {
							delete(tags, old)
						}
					}
				}
			default:
				e := invalidContent("The value '%s' of 'operation' is invalid; expected Merge, Replace or Delete.", in.Operation)
				e.Target = "operation"
				return e
			}
			if err := checkTags(tags); err != nil {
				return err
			}
		}
		if tags == nil {
			tags = map[string]string{}
		}
		out.Properties.Tags = tags
		if !write {
			return nil
		}
		if len(tags) == 0 {
			delete(m, "tags")
		} else {
			m["tags"], _ = json.Marshal(tags)
		}
		doc.Body, _ = json.Marshal(m)
		doc.Tags = tags
		_, err = tx.Put(ctx, doc, store.Condition{})
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
