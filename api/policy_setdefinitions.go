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
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

func policySetDefinitionNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "PolicySetDefinitionNotFound", "The policy set definition '%s' could not be found.", name)
}

// LoadSetDefinition finds and decodes a stored initiative by id.
func LoadSetDefinition(ctx context.Context, tx store.Tx, id string) (*policy.SetDefinition, error) {
	sid, err := armid.Parse(id)
	if err != nil {
		return nil, policySetDefinitionNotFound(id)
	}
	d, err := getPolicyDoc(ctx, tx, sid.Key())
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, policySetDefinitionNotFound(sid.Name())
	}
	v, err := expr.DecodeJSON(d.Body)
	if err != nil {
		return nil, fmt.Errorf("stored set definition %s: %w", d.ID, err)
	}
	set, err := policy.SetDefinitionFromValue(v)
	if err != nil {
		return nil, fmt.Errorf("stored set definition %s: %w", d.ID, err)
	}
	set.ID, set.Name = d.ID, d.Name
	return set, nil
}

// serveSetDefinition handles policySetDefinitions (and their versions) at management groups and
// subscriptions; built-in initiatives imported at the tenant root are read-only. GET and lists
// fill latestDefinitionVersion and effectiveDefinitionVersion on each member when $expand asks.
// REST: https://learn.microsoft.com/rest/api/policy/policy-set-definitions
func (p *PolicyHandlers) serveSetDefinition(w http.ResponseWriter, req *Request) error {
	isVersion := strings.EqualFold(req.Type, typePolicySetVersion)
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		if isVersion {
			return p.withVersionExpand(w, req, expandSetDefinition, func(w http.ResponseWriter) error {
				return p.listSetDefinitionVersions(w, req)
			})
		}
		return p.withVersionExpand(w, req, expandSetDefinition, func(w http.ResponseWriter) error {
			return p.listSetDefinitions(w, req)
		})
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		return p.withVersionExpand(w, req, expandSetDefinition, func(w http.ResponseWriter) error {
			return p.h.getDocument(w, req, func() error { return policySetDefinitionNotFound(req.ID.Name()) })
		})
	case http.MethodPut:
		return p.putSetDefinition(w, req, isVersion)
	case http.MethodDelete:
		if req.ID.Scope().Kind() == armid.Tenant {
			return Errorf(http.StatusForbidden, "BuiltInPolicySetDefinitionReadOnly", "The policy set definition '%s' is built in and cannot be deleted.", req.ID.Name())
		}
		return p.deleteDoc(w, req)
	}
	return methodNotAllowed(req)
}

// listSetDefinitionVersions lists the stored versions of the initiative the request names.
func (p *PolicyHandlers) listSetDefinitionVersions(w http.ResponseWriter, req *Request) error {
	ctx := req.HTTP.Context()
	var bodies []json.RawMessage
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typePolicySetVersion}, ParentKey: req.ID.Key()})
		for _, d := range docs {
			bodies = append(bodies, d.Body)
		}
		return err
	})
	if err != nil {
		return err
	}
	return p.writeList(w, req, bodies)
}

func (p *PolicyHandlers) putSetDefinition(w http.ResponseWriter, req *Request, isVersion bool) error {
	scopeID := req.ID
	if isVersion {
		scopeID, _ = req.ID.Parent()
	}
	scope := scopeID.Scope()
	if scope.Kind() == armid.Tenant {
		return Errorf(http.StatusForbidden, "BuiltInPolicySetDefinitionReadOnly", "Built-in policy set definitions cannot be changed.")
	}
	if !policyScopeAllowed(scope, typePolicySetDefinition) {
		return Errorf(http.StatusBadRequest, "InvalidPolicySetDefinitionScope",
			"Policy set definitions can be created at management group and subscription scopes, not at '%s'.", scope)
	}
	props, _, err := requestProperties(req.Body)
	if err != nil {
		return err
	}
	if err := checkPropertyAPIVersions(req, typePolicySetDefinition, props); err != nil {
		return err
	}
	props["policyType"] = "Custom"
	set, err := policy.SetDefinitionFromValue(expr.Normalize(map[string]any{"properties": props}))
	if err != nil {
		return validationError("policy set definition", req.ID.Name(), err)
	}
	ctx := req.HTTP.Context()
	var stored *store.Document
	created := false
	err = p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, scope); err != nil {
			return err
		}
		if err := checkMembers(ctx, tx, set, scope); err != nil {
			return err
		}
		oldBody, err := existingBody(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		created = oldBody == nil
		typ := "Microsoft.Authorization/policySetDefinitions"
		if isVersion {
			typ += "/versions"
		}
		if stored, err = storePolicyObject(ctx, tx, req, typ, props, nil, oldBody); err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return p.h.RecordAdministrative(ctx, tx, req, stored, status)
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeDoc(w, status, stored)
	return nil
}

