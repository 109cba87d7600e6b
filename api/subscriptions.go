package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// Microsoft.Resources api-versions (subscriptions, tenants, locations,
// resource groups, resources, providers, tags), newest first, as listed
// by the folders of Azure/azure-rest-api-specs
// specification/resources/resource-manager/Microsoft.Resources/resources/stable
// and .../subscriptions/stable. A request with another version for these
// types gets InvalidApiVersionParameter.
var resourcesAPIVersions = []string{
	"2025-04-01", "2025-03-01", "2025-01-01", "2024-11-01", "2024-08-01", "2024-07-01", "2024-03-01",
	"2023-07-01", "2022-12-01", "2022-09-01", "2022-01-01", "2021-04-01", "2021-01-01", "2020-10-01",
	"2020-08-01", "2020-06-01", "2020-01-01", "2019-11-01", "2019-10-01", "2019-08-01", "2019-07-01",
	"2019-06-01", "2019-05-10", "2019-05-01", "2019-03-01", "2018-05-01", "2018-02-01", "2017-05-10",
	"2016-09-01", "2016-07-01", "2016-06-01", "2016-02-01", "2015-11-01", "2015-01-01", "2014-04-01",
}

var resourcesAPIVersionSet = func() map[string]bool {
	m := make(map[string]bool, len(resourcesAPIVersions))
	for _, v := range resourcesAPIVersions {
		m[v] = true
	}
	return m
}()

// checkResourcesAPIVersion refuses api-versions Microsoft.Resources does
// not have, with ARM's message listing the supported ones.
func checkResourcesAPIVersion(req *Request) error {
	if resourcesAPIVersionSet[strings.ToLower(req.APIVersion)] {
		return nil
	}
	return Errorf(http.StatusBadRequest, CodeInvalidAPIVersion,
		"The api-version '%s' is invalid. The supported versions are '%s'.", req.APIVersion, strings.Join(resourcesAPIVersions, ","))
}

// subscriptionBody is the ARM Subscription object as GET /subscriptions
// returns it (armsubscriptions.Subscription).
type subscriptionBody struct {
	ID                   string          `json:"id"`
	AuthorizationSource  string          `json:"authorizationSource"`
	ManagedByTenants     []any           `json:"managedByTenants"`
	SubscriptionID       string          `json:"subscriptionId"`
	TenantID             string          `json:"tenantId"`
	DisplayName          string          `json:"displayName"`
	State                string          `json:"state"`
	SubscriptionPolicies json.RawMessage `json:"subscriptionPolicies"`
	Tags                 json.RawMessage `json:"tags,omitempty"`
}

var defaultSubscriptionPolicies = json.RawMessage(`{"locationPlacementId":"Public_2014-09-01","quotaId":"PayAsYouGo_2014-09-01","spendingLimit":"Off"}`)

// serveTenants answers GET /tenants with the one tenant the server holds.
func (h *Handler) serveTenants(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	t, _ := json.Marshal(map[string]any{
		"id": "/tenants/" + h.cfg.TenantID, "tenantId": h.cfg.TenantID, "tenantCategory": "Home",
		"displayName": "Palisade", "defaultDomain": "palisade.local", "domains": []string{"palisade.local"},
		"tenantType": "AAD",
	})
	WritePage(w, req, []json.RawMessage{t}, "")
	return nil
}

// serveSubscriptionList answers GET /subscriptions.
func (h *Handler) serveSubscriptionList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	return h.listDocuments(w, req, store.Query{Types: []string{strings.ToLower(armid.SubscriptionType)}})
}

