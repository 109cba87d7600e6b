package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

// policyDefinitionNotFound is ARM's 404 for a missing definition.
func policyDefinitionNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "PolicyDefinitionNotFound", "The policy definition '%s' could not be found.", name)
}

// serveDefinition handles policyDefinitions at the tenant root (built-ins, read-only),
// management groups and subscriptions.
// REST: https://learn.microsoft.com/rest/api/policy/policy-definitions
func (p *PolicyHandlers) serveDefinition(w http.ResponseWriter, req *Request) error {
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		return p.listDefinitions(w, req)
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		doc, err := p.definitionDoc(req.HTTP.Context(), req.ID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, doc)
		return nil
	case http.MethodPut:
		return p.putDefinition(w, req)
	case http.MethodDelete:
		return p.deleteDefinition(w, req)
	}
	return methodNotAllowed(req)
}

// definitionDoc returns the served JSON of a definition: stored, or shipped (tenant scope).
func (p *PolicyHandlers) definitionDoc(ctx context.Context, id armid.ID) ([]byte, error) {
	var body []byte
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		d, err := getPolicyDoc(ctx, tx, id.Key())
		if d != nil {
			body = d.Body
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if body == nil && id.Scope().Kind() == armid.Tenant {
		body, _ = builtinDefinitionDoc(id.Name())
	}
	if body == nil {
		return nil, policyDefinitionNotFound(id.Name())
	}
	return body, nil
}

// LoadDefinition finds and compiles a definition by id: stored (custom, or imported built-in) or
// shipped with Palisade.
func LoadDefinition(ctx context.Context, tx store.Tx, id string) (*policy.Definition, error) {
	pid, err := armid.Parse(id)
	if err != nil {
		return nil, policyDefinitionNotFound(id)
	}
	d, err := getPolicyDoc(ctx, tx, pid.Key())
	if err != nil {
		return nil, err
	}
	if d == nil {
		if pid.Scope().Kind() == armid.Tenant {
			if def, ok := builtin.Definition(pid.Name()); ok {
				return def, nil
			}
		}
		return nil, policyDefinitionNotFound(pid.Name())
	}
	v, err := expr.DecodeJSON(d.Body)
	if err != nil {
		return nil, fmt.Errorf("stored definition %s: %w", d.ID, err)
	}
	def, err := policy.DefinitionFromValue(v, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("stored definition %s: %w", d.ID, err)
	}
	return def, nil
}

func (p *PolicyHandlers) putDefinition(w http.ResponseWriter, req *Request) error {
	scope := req.ID.Scope()
	if scope.Kind() == armid.Tenant {
		return Errorf(http.StatusForbidden, "BuiltInPolicyDefinitionReadOnly",
			"The policy definition '%s' is built in and cannot be changed. Create custom definitions at a management group or subscription.", req.ID.Name())
	}
	if !policyScopeAllowed(scope, typePolicyDefinition) {
		return Errorf(http.StatusBadRequest, "InvalidPolicyDefinitionScope",
			"Policy definitions can be created at management group and subscription scopes, not at '%s'.", scope)
	}
	props, _, err := requestProperties(req.Body)
	if err != nil {
		return err
	}
	if err := checkPropertyAPIVersions(req, typePolicyDefinition, props); err != nil {
		return err
	}
	switch t, _ := props["policyType"].(string); {
	case t == "", strings.EqualFold(t, "Custom"), strings.EqualFold(t, "NotSpecified"):
		props["policyType"] = "Custom"
	default:
		return Errorf(http.StatusBadRequest, "InvalidPolicyType",
			"The policy type '%s' is not allowed: definitions created by users are of type 'Custom'.", t)
	}
	if _, ok := props["mode"]; !ok {
		props["mode"] = policy.ModeIndexed
	}
	def, err := policy.DefinitionFromValue(expr.Normalize(map[string]any{"properties": props}), policy.Options{})
	if err != nil {
		return validationError("policy definition", req.ID.Name(), err)
	}
	ctx := req.HTTP.Context()
	var stored *store.Document
	err = p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, scope); err != nil {
			return err
		}
		oldBody, err := existingBody(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		if oldBody != nil {
			if err := checkParameterUpdate(oldBody, def); err != nil {
				return err
			}
		}
		if stored, err = storePolicyObject(ctx, tx, req, "Microsoft.Authorization/policyDefinitions", props, nil, oldBody); err != nil {
			return err
		}
		return p.h.RecordAdministrative(ctx, tx, req, stored, http.StatusCreated)
	})
	if err != nil {
		return err
	}
	// The SDK's CreateOrUpdate accepts only 201, for a create and a replace alike.
	writeDoc(w, http.StatusCreated, stored)
	return nil
}

