package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// Config configures the ARM API handler.
type Config struct {
	// Store holds every ARM object. Required.
	Store store.Store
	// Verifier checks bearer tokens. Required.
	Verifier Verifier
	// TenantID is the directory the server serves (returned by GET /tenants
	// and in subscriptions). Required.
	TenantID string
	// AuthorizationURI is named in the WWW-Authenticate challenge of a 401:
	// the tenant's authority, as ARM names https://login.windows.net/{tenant}
	// (tools read the tenant of a subscription from it).
	AuthorizationURI string
	// BaseURL is the externally visible URL ("https://host:port") used in
	// nextLink and polling URLs; when empty it is derived from each request.
	BaseURL string
	// Locations are the regions /subscriptions/{s}/locations lists and
	// providers advertise; PublicLocations when empty.
	Locations []Location
	// MaxBodyBytes bounds request bodies; 1 MiB when zero.
	MaxBodyBytes int64
	// PageSize is the number of items per list page; 100 when zero.
	PageSize int
	// Logger receives internal errors; slog.Default when nil.
	Logger *slog.Logger
}

// Request is one routed ARM request: the path parsed once, the caller and
// the body already checked. Family handlers and registered provider
// handlers receive it.
type Request struct {
	// HTTP is the underlying request (its Body is already consumed; use
	// Body).
	HTTP *http.Request
	// ID is the addressed object for an item route; for a collection
	// route it is the scope or parent resource the collection is under.
	ID armid.ID
	// Collection is empty for an item route. For a collection it is the
	// last path segment(s): a full type for provider collections at a scope
	// ("Microsoft.Authorization/policyAssignments"), or a child type or
	// keyword otherwise ("resourcegroups", "resources", "versions").
	Collection string
	// Type is the full resource type addressed, in the request's casing
	// ("Microsoft.Authorization/policyDefinitions/versions").
	Type string
	// APIVersion is the api-version query parameter (never empty).
	APIVersion string
	// Principal is the authenticated caller.
	Principal *identity.Principal
	// Body is the request body (at most Config.MaxBodyBytes), nil when
	// empty.
	Body []byte
	// RequestID and CorrelationID are the values sent back in
	// x-ms-request-id and x-ms-correlation-request-id.
	RequestID, CorrelationID string
	// BaseURL is the absolute URL prefix for links in responses.
	BaseURL string
}

// IsCollection reports whether the request addresses a list rather than
// one object.
func (r *Request) IsCollection() bool { return r.Collection != "" }

// ProviderHandler serves every request whose resource type starts with a
// registered prefix (see Handler.Handle). The router has already
// authenticated the caller, checked api-version, read the body and
// parsed the path; the handler answers with WriteJSON or WriteError.
type ProviderHandler interface {
	ServeARM(w http.ResponseWriter, req *Request)
}

// ProviderHandlerFunc adapts a function to ProviderHandler.
type ProviderHandlerFunc func(w http.ResponseWriter, req *Request)

// ServeARM calls f.
func (f ProviderHandlerFunc) ServeARM(w http.ResponseWriter, req *Request) { f(w, req) }

// PolicyTypePrefix selects the Azure Policy object types
// (policyDefinitions, policySetDefinitions, policyAssignments,
// policyExemptions and their nested types) at any scope.
const PolicyTypePrefix = "Microsoft.Authorization/policy"

// Handler is the ARM REST API. It is safe for concurrent use.
type Handler struct {
	cfg Config
	log *slog.Logger

	mu        sync.RWMutex
	providers []providerRoute

	// enforcement, when set, decides and records every resource and resource-group write.
	enforcement *Enforcement
	// authorizer, when set, checks every request's action against role assignments.
	authorizer *authz.Authorizer
	hier       *hierarchyCache
	// locks indexes the management locks every write is checked against.
	locks *lockIndex
}

type providerRoute struct {
	prefix string // lower case
	whole  bool   // prefix is a whole type: match it and the types nested under it only
	h      ProviderHandler
}

