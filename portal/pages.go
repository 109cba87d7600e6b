package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// overviewData is the Policy → Overview blade.
type overviewData struct {
	Subscription      string
	Assignments       int
	Enforced, NotEnf  int
	WithOverrides     int
	Audits, Denies    int
	Recent            []*eventRow
	CountedAt         string // when the event figures were counted (UTC)
	Compliance        *complianceSummary
	ComplianceMessage string
}

// complianceSummary is the compliance tile, shown once compliance
// results exist.
type complianceSummary struct {
	NonCompliantResources, NonCompliantPolicies int
}

func (p *Portal) overview(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	as, err := p.loadAssignments(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d := overviewData{Subscription: sub, Assignments: len(as)}
	for _, a := range as {
		if strings.EqualFold(a.Props.EnforcementMode, "DoNotEnforce") {
			d.NotEnf++
		} else {
			d.Enforced++
		}
		if len(a.Props.Overrides) > 0 {
			d.WithOverrides++
		}
	}
	sum, err := p.summary(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d.Audits, d.Denies, d.Recent = sum.Audits, sum.Denies, sum.Recent
	if !sum.At.IsZero() {
		d.CountedAt = sum.At.UTC().Format("15:04:05")
	}
	d.Compliance, d.ComplianceMessage = p.loadCompliance(ctx, se.token, sub)
	p.render(w, r, http.StatusOK, "overview", se, d)
}

// loadCompliance asks Policy Insights for the subscription's summary; the
// tile says so when no compliance results exist yet (the server has no
// compliance scans yet: the activity log holds every audit and refusal).
func (p *Portal) loadCompliance(ctx context.Context, token, sub string) (*complianceSummary, string) {
	resp, err := p.call(ctx, token, http.MethodPost, "/subscriptions/"+sub+"/providers/Microsoft.PolicyInsights/policyStates/latest/summarize?api-version=2019-10-01", []byte("{}"))
	if err != nil || !resp.OK() {
		return nil, noCompliance
	}
	var s struct {
		Value []struct {
			Results struct {
				NonCompliantResources int `json:"nonCompliantResources"`
				NonCompliantPolicies  int `json:"nonCompliantPolicies"`
			} `json:"results"`
		} `json:"value"`
	}
	if json.Unmarshal(resp.Body, &s) != nil || len(s.Value) == 0 {
		return nil, noCompliance
	}
	res := s.Value[0].Results
	return &complianceSummary{NonCompliantResources: res.NonCompliantResources, NonCompliantPolicies: res.NonCompliantPolicies}, ""
}

// noCompliance is the compliance tile's text without a summary.
const noCompliance = "No compliance results yet: this server does not run compliance scans; the policy events below list every audit and refusal."

// definitionsData is the Definitions blade.
type definitionsData struct {
	Query, Type, Kind string
	Items             []*definition
	Total             int
}

func (p *Portal) definitions(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	all, err := p.loadDefinitions(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	q := r.URL.Query()
	d := definitionsData{Query: q.Get("q"), Type: q.Get("type"), Kind: q.Get("kind"), Total: len(all)}
	for _, def := range all {
		if d.Type != "" && !strings.EqualFold(def.PolicyType, d.Type) {
			continue
		}
		if d.Kind != "" && !strings.EqualFold(def.Kind(), d.Kind) {
			continue
		}
		if def.matches(d.Query) {
			d.Items = append(d.Items, def)
		}
	}
	p.render(w, r, http.StatusOK, "definitions", se, d)
}

func (p *Portal) definitionDetail(w http.ResponseWriter, r *http.Request, se *session) {
	id := r.URL.Query().Get("id")
	if !strings.Contains(strings.ToLower(id), "/providers/microsoft.authorization/policy") {
		p.renderError(w, r, se, http.StatusBadRequest, "Not a definition", "The id "+id+" is not a policy definition or initiative.")
		return
	}
	def, err := p.loadDefinition(r.Context(), se.token, id)
	if err != nil {
		p.renderError(w, r, se, http.StatusNotFound, "Definition not found", err.Error())
		return
	}
	p.render(w, r, http.StatusOK, "definition", se, def)
}

// assignmentRow is a line of the Assignments blade.
type assignmentRow struct {
	*assignment
	DefinitionName string
}

// assignmentsData is the Assignments blade.
type assignmentsData struct {
	Query, Scope string
	Scopes       []string
	Items        []assignmentRow
	Total        int
}

func (p *Portal) assignments(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	as, err := p.loadAssignments(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	defs, err := p.loadDefinitions(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	names := map[string]string{}
	for _, d := range defs {
		names[strings.ToLower(d.ID)] = d.DisplayName
	}
	q := r.URL.Query()
	d := assignmentsData{Query: q.Get("q"), Scope: q.Get("scope"), Total: len(as)}
	seen := map[string]bool{}
	words := strings.Fields(strings.ToLower(d.Query))
	for _, a := range as {
		sc := a.Props.Scope
		if !seen[strings.ToLower(sc)] {
			seen[strings.ToLower(sc)] = true
			d.Scopes = append(d.Scopes, sc)
		}
		if d.Scope != "" && !strings.EqualFold(sc, d.Scope) {
			continue
		}
		row := assignmentRow{assignment: a, DefinitionName: names[strings.ToLower(a.Props.PolicyDefinitionID)]}
		hay := strings.ToLower(a.Name + " " + a.Props.DisplayName + " " + row.DefinitionName + " " + sc)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			d.Items = append(d.Items, row)
		}
	}
	sort.Strings(d.Scopes)
	sort.SliceStable(d.Items, func(i, j int) bool {
		return strings.ToLower(d.Items[i].Props.DisplayName) < strings.ToLower(d.Items[j].Props.DisplayName)
	})
	const max = 200
	if len(d.Items) > max {
		d.Items = d.Items[:max]
	}
	p.render(w, r, http.StatusOK, "assignments", se, d)
}

// assignmentDetailData is one assignment's page.
type assignmentDetailData struct {
	*assignment
	Definition *definition
}

func (p *Portal) assignmentDetail(w http.ResponseWriter, r *http.Request, se *session) {
	id := r.URL.Query().Get("id")
	if !strings.Contains(strings.ToLower(id), "/providers/microsoft.authorization/policyassignments/") {
		p.renderError(w, r, se, http.StatusBadRequest, "Not an assignment", "The id "+id+" is not a policy assignment.")
		return
	}
	var raw json.RawMessage
	if err := p.get(r.Context(), se.token, withVersion(id, verPolicy), &raw); err != nil {
		p.renderError(w, r, se, http.StatusNotFound, "Assignment not found", err.Error())
		return
	}
	a, err := decodeAssignment(raw)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d := assignmentDetailData{assignment: a}
	if def, err := p.loadDefinition(r.Context(), se.token, a.Props.PolicyDefinitionID); err == nil {
		d.Definition = def
	}
	p.render(w, r, http.StatusOK, "assignment", se, d)
}

func (p *Portal) assignmentDelete(w http.ResponseWriter, r *http.Request, se *session) {
	id := r.PostFormValue("id")
	if !strings.Contains(strings.ToLower(id), "/providers/microsoft.authorization/policyassignments/") {
		p.renderError(w, r, se, http.StatusBadRequest, "Not an assignment", "The id "+id+" is not a policy assignment.")
		return
	}
	path := withVersion(id, verPolicy)
	resp, err := p.call(r.Context(), se.token, http.MethodDelete, path, nil)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.notify(se, resp, &retry{method: http.MethodDelete, path: path, label: "Delete assignment", back: p.cfg.Prefix + "assignments"})
	http.Redirect(w, r, p.cfg.Prefix+"assignments", http.StatusSeeOther)
}
