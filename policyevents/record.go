// Package policyevents answers Azure Policy's policy events queries
// (Microsoft.PolicyInsights/policyEvents/default/queryResults) from the
// Policy events of the activity log: it turns each recorded outcome into a
// PolicyEvent record and runs the OData query options ($filter, $apply,
// $orderby, $select, $top, $from, $to, $skiptoken) over them. It knows
// nothing of HTTP routing or authorization; package api serves it.
package policyevents

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Field is one column of a PolicyEvent record.
type Field struct {
	// Name is the field's name as records carry it (camel case).
	Name string
	// Bool marks isCompliant, the one boolean column; every other is a
	// string or null.
	Bool bool
}

// Fields are the columns of a PolicyEvent record, in the order records
// list them. Each record has all of them; a column with nothing to fill it
// from is null.
var Fields = []Field{
	{Name: "timestamp"},
	{Name: "resourceId"},
	{Name: "policyAssignmentId"},
	{Name: "policyDefinitionId"},
	{Name: "effectiveParameters"},
	{Name: "isCompliant", Bool: true},
	{Name: "subscriptionId"},
	{Name: "resourceType"},
	{Name: "resourceLocation"},
	{Name: "resourceGroup"},
	{Name: "resourceTags"},
	{Name: "policyAssignmentName"},
	{Name: "policyAssignmentOwner"},
	{Name: "policyAssignmentParameters"},
	{Name: "policyAssignmentScope"},
	{Name: "policyDefinitionName"},
	{Name: "policyDefinitionAction"},
	{Name: "policyDefinitionCategory"},
	{Name: "policySetDefinitionId"},
	{Name: "policySetDefinitionName"},
	{Name: "policySetDefinitionOwner"},
	{Name: "policySetDefinitionCategory"},
	{Name: "policySetDefinitionParameters"},
	{Name: "managementGroupIds"},
	{Name: "policyDefinitionReferenceId"},
	{Name: "complianceState"},
	{Name: "tenantId"},
	{Name: "principalOid"},
}

// fieldIndex maps a lower-case field name to its Fields entry.
var fieldIndex = func() map[string]Field {
	m := make(map[string]Field, len(Fields))
	for _, f := range Fields {
		m[strings.ToLower(f.Name)] = f
	}
	return m
}()

// lookupField finds a field by name, ignoring case (queries name them
// PolicyAssignmentId or policyAssignmentId alike).
func lookupField(name string) (Field, bool) {
	f, ok := fieldIndex[strings.ToLower(strings.TrimSpace(name))]
	return f, ok
}

// TimeFormat is how records write times: UTC with seven fractional
// digits, as the service writes them ("2018-02-07T20:43:04.6971328Z"); the
// fixed width keeps them in time order when compared as strings.
const TimeFormat = "2006-01-02T15:04:05.0000000Z"

// Compliance states of a record.
const (
	NonCompliant = "NonCompliant"
	Compliant    = "Compliant"
)

// Record is one policy event: the outcome of one policy definition of one
// assignment for one request. Values are strings, a bool (isCompliant) or
// nil; aggregated rows add integer counts.
type Record map[string]any

// Get returns the value of a field, nil when absent.
func (r Record) Get(name string) any { return r[name] }

// oidClaim is the claim the activity log keeps the caller's object id in.
const oidClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier"

// event is the part of an activity-log Policy event the records come from.
type event struct {
	Claims         map[string]string      `json:"claims"`
	Category       struct{ Value string } `json:"category"`
	EventTimestamp time.Time              `json:"eventTimestamp"`
	OperationName  struct{ Value string } `json:"operationName"`
	ResourceGroup  string                 `json:"resourceGroupName"`
	ResourceType   struct{ Value string } `json:"resourceType"`
	ResourceID     string                 `json:"resourceId"`
	SubscriptionID string                 `json:"subscriptionId"`
	TenantID       string                 `json:"tenantId"`
	Properties     map[string]string      `json:"properties"`
}

// outcome is one entry of an event's properties.policies.
type outcome struct {
	PolicyDefinitionID          string          `json:"policyDefinitionId"`
	PolicyDefinitionName        string          `json:"policyDefinitionName"`
	PolicyDefinitionEffect      string          `json:"policyDefinitionEffect"`
	PolicyAssignmentID          string          `json:"policyAssignmentId"`
	PolicyAssignmentName        string          `json:"policyAssignmentName"`
	PolicyAssignmentScope       string          `json:"policyAssignmentScope"`
	PolicyAssignmentParameters  json.RawMessage `json:"policyAssignmentParameters"`
	PolicySetDefinitionID       string          `json:"policySetDefinitionId"`
	PolicySetDefinitionName     string          `json:"policySetDefinitionName"`
	PolicySetDefinitionCategory string          `json:"policySetDefinitionCategory"`
	PolicyDefinitionReferenceID string          `json:"policyDefinitionReferenceId"`
}

