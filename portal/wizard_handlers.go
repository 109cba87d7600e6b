package portal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// newAssignmentName is the resource name of a new assignment: 24 hex
// digits, as the Azure portal generates.
func newAssignmentName() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// wizardPage opens Assign policy (?definition=…, ?scope=…) or Edit
// assignment (?assignment=…).
func (p *Portal) wizardPage(w http.ResponseWriter, r *http.Request, se *session) {
	q := r.URL.Query()
	var f *wizardForm
	if id := q.Get("assignment"); id != "" {
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
		f = formFromAssignment(a)
	} else {
		f = &wizardForm{Name: newAssignmentName(), Tab: "basics", Scope: q.Get("scope"), DefinitionID: q.Get("definition"),
			Enforcement: "Enabled", OnlyNeeded: true, Params: map[string]string{}, RefMessages: map[string]string{}, Errors: map[string]string{}}
	}
	p.renderWizard(w, r, se, f, http.StatusOK, false)
}

// wizardPost handles every button of the wizard: tab changes, adding and
// removing selector and override rows, definition search, and Create/Save.
func (p *Portal) wizardPost(w http.ResponseWriter, r *http.Request, se *session) {
	f := readForm(r)
	action := r.PostFormValue("action")
	showErrors := false
	switch {
	case action == "addSelector":
		f.Selectors = append(f.Selectors, newSelectorForm())
		f.Tab = "basics"
	case strings.HasPrefix(action, "removeSelector:"):
		if i, err := strconv.Atoi(strings.TrimPrefix(action, "removeSelector:")); err == nil && i >= 0 && i < len(f.Selectors) {
			f.Selectors = append(f.Selectors[:i], f.Selectors[i+1:]...)
		}
		f.Tab = "basics"
	case action == "addOverride":
		f.Overrides = append(f.Overrides, overrideForm{Sel: kindForm{Kind: "resourceLocation", On: true, Op: "in"}})
		f.Tab = "basics"
	case strings.HasPrefix(action, "removeOverride:"):
		if i, err := strconv.Atoi(strings.TrimPrefix(action, "removeOverride:")); err == nil && i >= 0 && i < len(f.Overrides) {
			f.Overrides = append(f.Overrides[:i], f.Overrides[i+1:]...)
		}
		f.Tab = "basics"
	case action == "search":
		f.Tab = "basics"
	case strings.HasPrefix(action, "tab:"):
		f.Tab = strings.TrimPrefix(action, "tab:")
		showErrors = f.Tab == "review"
	case action == "create":
		p.wizardSubmit(w, r, se, f)
		return
	}
	p.renderWizard(w, r, se, f, http.StatusOK, showErrors)
}

// wizardSubmit sends the assignment to ARM; validation errors come back
// next to their fields.
func (p *Portal) wizardSubmit(w http.ResponseWriter, r *http.Request, se *session, f *wizardForm) {
	ctx := r.Context()
	f.AssignedBy = assignedBy(se)
	var def *definition
	if f.DefinitionID != "" {
		def, _ = p.loadDefinition(ctx, se.token, f.DefinitionID)
	}
	body, err := f.body(def)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if len(f.Errors) > 0 {
		f.Tab = firstErrorTab(f)
		p.renderWizard(w, r, se, f, http.StatusBadRequest, true)
		return
	}
	path := withVersion(f.assignmentPath(), verPolicy)
	resp, err := p.call(ctx, se.token, http.MethodPut, path, body)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if !resp.OK() {
		e := resp.Error()
		if len(e.Details) == 0 {
			f.Errors[fieldOf(e.Target)] = e.Message
		}
		for _, d := range e.Details {
			f.Errors[fieldOf(d.Target)] = d.Message
		}
		f.Tab = firstErrorTab(f)
		p.renderWizard(w, r, se, f, resp.Status, true)
		return
	}
	label := "Creating policy assignment '" + f.DisplayName + "'"
	if f.Edit {
		label = "Updating policy assignment '" + f.DisplayName + "'"
	}
	p.notify(se, resp, &retry{label: label})
	var saved struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(resp.Body, &saved)
	http.Redirect(w, r, p.cfg.Prefix+"assignment?id="+urlQueryEscape(saved.ID), http.StatusSeeOther)
}

// firstErrorTab is the tab of the first field with an error.
func firstErrorTab(f *wizardForm) string {
	for _, t := range wizardTabs {
		for field := range f.Errors {
			if tabOf(field) == t.Key {
				return t.Key
			}
		}
	}
	return "basics"
}

// renderWizard loads what the tabs need and shows the wizard.
func (p *Portal) renderWizard(w http.ResponseWriter, r *http.Request, se *session, f *wizardForm, status int, showErrors bool) {
	ctx := r.Context()
	f.AssignedBy = assignedBy(se)
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d := wizardData{F: f, Tabs: wizardTabs, Kinds: selectorKinds}
	if d.Scopes, err = p.loadScopes(ctx, se.token); err != nil {
		p.fail(w, r, se, err)
		return
	}
	if f.Tab == "" {
		f.Tab = "basics"
	}
	if f.Scope == "" {
		f.Scope = "/subscriptions/" + sub
	}
	d.Exclusions, d.OtherExclusions = exclusionChoices(d.Scopes, f.Scope, f.NotScopes)
	all, err := p.loadDefinitions(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	for _, def := range all {
		if strings.EqualFold(def.ID, f.DefinitionID) {
			d.Definition = def
		}
		if def.matches(f.DefQuery) {
			d.Definitions = append(d.Definitions, def)
		}
	}
	if d.Locations, err = p.loadLocations(ctx, se.token, sub); err != nil {
		p.fail(w, r, se, err)
		return
	}
	errs := f.Errors
	f.Errors = map[string]string{}
	body, err := f.body(d.Definition)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if !showErrors {
		f.Errors = map[string]string{}
	}
	for k, v := range errs {
		f.Errors[k] = v
	}
	for i, t := range wizardTabs {
		if t.Key != f.Tab {
			continue
		}
		if i > 0 {
			d.Prev = wizardTabs[i-1].Key
		}
		if i < len(wizardTabs)-1 {
			d.Next = wizardTabs[i+1].Key
		}
	}
	d.Body, d.Path = string(body), "PUT "+withVersion(f.assignmentPath(), verPolicy)
	p.render(w, r, status, "wizard", se, d)
}

// assignedBy is the name the assignment's metadata records.
func assignedBy(se *session) string {
	if se.displayName != "" {
		return se.displayName
	}
	return se.user
}
