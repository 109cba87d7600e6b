package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

func policyAssignmentNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "PolicyAssignmentNotFound", "The policy assignment '%s' is not found.", name)
}

// serveAssignment handles policyAssignments at any scope. GET and lists fill
// latestDefinitionVersion and effectiveDefinitionVersion when $expand asks for them.
// REST: https://learn.microsoft.com/rest/api/policy/policy-assignments
func (p *PolicyHandlers) serveAssignment(w http.ResponseWriter, req *Request) error {
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		return p.withVersionExpand(w, req, expandAssignment, func(w http.ResponseWriter) error {
			return p.listScoped(w, req, typePolicyAssignment)
		})
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		return p.withVersionExpand(w, req, expandAssignment, func(w http.ResponseWriter) error {
			return p.h.getDocument(w, req, func() error { return policyAssignmentNotFound(req.ID.Name()) })
		})
	case http.MethodPut:
		return p.putAssignment(w, req, nil)
	case http.MethodPatch:
		return p.patchAssignment(w, req)
	case http.MethodDelete:
		return p.deleteDoc(w, req)
	}
	return methodNotAllowed(req)
}

// LoadTarget loads what an assignment assigns: the definition, or the initiative and its members.
func LoadTarget(ctx context.Context, tx store.Tx, definitionID string) (policy.Target, error) {
	if policy.IsSetDefinitionID(definitionID) {
		set, err := LoadSetDefinition(ctx, tx, definitionID)
		if err != nil {
			return policy.Target{}, err
		}
		t := policy.Target{Set: set, Members: map[string]*policy.Definition{}}
		for _, r := range set.PolicyDefinitions {
			d, err := LoadDefinition(ctx, tx, r.PolicyDefinitionID)
			if err != nil {
				return t, err
			}
			t.Members[r.PolicyDefinitionReferenceID] = d
		}
		return t, nil
	}
	d, err := LoadDefinition(ctx, tx, definitionID)
	if err != nil {
		return policy.Target{}, err
	}
	return policy.Target{Definition: d}, nil
}

// definitionInScope checks that a definition (or initiative) stored at a management group or
// subscription may be assigned at scope: at its own scope or below.
func definitionInScope(ctx context.Context, tx store.Tx, definitionID string, scope armid.ID) error {
	did, err := armid.Parse(definitionID)
	if err != nil {
		return nil
	}
	defScope := did.Scope()
	switch defScope.Kind() {
	case armid.Tenant:
		return nil
	case armid.Subscription:
		if scope.SubscriptionID() != "" && strings.EqualFold(scope.SubscriptionID(), defScope.SubscriptionID()) {
			return nil
		}
	case armid.ManagementGroup:
		if scope.Key() == defScope.Key() {
			return nil
		}
		if scope.Kind() == armid.ManagementGroup {
			hy, err := loadHierarchy(ctx, tx)
			if err != nil {
				return err
			}
			for _, a := range hy.ancestors(scope.Name()) {
				if strings.EqualFold(a.Name, defScope.Name()) {
					return nil
				}
			}
		} else if scope.SubscriptionID() != "" {
			mgs, err := ManagementGroupAncestors(ctx, tx, scope.SubscriptionID())
			if err != nil {
				return err
			}
			for _, m := range mgs {
				if m.Key() == defScope.Key() {
					return nil
				}
			}
		}
	}
	return Errorf(http.StatusBadRequest, "InvalidPolicyDefinitionReference",
		"The policy definition '%s' is defined at '%s' and cannot be assigned at '%s', which is outside its scope.", did.Name(), defScope, scope)
}

// parameterError maps assignment parameter problems to ARM's codes.
func parameterError(name string, err error) *Error {
	var es policy.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		return invalidContent("%v", err)
	}
	code := "InvalidPolicyParameters"
	switch r := es[0].Reason; {
	case strings.Contains(r, "has no parameter"):
		code = "UndefinedPolicyParameter"
	case strings.Contains(r, "needs a value"):
		code = "MissingPolicyParameter"
	case strings.Contains(es[0].Path, "overrides"):
		code = "InvalidPolicyOverride"
	}
	e := Errorf(http.StatusBadRequest, code, "The policy assignment '%s' is invalid. %s", name, es.Error())
	e.Target = es[0].Path
	return e
}

