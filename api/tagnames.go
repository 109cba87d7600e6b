package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// The predefined tags of a subscription, served under /subscriptions/{s}/tagNames:
//
//	GET    /subscriptions/{s}/tagNames                                   summary of every tag name in use or predefined
//	PUT    /subscriptions/{s}/tagNames/{name}                            predefine a name (200 when it was, 201 when new)
//	DELETE /subscriptions/{s}/tagNames/{name}                            200, or 204 when it was not predefined
//	PUT    /subscriptions/{s}/tagNames/{name}/tagValues/{value}          predefine a value of a predefined name
//	DELETE /subscriptions/{s}/tagNames/{name}/tagValues/{value}          200, or 204 when it was not predefined
//
// Names compare ignoring case and values exactly, as tags on resources do. The predefined
// names and values of a subscription are kept in one document of Palisade's own namespace
// (predefinedTagsID), which the ARM API never serves directly. Usage counts come from the tags
// of the subscription itself and of every resource group and resource in it.

// predefinedTagsType is the type of the document holding a subscription's predefined tags.
const predefinedTagsType = "Palisade.Resources/predefinedTags"

// tagNamesKeyword is the path segment below a subscription that the API is served at.
const tagNamesKeyword = "tagNames"

// predefinedTagsID is the document of a subscription's predefined tags.
func predefinedTagsID(sub string) armid.ID {
	return armid.MustParse("/subscriptions/" + sub + "/providers/" + predefinedTagsType + "/default")
}

// predefinedTags is the stored body: the predefined names in the order they were created,
// each with its predefined values in the order they were added.
type predefinedTags struct {
	Names []predefinedName `json:"names"`
}

type predefinedName struct {
	TagName string   `json:"tagName"`
	Values  []string `json:"values"`
}

// find returns the index of the predefined name equal to name ignoring case, or -1.
func (p *predefinedTags) find(name string) int {
	for i := range p.Names {
		if strings.EqualFold(p.Names[i].TagName, name) {
			return i
		}
	}
	return -1
}

// tagCount is TagCount: how many subscriptions, groups and resources carry a name or value.
type tagCount struct {
	Type  string `json:"type"`
	Value int    `json:"value"`
}

// tagValueBody is TagValue.
type tagValueBody struct {
	ID       string   `json:"id"`
	TagValue string   `json:"tagValue"`
	Count    tagCount `json:"count"`
}

// tagDetailsBody is TagDetails.
type tagDetailsBody struct {
	ID      string         `json:"id"`
	TagName string         `json:"tagName"`
	Count   tagCount       `json:"count"`
	Values  []tagValueBody `json:"values"`
}

// tagNamesPath is a parsed /subscriptions/{s}/tagNames[/{name}[/tagValues/{value}]] path.
type tagNamesPath struct {
	sub             string
	name, value     string
	hasName, hasVal bool
}

// parseTagNamesPath reads the escaped request path, so that a value holding "/" (sent as %2F)
// stays one segment.
func parseTagNamesPath(req *Request) (tagNamesPath, error) {
	raw := strings.TrimSuffix(req.HTTP.URL.EscapedPath(), "/")
	segs := strings.Split(strings.TrimPrefix(raw, "/"), "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil {
			return tagNamesPath{}, invalidID(req.HTTP.URL.Path, err)
		}
		segs[i] = u
	}
	notFound := Errorf(http.StatusNotFound, CodeInvalidResourceType,
		"The resource type '%s' could not be found for api version '%s'.", strings.TrimPrefix(req.HTTP.URL.Path, "/"), req.APIVersion)
	if len(segs) < 3 || !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], tagNamesKeyword) {
		return tagNamesPath{}, notFound
	}
	p := tagNamesPath{sub: segs[1]}
	switch {
	case len(segs) == 3:
	case len(segs) == 4:
		p.name, p.hasName = segs[3], true
	case len(segs) == 6 && strings.EqualFold(segs[4], "tagValues"):
		p.name, p.hasName = segs[3], true
		p.value, p.hasVal = segs[5], true
	default:
		return tagNamesPath{}, notFound
	}
	return p, nil
}

