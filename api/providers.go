package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// providers.json lists, per resource provider namespace, the resource
// types Palisade advertises and their api-versions (newest first), so
// that clients which pick an api-version from GET
// /subscriptions/{s}/providers/{ns} (the Azure CLI's generic resource
// commands, Terraform) find one. The value "resources" stands for the
// Microsoft.Resources list. Any other namespace is accepted as well: its
// provider answers with no resource types.
//
//go:embed providers.json
var providersJSON []byte

type providerType struct {
	Name        string
	APIVersions []string
}

// catalog maps a namespace (canonical casing) to its types, sorted.
var catalog = func() map[string][]providerType {
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(providersJSON, &raw); err != nil {
		panic(fmt.Sprintf("providers.json: %v", err))
	}
	out := map[string][]providerType{}
	for ns, types := range raw {
		for t, v := range types {
			var versions []string
			if string(v) == `"resources"` {
				versions = resourcesAPIVersions
			} else if err := json.Unmarshal(v, &versions); err != nil {
				panic(fmt.Sprintf("providers.json %s/%s: %v", ns, t, err))
			}
			out[ns] = append(out[ns], providerType{t, versions})
		}
		sort.Slice(out[ns], func(i, j int) bool { return out[ns][i].Name < out[ns][j].Name })
	}
	return out
}()

// canonicalNamespace returns the catalogue's casing of ns, or ns itself.
func canonicalNamespace(ns string) (string, bool) {
	for k := range catalog {
		if strings.EqualFold(k, ns) {
			return k, true
		}
	}
	return ns, false
}

type providerResourceType struct {
	ResourceType string   `json:"resourceType"`
	Locations    []string `json:"locations"`
	APIVersions  []string `json:"apiVersions"`
	Capabilities string   `json:"capabilities,omitempty"`
}

type providerBody struct {
	ID                 string                 `json:"id"`
	Namespace          string                 `json:"namespace"`
	RegistrationState  string                 `json:"registrationState"`
	RegistrationPolicy string                 `json:"registrationPolicy"`
	ResourceTypes      []providerResourceType `json:"resourceTypes"`
}

// providerJSON builds the Provider object for namespace ns in scope
// (tenant root or a subscription).
func (h *Handler) providerJSON(scope armid.ID, ns, state string) json.RawMessage {
	canon, _ := canonicalNamespace(ns)
	prefix := ""
	if scope.Kind() == armid.Subscription {
		prefix = "/subscriptions/" + scope.SubscriptionID()
	}
	locs := make([]string, len(h.cfg.Locations))
	for i, l := range h.cfg.Locations {
		locs[i] = l.DisplayName
	}
	p := providerBody{ID: prefix + "/providers/" + canon, Namespace: canon, RegistrationState: state,
		RegistrationPolicy: "RegistrationRequired", ResourceTypes: []providerResourceType{}}
	for _, t := range catalog[canon] {
		p.ResourceTypes = append(p.ResourceTypes, providerResourceType{ResourceType: t.Name, Locations: locs,
			APIVersions: t.APIVersions, Capabilities: "SupportsTags, SupportsLocation"})
	}
	b, _ := json.Marshal(p)
	return b
}

// serveProviderList answers GET /providers and /subscriptions/{s}/providers.
func (h *Handler) serveProviderList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	if req.ID.Kind() == armid.Subscription {
		if err := h.checkSubscriptionExists(req); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(catalog))
	for ns := range catalog {
		names = append(names, ns)
	}
	sort.Strings(names)
	items := make([]json.RawMessage, 0, len(names))
	for _, ns := range names {
		state, err := h.registrationState(req, ns)
		if err != nil {
			return err
		}
		items = append(items, h.providerJSON(req.ID, ns, state))
	}
	WritePage(w, req, items, "")
	return nil
}

const registrationNS = "provider-registration"

// registrationState is "Registered" unless the provider was unregistered
// in this subscription.
func (h *Handler) registrationState(req *Request, ns string) (string, error) {
	if req.ID.Kind() != armid.Subscription {
		return "Registered", nil
	}
	ctx := req.HTTP.Context()
	state := "Registered"
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		v, err := tx.GetValue(ctx, registrationNS, req.ID.Key()+"/"+strings.ToLower(ns))
		if err == nil {
			state = string(v)
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return state, err
}

// serveProvider answers GET {scope}/providers/{ns} and POST
// /subscriptions/{s}/providers/{ns}/register|unregister. Every namespace is
// registered by default, so clients never meet MissingSubscriptionRegistration.
func (h *Handler) serveProvider(w http.ResponseWriter, req *Request) error {
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	ns, action, _ := strings.Cut(req.Collection, "/")
	if req.ID.Kind() == armid.Subscription {
		if err := h.checkSubscriptionExists(req); err != nil {
			return err
		}
	}
	switch {
	case action == "" && req.HTTP.Method == http.MethodGet:
	case action != "" && req.HTTP.Method == http.MethodPost && req.ID.Kind() == armid.Subscription:
		state := "Registered"
		if strings.EqualFold(action, "unregister") {
			state = "Unregistered"
		}
		ctx := req.HTTP.Context()
		err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
			return tx.PutValue(ctx, registrationNS, req.ID.Key()+"/"+strings.ToLower(ns), []byte(state), zeroTime)
		})
		if err != nil {
			return fmt.Errorf("provider registration: %w", err)
		}
	default:
		return methodNotAllowed(req)
	}
	state, err := h.registrationState(req, ns)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, h.providerJSON(req.ID, ns, state))
	return nil
}
