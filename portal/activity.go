package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// eventQuery is what the activity-log page filters on. The list API's
// $filter takes the time range, resource group, caller, status and
// category; the operation is matched here, as the portal's own
// "Operation" filter does on the events returned.
type eventQuery struct {
	From                                    time.Time
	ResourceGroup, Caller, Status, Category string
	Operation                               string
}

// filter renders the $filter expression.
func (q eventQuery) filter() string {
	var b strings.Builder
	fmt.Fprintf(&b, "eventTimestamp ge '%s'", q.From.UTC().Format(time.RFC3339))
	add := func(field, v string) {
		if v != "" {
			fmt.Fprintf(&b, " and %s eq '%s'", field, strings.ReplaceAll(v, "'", "''"))
		}
	}
	add("resourceGroupName", q.ResourceGroup)
	add("caller", q.Caller)
	add("status", q.Status)
	add("category", q.Category)
	return b.String()
}

// eventRow is one activity-log event as the page shows it.
type eventRow struct {
	Operation, OperationName, Status, Time, Caller, ResourceID, ResourceGroup, Category, Level string
	// Assignments are the policy assignments a Policy event names.
	Assignments []policyRef
	// Raw is the event as the list API returned it, shown indented when
	// the row is expanded.
	Raw json.RawMessage
}

// policyRef is an assignment named in an event's properties.policies.
type policyRef struct {
	AssignmentID, AssignmentName, DefinitionName, Effect string
}

// loadEvents lists the subscription's events matching q, newest first.
func (p *Portal) loadEvents(ctx context.Context, token, sub string, q eventQuery, limit int) ([]*eventRow, error) {
	raws, err := p.list(ctx, token, eventsPath(sub, q), limit)
	if err != nil {
		return nil, err
	}
	return decodeEvents(raws, q)
}

// eventsPath is the activity-log list request for q.
func eventsPath(sub string, q eventQuery) string {
	return "/subscriptions/" + sub + "/providers/Microsoft.Insights/eventtypes/management/values?api-version=" + verEvents +
		"&$filter=" + url.QueryEscape(q.filter())
}