// serveTagNames answers every request below /subscriptions/{s}/tagNames.
func (h *Handler) serveTagNames(w http.ResponseWriter, req *Request) error {
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	p, err := parseTagNamesPath(req)
	if err != nil {
		return err
	}
	m := req.HTTP.Method
	switch {
	case !p.hasName:
		if m != http.MethodGet {
			return methodNotAllowed(req)
		}
		return h.listTagNames(w, req, p)
	case m != http.MethodPut && m != http.MethodDelete:
		return methodNotAllowed(req)
	}
	if err := checkTagName(p.name); err != nil {
		return err
	}
	if p.hasVal {
		if err := checkTags(map[string]string{p.name: p.value}); err != nil {
			return err
		}
	}
	switch {
	case m == http.MethodPut && !p.hasVal:
		return h.putTagName(w, req, p)
	case m == http.MethodPut:
		return h.putTagValue(w, req, p)
	case !p.hasVal:
		return h.deleteTagName(w, req, p)
	default:
		return h.deleteTagValue(w, req, p)
	}
}

// reservedTagPrefixes may not begin a predefined tag name.
var reservedTagPrefixes = []string{"microsoft", "azure", "windows"}

// checkTagName applies the rules of tag names (length and characters) and the prefixes
// reserved for Azure that a predefined name may not start with.
func checkTagName(name string) error {
	if err := checkTags(map[string]string{name: ""}); err != nil {
		return err
	}
	lower := strings.ToLower(name)
	for _, pre := range reservedTagPrefixes {
		if strings.HasPrefix(lower, pre) {
			return Errorf(http.StatusBadRequest, "InvalidTagName",
				"The tag name '%s' is invalid: tag names cannot start with the prefixes 'microsoft', 'azure' or 'windows', which are reserved for Azure use.", name)
		}
	}
	return nil
}

func predefinedTagNameNotFound(name string) *Error {
	return Errorf(http.StatusNotFound, "PredefinedTagNameNotFound", "Predefined tag name '%s' could not be found.", name)
}

// readPredefined returns the subscription's predefined tags (none when never written) after
// checking that the subscription exists.
func readPredefined(ctx context.Context, tx store.Tx, sub string) (*predefinedTags, error) {
	if err := checkSubscription(ctx, tx, sub); err != nil {
		return nil, err
	}
	doc, err := tx.Get(ctx, predefinedTagsID(sub).Key())
	if errors.Is(err, store.ErrNotFound) {
		return &predefinedTags{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read predefined tags of %s: %w", sub, err)
	}
	var p predefinedTags
	if err := json.Unmarshal(doc.Body, &p); err != nil {
		return nil, fmt.Errorf("stored predefined tags of %s: %w", sub, err)
	}
	return &p, nil
}

// writePredefined stores the subscription's predefined tags, removing the document when
// nothing is predefined any more.
func writePredefined(ctx context.Context, tx store.Tx, sub string, p *predefinedTags) error {
	id := predefinedTagsID(sub)
	if len(p.Names) == 0 {
		if _, err := tx.Delete(ctx, id.Key(), store.Condition{}); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete predefined tags of %s: %w", sub, err)
		}
		return nil
	}
	for i := range p.Names {
		if p.Names[i].Values == nil {
			p.Names[i].Values = []string{}
		}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode predefined tags of %s: %w", sub, err)
	}
	return putDocument(ctx, tx, id, body)
}

// tagSummary is the usage of one tag name in a subscription.
type tagSummary struct {
	name   string // the predefined spelling, else the first one met
	count  int
	values map[string]int // by exact value
	order  []string       // values in the order met
}

func (s *tagSummary) addValue(v string, n int) {
	if _, ok := s.values[v]; !ok {
		s.order = append(s.order, v)
	}
	s.values[v] += n
}

