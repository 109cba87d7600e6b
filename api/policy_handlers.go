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
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
)

// Policy object types, lower-cased as the store keeps them.
const (
	typePolicyDefinition        = "microsoft.authorization/policydefinitions"
	typePolicyDefinitionVersion = "microsoft.authorization/policydefinitions/versions"
	typePolicySetDefinition     = "microsoft.authorization/policysetdefinitions"
	typePolicySetVersion        = "microsoft.authorization/policysetdefinitions/versions"
	typePolicyAssignment        = "microsoft.authorization/policyassignments"
	typePolicyExemption         = "microsoft.authorization/policyexemptions"
)

// The list-all-versions actions, POSTed at a scope's Microsoft.Authorization provider.
const (
	typeListDefinitionVersions    = "microsoft.authorization/listpolicydefinitionversions"
	typeListSetDefinitionVersions = "microsoft.authorization/listpolicysetdefinitionversions"
	// listVersionsPrefix routes both to the policy handlers.
	listVersionsPrefix = "Microsoft.Authorization/listPolicy"
)

// PolicyTypes lists the stored policy object types, for cache invalidation (store.Subscribe).
var PolicyTypes = []string{typePolicyDefinition, typePolicyDefinitionVersion, typePolicySetDefinition,
	typePolicySetVersion, typePolicyAssignment, typePolicyExemption}

// PolicyHandlers serves the Azure Policy object types — policyDefinitions (and their versions),
// policySetDefinitions, policyAssignments and policyExemptions — at every scope Azure allows,
// validating what is stored with the policy engine. Register it with Handler.SetPolicyHandlers.
type PolicyHandlers struct {
	h *Handler
}

// NewPolicyHandlers returns the policy object handlers for h.
func NewPolicyHandlers(h *Handler) *PolicyHandlers { return &PolicyHandlers{h: h} }

// ServeARM dispatches on the policy object type.
func (p *PolicyHandlers) ServeARM(w http.ResponseWriter, req *Request) {
	err := checkPolicyAPIVersion(req)
	if err != nil {
		WriteError(w, err)
		return
	}
	switch strings.ToLower(req.Type) {
	case typePolicyDefinition:
		err = p.serveDefinition(w, req)
	case typePolicyDefinitionVersion:
		err = p.serveDefinitionVersion(w, req)
	case typePolicySetDefinition, typePolicySetVersion:
		err = p.serveSetDefinition(w, req)
	case typePolicyAssignment:
		err = p.serveAssignment(w, req)
	case typePolicyExemption:
		err = p.serveExemption(w, req)
	case typeListDefinitionVersions:
		err = p.listAllVersions(w, req, false)
	case typeListSetDefinitionVersions:
		err = p.listAllVersions(w, req, true)
	default:
		err = Errorf(http.StatusBadRequest, CodeInvalidResourceType,
			"The resource type '%s' could not be found in the namespace 'Microsoft.Authorization'.", req.Type)
	}
	if err != nil {
		WriteError(w, p.h.internal(req, err))
	}
}

// internal turns an unexpected error into a logged 500; ARM errors pass through.
func (h *Handler) internal(req *Request, err error) error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	h.log.Error("policy request failed", "id", req.ID.String(), "err", err)
	return Errorf(http.StatusInternalServerError, CodeInternal,
		"The server encountered an internal error. Correlation id: '%s'.", req.CorrelationID)
}

// policyScopeAllowed reports whether objects of a kind may live at a scope: definitions and
// initiatives at management groups and subscriptions (built-ins at the tenant root, read-only);
// assignments and exemptions at any scope.
func policyScopeAllowed(scope armid.ID, kind string) bool {
	switch kind {
	case typePolicyDefinition, typePolicySetDefinition:
		return scope.Kind() == armid.ManagementGroup || scope.Kind() == armid.Subscription
	}
	return true
}