// checkMembers checks that every member definition exists, may be used at the initiative's scope,
// and gets a value for each parameter it has no default for.
func checkMembers(ctx context.Context, tx store.Tx, set *policy.SetDefinition, scope armid.ID) error {
	for i, r := range set.PolicyDefinitions {
		path := fmt.Sprintf("properties.policyDefinitions[%d]", i)
		d, err := LoadDefinition(ctx, tx, r.PolicyDefinitionID)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Target = path + ".policyDefinitionId"
			}
			return err
		}
		if err := definitionInScope(ctx, tx, r.PolicyDefinitionID, scope); err != nil {
			return err
		}
		if d, err = memberVersion(ctx, tx, r.PolicyDefinitionID, r.DefinitionVersion, d); err != nil {
			return err
		} else if d == nil {
			// The member pins a version this server does not hold (an older built-in): its
			// parameters cannot be checked here and are checked when an assignment is evaluated.
			continue
		}
		for name := range r.Parameters {
			if _, ok := d.Parameters.Get(name); !ok {
				e := Errorf(http.StatusBadRequest, "UndefinedPolicyParameter",
					"The policy set definition member '%s' passes parameter '%s', which the policy definition '%s' does not define.", r.PolicyDefinitionReferenceID, name, d.Name)
				e.Target = path + ".parameters." + name
				return e
			}
		}
		for _, name := range d.Parameters.Names() {
			if d.Parameters[name].HasDefault {
				continue
			}
			if _, ok := policyLookup(r.Parameters, name); !ok {
				e := Errorf(http.StatusBadRequest, "MissingPolicyParameter",
					"The policy set definition member '%s' does not give a value for parameter '%s' of the policy definition '%s', which has no default.", r.PolicyDefinitionReferenceID, name, d.Name)
				e.Target = path + ".parameters"
				return e
			}
		}
		if err := set.CheckMemberParameters(i, d); err != nil {
			return memberParameterError(set, i, err)
		}
	}
	return nil
}

// memberVersion returns the version of definition d (loaded as current, id) that an initiative
// member pinning pattern uses: d itself when no pattern is given or d's version matches it,
// otherwise the newest stored version that matches; nil when none is held.
func memberVersion(ctx context.Context, tx store.Tx, id, pattern string, d *policy.Definition) (*policy.Definition, error) {
	if pattern == "" || policy.VersionMatches(d.Version, pattern) {
		return d, nil
	}
	pid, err := armid.Parse(id)
	if err != nil {
		return nil, nil
	}
	docs, err := store.ListAll(ctx, tx, store.Query{Types: []string{typePolicyDefinitionVersion}, ParentKey: pid.Key()})
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", id, err)
	}
	vs := make([]string, len(docs))
	for i, doc := range docs {
		vs[i] = versionOf(doc.Body)
	}
	i := policy.NewestMatching(vs, pattern)
	if i < 0 {
		return nil, nil
	}
	// Only the version used is compiled.
	v, err := expr.DecodeJSON(docs[i].Body)
	if err != nil {
		return nil, fmt.Errorf("stored definition version %s: %w", docs[i].ID, err)
	}
	vd, err := policy.DefinitionFromValue(v, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("stored definition version %s: %w", docs[i].ID, err)
	}
	return vd, nil
}

// memberParameterError is ARM's 400 for a value an initiative passes to member i that the
// member's parameter refuses: PolicyParameterValueNotAllowed for a literal value,
// InvalidPolicyParameters for the default of an initiative parameter passed through.
func memberParameterError(set *policy.SetDefinition, i int, err error) *Error {
	var es policy.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		return invalidContent("The policy set definition member %d is invalid: %v", i, err)
	}
	code := "PolicyParameterValueNotAllowed"
	if strings.Contains(es[0].Reason, "initiative parameter") {
		code = "InvalidPolicyParameters"
	}
	e := Errorf(http.StatusBadRequest, code, "The policy set definition member '%s' passes a parameter value its policy definition does not allow. %s",
		set.PolicyDefinitions[i].PolicyDefinitionReferenceID, es.Error())
	e.Target = es[0].Path
	return e
}

func policyLookup(m map[string]any, name string) (any, bool) { return expr.Lookup(m, name) }

// listSetDefinitions lists initiatives visible at a scope: imported built-ins and those at the
// scope and the management groups above it.
func (p *PolicyHandlers) listSetDefinitions(w http.ResponseWriter, req *Request) error {
	return p.listVisible(w, req, typePolicySetDefinition, nil)
}
