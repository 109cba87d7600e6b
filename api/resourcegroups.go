package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
)

var rgDocType = strings.ToLower(armid.ResourceGroupType)

// rgBody is the ResourceGroup object of the Microsoft.Resources API.
type rgBody struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	ManagedBy  string            `json:"managedBy,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties struct {
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// rgRequest is the body of a resource group PUT or PATCH.
type rgRequest struct {
	Location  *string            `json:"location"`
	ManagedBy *string            `json:"managedBy"`
	Tags      *map[string]string `json:"tags"`
}

// onlyTags reports whether a PATCH sets nothing but tags, so that only the policy definitions
// inspecting tags-related fields act on it (see patchesOnlyTags).
func (in *rgRequest) onlyTags() bool {
	return in.Tags != nil && in.Location == nil && in.ManagedBy == nil
}

// knownLocation reports whether loc (normalised) is a configured region.
func (h *Handler) knownLocation(loc string) bool {
	for _, l := range h.cfg.Locations {
		if strings.EqualFold(l.Name, loc) {
			return true
		}
	}
	return false
}

// locationList is the configured region names, comma-separated, as ARM
// lists them in LocationNotAvailableForResourceGroup.
func (h *Handler) locationList() string {
	names := make([]string, len(h.cfg.Locations))
	for i, l := range h.cfg.Locations {
		names[i] = l.Name
	}
	return strings.Join(names, ",")
}

func (h *Handler) checkSubscriptionExists(req *Request) error {
	ctx := req.HTTP.Context()
	return h.cfg.Store.View(ctx, func(tx store.Tx) error {
		return checkSubscription(ctx, tx, req.ID.SubscriptionID())
	})
}

// serveResourceGroup handles PUT (201/200), GET, HEAD (204/404), PATCH
// (200) and DELETE (200, removing every resource in the group; the SDK's
// BeginDelete accepts only 200 and 202) of a resource group.
func (h *Handler) serveResourceGroup(w http.ResponseWriter, req *Request) error {
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	switch req.HTTP.Method {
	case http.MethodGet, http.MethodHead:
		return h.getResource(w, req)
	case http.MethodPut, http.MethodPatch:
		return h.putResourceGroup(w, req)
	case http.MethodDelete:
		return h.deleteResourceGroup(w, req)
	}
	return methodNotAllowed(req)
}

func (h *Handler) putResourceGroup(w http.ResponseWriter, req *Request) error {
	if err := armid.ValidateResourceGroupName(req.ID.ResourceGroup()); err != nil {
		return Errorf(http.StatusBadRequest, "InvalidResourceGroup",
			"The provided resource group name '%s' has these invalid characters or length: resource group names are 1 to 90 letters, digits, '_', '(', ')', '-' and '.', and cannot end with '.'.",
			req.ID.ResourceGroup())
	}
	var in rgRequest
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.Tags != nil {
		if err := checkTags(*in.Tags); err != nil {
			return err
		}
	}
	patch := req.HTTP.Method == http.MethodPatch
	if !patch && (in.Location == nil || *in.Location == "") {
		e := Errorf(http.StatusBadRequest, CodeLocationRequired, "The location property is required for this definition.")
		e.Target = "location"
		return e
	}
	ctx := req.HTTP.Context()
	status := http.StatusOK
	var stored *store.Document
	var wc *writeCheck
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		var b rgBody
		old, err := tx.Get(ctx, req.ID.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
			if patch {
				return missing(ctx, tx, req.ID)
			}
			if err := checkSubscription(ctx, tx, req.ID.SubscriptionID()); err != nil {
				return err
			}
			status = http.StatusCreated
			b.ID, b.Name, b.Type = canonicalID(req.ID).String(), req.ID.ResourceGroup(), "Microsoft.Resources/resourceGroups"
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(old.Body, &b); err != nil {
				return fmt.Errorf("stored resource group %s: %w", old.ID, err)
			}
			if !patch {
				b.Tags, b.ManagedBy = nil, ""
			}
		}
		if in.Location != nil && *in.Location != "" {
			loc := store.NormalizeLocation(*in.Location)
			if !h.knownLocation(loc) {
				return Errorf(http.StatusBadRequest, "LocationNotAvailableForResourceGroup",
					"The provided location '%s' is not available for resource group. List of available regions is '%s'.", loc, h.locationList())
			}
			if b.Location != "" && !strings.EqualFold(b.Location, loc) {
				return Errorf(http.StatusConflict, CodeInvalidResourceGroup,
					"Invalid resource group location '%s'. The Resource group already exists in location '%s'.", loc, b.Location)
			}
			b.Location = loc
		}
		if in.Tags != nil {
			b.Tags = *in.Tags
		}
		if in.ManagedBy != nil {
			b.ManagedBy = *in.ManagedBy
		}
		b.Properties.ProvisioningState = "Succeeded"
		body, _ := json.Marshal(b)
		doc, err := store.NewDocument(armid.MustParse(b.ID), body)
		if err != nil {
			return err
		}
		op := policy.OperationUpdate
		if status == http.StatusCreated {
			op = policy.OperationCreate
		}
		kind := writeKind{tagsOnly: patch && in.onlyTags()}
		if wc, err = h.guardWriteAs(ctx, tx, req, op, armid.MustParse(b.ID), doc, kind); err != nil {
			return err
		}
		stored, err = tx.Put(ctx, doc, conditionOf(req.HTTP))
		if errors.Is(err, store.ErrPreconditionFailed) {
			return preconditionFailed(req.ID)
		}
		if err != nil {
			return err
		}
		return h.recordWrite(ctx, tx, wc, status, stored.Body)
	})
	if err != nil {
		return h.refused(ctx, wc, err)
	}
	writeDoc(w, status, stored)
	return nil
}

func (h *Handler) deleteResourceGroup(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	var wc *writeCheck
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if old, err := tx.Get(ctx, req.ID.Key()); err == nil {
			if wc, err = h.guardWrite(ctx, tx, req, policy.OperationDelete, req.ID, old, false); err != nil {
				return err
			}
			if err := h.guardCascade(ctx, tx, req); err != nil {
				return err
			}
			if err := h.checkLocksIn(ctx, tx, req); err != nil {
				return err
			}
		}
		_, err := tx.Delete(ctx, req.ID.Key(), conditionOf(req.HTTP))
		switch {
		case errors.Is(err, store.ErrNotFound):
			// ARM answers DELETE of a missing resource group with 404.
			return missing(ctx, tx, req.ID)
		case errors.Is(err, store.ErrPreconditionFailed):
			return preconditionFailed(req.ID)
		case err != nil:
			return err
		}
		if _, err = tx.DeleteUnder(ctx, req.ID.Key()); err != nil {
			return err
		}
		return h.recordWrite(ctx, tx, wc, http.StatusOK, nil)
	})
	if err != nil {
		var cr *cascadeRefusal
		if errors.As(err, &cr) {
			return h.refused(ctx, cr.wc, errRefused)
		}
		return h.refused(ctx, wc, err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// serveResourceGroupList answers GET /subscriptions/{s}/resourcegroups
// with $filter on tagName/tagValue and $top.
func (h *Handler) serveResourceGroupList(w http.ResponseWriter, req *Request) error {
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
	q := store.Query{Types: []string{rgDocType}, ParentKey: req.ID.Key()}
	if f.Or == nil {
		q.TagName, q.Location = f.TagName, store.NormalizeLocation(f.Location)
		if f.HasTagValue && f.TagValue != "" {
			q.TagValue = f.TagValue
		}
	}
	alts := f.Alternatives()
	return h.listFiltered(w, req, q, func(d *store.Document) bool {
		for i := range alts {
			if alts[i].Matches(d) {
				return true
			}
		}
		return false
	})
}