// New validates cfg and returns the handler. Azure Policy object types
// answer 501 NotImplemented until SetPolicyHandlers registers their
// handlers.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New("api: Config.Store and Config.Verifier are required")
	}
	if !armid.IsGUID(cfg.TenantID) {
		return nil, errors.New("api: Config.TenantID must be a GUID")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if len(cfg.Locations) == 0 {
		cfg.Locations = PublicLocations
	}
	if cfg.AuthorizationURI == "" {
		cfg.AuthorizationURI = "https://login.windows.net/" + cfg.TenantID
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	h := &Handler{cfg: cfg, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.Handle(PolicyTypePrefix, notImplemented{})
	h.Handle(internalNamespace, hiddenNamespace{})
	h.hier = &hierarchyCache{}
	cfg.Store.Subscribe(h.hier.invalidate)
	h.initLocks()
	return h, nil
}

// Handle routes every request whose resource type (item or collection)
// starts with typePrefix (compared ignoring case, e.g.
// "Microsoft.Insights/eventtypes") to ph. A later registration of the same
// prefix replaces the earlier one; longer prefixes win over shorter ones.
func (h *Handler) Handle(typePrefix string, ph ProviderHandler) {
	h.handle(typePrefix, false, ph)
}

// HandleType routes requests for the resource type typ and the types nested under it
// ("Microsoft.Resources/deployments" and ".../deployments/operations", not
// ".../deploymentScripts") to ph.
func (h *Handler) HandleType(typ string, ph ProviderHandler) {
	h.handle(typ, true, ph)
}

func (h *Handler) handle(typePrefix string, whole bool, ph ProviderHandler) {
	p := strings.ToLower(typePrefix)
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.providers {
		if h.providers[i].prefix == p {
			h.providers[i].h, h.providers[i].whole = ph, whole
			return
		}
	}
	h.providers = append(h.providers, providerRoute{p, whole, ph})
	// Longest prefix first.
	for i := len(h.providers) - 1; i > 0 && len(h.providers[i].prefix) > len(h.providers[i-1].prefix); i-- {
		h.providers[i], h.providers[i-1] = h.providers[i-1], h.providers[i]
	}
}

// SetPolicyHandlers registers the handler for the Azure Policy object
// types (see PolicyTypePrefix), replacing the 501 placeholder.
func (h *Handler) SetPolicyHandlers(ph ProviderHandler) {
	h.Handle(PolicyTypePrefix, ph)
	h.Handle(listVersionsPrefix, ph)
}

// Store returns the store the handler serves, for registered provider
// handlers.
func (h *Handler) Store() store.Store { return h.cfg.Store }

// TenantID returns the tenant the handler serves.
func (h *Handler) TenantID() string { return h.cfg.TenantID }

func (h *Handler) provider(typ string) ProviderHandler {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, p := range h.providers {
		if len(typ) < len(p.prefix) || !strings.EqualFold(typ[:len(p.prefix)], p.prefix) {
			continue
		}
		if p.whole && len(typ) > len(p.prefix) && typ[len(p.prefix)] != '/' {
			continue // another type that merely starts with the same letters
		}
		return p.h
	}
	return nil
}

// notImplemented answers 501 for provider types whose handlers are not
// registered.
type notImplemented struct{}

// ServeARM answers 501 NotImplemented.
func (notImplemented) ServeARM(w http.ResponseWriter, req *Request) {
	WriteError(w, Errorf(http.StatusNotImplemented, CodeNotImplemented,
		"The resource type '%s' is not implemented by this server yet.", req.Type))
}

// internalNamespace holds Palisade's own objects (users and service
// principals with their credential hashes); the ARM API never serves it.
const internalNamespace = "Palisade."

// hiddenNamespace answers for internalNamespace as ARM does for an unknown
// namespace.
type hiddenNamespace struct{}

// ServeARM answers 404 InvalidResourceNamespace.
func (hiddenNamespace) ServeARM(w http.ResponseWriter, req *Request) {
	ns, _, _ := strings.Cut(req.Type, "/")
	WriteError(w, Errorf(http.StatusNotFound, "InvalidResourceNamespace", "The resource namespace '%s' is invalid.", ns))
}

// family is a handler for one resource family.
type family func(h *Handler, w http.ResponseWriter, req *Request) error

// routeKey selects a family: the kind of the addressed id, whether the
// request is for a collection, and a lower-case type or keyword.
type routeKey struct {
	kind armid.Kind
	coll bool
	name string
}

// routes is the dispatch table. Types found here are matched before the
// generic resource handler.
var routes = map[routeKey]family{
	{armid.Tenant, true, "tenants"}:                                                 (*Handler).serveTenants,
	{armid.Tenant, true, "subscriptions"}:                                           (*Handler).serveSubscriptionList,
	{armid.Subscription, false, ""}:                                                 (*Handler).serveSubscription,
	{armid.Extension, false, "microsoft.subscription/aliases"}:                      (*Handler).serveAlias,
	{armid.Subscription, true, "locations"}:                                         (*Handler).serveLocations,
	{armid.Tenant, true, "providers"}:                                               (*Handler).serveProviderList,
	{armid.Subscription, true, "providers"}:                                         (*Handler).serveProviderList,
	{armid.Tenant, false, "provider"}:                                               (*Handler).serveProvider,
	{armid.Subscription, false, "provider"}:                                         (*Handler).serveProvider,
	{armid.Tenant, true, "microsoft.management/managementgroups"}:                   (*Handler).serveManagementGroupList,
	{armid.ManagementGroup, false, ""}:                                              (*Handler).serveManagementGroup,
	{armid.ManagementGroup, true, "subscriptions"}:                                  (*Handler).serveManagementGroupSubscriptions,
	{armid.Extension, false, "microsoft.management/managementgroups/subscriptions"}: (*Handler).serveManagementGroupSubscription,
	{armid.Extension, false, "microsoft.management/operationresults"}:               (*Handler).serveOperationResult,
	{armid.ManagementGroup, true, "descendants"}:                                    (*Handler).serveManagementGroupDescendants,
	{armid.ManagementGroup, true, "settings"}:                                       (*Handler).serveHierarchySettingsList,
	{armid.Extension, false, mgSettingsType}:                                        (*Handler).serveHierarchySettings,
	{armid.Tenant, true, "microsoft.management/checknameavailability"}:              (*Handler).serveCheckNameAvailability,
	{armid.Tenant, true, "microsoft.management/getentities"}:                        (*Handler).serveEntities,
	{armid.Tenant, true, "microsoft.resources/checkresourcename"}:                   (*Handler).serveCheckResourceName,
	{armid.Subscription, true, "resourcegroups"}:                                    (*Handler).serveResourceGroupList,
	{armid.ResourceGroup, false, ""}:                                                (*Handler).serveResourceGroup,
	{armid.Subscription, true, "resources"}:                                         (*Handler).serveResourceList,
	{armid.ResourceGroup, true, "resources"}:                                        (*Handler).serveResourceList,
	{armid.Subscription, true, "tagnames"}:                                          (*Handler).serveTagNames,
}

// ServeHTTP implements http.Handler: request ids, api-version, routing,
// authentication and body limits, then the family handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := &Request{HTTP: r, RequestID: newRequestID(), CorrelationID: r.Header.Get("x-ms-correlation-request-id")}
	if req.CorrelationID == "" {
		req.CorrelationID = req.RequestID
	}
	hd := w.Header()
	hd["X-Ms-Request-Id"] = []string{req.RequestID}
	hd["X-Ms-Correlation-Request-Id"] = []string{req.CorrelationID}
	hd["X-Ms-Routing-Request-Id"] = []string{req.RequestID}
	hd["Cache-Control"] = []string{"no-cache"}
	if err := h.serve(w, req); err != nil {
		var ae *Error
		if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
			// The client went away; nobody reads an answer.
			h.log.Debug("ARM request abandoned by the client", "method", r.Method, "path", r.URL.Path, "request_id", req.RequestID)
			return
		}
		if !errors.As(err, &ae) {
			h.log.Error("ARM request failed", "method", r.Method, "path", r.URL.Path, "request_id", req.RequestID, "err", err)
		}
		WriteError(w, err)
	}
}

