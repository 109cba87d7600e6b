package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/policy"
	"github.com/palisade/palisade/store"
)

// versionExpand is what a read of assignments or initiatives asks for with
// $expand=LatestDefinitionVersion,EffectiveDefinitionVersion: the read-only
// latestDefinitionVersion and effectiveDefinitionVersion of each assignment, or of each member
// of an initiative.
type versionExpand struct{ latest, effective bool }

func (x versionExpand) any() bool { return x.latest || x.effective }

// versionExpandSince is the first api-version whose assignments and initiatives know these
// properties: the one that brought definition versions.
const versionExpandSince = "2023-04-01"

// versionExpandOf reads $expand, a comma-separated list. Values are matched case-insensitively
// and spaces around them ("LatestDefinitionVersion, EffectiveDefinitionVersion") are ignored;
// values that name nothing this server expands are ignored too.
func versionExpandOf(req *Request) versionExpand {
	var x versionExpand
	if apiVersionDate(req.APIVersion) < versionExpandSince {
		return x
	}
	for _, v := range strings.Split(req.HTTP.URL.Query().Get("$expand"), ",") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "latestdefinitionversion":
			x.latest = true
		case "effectivedefinitionversion":
			x.effective = true
		}
	}
	return x
}

// heldVersions are the versions this server holds of a definition or initiative: its current
// version (properties.version) and its stored versions.
type heldVersions struct {
	current string
	all     []string
}

// latest is the newest held version; "" when none is held.
func (h heldVersions) latest() string {
	if i := policy.NewestMatching(h.all, ""); i >= 0 {
		return h.all[i]
	}
	return ""
}

// effective is the version a reference pinning pattern uses: the newest held version the
// pattern selects, or the current version when no pattern is given; "" when none is held.
func (h heldVersions) effective(pattern string) string {
	if pattern == "" {
		if h.current != "" {
			return h.current
		}
		return h.latest()
	}
	if i := policy.NewestMatching(h.all, pattern); i >= 0 {
		return h.all[i]
	}
	return ""
}

// versionLookup finds the held versions of definitions and initiatives within one store
// transaction, once per id.
type versionLookup struct {
	ctx   context.Context
	tx    store.Tx
	cache map[string]heldVersions
}

func newVersionLookup(ctx context.Context, tx store.Tx) *versionLookup {
	return &versionLookup{ctx: ctx, tx: tx, cache: map[string]heldVersions{}}
}

// versions returns the held versions of the definition or initiative id; none when it is
// unknown or not versioned.
func (l *versionLookup) versions(id string) (heldVersions, error) {
	key := strings.ToLower(id)
	if h, ok := l.cache[key]; ok {
		return h, nil
	}
	var h heldVersions
	pid, err := armid.Parse(id)
	if err != nil {
		l.cache[key] = h
		return h, nil
	}
	versionType := typePolicyDefinitionVersion
	if policy.IsSetDefinitionID(id) {
		versionType = typePolicySetVersion
	}
	d, err := getPolicyDoc(l.ctx, l.tx, pid.Key())
	if err != nil {
		return h, err
	}
	switch {
	case d != nil:
		h.current = versionOf(d.Body)
	case versionType == typePolicyDefinitionVersion && pid.Scope().Kind() == armid.Tenant:
		if def, ok := builtin.Definition(pid.Name()); ok {
			h.current = def.Version
		}
	}
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" && !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			h.all = append(h.all, v)
		}
	}
	add(h.current)
	docs, err := store.ListAll(l.ctx, l.tx, store.Query{Types: []string{versionType}, ParentKey: pid.Key()})
	if err != nil {
		return h, fmt.Errorf("list versions of %s: %w", id, err)
	}
	for _, doc := range docs {
		v := versionOf(doc.Body)
		if v == "" {
			v = doc.Name
		}
		add(v)
	}
	l.cache[key] = h
	return h, nil
}