// checkParameterUpdate enforces Azure's rule that an update keeps every parameter with its type
// (https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-parameters).
func checkParameterUpdate(oldBody []byte, def *policy.Definition) error {
	v, err := expr.DecodeJSON(oldBody)
	if err != nil {
		return nil
	}
	old, err := policy.DefinitionFromValue(v, policy.Options{})
	if err != nil {
		return nil
	}
	for _, name := range old.Parameters.Names() {
		op := old.Parameters[name]
		np, ok := def.Parameters.Get(name)
		if !ok {
			return Errorf(http.StatusBadRequest, "InvalidPolicyParameterUpdate",
				"The policy definition '%s' cannot drop parameter '%s': parameters cannot be removed from a definition.", def.Name, name)
		}
		if np.Type != op.Type {
			return Errorf(http.StatusBadRequest, "InvalidPolicyParameterUpdate",
				"The type of parameter '%s' cannot change from '%s' to '%s'.", name, op.Type, np.Type)
		}
	}
	return nil
}

func (p *PolicyHandlers) deleteDefinition(w http.ResponseWriter, req *Request) error {
	if req.ID.Scope().Kind() == armid.Tenant {
		return Errorf(http.StatusForbidden, "BuiltInPolicyDefinitionReadOnly",
			"The policy definition '%s' is built in and cannot be deleted.", req.ID.Name())
	}
	return p.deleteDoc(w, req)
}

// deleteDoc answers DELETE of a stored policy object: 200 with the deleted object, 204 when it
// did not exist.
func (p *PolicyHandlers) deleteDoc(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	var deleted *store.Document
	err := p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		d, err := tx.Delete(ctx, req.ID.Key(), store.Condition{})
		switch {
		case errors.Is(err, store.ErrNotFound):
			return p.h.RecordAdministrative(ctx, tx, req, nil, http.StatusNoContent)
		case err != nil:
			return err
		}
		deleted = d
		return p.h.RecordAdministrative(ctx, tx, req, d, http.StatusOK)
	})
	if err != nil {
		return err
	}
	if deleted == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeDoc(w, http.StatusOK, deleted)
	return nil
}

// listDefinitions lists the definitions visible at a scope: built-ins, and custom definitions at
// the scope and the management groups above it. $filter: policyType eq '…', category eq '…'.
func (p *PolicyHandlers) listDefinitions(w http.ResponseWriter, req *Request) error {
	return p.listVisible(w, req, typePolicyDefinition, func(stored map[string]bool) []json.RawMessage {
		var out []json.RawMessage
		defs, _ := builtin.Definitions()
		for _, d := range defs {
			if stored[strings.ToLower(d.ID)] {
				continue
			}
			if b, ok := builtinDefinitionDoc(d.Name); ok {
				out = append(out, b)
			}
		}
		return out
	})
}