func (h *Handler) serve(w http.ResponseWriter, req *Request) error {
	r := req.HTTP
	// Authentication comes first, as in ARM: an anonymous caller learns
	// nothing about which paths exist.
	p, aerr := h.authenticate(r)
	if aerr != nil {
		return aerr
	}
	req.Principal = p
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, &requestValues{principal: p, hierarchy: h.hier}))
	req.HTTP = r

	q := r.URL.Query()
	req.APIVersion = q.Get("api-version")
	if req.APIVersion == "" {
		return Errorf(http.StatusBadRequest, CodeMissingAPIVersion,
			"The api-version query parameter (?api-version=) is required for all requests.")
	}
	if !isAPIVersion(req.APIVersion) {
		return Errorf(http.StatusBadRequest, CodeInvalidAPIVersion,
			"The api-version '%s' is invalid. The supported versions are '%s'.", req.APIVersion, strings.Join(resourcesAPIVersions, ","))
	}
	key, err := resolve(emptyParentPath(r.URL.Path), req)
	if err != nil {
		return err
	}
	if err := h.authorize(req); err != nil {
		return err
	}
	if err := h.checkLocks(req); err != nil {
		return err
	}
	switch r.Method {
	case http.MethodPut, http.MethodPatch, http.MethodPost:
		b, berr := h.readBody(r)
		if berr != nil {
			return berr
		}
		req.Body = b
	}
	if req.BaseURL = h.cfg.BaseURL; req.BaseURL == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		req.BaseURL = scheme + "://" + r.Host
	}
	if ph := h.provider(req.Type); ph != nil && req.Type != "" {
		ph.ServeARM(w, req)
		return nil
	}
	if f, ok := routes[key]; ok {
		return f(h, w, req)
	}
	switch {
	case key.name == "microsoft.resources/tags" && (key.kind == armid.Extension || req.ID.Scope().Kind() == armid.ResourceGroup):
		// {resource}/providers/Microsoft.Resources/tags/default is an extension of the
		// resource; {resourceGroup}/providers/Microsoft.Resources/tags/default parses as a
		// resource in the group but is the group's tags all the same.
		return h.serveTags(w, req)
	case !key.coll && (key.kind == armid.Resource || key.kind == armid.Extension):
		return h.serveResource(w, req)
	case key.coll && req.Type != "" && strings.Contains(req.Type, "/"):
		return h.serveTypedList(w, req)
	}
	return Errorf(http.StatusNotFound, CodeInvalidResourceType,
		"The resource type '%s' could not be found for api version '%s'.", strings.TrimPrefix(r.URL.Path, "/"), req.APIVersion)
}