// putAssignment creates or replaces an assignment. It always answers 201, as ARM does and as
// the SDK's Create requires.
func (p *PolicyHandlers) putAssignment(w http.ResponseWriter, req *Request, patched map[string]any) error {
	var top map[string]any
	var err error
	if patched != nil {
		top = patched
	} else if err = decodeStrict(req.Body, &top); err != nil {
		return err
	}
	top = expr.Normalize(top).(map[string]any)
	props, _ := top["properties"].(map[string]any)
	if props == nil {
		return invalidContent("The request content was invalid and could not be deserialized: 'properties' is required.")
	}
	if patched == nil {
		if err := checkPropertyAPIVersions(req, typePolicyAssignment, props); err != nil {
			return err
		}
	}
	a, err := policy.AssignmentFromValue(top)
	if err != nil {
		return validationError("policy assignment", req.ID.Name(), err)
	}
	scope := canonicalID(req.ID.Scope())
	if a.Identity != nil && !strings.EqualFold(policyString(a.Identity["type"]), "None") && a.Location == "" {
		return Errorf(http.StatusBadRequest, CodeLocationRequired,
			"The policy assignment '%s' has a managed identity, so it needs a location.", req.ID.Name())
	}
	ctx := req.HTTP.Context()
	var stored *store.Document
	status := http.StatusCreated // the SDK's Create accepts only 201, for a replace too
	if patched != nil {
		status = http.StatusOK
	}
	err = p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, scope); err != nil {
			return err
		}
		target, err := LoadTarget(ctx, tx, a.PolicyDefinitionID)
		if err != nil {
			return err
		}
		if err := definitionInScope(ctx, tx, a.PolicyDefinitionID, scope); err != nil {
			return err
		}
		if err := a.CheckAgainst(target); err != nil {
			return parameterError(req.ID.Name(), err)
		}
		oldBody, err := existingBody(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		props["scope"] = scope.String()
		if _, ok := props["enforcementMode"]; !ok {
			props["enforcementMode"] = policy.EnforcementDefault
		}
		if _, ok := props["notScopes"]; !ok {
			props["notScopes"] = []any{}
		}
		if _, ok := props["parameters"]; !ok {
			props["parameters"] = map[string]any{}
		}
		props["instanceId"] = assignmentInstanceID(oldBody)
		extra := map[string]any{"location": top["location"]}
		if a.Identity != nil {
			extra["identity"] = assignmentIdentity(a.Identity, oldBody, p.h.cfg.TenantID)
		}
		if stored, err = storePolicyObject(ctx, tx, req, "Microsoft.Authorization/policyAssignments", props, extra, oldBody); err != nil {
			return err
		}
		return p.h.RecordAdministrative(ctx, tx, req, stored, status)
	})
	if err != nil {
		return err
	}
	writeDoc(w, status, stored)
	return nil
}

// assignmentInstanceID returns the read-only instanceId of an assignment: the one of the
// assignment being replaced or patched, or a new one when the assignment is created, so that it
// changes only when the assignment is deleted and created again
// (https://learn.microsoft.com/rest/api/policy/policy-assignments/create).
func assignmentInstanceID(oldBody []byte) string {
	var old struct {
		Properties struct {
			InstanceID string `json:"instanceId"`
		} `json:"properties"`
	}
	if oldBody != nil && json.Unmarshal(oldBody, &old) == nil && old.Properties.InstanceID != "" {
		return old.Properties.InstanceID
	}
	return uuid.NewString()
}

// assignmentIdentity fills the read-only principalId and tenantId of a system-assigned identity,
// keeping the ones already issued.
func assignmentIdentity(id map[string]any, oldBody []byte, tenant string) map[string]any {
	out := map[string]any{}
	for k, v := range id {
		out[k] = v
	}
	if !strings.Contains(strings.ToLower(policyString(id["type"])), "systemassigned") {
		return out
	}
	var old struct {
		Identity map[string]any `json:"identity"`
	}
	if oldBody != nil {
		_ = json.Unmarshal(oldBody, &old)
	}
	if pid := policyString(old.Identity["principalId"]); pid != "" {
		out["principalId"] = pid
	} else {
		out["principalId"] = uuid.NewString()
	}
	out["tenantId"] = tenant
	return out
}