// tagUsage summarises the predefined tags and the tags on the subscription and on every
// resource group and resource in it, by lower-cased name.
func tagUsage(ctx context.Context, tx store.Tx, sub string, p *predefinedTags) (map[string]*tagSummary, error) {
	out := map[string]*tagSummary{}
	get := func(name string) *tagSummary {
		k := strings.ToLower(name)
		s := out[k]
		if s == nil {
			s = &tagSummary{name: name, values: map[string]int{}}
			out[k] = s
		}
		return s
	}
	for _, n := range p.Names {
		s := get(n.TagName)
		for _, v := range n.Values {
			s.addValue(v, 0)
		}
	}
	err := store.Each(ctx, tx, store.Query{SubscriptionID: sub}, func(d *store.Document) error {
		if len(d.Tags) == 0 || !carriesTags(d.Type) {
			return nil
		}
		seen := make(map[string]bool, len(d.Tags))
		names := make([]string, 0, len(d.Tags))
		for name := range d.Tags {
			names = append(names, name)
		}
		sort.Strings(names) // a stable choice of spelling when one object repeats a name in two casings
		for _, name := range names {
			k := strings.ToLower(name)
			s := get(name)
			s.addValue(d.Tags[name], 1)
			if !seen[k] {
				seen[k] = true
				s.count++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// carriesTags reports whether objects of a stored type count as tagged objects of the
// subscription: the subscription, its resource groups and resources, but not authorization
// objects nor Palisade's own documents.
func carriesTags(typ string) bool {
	return !strings.HasPrefix(typ, "microsoft.authorization/") && !strings.HasPrefix(typ, strings.ToLower(internalNamespace))
}

// tagNameBase is the id prefix of a subscription's tag names.
func tagNameBase(sub string) string { return "/subscriptions/" + sub + "/" + tagNamesKeyword + "/" }

// details is the TagDetails of one summary; values come sorted.
func (s *tagSummary) details(sub string) tagDetailsBody {
	id := tagNameBase(sub) + s.name
	out := tagDetailsBody{ID: id, TagName: s.name, Count: tagCount{"Total", s.count}, Values: []tagValueBody{}}
	vals := append([]string(nil), s.order...)
	sort.Strings(vals)
	for _, v := range vals {
		out.Values = append(out.Values, tagValueBody{ID: id + "/tagValues/" + v, TagValue: v, Count: tagCount{"Total", s.values[v]}})
	}
	return out
}

// listTagNames answers GET /subscriptions/{s}/tagNames: every name, sorted ignoring case,
// paged like other lists.
func (h *Handler) listTagNames(w http.ResponseWriter, req *Request, p tagNamesPath) error {
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	var usage map[string]*tagSummary
	err = h.cfg.Store.View(ctx, func(tx store.Tx) error {
		pre, err := readPredefined(ctx, tx, p.sub)
		if err != nil {
			return err
		}
		usage, err = tagUsage(ctx, tx, p.sub, pre)
		return err
	})
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(usage))
	for k := range usage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	page, next, err := paginate(keys, req.SkipToken(), size)
	if err != nil {
		return err
	}
	items := make([]json.RawMessage, len(page))
	for i, k := range page {
		if items[i], err = json.Marshal(usage[k].details(p.sub)); err != nil {
			return fmt.Errorf("encode tag %s: %w", k, err)
		}
	}
	WritePage(w, req, items, next)
	return nil
}

// putTagName answers PUT …/tagNames/{name}: 201 with the new name's details, or 200 with the
// details of a name already predefined (in any casing).
func (h *Handler) putTagName(w http.ResponseWriter, req *Request, p tagNamesPath) error {
	ctx := req.HTTP.Context()
	status := http.StatusOK
	var out tagDetailsBody
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		pre, err := readPredefined(ctx, tx, p.sub)
		if err != nil {
			return err
		}
		if pre.find(p.name) < 0 {
			status = http.StatusCreated
			pre.Names = append(pre.Names, predefinedName{TagName: p.name, Values: []string{}})
			if err := writePredefined(ctx, tx, p.sub, pre); err != nil {
				return err
			}
		}
		usage, err := tagUsage(ctx, tx, p.sub, pre)
		if err != nil {
			return err
		}
		out = usage[strings.ToLower(p.name)].details(p.sub)
		return nil
	})
	if err != nil {
		return err
	}
	WriteJSON(w, status, out)
	return nil
}

// putTagValue answers PUT …/tagNames/{name}/tagValues/{value}: the name must be predefined;
// 201 when the value is new, 200 when it was predefined already.
func (h *Handler) putTagValue(w http.ResponseWriter, req *Request, p tagNamesPath) error {
	ctx := req.HTTP.Context()
	status := http.StatusOK
	var out tagValueBody
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		pre, err := readPredefined(ctx, tx, p.sub)
		if err != nil {
			return err
		}
		i := pre.find(p.name)
		if i < 0 {
			return predefinedTagNameNotFound(p.name)
		}
		n := &pre.Names[i]
		found := false
		for _, v := range n.Values {
			found = found || v == p.value
		}
		if !found {
			status = http.StatusCreated
			n.Values = append(n.Values, p.value)
			if err := writePredefined(ctx, tx, p.sub, pre); err != nil {
				return err
			}
		}
		usage, err := tagUsage(ctx, tx, p.sub, pre)
		if err != nil {
			return err
		}
		s := usage[strings.ToLower(p.name)]
		out = tagValueBody{ID: tagNameBase(p.sub) + s.name + "/tagValues/" + p.value, TagValue: p.value,
			Count: tagCount{"Total", s.values[p.value]}}
		return nil
	})
	if err != nil {
		return err
	}
	WriteJSON(w, status, out)
	return nil
}