// emptyParentPath closes the gap the generic resource operations leave in a path when a
// resource has no parent: the SDKs fill {parentResourcePath} in
// …/providers/{namespace}/{parentResourcePath}/{type}/{name} with an empty string and send
// "…/providers/Microsoft.Storage//storageAccounts/sa1" (armresources.Client.Get with
// parentResourcePath "", az resource show), which ARM serves as the resource. Any other empty
// segment is left for resolve to refuse.
func emptyParentPath(path string) string {
	if !strings.Contains(path, "//") {
		return path
	}
	segs := strings.Split(path, "/")
	out := segs[:0]
	for i, s := range segs {
		if s == "" && i >= 2 && i+2 < len(segs) && segs[i-1] != "" && strings.EqualFold(segs[i-2], "providers") {
			continue // the empty parent path after providers/{namespace}, before {type}/{name}
		}
		out = append(out, s)
	}
	return strings.Join(out, "/")
}

// resolve parses path once and fills req.ID, req.Collection and req.Type.
// It returns the routing key.
func resolve(path string, req *Request) (routeKey, error) {
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		path = "/"
	}
	if id, err := armid.Parse(path); err == nil {
		req.ID = id
		k := routeKey{kind: id.Kind()}
		if k.kind == armid.Resource || k.kind == armid.Extension {
			req.Type = id.Type()
			k.name = strings.ToLower(req.Type)
		}
		return k, nil
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	n := len(segs)
	parent := func(upto int) (armid.ID, error) {
		if upto == 0 {
			return armid.Root, nil
		}
		id, err := armid.Parse("/" + strings.Join(segs[:upto], "/"))
		if err != nil {
			return armid.ID{}, invalidID(path, err)
		}
		return id, nil
	}
	if n >= 3 && strings.EqualFold(segs[0], "subscriptions") && strings.EqualFold(segs[2], tagNamesKeyword) {
		// /subscriptions/{s}/tagNames[/{name}[/tagValues/{value}]]: tag names and values are
		// not ARM ids; the whole tree is the subscription's tagNames collection.
		id, err := parent(2)
		if err != nil {
			return routeKey{}, err
		}
		req.ID, req.Collection = id, segs[2]
		return routeKey{armid.Subscription, true, "tagnames"}, nil
	}
	switch {
	case n >= 3 && strings.EqualFold(segs[n-3], "providers") &&
		(strings.EqualFold(segs[n-1], "register") || strings.EqualFold(segs[n-1], "unregister")):
		// {scope}/providers/{namespace}/register
		id, err := parent(n - 3)
		if err != nil {
			return routeKey{}, err
		}
		req.ID, req.Collection = id, segs[n-2]+"/"+segs[n-1]
		return routeKey{id.Kind(), false, "provider"}, nil
	case n >= 3 && strings.EqualFold(segs[n-3], "providers"):
		// {scope}/providers/{namespace}/{type}: a provider collection.
		id, err := parent(n - 3)
		if err != nil {
			return routeKey{}, err
		}
		req.ID, req.Collection = id, segs[n-2]+"/"+segs[n-1]
		req.Type = req.Collection
		return routeKey{id.Kind(), true, strings.ToLower(req.Type)}, nil
	case n >= 2 && strings.EqualFold(segs[n-2], "providers"):
		// {scope}/providers/{namespace}
		id, err := parent(n - 2)
		if err != nil {
			return routeKey{}, err
		}
		req.ID, req.Collection = id, segs[n-1]
		return routeKey{id.Kind(), false, "provider"}, nil
	}
	id, err := parent(n - 1)
	if err != nil {
		return routeKey{}, err
	}
	req.ID, req.Collection = id, segs[n-1]
	if strings.EqualFold(segs[n-1], "providers") && id.Kind() != armid.Tenant && id.Kind() != armid.Subscription {
		return routeKey{}, invalidID(path, &armid.Error{ID: path, Segment: n, Msg: "'providers' needs a namespace"})
	}
	if id.Kind() == armid.Resource || id.Kind() == armid.Extension {
		// A nested child collection: {resource}/{childType}.
		req.Type = id.Type() + "/" + segs[n-1]
		return routeKey{id.Kind(), true, strings.ToLower(req.Type)}, nil
	}
	return routeKey{id.Kind(), true, strings.ToLower(segs[n-1])}, nil
}

// invalidID is ARM's 400 for a path that is not a resource id.
func invalidID(path string, err error) *Error {
	e := Errorf(http.StatusBadRequest, CodeInvalidResourceID, "The resource identifier '%s' is malformed or invalid.", path)
	var ie *armid.Error
	if errors.As(err, &ie) {
		e.Details = []*Error{{Code: CodeInvalidResourceID, Message: ie.Error()}}
	}
	return e
}

// now is the clock used for timestamps outside store transactions.
var now = func() time.Time { return time.Now().UTC() }