// fill sets latestDefinitionVersion and effectiveDefinitionVersion on ref, an object naming a
// definition (policyDefinitionId) and maybe pinning a version of it (definitionVersion), as
// x asks; a field whose value is not known is left out. It reports whether ref changed.
func (l *versionLookup) fill(ref map[string]any, x versionExpand) (bool, error) {
	id, _ := ref["policyDefinitionId"].(string)
	if id == "" {
		return false, nil
	}
	h, err := l.versions(id)
	if err != nil {
		return false, err
	}
	changed := false
	if x.latest {
		if v := h.latest(); v != "" {
			ref["latestDefinitionVersion"] = v
			changed = true
		}
	}
	if x.effective {
		pattern, _ := ref["definitionVersion"].(string)
		if v := h.effective(pattern); v != "" {
			ref["effectiveDefinitionVersion"] = v
			changed = true
		}
	}
	return changed, nil
}

// expandAssignment adds the expanded versions to the properties of an assignment's body.
func expandAssignment(l *versionLookup, x versionExpand, body []byte) ([]byte, error) {
	doc, err := decodeBody(body)
	if err != nil {
		return body, nil
	}
	props, _ := doc["properties"].(map[string]any)
	if props == nil {
		return body, nil
	}
	changed, err := l.fill(props, x)
	if err != nil || !changed {
		return body, err
	}
	return encodeBody(doc)
}

// expandSetDefinition adds the expanded versions to each member of an initiative's body
// (properties.policyDefinitions[]).
func expandSetDefinition(l *versionLookup, x versionExpand, body []byte) ([]byte, error) {
	doc, err := decodeBody(body)
	if err != nil {
		return body, nil
	}
	props, _ := doc["properties"].(map[string]any)
	members, _ := props["policyDefinitions"].([]any)
	changed := false
	for _, m := range members {
		ref, ok := m.(map[string]any)
		if !ok {
			continue
		}
		c, err := l.fill(ref, x)
		if err != nil {
			return body, err
		}
		changed = changed || c
	}
	if !changed {
		return body, nil
	}
	return encodeBody(doc)
}

// decodeBody decodes a stored JSON object keeping numbers as written.
func decodeBody(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// encodeBody encodes a served JSON value without escaping HTML characters.
func encodeBody(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// bufferedResponse holds what a handler writes so that it can be changed before it is sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// sendTo writes the held response to w, with body in place of the one held.
func (b *bufferedResponse) sendTo(w http.ResponseWriter, body []byte) {
	for k, vs := range b.header {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = vs
	}
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// withVersionExpand serves a GET of one object or a list of them through serve and, when
// $expand asks for versions, passes the object, or each object of the page, through expand
// before it is sent. Other answers (errors, non-200) go out as serve wrote them.
func (p *PolicyHandlers) withVersionExpand(w http.ResponseWriter, req *Request,
	expand func(*versionLookup, versionExpand, []byte) ([]byte, error),
	serve func(http.ResponseWriter) error) error {
	x := versionExpandOf(req)
	if !x.any() {
		return serve(w)
	}
	held := &bufferedResponse{header: http.Header{}}
	if err := serve(held); err != nil {
		return err
	}
	body := held.body.Bytes()
	if held.status != http.StatusOK {
		held.sendTo(w, body)
		return nil
	}
	ctx := req.HTTP.Context()
	var out []byte
	err := p.h.cfg.Store.View(ctx, func(tx store.Tx) error {
		l := newVersionLookup(ctx, tx)
		if !req.IsCollection() {
			var err error
			out, err = expand(l, x, body)
			return err
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink,omitempty"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			out = body
			return nil
		}
		if page.Value == nil {
			page.Value = []json.RawMessage{}
		}
		for i, item := range page.Value {
			b, err := expand(l, x, item)
			if err != nil {
				return err
			}
			page.Value[i] = b
		}
		var err error
		out, err = encodeBody(page)
		return err
	})
	if err != nil {
		return err
	}
	held.sendTo(w, out)
	return nil
}