// FromEvent turns one activity-log event (its JSON as the store keeps it)
// into its policy events: one record per entry of properties.policies. An
// event of another category gives none.
//
// What each field is filled from:
//   - timestamp, resourceId, subscriptionId, resourceGroup, tenantId: the
//     event's own fields; resourceType is resourceType.value;
//   - resourceLocation: properties.resourceLocation;
//   - managementGroupIds: properties.ancestors (the groups above the
//     subscription, nearest first, ending with the tenant root group);
//   - principalOid: the caller's objectidentifier claim (null when the
//     token had none);
//   - the policy fields: the properties.policies entry; the action is the
//     effect in lower case ("audit", "deny", "modify" …);
//   - isCompliant and complianceState: deny, denyAction, audit,
//     auditAction, auditIfNotExists and deployIfNotExists outcomes are
//     NonCompliant; modify and append outcomes, which made the request
//     compliant, are Compliant.
//
// effectiveParameters, resourceTags, policyAssignmentOwner,
// policyDefinitionCategory, policySetDefinitionOwner and
// policySetDefinitionParameters have no source in the event and are null.
func FromEvent(body []byte) ([]Record, error) {
	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if !strings.EqualFold(e.Category.Value, "Policy") {
		return nil, nil
	}
	raw := e.Properties["policies"]
	if raw == "" {
		return nil, nil
	}
	var outcomes []outcome
	if err := json.Unmarshal([]byte(raw), &outcomes); err != nil {
		return nil, fmt.Errorf("decode properties.policies: %w", err)
	}
	var mgs any
	if a := e.Properties["ancestors"]; a != "" {
		mgs = a
	}
	out := make([]Record, 0, len(outcomes))
	for _, o := range outcomes {
		action := strings.ToLower(o.PolicyDefinitionEffect)
		if action == "" {
			action = effectOf(e.OperationName.Value)
		}
		compliant := action == "modify" || action == "append"
		state := NonCompliant
		if compliant {
			state = Compliant
		}
		r := Record{
			"timestamp":                     e.EventTimestamp.UTC().Format(TimeFormat),
			"resourceId":                    e.ResourceID,
			"policyAssignmentId":            o.PolicyAssignmentID,
			"policyDefinitionId":            o.PolicyDefinitionID,
			"effectiveParameters":           nil,
			"isCompliant":                   compliant,
			"subscriptionId":                e.SubscriptionID,
			"resourceType":                  e.ResourceType.Value,
			"resourceLocation":              nullIfEmpty(e.Properties["resourceLocation"]),
			"resourceGroup":                 nullIfEmpty(e.ResourceGroup),
			"resourceTags":                  nil,
			"policyAssignmentName":          o.PolicyAssignmentName,
			"policyAssignmentOwner":         nil,
			"policyAssignmentParameters":    parametersString(o.PolicyAssignmentParameters),
			"policyAssignmentScope":         o.PolicyAssignmentScope,
			"policyDefinitionName":          o.PolicyDefinitionName,
			"policyDefinitionAction":        action,
			"policyDefinitionCategory":      nil,
			"policySetDefinitionId":         nullIfEmpty(o.PolicySetDefinitionID),
			"policySetDefinitionName":       nullIfEmpty(o.PolicySetDefinitionName),
			"policySetDefinitionOwner":      nil,
			"policySetDefinitionCategory":   nullIfEmpty(o.PolicySetDefinitionCategory),
			"policySetDefinitionParameters": nil,
			"managementGroupIds":            mgs,
			"policyDefinitionReferenceId":   nullIfEmpty(o.PolicyDefinitionReferenceID),
			"complianceState":               state,
			"tenantId":                      e.TenantID,
			"principalOid":                  nullIfEmpty(e.Claims[oidClaim]),
		}
		out = append(out, r)
	}
	return out, nil
}

// effectOf reads the effect from a Policy event's operation name
// ("Microsoft.Authorization/policies/audit/action" is audit).
func effectOf(op string) string {
	rest, ok := strings.CutPrefix(strings.ToLower(op), "microsoft.authorization/policies/")
	if !ok {
		return ""
	}
	return strings.TrimSuffix(rest, "/action")
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parametersString renders assignment parameters as the string records
// carry them (a JSON object in a string); none or an empty object is null.
func parametersString(raw json.RawMessage) any {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == "{}" {
		return nil
	}
	return s
}