// serveSubscription answers GET /subscriptions/{s}.
func (h *Handler) serveSubscription(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	if err := armid.ValidateSubscriptionID(req.ID.SubscriptionID()); err != nil {
		return invalidSubscriptionID(req.ID.SubscriptionID())
	}
	var doc *store.Document
	err := h.cfg.Store.View(req.HTTP.Context(), func(tx store.Tx) error {
		var err error
		doc, err = tx.Get(req.HTTP.Context(), req.ID.Key())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return subscriptionNotFound(req.ID.SubscriptionID())
	}
	if err != nil {
		return fmt.Errorf("get subscription: %w", err)
	}
	writeDoc(w, http.StatusOK, doc)
	return nil
}

func invalidSubscriptionID(s string) *Error {
	return Errorf(http.StatusBadRequest, CodeInvalidSubscriptionID, "The provided subscription identifier '%s' is malformed or invalid.", s)
}

// NewSubscriptionBody returns the stored body of a subscription.
func NewSubscriptionBody(tenantID, subscriptionID, displayName string) json.RawMessage {
	b, _ := json.Marshal(subscriptionBody{
		ID: "/subscriptions/" + subscriptionID, AuthorizationSource: "RoleBased", ManagedByTenants: []any{},
		SubscriptionID: subscriptionID, TenantID: tenantID, DisplayName: displayName, State: "Enabled",
		SubscriptionPolicies: defaultSubscriptionPolicies,
	})
	return b
}

// aliasRequest is the body of PUT /providers/Microsoft.Subscription/aliases/{name}.
type aliasRequest struct {
	Properties *struct {
		DisplayName          string `json:"displayName"`
		Workload             string `json:"workload"`
		BillingScope         string `json:"billingScope"`
		SubscriptionID       string `json:"subscriptionId"`
		ResellerID           string `json:"resellerId"`
		AdditionalProperties *struct {
			ManagementGroupID   string            `json:"managementGroupId"`
			SubscriptionOwnerID string            `json:"subscriptionOwnerId"`
			Tags                map[string]string `json:"tags"`
		} `json:"additionalProperties"`
	} `json:"properties"`
}

// serveAlias creates a subscription through the Microsoft.Subscription
// alias API (PUT, answered synchronously with provisioningState
// Succeeded), and reads or deletes an alias. The new subscription is
// placed under the tenant root group or the management group named in
// properties.additionalProperties.managementGroupId.
func (h *Handler) serveAlias(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	switch req.HTTP.Method {
	case http.MethodGet:
		return h.getDocument(w, req, func() error { return aliasNotFound(req.ID.Name()) })
	case http.MethodDelete:
		var found bool
		err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
			_, err := tx.Delete(ctx, req.ID.Key(), store.Condition{})
			found = err == nil
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("delete alias: %w", err)
		}
		if !found {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodPut:
	default:
		return methodNotAllowed(req)
	}
	var in aliasRequest
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.Properties == nil {
		return invalidContent("The request content is missing the required property 'properties'.")
	}
	p := in.Properties
	subID := p.SubscriptionID
	if subID == "" {
		subID = newGUID()
	} else if armid.ValidateSubscriptionID(subID) != nil {
		return invalidSubscriptionID(subID)
	}
	name := p.DisplayName
	if name == "" {
		name = req.ID.Name()
	}
	mg := "" // the hierarchy's default management group unless the request names one
	var tags map[string]string
	if ap := p.AdditionalProperties; ap != nil {
		if ap.ManagementGroupID != "" {
			mg = ap.ManagementGroupID
			if id, err := armid.Parse(ap.ManagementGroupID); err == nil && id.Kind() == armid.ManagementGroup {
				mg = id.Name()
			}
		}
		tags = ap.Tags
	}
	status := http.StatusCreated
	var out json.RawMessage
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if old, err := tx.Get(ctx, req.ID.Key()); err == nil {
			status, out = http.StatusOK, old.Body
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if mg == "" {
			var err error
			if mg, err = defaultManagementGroup(ctx, tx, h.cfg.TenantID); err != nil {
				return err
			}
		}
		mgID := armid.MustParse(managementGroupPrefix + mg)
		if _, err := tx.Get(ctx, mgID.Key()); errors.Is(err, store.ErrNotFound) {
			return managementGroupNotFound(mg)
		} else if err != nil {
			return err
		}
		subKey := "/subscriptions/" + strings.ToLower(subID)
		if _, err := tx.Get(ctx, subKey); errors.Is(err, store.ErrNotFound) {
			body := NewSubscriptionBody(h.cfg.TenantID, subID, name)
			if len(tags) > 0 {
				body = withTags(body, tags)
			}
			if err := putDocument(ctx, tx, armid.MustParse("/subscriptions/"+subID), body); err != nil {
				return err
			}
			if err := placeSubscription(ctx, tx, h.cfg.TenantID, subID, mg, ""); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		props := aliasProperties{SubscriptionID: subID, DisplayName: name, ProvisioningState: "Succeeded",
			Workload: p.Workload, BillingScope: p.BillingScope, ResellerID: p.ResellerID, Tags: tags,
			CreatedTime: tx.Now().UTC().Format(time.RFC3339)}
		if ap := p.AdditionalProperties; ap != nil {
			props.ManagementGroupID, props.SubscriptionOwnerID = ap.ManagementGroupID, ap.SubscriptionOwnerID
		}
		by, byType := principalType(req.Principal)
		out, _ = json.Marshal(aliasBody{ID: req.ID.String(), Name: req.ID.Name(), Type: "Microsoft.Subscription/aliases",
			Properties: props, SystemData: systemData{CreatedBy: by, CreatedByType: byType, CreatedAt: tx.Now(),
				LastModifiedBy: by, LastModifiedByType: byType, LastModifiedAt: tx.Now()}})
		return putDocument(ctx, tx, req.ID, out)
	})
	if err != nil {
		return err
	}
	WriteJSON(w, status, out)
	return nil
}

// aliasBody is SubscriptionAliasResponse of the Microsoft.Subscription
// API: the alias with the request's properties echoed next to the
// subscription id and provisioning state.
type aliasBody struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Properties aliasProperties `json:"properties"`
	SystemData systemData      `json:"systemData"`
}

