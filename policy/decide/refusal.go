package decide

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/policy/eval"
)

// RefusalCode is the ARM error code of a request refused by policy.
const RefusalCode = "RequestDisallowedByPolicy"

// ErrorBody is ARM's error envelope: {"error": {code, message, target, additionalInfo}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inner error object.
type ErrorDetail struct {
	Code           string           `json:"code"`
	Message        string           `json:"message"`
	Target         string           `json:"target,omitempty"`
	AdditionalInfo []AdditionalInfo `json:"additionalInfo,omitempty"`
}

// AdditionalInfo is one typed entry of additionalInfo; Type is "PolicyViolation" here.
type AdditionalInfo struct {
	Type string         `json:"type"`
	Info map[string]any `json:"info"`
}

// Refusal builds the error a refused request gets: code RequestDisallowedByPolicy, a message in
// Azure's words carrying each refusing assignment's non-compliance message, and one
// PolicyViolation entry per refusing assignment and definition. The status is 403, or 401 when
// the refusal is about MFA (the caller adds the claims challenge header).
func Refusal(dec *Decision, resourceName string, op policy.Operation) (status int, body ErrorBody) {
	status = 403
	if dec.RequiresMFA() {
		status = 401
	}
	var reasons []string
	seen := map[string]bool{}
	for _, o := range dec.Denied {
		r := o.Message
		if o.Err != nil {
			r = fmt.Sprintf("The policy evaluation of '%s' failed, which is an implicit deny: %v", o.Definition.DisplayName, o.Err)
			if o.Message != "" {
				r = o.Message + " " + r
			}
		}
		if r == "" {
			r = o.Definition.DisplayName
		}
		if !seen[r] {
			seen[r] = true
			reasons = append(reasons, "'"+r+"'")
		}
	}
	subject := fmt.Sprintf("Resource '%s'", resourceName)
	if op == policy.OperationDelete {
		subject = fmt.Sprintf("The action 'delete' on resource '%s'", resourceName)
	}
	msg := fmt.Sprintf("%s was disallowed by policy. Reasons: %s. See error details for policy resource IDs.", subject, strings.Join(reasons, ", "))
	body.Error = ErrorDetail{Code: RefusalCode, Message: msg, Target: resourceName}
	for _, o := range dec.Denied {
		info := PolicyInfo(o)
		ev := o.Evaluated
		if ev == nil {
			ev = []eval.Expression{}
		}
		info["evaluationDetails"] = map[string]any{"evaluatedExpressions": ev}
		body.Error.AdditionalInfo = append(body.Error.AdditionalInfo, AdditionalInfo{Type: "PolicyViolation", Info: info})
	}
	return status, body
}

// PolicyInfo describes the assignment and definition behind an outcome with the fields Azure
// puts in a PolicyViolation and in an activity-log event's properties.policies.
func PolicyInfo(o *Outcome) map[string]any {
	a, d := o.Assignment, o.Definition
	info := map[string]any{
		"policyDefinitionId":          d.ID,
		"policyDefinitionName":        d.Name,
		"policyDefinitionDisplayName": d.DisplayName,
		"policyDefinitionVersion":     d.Version,
		"policyDefinitionEffect":      o.Effect.Pascal(),
		"policyAssignmentId":          a.ID,
		"policyAssignmentName":        a.Name,
		"policyAssignmentDisplayName": a.DisplayName,
		"policyAssignmentScope":       assignmentScope(a),
		"policyAssignmentParameters":  parametersOrEmpty(o.AssignmentParameters),
		"policyExemptionIds":          emptyIfNil(o.ExemptionIDs),
	}
	if o.Set != nil {
		info["policySetDefinitionId"] = o.Set.ID
		info["policySetDefinitionName"] = o.Set.Name
		info["policySetDefinitionDisplayName"] = o.Set.DisplayName
		info["policySetDefinitionVersion"] = o.Set.Version
		if c, ok := o.Set.Metadata["category"].(string); ok {
			info["policySetDefinitionCategory"] = c
		}
	}
	if o.Reference != nil {
		info["policyDefinitionReferenceId"] = o.Reference.PolicyDefinitionReferenceID
		if len(o.Reference.GroupNames) > 0 {
			info["policyDefinitionGroupNames"] = o.Reference.GroupNames
		}
	}
	return info
}

// PoliciesJSON renders outcomes as the JSON string Azure stores in an activity-log event's
// properties.policies (a string holding an array of objects).
func PoliciesJSON(outcomes []*Outcome) string {
	list := make([]map[string]any, 0, len(outcomes))
	for _, o := range outcomes {
		list = append(list, PolicyInfo(o))
	}
	b, _ := json.Marshal(list)
	return string(b)
}

func assignmentScope(a *policy.Assignment) string {
	if a.Scope != "" {
		return a.Scope
	}
	return scopeOf(a.ID, "policyassignments")
}

func parametersOrEmpty(p map[string]any) map[string]any {
	if p == nil {
		return map[string]any{}
	}
	return p
}

func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
