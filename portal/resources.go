package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// resourceGroupsData is the Resource groups page.
type resourceGroupsData struct {
	Groups    []armObject
	Locations []location
}

func (p *Portal) resourceGroups(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	groups, err := p.listResourceGroups(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	locs, err := p.loadLocations(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.render(w, r, http.StatusOK, "resourcegroups", se, resourceGroupsData{Groups: groups, Locations: locs})
}

// parseTags reads "key=value" lines into ARM tags.
func parseTags(text string) (map[string]string, error) {
	tags := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("tag %q is not name=value", line)
		}
		tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return tags, nil
}

func (p *Portal) resourceGroupCreate(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	back := p.cfg.Prefix + "resourcegroups"
	name := strings.TrimSpace(r.PostFormValue("name"))
	if r.PostFormValue("delete") != "" {
		path := withVersion("/subscriptions/"+sub+"/resourcegroups/"+url.PathEscape(name), verResources)
		resp, err := p.call(ctx, se.token, http.MethodDelete, path, nil)
		if err != nil {
			p.fail(w, r, se, err)
			return
		}
		p.notify(se, resp, &retry{method: http.MethodDelete, path: path, label: "Delete resource group " + name, back: back})
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	tags, err := parseTags(r.PostFormValue("tags"))
	if err != nil {
		p.flashError(se, "Create resource group "+name, err.Error())
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	body, _ := json.Marshal(map[string]any{"location": r.PostFormValue("location"), "tags": tags})
	path := withVersion("/subscriptions/"+sub+"/resourcegroups/"+url.PathEscape(name), verResources)
	resp, err := p.call(ctx, se.token, http.MethodPut, path, body)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.notify(se, resp, &retry{method: http.MethodPut, path: path, body: body, label: "Create resource group " + name, back: back})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// flashError shows a validation problem found before anything was sent.
func (p *Portal) flashError(se *session, title, msg string) {
	p.sessions.update(func() { se.flash = &notice{Kind: "error", Title: title + ": failed", Message: msg} })
}

// resourcesData is the Resources page.
type resourcesData struct {
	ResourceGroup string
	Groups        []string
	Items         []armObject
	Next          string
}

// rgPattern is a resource-group name as ARM allows it.
var rgPattern = regexp.MustCompile(`^[-\w._()]{1,90}$`)

func (p *Portal) resources(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d := resourcesData{ResourceGroup: r.URL.Query().Get("resourceGroup")}
	if d.ResourceGroup != "" && !rgPattern.MatchString(d.ResourceGroup) {
		p.renderError(w, r, se, http.StatusBadRequest, "Bad resource group", "The resource group name is not valid.")
		return
	}
	if p.cfg.Store != nil {
		if err := p.checkRead(ctx, se.token, sub); err != nil {
			p.fail(w, r, se, err)
			return
		}
		q := store.Query{Under: "/subscriptions/" + strings.ToLower(sub) + "/resourcegroups", Limit: 100,
			Continuation: r.URL.Query().Get("page")}
		if d.ResourceGroup != "" {
			q = store.Query{ParentKey: "/subscriptions/" + strings.ToLower(sub) + "/resourcegroups/" + strings.ToLower(d.ResourceGroup),
				Limit: 100, Continuation: r.URL.Query().Get("page")}
		}
		items, next, err := p.storeChildren(ctx, q, armid.Resource, 100)
		if err != nil {
			p.fail(w, r, se, err)
			return
		}
		d.Items = items
		if next != "" {
			d.Next = p.cfg.Prefix + "resources?" + url.Values{"resourceGroup": {d.ResourceGroup}, "page": {next}}.Encode()
		}
		p.finishResources(w, r, se, sub, d)
		return
	}
	path := withVersion("/subscriptions/"+sub+"/resources", verResources)
	if d.ResourceGroup != "" {
		path = withVersion("/subscriptions/"+sub+"/resourceGroups/"+d.ResourceGroup+"/resources", verResources)
	}
	if n := r.URL.Query().Get("next"); n != "" && strings.HasPrefix(n, "/subscriptions/"+sub+"/") {
		path = n
	}
	resp, err := p.call(ctx, se.token, http.MethodGet, path, nil)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	if !resp.OK() {
		e := resp.Error()
		p.renderError(w, r, se, resp.Status, "Resources could not be listed", e.Message)
		return
	}
	var pg struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"nextLink"`
	}
	if err := json.Unmarshal(resp.Body, &pg); err != nil {
		p.fail(w, r, se, fmt.Errorf("decode resources: %w", err))
		return
	}
	if d.Items, err = decodeObjects(pg.Value); err != nil {
		p.fail(w, r, se, err)
		return
	}
	if pg.NextLink != "" {
		if u, err := url.Parse(pg.NextLink); err == nil {
			d.Next = p.cfg.Prefix + "resources?" + url.Values{"resourceGroup": {d.ResourceGroup}, "next": {u.RequestURI()}}.Encode()
		}
	}
	p.finishResources(w, r, se, sub, d)
}

// finishResources adds the resource-group filter's choices and renders
// the Resources page.
func (p *Portal) finishResources(w http.ResponseWriter, r *http.Request, se *session, sub string, d resourcesData) {
	ctx := r.Context()
	objs, err := p.listResourceGroups(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	for _, o := range objs {
		d.Groups = append(d.Groups, o.Name)
	}
	p.render(w, r, http.StatusOK, "resources", se, d)
}

// resourceNewData is the Create a resource form.
type resourceNewData struct {
	ResourceGroup string
	Groups        []string
	Locations     []location
}

func (p *Portal) resourceNewPage(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	d := resourceNewData{ResourceGroup: r.URL.Query().Get("resourceGroup")}
	objs, err := p.listResourceGroups(ctx, se.token, sub)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	for _, o := range objs {
		d.Groups = append(d.Groups, o.Name)
	}
	if d.Locations, err = p.loadLocations(ctx, se.token, sub); err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.render(w, r, http.StatusOK, "resourcenew", se, d)
}

// typePattern is a provider resource type: Namespace/type[/child…].
var typePattern = regexp.MustCompile(`^[A-Za-z][\w.]*(/[A-Za-z][\w]*)+$`)

func (p *Portal) resourceCreate(w http.ResponseWriter, r *http.Request, se *session) {
	ctx := r.Context()
	sub, err := p.subscriptionOf(ctx, se)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	rg, typ, name := r.PostFormValue("resourceGroup"), r.PostFormValue("type"), strings.TrimSpace(r.PostFormValue("name"))
	label := "Create " + name
	back := p.cfg.Prefix + "resources?resourceGroup=" + url.QueryEscape(rg)
	newPage := p.cfg.Prefix + "resources/new?resourceGroup=" + url.QueryEscape(rg)
	if !rgPattern.MatchString(rg) || !typePattern.MatchString(typ) || name == "" || strings.ContainsAny(name, "/?#") {
		p.flashError(se, label, "Choose a resource group, a resource type such as Microsoft.Storage/storageAccounts and a name without '/'.")
		http.Redirect(w, r, newPage, http.StatusSeeOther)
		return
	}
	tags, err := parseTags(r.PostFormValue("tags"))
	if err != nil {
		p.flashError(se, label, err.Error())
		http.Redirect(w, r, newPage, http.StatusSeeOther)
		return
	}
	doc := map[string]any{"location": r.PostFormValue("location"), "tags": tags}
	if props := strings.TrimSpace(r.PostFormValue("properties")); props != "" {
		var v map[string]any
		if err := json.Unmarshal([]byte(props), &v); err != nil {
			p.flashError(se, label, "Properties must be a JSON object: "+err.Error())
			http.Redirect(w, r, newPage, http.StatusSeeOther)
			return
		}
		doc["properties"] = v
	}
	body, _ := json.Marshal(doc)
	ns, rest, _ := strings.Cut(typ, "/")
	path := withVersion("/subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/"+ns+"/"+rest+"/"+url.PathEscape(name), verResources)
	resp, err := p.call(ctx, se.token, http.MethodPut, path, body)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.notify(se, resp, &retry{method: http.MethodPut, path: path, body: body, label: label, back: back})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (p *Portal) resourceDelete(w http.ResponseWriter, r *http.Request, se *session) {
	id := r.PostFormValue("id")
	rid, err := armid.Parse(id)
	if err != nil || rid.Kind() != armid.Resource {
		p.renderError(w, r, se, http.StatusBadRequest, "Not a resource", "The id "+id+" is not a resource.")
		return
	}
	back := p.cfg.Prefix + "resources?resourceGroup=" + url.QueryEscape(rid.ResourceGroup())
	path := withVersion(rid.String(), verResources)
	resp, err := p.call(r.Context(), se.token, http.MethodDelete, path, nil)
	if err != nil {
		p.fail(w, r, se, err)
		return
	}
	p.notify(se, resp, &retry{method: http.MethodDelete, path: path, label: "Delete " + rid.Name(), back: back})
	http.Redirect(w, r, back, http.StatusSeeOther)
}