// listVisible lists the objects of a type visible at the request's scope: those stored at the
// scope and the management groups above it, plus what more(stored keys) adds (the tenant's
// shipped objects), filtered by $filter and sorted by id. With atExactScope() only the objects
// at the scope itself are listed
// (https://learn.microsoft.com/rest/api/policy/policy-definitions/list).
func (p *PolicyHandlers) listVisible(w http.ResponseWriter, req *Request, typ string, more func(stored map[string]bool) []json.RawMessage) error {
	f, err := parsePolicyFilter(req.HTTP.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	var bodies []json.RawMessage
	err = p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		scopes, err := definitionScopes(ctx, tx, req.ID)
		if err != nil {
			return err
		}
		if f.AtExactScope {
			scopes = []armid.ID{req.ID}
			if req.ID.Kind() != armid.Tenant {
				more = nil
			}
		}
		stored := map[string]bool{}
		for _, s := range scopes {
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typ}, ParentKey: s.Key()})
			if err != nil {
				return err
			}
			for _, d := range docs {
				stored[d.Key] = true
				bodies = append(bodies, d.Body)
			}
		}
		if more != nil {
			bodies = append(bodies, more(stored)...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bodies = filterBodies(bodies, f)
	sortBodiesByID(bodies)
	return p.writeList(w, req, bodies)
}

// definitionScopes lists the scopes whose definitions are visible at scope: the tenant root,
// the management groups above (or at) it, and the subscription itself.
func definitionScopes(ctx context.Context, tx store.Tx, scope armid.ID) ([]armid.ID, error) {
	out := []armid.ID{armid.Root}
	switch scope.Kind() {
	case armid.Subscription, armid.ResourceGroup:
		mgs, err := ManagementGroupAncestors(ctx, tx, scope.SubscriptionID())
		if err != nil {
			return nil, err
		}
		out = append(out, mgs...)
		out = append(out, armid.MustParse("/subscriptions/"+scope.SubscriptionID()))
	case armid.ManagementGroup:
		out = append(out, scope)
		hy, err := loadHierarchy(ctx, tx)
		if err != nil {
			return nil, err
		}
		for _, a := range hy.ancestors(scope.Name()) {
			out = append(out, armid.MustParse(a.ID))
		}
	}
	return out, nil
}

// writeList pages an in-memory list of bodies.
func (p *PolicyHandlers) writeList(w http.ResponseWriter, req *Request, bodies []json.RawMessage) error {
	size, err := p.h.pageSize(req)
	if err != nil {
		return err
	}
	page, next, err := paginate(bodies, req.SkipToken(), size)
	if err != nil {
		return err
	}
	WritePage(w, req, page, next)
	return nil
}

func sortBodiesByID(bodies []json.RawMessage) {
	ids := make([]string, len(bodies))
	for i, b := range bodies {
		var v struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(b, &v)
		ids[i] = strings.ToLower(v.ID)
	}
	sort.Sort(byID{bodies, ids})
}

type byID struct {
	bodies []json.RawMessage
	ids    []string
}

func (b byID) Len() int           { return len(b.ids) }
func (b byID) Less(i, j int) bool { return b.ids[i] < b.ids[j] }
func (b byID) Swap(i, j int) {
	b.ids[i], b.ids[j] = b.ids[j], b.ids[i]
	b.bodies[i], b.bodies[j] = b.bodies[j], b.bodies[i]
}

// serveDefinitionVersion handles policyDefinitions/{name}/versions/{version}: stored versions,
// and for built-ins the current version.
func (p *PolicyHandlers) serveDefinitionVersion(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	parent := req.ID
	if !req.IsCollection() {
		parent, _ = req.ID.Parent()
	}
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		var bodies []json.RawMessage
		err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typePolicyDefinitionVersion}, ParentKey: parent.Key()})
			for _, d := range docs {
				bodies = append(bodies, d.Body)
			}
			return err
		})
		if err != nil {
			return err
		}
		if len(bodies) == 0 {
			if b, ok := p.currentVersionDoc(ctx, parent); ok {
				bodies = append(bodies, b)
			}
		}
		return p.writeList(w, req, bodies)
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		var body []byte
		err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
			d, err := getPolicyDoc(ctx, tx, req.ID.Key())
			if d != nil {
				body = d.Body
			}
			return err
		})
		if err != nil {
			return err
		}
		if body == nil {
			if b, ok := p.currentVersionDoc(ctx, parent); ok && strings.EqualFold(versionOf(b), req.ID.Name()) {
				body = b
			}
		}
		if body == nil {
			return Errorf(http.StatusNotFound, "PolicyDefinitionVersionNotFound",
				"The policy definition version '%s' of '%s' could not be found.", req.ID.Name(), parent.Name())
		}
		WriteJSON(w, http.StatusOK, body)
		return nil
	case http.MethodPut:
		if parent.Scope().Kind() == armid.Tenant {
			return Errorf(http.StatusForbidden, "BuiltInPolicyDefinitionReadOnly", "Built-in policy definition versions cannot be changed.")
		}
		props, _, err := requestProperties(req.Body)
		if err != nil {
			return err
		}
		props["policyType"] = "Custom"
		props["version"] = req.ID.Name()
		if _, err := policy.DefinitionFromValue(expr.Normalize(map[string]any{"properties": props}), policy.Options{}); err != nil {
			return validationError("policy definition version", req.ID.Name(), err)
		}
		var stored *store.Document
		err = p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
			if d, err := getPolicyDoc(ctx, tx, parent.Key()); err != nil {
				return err
			} else if d == nil {
				return policyDefinitionNotFound(parent.Name())
			}
			body, err := policyEnvelope(req.ID, "Microsoft.Authorization/policyDefinitions/versions", props, nil, newSystemData(req, nil))
			if err != nil {
				return err
			}
			if stored, err = putPolicyDoc(ctx, tx, req.ID, body); err != nil {
				return err
			}
			return p.h.RecordAdministrative(ctx, tx, req, stored, http.StatusCreated)
		})
		if err != nil {
			return err
		}
		writeDoc(w, http.StatusCreated, stored)
		return nil
	case http.MethodDelete:
		return p.deleteDoc(w, req)
	}
	return methodNotAllowed(req)
}