// validationError turns policy validation errors into ARM's 400, choosing the code by where the
// first problem is: InvalidPolicyRule for the rule, InvalidPolicyParameters for parameters,
// InvalidRequestContent otherwise. The message lists every problem with its JSON path.
func validationError(kind, name string, err error) *Error {
	var es policy.Errors
	if !errors.As(err, &es) || len(es) == 0 {
		return invalidContent("The %s '%s' is invalid: %v", kind, name, err)
	}
	code := CodeInvalidRequestContent
	switch first := strings.ToLower(es[0].Path); {
	case strings.Contains(first, "policyrule"):
		code = "InvalidPolicyRule"
	case strings.Contains(first, "parameters"):
		code = "InvalidPolicyParameters"
	}
	msg := fmt.Sprintf("The %s '%s' is invalid. %s", kind, name, es.Error())
	e := Errorf(http.StatusBadRequest, code, "%s", msg)
	e.Target = es[0].Path
	for _, x := range es {
		e.Details = append(e.Details, &Error{Code: code, Message: x.Reason, Target: x.Path})
	}
	return e
}

// envelope builds the stored body of a policy object: id, name, type, the validated
// properties (as sent, with server-set fields), and systemData.
func policyEnvelope(id armid.ID, typ string, props map[string]any, extra map[string]any, sd systemData) (json.RawMessage, error) {
	body := map[string]any{"id": id.String(), "name": id.Name(), "type": typ, "properties": props, "systemData": sd}
	for k, v := range extra {
		if v != nil {
			body[k] = v
		}
	}
	return json.Marshal(body)
}

// requestProperties decodes the body of a PUT into its properties object (the full-resource
// layout ARM uses), plus the top-level fields.
func requestProperties(body []byte) (props map[string]any, top map[string]any, err error) {
	if err := decodeStrict(body, &top); err != nil {
		return nil, nil, err
	}
	pv, ok := top["properties"]
	if !ok {
		return nil, nil, invalidContent("The request content was invalid and could not be deserialized: 'properties' is required.")
	}
	props, ok = pv.(map[string]any)
	if !ok {
		e := invalidContent("The request content was invalid and could not be deserialized: 'properties' must be an object.")
		e.Target = "properties"
		return nil, nil, e
	}
	return props, top, nil
}

// newSystemData stamps creation and update by the caller, keeping the creation of a stored body.
func newSystemData(req *Request, stored []byte) systemData {
	by, byType := principalType(req.Principal)
	now := time.Now().UTC()
	sd := systemData{CreatedBy: by, CreatedByType: byType, CreatedAt: now, LastModifiedBy: by, LastModifiedByType: byType, LastModifiedAt: now}
	if stored != nil {
		old := storedSystemData(stored)
		if !old.CreatedAt.IsZero() {
			sd.CreatedBy, sd.CreatedByType, sd.CreatedAt = old.CreatedBy, old.CreatedByType, old.CreatedAt
		}
	}
	return sd
}

// existingBody returns the stored body of the object at key, or nil when there is none.
func existingBody(ctx context.Context, tx store.Tx, key string) ([]byte, error) {
	d, err := getPolicyDoc(ctx, tx, key)
	if d == nil || err != nil {
		return nil, err
	}
	return d.Body, nil
}

// storePolicyObject writes the policy object at req.ID: its envelope with props (and extra
// top-level fields), and systemData that keeps the creation stamp of oldBody, the object it
// replaces (nil for a new one).
func storePolicyObject(ctx context.Context, tx store.Tx, req *Request, typ string, props, extra map[string]any, oldBody []byte) (*store.Document, error) {
	id := canonicalID(req.ID)
	body, err := policyEnvelope(id, typ, props, extra, newSystemData(req, oldBody))
	if err != nil {
		return nil, err
	}
	return putPolicyDoc(ctx, tx, id, body)
}

// getPolicyDoc reads a document, or nil when it does not exist.
func getPolicyDoc(ctx context.Context, tx store.Tx, key string) (*store.Document, error) {
	d, err := tx.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// putPolicyDoc stores a policy object.
func putPolicyDoc(ctx context.Context, tx store.Tx, id armid.ID, body json.RawMessage) (*store.Document, error) {
	doc, err := store.NewDocument(id, body)
	if err != nil {
		return nil, err
	}
	return tx.Put(ctx, doc, store.Condition{})
}

// builtinDefinitionDoc serves a definition Palisade ships, as a stored document would be.
func builtinDefinitionDoc(name string) ([]byte, bool) {
	d, ok := builtin.Definition(name)
	if !ok {
		return nil, false
	}
	raw, ok := builtin.JSON(d.Name)
	if !ok {
		return nil, false
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	v["type"] = "Microsoft.Authorization/policyDefinitions"
	b, err := json.Marshal(v)
	return b, err == nil
}