func policyString(v any) string {
	s, _ := v.(string)
	return s
}

// patchAssignment applies ARM's PATCH, which may change only identity, location,
// resourceSelectors and overrides.
func (p *PolicyHandlers) patchAssignment(w http.ResponseWriter, req *Request) error {
	var patch map[string]any
	if err := decodeStrict(req.Body, &patch); err != nil {
		return err
	}
	if pp, ok := patch["properties"].(map[string]any); ok {
		if err := checkPropertyAPIVersions(req, typePolicyAssignment, pp); err != nil {
			return err
		}
	}
	ctx := req.HTTP.Context()
	var stored map[string]any
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		d, err := getPolicyDoc(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		if d == nil {
			return policyAssignmentNotFound(req.ID.Name())
		}
		return json.Unmarshal(d.Body, &stored)
	})
	if err != nil {
		return err
	}
	for k, v := range patch {
		switch strings.ToLower(k) {
		case "identity", "location":
			stored[k] = v
		case "properties":
			pp, ok := v.(map[string]any)
			if !ok {
				return invalidContent("'properties' must be an object")
			}
			sp, _ := stored["properties"].(map[string]any)
			for pk, pv := range pp {
				switch strings.ToLower(pk) {
				case "resourceselectors", "overrides":
					sp[pk] = pv
				default:
					e := invalidContent("The property 'properties.%s' cannot be changed with PATCH: only identity, location, resourceSelectors and overrides can.", pk)
					e.Target = "properties." + pk
					return e
				}
			}
		default:
			e := invalidContent("The property '%s' cannot be changed with PATCH: only identity, location, resourceSelectors and overrides can.", k)
			e.Target = k
			return e
		}
	}
	delete(stored, "systemData")
	return p.putAssignment(w, req, stored)
}

// listScoped lists assignments or exemptions for a scope. Without a filter: those at the scope,
// above it and below it; atScope(): at and above; atExactScope(): at the scope only; plus
// policyDefinitionId / policyAssignmentId eq filters and excludeExpired().
func (p *PolicyHandlers) listScoped(w http.ResponseWriter, req *Request, typ string) error {
	f, err := parsePolicyFilter(req.HTTP.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	scope := req.ID
	var bodies []json.RawMessage
	err = p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var scopes []armid.ID
		if f.AtExactScope {
			scopes = []armid.ID{scope}
		} else {
			scopes = append(scopes, scope)
			scopes = append(scopes, scope.Ancestors()...)
			if scope.SubscriptionID() != "" {
				mgs, err := ManagementGroupAncestors(ctx, tx, scope.SubscriptionID())
				if err != nil {
					return err
				}
				scopes = append(scopes, mgs...)
			} else if scope.Kind() == armid.ManagementGroup {
				hy, err := loadHierarchy(ctx, tx)
				if err != nil {
					return err
				}
				for _, a := range hy.ancestors(scope.Name()) {
					scopes = append(scopes, armid.MustParse(a.ID))
				}
			}
		}
		seen := map[string]bool{}
		add := func(docs []*store.Document) {
			for _, d := range docs {
				if !seen[d.Key] {
					seen[d.Key] = true
					bodies = append(bodies, d.Body)
				}
			}
		}
		for _, s := range scopes {
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typ}, ParentKey: s.Key()})
			if err != nil {
				return err
			}
			add(docs)
		}
		if !f.AtScope && !f.AtExactScope && scope.Kind() != armid.Tenant {
			docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typ}, Under: scope.Key()})
			if err != nil {
				return err
			}
			add(docs)
		}
		return nil
	})
	if err != nil {
		return err
	}
	bodies = filterBodies(bodies, f)
	if f.ExcludeExpired {
		bodies = withoutExpired(bodies)
	}
	sortBodiesByID(bodies)
	return p.writeList(w, req, bodies)
}