// currentVersionDoc presents a definition's current version as a versions child resource.
func (p *PolicyHandlers) currentVersionDoc(ctx context.Context, def armid.ID) ([]byte, bool) {
	body, err := p.definitionDoc(ctx, def)
	if err != nil {
		return nil, false
	}
	return versionView(def, body, "Microsoft.Authorization/policyDefinitions/versions")
}

// versionView presents the body of a definition or initiative (def) as its current version, a
// child resource of type typ; false when the body names no version.
func versionView(def armid.ID, body []byte, typ string) ([]byte, bool) {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return nil, false
	}
	props, _ := v["properties"].(map[string]any)
	ver, _ := props["version"].(string)
	if ver == "" {
		return nil, false
	}
	delete(props, "versions")
	v["id"] = def.String() + "/versions/" + ver
	v["name"] = ver
	v["type"] = typ
	b, err := json.Marshal(v)
	return b, err == nil
}

// listAllVersions answers POST {scope}/providers/Microsoft.Authorization/listPolicyDefinitionVersions
// and …/listPolicySetDefinitionVersions: every version of every definition (or initiative)
// defined at the scope itself — the built-ins at the tenant root, custom ones at a management
// group or subscription — in one response without paging, as the SDK's ListAll, ListAllBuiltins
// and ListAllAtManagementGroup operations read it. A definition without stored versions lists
// its current one.
// REST: https://learn.microsoft.com/rest/api/policy/policy-definition-versions/list-all
func (p *PolicyHandlers) listAllVersions(w http.ResponseWriter, req *Request, sets bool) error {
	if req.HTTP.Method != http.MethodPost {
		return methodNotAllowed(req)
	}
	switch req.ID.Kind() {
	case armid.Tenant, armid.ManagementGroup, armid.Subscription:
	default:
		return Errorf(http.StatusBadRequest, CodeInvalidResourceType,
			"The operation '%s' is available at the tenant root, a management group or a subscription, not at '%s'.", req.Collection, req.ID)
	}
	defType, versionType := typePolicyDefinition, typePolicyDefinitionVersion
	versionTypeName := "Microsoft.Authorization/policyDefinitions/versions"
	if sets {
		defType, versionType = typePolicySetDefinition, typePolicySetVersion
		versionTypeName = "Microsoft.Authorization/policySetDefinitions/versions"
	}
	ctx := req.HTTP.Context()
	var defs []json.RawMessage
	var out []json.RawMessage
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{defType}, ParentKey: req.ID.Key()})
		if err != nil {
			return err
		}
		stored := map[string]bool{}
		for _, d := range docs {
			stored[d.Key] = true
			defs = append(defs, d.Body)
		}
		if req.ID.Kind() == armid.Tenant && !sets {
			shipped, _ := builtin.Definitions()
			for _, d := range shipped {
				if stored[strings.ToLower(d.ID)] {
					continue
				}
				if b, ok := builtinDefinitionDoc(d.Name); ok {
					defs = append(defs, b)
				}
			}
		}
		for _, body := range defs {
			var env struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(body, &env) != nil {
				continue
			}
			id, err := armid.Parse(env.ID)
			if err != nil {
				continue
			}
			versions, err := store.ListAll(ctx, tx, store.Query{Types: []string{versionType}, ParentKey: id.Key()})
			if err != nil {
				return err
			}
			for _, v := range versions {
				out = append(out, v.Body)
			}
			if len(versions) == 0 {
				if b, ok := versionView(id, body, versionTypeName); ok {
					out = append(out, b)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortBodiesByID(out)
	WritePage(w, req, out, "")
	return nil
}

func versionOf(body []byte) string {
	var v struct {
		Properties struct {
			Version string `json:"version"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Properties.Version
}