// aliasProperties is SubscriptionAliasResponseProperties.
type aliasProperties struct {
	SubscriptionID      string            `json:"subscriptionId"`
	DisplayName         string            `json:"displayName,omitempty"`
	ProvisioningState   string            `json:"provisioningState"`
	BillingScope        string            `json:"billingScope,omitempty"`
	Workload            string            `json:"workload,omitempty"`
	ResellerID          string            `json:"resellerId,omitempty"`
	SubscriptionOwnerID string            `json:"subscriptionOwnerId,omitempty"`
	ManagementGroupID   string            `json:"managementGroupId,omitempty"`
	CreatedTime         string            `json:"createdTime,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
}

func aliasNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, CodeResourceNotFound, "The subscription alias '%s' could not be found.", name)
}

// withTags adds tags to a JSON object body.
func withTags(body json.RawMessage, tags map[string]string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	m["tags"], _ = json.Marshal(tags)
	b, _ := json.Marshal(m)
	return b
}

// checkSubscription returns SubscriptionNotFound (or InvalidSubscriptionId)
// unless the subscription exists.
func checkSubscription(ctx context.Context, tx store.Tx, sub string) error {
	if armid.ValidateSubscriptionID(sub) != nil {
		return invalidSubscriptionID(sub)
	}
	_, err := tx.Get(ctx, "/subscriptions/"+strings.ToLower(sub))
	if errors.Is(err, store.ErrNotFound) {
		return subscriptionNotFound(sub)
	}
	return err
}

// CheckScope returns ARM's 404 (SubscriptionNotFound,
// ResourceGroupNotFound, ManagementGroupNotFound, ResourceNotFound) unless
// scope exists; the tenant root always exists. Handlers for extension
// resources call it before writing below a scope.
func CheckScope(ctx context.Context, tx store.Tx, scope armid.ID) error {
	switch scope.Kind() {
	case armid.Tenant:
		return nil
	case armid.ManagementGroup:
		if _, err := tx.Get(ctx, scope.Key()); errors.Is(err, store.ErrNotFound) {
			return managementGroupNotFound(scope.Name())
		} else if err != nil {
			return err
		}
		return nil
	case armid.Subscription:
		return checkSubscription(ctx, tx, scope.SubscriptionID())
	case armid.ResourceGroup:
		if _, err := tx.Get(ctx, scope.Key()); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := checkSubscription(ctx, tx, scope.SubscriptionID()); err != nil {
			return err
		}
		return resourceGroupNotFound(scope.ResourceGroup())
	default:
		if _, err := tx.Get(ctx, scope.Key()); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if p, ok := scope.Parent(); ok {
			if err := CheckScope(ctx, tx, p); err != nil {
				return err
			}
		}
		return resourceNotFound(scope.Type(), scope.FullName(), scope.ResourceGroup())
	}
}