// loadEventPage reads one page of the list API (the one skiptoken
// names, or the first) and returns the skiptoken of the next, if any.
func (p *Portal) loadEventPage(ctx context.Context, token, sub string, q eventQuery, skiptoken string) ([]*eventRow, string, error) {
	path := eventsPath(sub, q)
	if skiptoken != "" {
		path += "&$skiptoken=" + url.QueryEscape(skiptoken)
	}
	resp, err := p.call(ctx, token, http.MethodGet, path, nil)
	if err != nil {
		return nil, "", err
	}
	if !resp.OK() {
		e := resp.Error()
		return nil, "", fmt.Errorf("activity log: %s: %s", e.Code, e.Message)
	}
	var pg struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"nextLink"`
	}
	if err := json.Unmarshal(resp.Body, &pg); err != nil {
		return nil, "", fmt.Errorf("decode activity log page: %w", err)
	}
	next := ""
	if pg.NextLink != "" {
		if u, err := url.Parse(pg.NextLink); err == nil {
			next = u.Query().Get("$skiptoken")
		}
	}
	rows, err := decodeEvents(pg.Value, q)
	return rows, next, err
}

// decodeEvents turns list items into rows, keeping those whose operation
// matches q.Operation.
func decodeEvents(raws []json.RawMessage, q eventQuery) ([]*eventRow, error) {
	out := make([]*eventRow, 0, len(raws))
	for _, raw := range raws {
		var e struct {
			Caller        string                 `json:"caller"`
			Category      struct{ Value string } `json:"category"`
			Level         string                 `json:"level"`
			OperationName struct {
				Value          string `json:"value"`
				LocalizedValue string `json:"localizedValue"`
			} `json:"operationName"`
			ResourceGroupName string                 `json:"resourceGroupName"`
			ResourceID        string                 `json:"resourceId"`
			Status            struct{ Value string } `json:"status"`
			EventTimestamp    string                 `json:"eventTimestamp"`
			Properties        map[string]string      `json:"properties"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("decode activity-log event: %w", err)
		}
		if q.Operation != "" && !strings.Contains(strings.ToLower(e.OperationName.Value), strings.ToLower(q.Operation)) {
			continue
		}
		row := &eventRow{Operation: e.OperationName.Value, OperationName: e.OperationName.LocalizedValue, Status: e.Status.Value,
			Time: e.EventTimestamp, Caller: e.Caller, ResourceID: e.ResourceID, ResourceGroup: e.ResourceGroupName,
			Category: e.Category.Value, Level: e.Level, Raw: raw}
		if row.OperationName == "" {
			row.OperationName = row.Operation
		}
		if pol := e.Properties["policies"]; pol != "" {
			var list []struct {
				AssignmentID   string `json:"policyAssignmentId"`
				DisplayName    string `json:"policyAssignmentDisplayName"`
				Name           string `json:"policyAssignmentName"`
				DefinitionName string `json:"policyDefinitionDisplayName"`
				Effect         string `json:"policyDefinitionEffect"`
			}
			if json.Unmarshal([]byte(pol), &list) == nil {
				for _, l := range list {
					// An assignment without a display name shows its name, as
					// Azure's portal does.
					name := l.DisplayName
					if name == "" {
						name = l.Name
					}
					if name == "" {
						name = l.AssignmentID[strings.LastIndex(l.AssignmentID, "/")+1:]
					}
					row.Assignments = append(row.Assignments, policyRef{AssignmentID: l.AssignmentID, AssignmentName: name,
						DefinitionName: l.DefinitionName, Effect: l.Effect})
				}
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// timespans are the activity log's time-range choices.
var timespans = []struct {
	Key, Label string
	D          time.Duration
}{
	{"1h", "Last hour", time.Hour}, {"6h", "Last 6 hours", 6 * time.Hour}, {"24h", "Last 24 hours", 24 * time.Hour},
	{"7d", "Last week", 7 * 24 * time.Hour}, {"30d", "Last month", 30 * 24 * time.Hour}, {"90d", "Last 3 months", 90 * 24 * time.Hour},
}

// activityData is the Activity log page.
type activityData struct {
	Timespan, Operation, ResourceGroup, Caller, Status string
	Timespans                                          []struct {
		Key, Label string
		D          time.Duration
	}
	Statuses []string
	Events   []*eventRow
	Error    string
	// Next opens the following page of events.
	Next string
}

func (p *Portal) activity(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	v := r.URL.Query()
	d := activityData{Timespan: v.Get("timespan"), Operation: v.Get("operation"), ResourceGroup: v.Get("resourceGroup"),
		Caller: v.Get("caller"), Status: v.Get("status"), Timespans: timespans,
		Statuses: []string{"Started", "Accepted", "Succeeded", "Failed"}}
	span := 6 * time.Hour // the portal's default
	if d.Timespan == "" {
		d.Timespan = "6h"
	}
	for _, t := range timespans {
		if t.Key == d.Timespan {
			span = t.D
		}
	}
	q := eventQuery{From: p.cfg.Now().Add(-span), ResourceGroup: d.ResourceGroup, Caller: d.Caller, Status: d.Status, Operation: d.Operation}
	if strings.Contains(strings.ToLower(d.Operation), "microsoft.authorization/policies/") {
		q.Category = "Policy" // only Policy events carry these operations
	}
	evs, next, err := p.loadEventPage(ctx, se.token, sub, q, v.Get("skiptoken"))
	if err != nil {
		d.Error = err.Error()
	}
	d.Events = evs
	if next != "" {
		nv := url.Values{}
		for k, vals := range v {
			nv[k] = vals
		}
		nv.Set("skiptoken", next)
		d.Next = p.cfg.Prefix + "activity?" + nv.Encode()
	}
	p.render(w, r, http.StatusOK, "activity", se, d)
}
