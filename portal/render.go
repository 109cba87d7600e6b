package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
)

// pageNames are the templates under templates/, each rendered inside
// layout.html (signin.html has its own, simpler frame).
var pageNames = []string{"signin", "error", "overview", "definitions", "definition", "assignments",
	"assignment", "wizard", "activity", "resourcegroups", "resources", "resourcenew"}

// view is what every page template receives.
type view struct {
	Title  string
	Nav    string // the highlighted menu entry
	Prefix string
	User   string
	MFA    bool
	CSRF   string
	Flash  *notice
	Data   any
}

var funcs = template.FuncMap{
	"json": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err.Error()
		}
		return string(b)
	},
	"pretty": prettyJSON,
	"lastSegment": func(id string) string {
		if i := strings.LastIndex(strings.TrimSuffix(id, "/"), "/"); i >= 0 {
			return id[i+1:]
		}
		return id
	},
	"scopeLabel": scopeLabel,
	"join":       strings.Join,
	"has": func(list []string, v string) bool {
		for _, x := range list {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	},
	"add": func(a, b int) int { return a + b },
}

// prettyJSON indents raw JSON for display.
func prettyJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// scopeLabel names a scope as the portal's scope column does:
// "Resource group: rg-web", "Subscription: 0000…".
func scopeLabel(scope string) string {
	id, err := armid.Parse(scope)
	if err != nil {
		return scope
	}
	switch id.Kind() {
	case armid.ManagementGroup:
		return "Management group: " + id.Name()
	case armid.ResourceGroup:
		return "Resource group: " + id.Name()
	case armid.Subscription:
		return "Subscription: " + id.Name()
	}
	return scope
}

// parseTemplates parses every page with the layout.
func (p *Portal) parseTemplates() error {
	p.pages = map[string]*template.Template{}
	for _, name := range pageNames {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, files...)
		if err != nil {
			return fmt.Errorf("portal: parse template %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return nil
}

// render writes one page. The session's pending notification is shown
// once.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, name string, se *session, data any) {
	t := p.pages[name]
	v := view{Prefix: p.cfg.Prefix, Data: data, Nav: name}
	if se != nil {
		p.sessions.update(func() {
			v.User, v.MFA, v.CSRF = se.user, se.mfa, se.csrf
			v.Flash, se.flash = se.flash, nil
		})
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		p.log.Error("portal: render page", "page", name, "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorData is the error page's model.
type errorData struct{ Title, Message string }

// renderError shows an error page.
func (p *Portal) renderError(w http.ResponseWriter, r *http.Request, se *session, status int, title, msg string) {
	securityHeaders(w)
	p.render(w, r, status, "error", se, errorData{Title: title, Message: msg})
}

// fail logs an internal error and shows a generic page.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, se *session, err error) {
	var ae *accessError
	if errors.As(err, &ae) {
		p.renderError(w, r, se, http.StatusForbidden, "No access", ae.Message)
		return
	}
	p.log.Error("portal: request failed", "path", r.URL.Path, "err", err)
	p.renderError(w, r, se, http.StatusInternalServerError, "Something went wrong", err.Error())
}

// notify turns an ARM write's outcome into the notification shown on the
// next page, and keeps a refused request for the MFA step-up.
func (p *Portal) notify(se *session, resp *armResponse, rt *retry) {
	n := &notice{Kind: "success", Title: rt.label + ": succeeded"}
	if !resp.OK() {
		e := resp.Error()
		n = &notice{Kind: "error", Title: rt.label + ": failed", Message: e.Message, Details: prettyJSON(resp.Body)}
		if e.Code == "RequestDisallowedByPolicy" {
			n.Title = rt.label + ": disallowed by policy"
		}
		if resp.MFARefusal() {
			n.StepUp = true
		}
	}
	if resp.OK() {
		p.sums.stale()
	}
	p.sessions.update(func() {
		se.flash = n
		if n.StepUp {
			se.retry = rt
		}
	})
}
