package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/expr"
	"github.com/palisade/palisade/store"
)

// serveExemption handles policyExemptions at any scope.
// REST: https://learn.microsoft.com/rest/api/policy/policy-exemptions
func (p *PolicyHandlers) serveExemption(w http.ResponseWriter, req *Request) error {
	if req.IsCollection() {
		if req.HTTP.Method != http.MethodGet {
			return methodNotAllowed(req)
		}
		return p.listScoped(w, req, typePolicyExemption)
	}
	switch req.HTTP.Method {
	case http.MethodGet:
		return p.h.getDocument(w, req, func() error { return policyExemptionNotFound(req.ID.Name()) })
	case http.MethodPut:
		return p.putExemption(w, req)
	case http.MethodPatch:
		return p.patchExemption(w, req)
	case http.MethodDelete:
		return p.deleteDoc(w, req)
	}
	return methodNotAllowed(req)
}

func policyExemptionNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "PolicyExemptionNotFound", "The policy exemption '%s' is not found.", name)
}

func (p *PolicyHandlers) putExemption(w http.ResponseWriter, req *Request) error {
	props, _, err := requestProperties(req.Body)
	if err != nil {
		return err
	}
	if err := checkPropertyAPIVersions(req, typePolicyExemption, props); err != nil {
		return err
	}
	return p.storeExemption(w, req, props, false)
}

// patchExemption applies ARM's PATCH of an exemption, which may change only resourceSelectors
// and assignmentScopeValidation; the result is checked as a PUT would be and answered with 200
// (PolicyExemptions_Update, https://learn.microsoft.com/rest/api/policy/policy-exemptions/update).
func (p *PolicyHandlers) patchExemption(w http.ResponseWriter, req *Request) error {
	var patch map[string]any
	if err := decodeStrict(req.Body, &patch); err != nil {
		return err
	}
	if pp, ok := patch["properties"].(map[string]any); ok {
		if err := checkPropertyAPIVersions(req, typePolicyExemption, pp); err != nil {
			return err
		}
	}
	ctx := req.HTTP.Context()
	var stored struct {
		Properties map[string]any `json:"properties"`
	}
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		d, err := getPolicyDoc(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		if d == nil {
			return policyExemptionNotFound(req.ID.Name())
		}
		return json.Unmarshal(d.Body, &stored)
	})
	if err != nil {
		return err
	}
	props := stored.Properties
	if props == nil {
		props = map[string]any{}
	}
	for k, v := range patch {
		if !strings.EqualFold(k, "properties") {
			e := invalidContent("The property '%s' cannot be changed with PATCH: only properties.resourceSelectors and properties.assignmentScopeValidation can.", k)
			e.Target = k
			return e
		}
		pp, ok := v.(map[string]any)
		if !ok {
			e := invalidContent("The request content was invalid and could not be deserialized: 'properties' must be an object.")
			e.Target = "properties"
			return e
		}
		for pk, pv := range pp {
			switch strings.ToLower(pk) {
			case "resourceselectors", "assignmentscopevalidation":
				for sk := range props {
					if strings.EqualFold(sk, pk) {
						delete(props, sk)
					}
				}
				props[pk] = pv
			default:
				e := invalidContent("The property 'properties.%s' cannot be changed with PATCH: only properties.resourceSelectors and properties.assignmentScopeValidation can.", pk)
				e.Target = "properties." + pk
				return e
			}
		}
	}
	return p.storeExemption(w, req, props, true)
}

// storeExemption validates and stores the exemption with props at req.ID. A PUT answers 201 for
// a new exemption and 200 for a replaced one; a PATCH answers 200.
func (p *PolicyHandlers) storeExemption(w http.ResponseWriter, req *Request, props map[string]any, patched bool) error {
	e, err := policy.ExemptionFromValue(expr.Normalize(map[string]any{"properties": props}))
	if err != nil {
		return validationError("policy exemption", req.ID.Name(), err)
	}
	scope := canonicalID(req.ID.Scope())
	ctx := req.HTTP.Context()
	var stored *store.Document
	created := false
	err = p.h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		if err := CheckScope(ctx, tx, scope); err != nil {
			return err
		}
		aid, err := armid.Parse(e.PolicyAssignmentID)
		if err != nil {
			return policyAssignmentNotFound(e.PolicyAssignmentID)
		}
		ad, err := getPolicyDoc(ctx, tx, aid.Key())
		if err != nil {
			return err
		}
		if ad == nil {
			return policyAssignmentNotFound(aid.Name())
		}
		if e.AssignmentScopeValidation != "DoNotValidate" && !scope.IsUnder(aid.Scope()) {
			return Errorf(http.StatusBadRequest, "InvalidPolicyExemptionScope",
				"The policy exemption '%s' at '%s' is outside the scope '%s' of the policy assignment it exempts from. Use assignmentScopeValidation 'DoNotValidate' to allow it.",
				req.ID.Name(), scope, aid.Scope())
		}
		if len(e.PolicyDefinitionReferenceIDs) > 0 {
			if err := checkExemptionReferences(ctx, tx, ad.Body, e); err != nil {
				return err
			}
		}
		oldBody, err := existingBody(ctx, tx, req.ID.Key())
		if err != nil {
			return err
		}
		created = oldBody == nil
		if stored, err = storePolicyObject(ctx, tx, req, "Microsoft.Authorization/policyExemptions", props, nil, oldBody); err != nil {
			return err
		}
		status := http.StatusOK
		if created && !patched {
			status = http.StatusCreated
		}
		return p.h.RecordAdministrative(ctx, tx, req, stored, status)
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created && !patched {
		status = http.StatusCreated
	}
	writeDoc(w, status, stored)
	return nil
}

// checkExemptionReferences checks that exempted reference ids are members of the assigned
// initiative.
func checkExemptionReferences(ctx context.Context, tx store.Tx, assignmentBody []byte, e *policy.Exemption) error {
	var a struct {
		Properties struct {
			PolicyDefinitionID string `json:"policyDefinitionId"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(assignmentBody, &a); err != nil {
		return fmt.Errorf("stored assignment: %w", err)
	}
	if !policy.IsSetDefinitionID(a.Properties.PolicyDefinitionID) {
		return Errorf(http.StatusBadRequest, "InvalidPolicyExemption",
			"policyDefinitionReferenceIds can only be given when the exempted assignment assigns an initiative.")
	}
	set, err := LoadSetDefinition(ctx, tx, a.Properties.PolicyDefinitionID)
	if err != nil {
		return err
	}
	for _, r := range e.PolicyDefinitionReferenceIDs {
		found := false
		for _, m := range set.PolicyDefinitions {
			if strings.EqualFold(m.PolicyDefinitionReferenceID, r) {
				found = true
			}
		}
		if !found {
			return Errorf(http.StatusBadRequest, "InvalidPolicyExemption",
				"The initiative '%s' has no member with policyDefinitionReferenceId '%s'.", set.Name, r)
		}
	}
	return nil
}

// withoutExpired drops exemptions whose expiresOn has passed (excludeExpired()).
func withoutExpired(bodies []json.RawMessage) []json.RawMessage {
	now := time.Now()
	out := bodies[:0:0]
	for _, b := range bodies {
		var v struct {
			Properties struct {
				ExpiresOn *time.Time `json:"expiresOn"`
			} `json:"properties"`
		}
		if json.Unmarshal(b, &v) == nil && v.Properties.ExpiresOn != nil && !now.Before(*v.Properties.ExpiresOn) {
			continue
		}
		out = append(out, b)
	}
	return out
}