// deleteTagName answers DELETE …/tagNames/{name}: 409 while a subscription, group or resource
// carries the name, predefined or not; 204 when it is not predefined; 409 while it still has
// predefined values; 200 once removed.
func (h *Handler) deleteTagName(w http.ResponseWriter, req *Request, p tagNamesPath) error {
	ctx := req.HTTP.Context()
	status := http.StatusOK
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		pre, err := readPredefined(ctx, tx, p.sub)
		if err != nil {
			return err
		}
		usage, err := tagUsage(ctx, tx, p.sub, pre)
		if err != nil {
			return err
		}
		if s := usage[strings.ToLower(p.name)]; s != nil && s.count > 0 {
			return Errorf(http.StatusConflict, "PredefinedTagNameInUse",
				"The tag name '%s' cannot be deleted. It is associated to one or more resources.", p.name)
		}
		i := pre.find(p.name)
		if i < 0 {
			status = http.StatusNoContent
			return nil
		}
		if len(pre.Names[i].Values) > 0 {
			return Errorf(http.StatusConflict, "PredefinedTagNameHasValues",
				"The tag name '%s' cannot be deleted. Its predefined values must be deleted first.", p.name)
		}
		pre.Names = append(pre.Names[:i], pre.Names[i+1:]...)
		return writePredefined(ctx, tx, p.sub, pre)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(status)
	return nil
}

// deleteTagValue answers DELETE …/tagNames/{name}/tagValues/{value}: 409 while anything
// carries the name with that value, predefined or not; 404 when the name is not predefined;
// 204 when the value is not; 200 once removed.
func (h *Handler) deleteTagValue(w http.ResponseWriter, req *Request, p tagNamesPath) error {
	ctx := req.HTTP.Context()
	status := http.StatusOK
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		pre, err := readPredefined(ctx, tx, p.sub)
		if err != nil {
			return err
		}
		usage, err := tagUsage(ctx, tx, p.sub, pre)
		if err != nil {
			return err
		}
		if s := usage[strings.ToLower(p.name)]; s != nil && s.values[p.value] > 0 {
			return Errorf(http.StatusConflict, "PredefinedTagValueInUse",
				"The tag cannot be deleted. It is associated to one or more resources. Tag name '%s' and tag value '%s'.", p.name, p.value)
		}
		i := pre.find(p.name)
		if i < 0 {
			return predefinedTagNameNotFound(p.name)
		}
		n := &pre.Names[i]
		j := -1
		for k, v := range n.Values {
			if v == p.value {
				j = k
			}
		}
		if j < 0 {
			status = http.StatusNoContent
			return nil
		}
		n.Values = append(n.Values[:j], n.Values[j+1:]...)
		return writePredefined(ctx, tx, p.sub, pre)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(status)
	return nil
}
