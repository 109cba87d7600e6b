package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/store"
)

// The rest of the Microsoft.Management surface: descendants of a group,
// name availability, the entity listing the portal's hierarchy view reads,
// and the tenant's hierarchy settings.

const (
	mgSettingsType = "microsoft.management/managementgroups/settings"
	// Types as the descendants and entities listings name them.
	mgTypeName             = "Microsoft.Management/managementGroups"
	mgSubscriptionTypeName = "Microsoft.Management/managementGroups/subscriptions"
	entitySubscriptionType = "/subscriptions"
)

// checkManagementAPIVersion refuses an api-version that providers.json does
// not list for the Microsoft.Management type typ ("managementGroups/descendants").
func checkManagementAPIVersion(req *Request, typ string) error {
	return checkTypeAPIVersion(req, "Microsoft.Management", typ)
}

// validManagementGroupName checks the naming rule of management group ids:
// 1 to 90 characters, each an ASCII letter or digit or one of - _ ( ) .,
// not ending with a period. It returns the reason when the name breaks it.
func validManagementGroupName(name string) (bool, string) {
	if name == "" || len(name) > 90 {
		return false, fmt.Sprintf("The management group name '%s' has %d characters; it must have 1 to 90.", name, len(name))
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_' || r == '(' || r == ')' || r == '.'
		if !ok {
			return false, fmt.Sprintf("The management group name '%s' contains '%c'; names may contain only letters, digits, hyphens, underscores, periods and parentheses.", name, r)
		}
	}
	if strings.HasSuffix(name, ".") {
		return false, fmt.Sprintf("The management group name '%s' ends with a period, which is not allowed.", name)
	}
	return true, ""
}

// loadHierarchyView reads the management-group tree in its own read transaction.
func (h *Handler) loadHierarchyView(ctx context.Context) (*hierarchy, error) {
	var hy *hierarchy
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		hy, err = loadHierarchy(ctx, tx)
		return err
	})
	return hy, err
}

// mgEntity is one node of the tree in listing order: a group or a
// subscription with its parent group.
type mgEntity struct {
	group  *mgBody             // nil for a subscription
	sub    *mgSubscriptionBody // nil for a group
	parent *mgBody             // nil for the root group
}

func (e mgEntity) name() string {
	if e.group != nil {
		return e.group.Name
	}
	return e.sub.Name
}

func (e mgEntity) displayName() string {
	if e.group != nil {
		return e.group.Properties.DisplayName
	}
	return e.sub.Properties.DisplayName
}

// walk lists the entities below group name depth first: each child group
// followed by its own descendants, then the group's subscriptions.
func (hy *hierarchy) walk(name string, out []mgEntity) []mgEntity {
	parent := hy.groups[strings.ToLower(name)]
	for _, g := range hy.byGroup[strings.ToLower(name)] {
		out = append(out, mgEntity{group: g, parent: parent})
		out = hy.walk(g.Name, out)
	}
	subs := hy.subs[strings.ToLower(name)]
	for i := range subs {
		out = append(out, mgEntity{sub: &subs[i], parent: parent})
	}
	return out
}

// serveManagementGroupDescendants answers GET …/managementGroups/{g}/descendants
// with DescendantInfo items (every group and subscription below g), paged
// with $top and $skiptoken.
func (h *Handler) serveManagementGroupDescendants(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkManagementAPIVersion(req, "managementGroups/descendants"); err != nil {
		return err
	}
	hy, err := h.loadHierarchyView(req.HTTP.Context())
	if err != nil {
		return err
	}
	g := hy.groups[strings.ToLower(req.ID.Name())]
	if g == nil {
		return managementGroupNotFound(req.ID.Name())
	}
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	page, next, err := paginate(hy.walk(g.Name, nil), req.SkipToken(), size)
	if err != nil {
		return err
	}
	type descendant struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Name       string `json:"name"`
		Properties struct {
			DisplayName string    `json:"displayName"`
			Parent      parentRef `json:"parent"`
		} `json:"properties"`
	}
	items := make([]json.RawMessage, len(page))
	for i, e := range page {
		var d descendant
		if e.group != nil {
			d.ID, d.Type, d.Name = e.group.ID, mgTypeName, e.group.Name
		} else {
			d.ID, d.Type, d.Name = "/subscriptions/"+e.sub.Name, mgSubscriptionTypeName, e.sub.Name
		}
		d.Properties.DisplayName = e.displayName()
		d.Properties.Parent.ID = e.parent.ID
		items[i], _ = json.Marshal(d)
	}
	WritePage(w, req, items, next)
	return nil
}

// serveCheckNameAvailability answers POST /providers/Microsoft.Management/checkNameAvailability:
// whether a management group name is valid and not yet taken (names compare
// without regard to case).
func (h *Handler) serveCheckNameAvailability(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodPost {
		return methodNotAllowed(req)
	}
	if err := checkManagementAPIVersion(req, "checkNameAvailability"); err != nil {
		return err
	}
	var in struct {
		Name *string `json:"name"`
		Type *string `json:"type"`
	}
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.Name == nil {
		e := invalidContent("The request content is missing the required property 'name'.")
		e.Target = "name"
		return e
	}
	if in.Type != nil && !strings.EqualFold(*in.Type, mgTypeName) {
		e := invalidContent("The type '%s' is not supported; the only type whose names can be checked is '%s'.", *in.Type, mgTypeName)
		e.Target = "type"
		return e
	}
	type result struct {
		NameAvailable bool   `json:"nameAvailable"`
		Reason        string `json:"reason,omitempty"`
		Message       string `json:"message,omitempty"`
	}
	var out result
	if ok, why := validManagementGroupName(*in.Name); !ok {
		out = result{false, "Invalid", why}
	} else {
		hy, err := h.loadHierarchyView(req.HTTP.Context())
		if err != nil {
			return err
		}
		if g := hy.groups[strings.ToLower(*in.Name)]; g != nil {
			out = result{false, "AlreadyExists", fmt.Sprintf("The management group name '%s' is already in use by the management group '%s'; choose another name.", *in.Name, g.Name)}
		} else {
			out = result{NameAvailable: true}
		}
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// Permission levels of the entities listing, weakest first.
const (
	permNoAccess = "noaccess"
	permView     = "view"
	permEdit     = "edit"
	permDelete   = "delete"
)

// permissionAt is the caller's permission on an entity of the given kind at
// scope: "delete", "edit" or "view" when its roles there grant the matching
// action, "noaccess" otherwise, and "view" when the server checks no roles.
func (h *Handler) permissionAt(ctx context.Context, req *Request, scope armid.ID, group bool) (string, error) {
	if h.authorizer == nil || req.Principal == nil {
		return permView, nil
	}
	p := authz.PrincipalOf(req.Principal)
	actions := [][2]string{
		{permDelete, "Microsoft.Management/managementGroups/delete"},
		{permEdit, "Microsoft.Management/managementGroups/write"},
		{permView, "Microsoft.Management/managementGroups/read"},
	}
	if !group {
		actions = [][2]string{
			{permDelete, "Microsoft.Management/managementGroups/subscriptions/delete"},
			{permEdit, "Microsoft.Management/managementGroups/subscriptions/write"},
			{permView, armid.SubscriptionType + "/read"},
		}
	}
	for _, a := range actions {
		err := h.authorizer.Check(ctx, p, a[1], scope)
		if err == nil {
			return a[0], nil
		}
		var af *authz.AuthorizationFailedError
		if !errors.As(err, &af) {
			return "", err
		}
	}
	return permNoAccess, nil
}

// entityFilter is the $filter of getEntities: name eq '…', contains(name, '…')
// or contains(displayName, '…'), each compared without regard to case.
type entityFilter struct {
	field, op, value string
}

var (
	entityFilterEq       = regexp.MustCompile(`(?i)^\s*name\s+eq\s+'((?:[^']|'')*)'\s*$`)
	entityFilterContains = regexp.MustCompile(`(?i)^\s*contains\(\s*(name|displayName)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$`)
)

func parseEntityFilter(s string) (*entityFilter, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if m := entityFilterEq.FindStringSubmatch(s); m != nil {
		return &entityFilter{"name", "eq", strings.ReplaceAll(m[1], "''", "'")}, nil
	}
	if m := entityFilterContains.FindStringSubmatch(s); m != nil {
		return &entityFilter{strings.ToLower(m[1]), "contains", strings.ReplaceAll(m[2], "''", "'")}, nil
	}
	return nil, Errorf(http.StatusBadRequest, CodeInvalidFilter,
		"The $filter '%s' is not supported. Use name eq '{name}', contains(name, '{text}') or contains(displayName, '{text}').", s)
}

func (f *entityFilter) match(e mgEntity) bool {
	if f == nil {
		return true
	}
	v := e.name()
	if f.field == "displayname" {
		v = e.displayName()
	}
	if f.op == "eq" {
		return strings.EqualFold(v, f.value)
	}
	return strings.Contains(strings.ToLower(v), strings.ToLower(f.value))
}

// entityInfo is the EntityInfo object of getEntities.
type entityInfo struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Properties struct {
		TenantID               string     `json:"tenantId"`
		DisplayName            string     `json:"displayName"`
		Parent                 *parentRef `json:"parent,omitempty"`
		Permissions            string     `json:"permissions"`
		InheritedPermissions   string     `json:"inheritedPermissions"`
		NumberOfDescendants    int        `json:"numberOfDescendants"`
		NumberOfChildren       int        `json:"numberOfChildren"`
		NumberOfChildGroups    int        `json:"numberOfChildGroups"`
		ParentDisplayNameChain []string   `json:"parentDisplayNameChain"`
		ParentNameChain        []string   `json:"parentNameChain"`
	} `json:"properties"`
}

type parentRef struct {
	ID string `json:"id"`
}

// serveEntities answers POST /providers/Microsoft.Management/getEntities
// (and the GET its nextLink pages are fetched with): the groups and
// subscriptions the caller can see, with their permissions, counts and
// parent chains. Groups the caller cannot see but that lie above one it can
// are listed too, with "noaccess", so that the tree stays connected.
func (h *Handler) serveEntities(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodPost && req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkManagementAPIVersion(req, "getEntities"); err != nil {
		return err
	}
	q := req.HTTP.URL.Query()
	filter, err := parseEntityFilter(q.Get("$filter"))
	if err != nil {
		return err
	}
	view := strings.ToLower(q.Get("$view"))
	switch view {
	case "", "fullhierarchy", "groupsonly", "subscriptionsonly", "audit":
	default:
		return Errorf(http.StatusBadRequest, "InvalidQueryParameterValue",
			"The $view '%s' is invalid; use FullHierarchy, GroupsOnly, SubscriptionsOnly or Audit.", q.Get("$view"))
	}
	search := strings.ToLower(q.Get("$search"))
	switch search {
	case "", "allowedparents", "allowedchildren", "parentandfirstlevelchildren", "parentonly", "childrenonly":
	default:
		return Errorf(http.StatusBadRequest, "InvalidQueryParameterValue",
			"The $search '%s' is invalid; use AllowedParents, AllowedChildren, ParentAndFirstLevelChildren, ParentOnly or ChildrenOnly.", q.Get("$search"))
	}
	start := -1
	if s := q.Get("$skip"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Errorf(http.StatusBadRequest, "InvalidQueryParameterValue",
				"The value '%s' of the $skip query parameter is invalid; it must be a non-negative integer.", s)
		}
		start = n
	}
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	hy, err := h.loadHierarchyView(ctx)
	if err != nil {
		return err
	}
	root := hy.groups[strings.ToLower(h.cfg.TenantID)]
	if root == nil {
		return managementGroupNotFound(h.cfg.TenantID)
	}
	all := append([]mgEntity{{group: root}}, hy.walk(root.Name, nil)...)

	// Permissions on every entity, and on the scope above the root.
	perm := make(map[string]string, len(all))
	key := func(e mgEntity) string {
		if e.group != nil {
			return "g:" + strings.ToLower(e.group.Name)
		}
		return "s:" + strings.ToLower(e.sub.Name)
	}
	for _, e := range all {
		var scope armid.ID
		if e.group != nil {
			scope = armid.MustParse(e.group.ID)
		} else {
			scope = armid.MustParse("/subscriptions/" + e.sub.Name)
		}
		p, err := h.permissionAt(ctx, req, scope, e.group != nil)
		if err != nil {
			return err
		}
		perm[key(e)] = p
	}
	abovePerm, err := h.permissionAt(ctx, req, armid.Root, true)
	if err != nil {
		return err
	}
	// Visible: the entities with a permission, and the groups above them.
	visible := map[string]bool{}
	for _, e := range all {
		if perm[key(e)] == permNoAccess {
			continue
		}
		visible[key(e)] = true
		pn := ""
		if e.parent != nil {
			pn = e.parent.Name
		}
		for pn != "" {
			visible["g:"+strings.ToLower(pn)] = true
			pg := hy.groups[strings.ToLower(pn)]
			if pg == nil || pg.Properties.Details.Parent == nil {
				break
			}
			pn = pg.Properties.Details.Parent.Name
		}
	}

	// The entities the request selects.
	var selected []mgEntity
	if gn := q.Get("groupName"); gn != "" && search == "" {
		g := hy.groups[strings.ToLower(gn)]
		if g == nil {
			return managementGroupNotFound(gn)
		}
		var parent *mgBody
		if p := g.Properties.Details.Parent; p != nil {
			parent = hy.groups[strings.ToLower(p.Name)]
		}
		selected = append([]mgEntity{{group: g, parent: parent}}, hy.walk(g.Name, nil)...)
	} else {
		selected = all
	}
	if search != "" {
		selected, err = searchEntities(hy, all, search, q.Get("groupName"), filter, perm, key)
		if err != nil {
			return err
		}
		filter = nil // with $search, the filter names the entity searched from
	}
	var items []mgEntity
	for _, e := range selected {
		switch {
		case !visible[key(e)]:
		case view == "groupsonly" && e.group == nil, view == "subscriptionsonly" && e.sub == nil:
		case !filter.match(e):
		default:
			items = append(items, e)
		}
	}

	// Counts below each group.
	descendants := map[string]int{}
	var count func(name string) int
	count = func(name string) int {
		k := strings.ToLower(name)
		if n, ok := descendants[k]; ok {
			return n
		}
		n := len(hy.subs[k])
		for _, g := range hy.byGroup[k] {
			n += 1 + count(g.Name)
		}
		descendants[k] = n
		return n
	}

	if start < 0 {
		start = 0
		if tok := req.SkipToken(); tok != "" {
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 {
				return Errorf(http.StatusBadRequest, "InvalidSkipToken", "The $skiptoken '%s' is invalid.", tok)
			}
			start = n
		}
	}
	start = min(start, len(items))
	end := min(start+size, len(items))
	out := make([]json.RawMessage, 0, end-start)
	for _, e := range items[start:end] {
		var info entityInfo
		info.Properties.TenantID = h.cfg.TenantID
		info.Properties.DisplayName = e.displayName()
		info.Properties.Permissions = perm[key(e)]
		info.Properties.InheritedPermissions = abovePerm
		info.Properties.ParentNameChain, info.Properties.ParentDisplayNameChain = []string{}, []string{}
		if e.parent != nil {
			info.Properties.Parent = &parentRef{ID: e.parent.ID}
			info.Properties.InheritedPermissions = perm["g:"+strings.ToLower(e.parent.Name)]
			chain := append([]*mgBody{e.parent}, hy.ancestors(e.parent.Name)...)
			for i := len(chain) - 1; i >= 0; i-- {
				info.Properties.ParentNameChain = append(info.Properties.ParentNameChain, chain[i].Name)
				info.Properties.ParentDisplayNameChain = append(info.Properties.ParentDisplayNameChain, chain[i].Properties.DisplayName)
			}
		}
		if e.group != nil {
			info.ID, info.Type, info.Name = e.group.ID, mgTypeName, e.group.Name
			k := strings.ToLower(e.group.Name)
			info.Properties.NumberOfChildGroups = len(hy.byGroup[k])
			info.Properties.NumberOfChildren = len(hy.byGroup[k]) + len(hy.subs[k])
			info.Properties.NumberOfDescendants = count(e.group.Name)
		} else {
			info.ID, info.Type, info.Name = "/subscriptions/"+e.sub.Name, entitySubscriptionType, e.sub.Name
		}
		b, _ := json.Marshal(info)
		out = append(out, b)
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	writeEntityPage(w, req, out, len(items), next)
	return nil
}

// searchEntities applies $search to the entity it names (groupName, or
// $filter=name eq '…'): the entity itself (ParentOnly), its direct children
// (ChildrenOnly), both (ParentAndFirstLevelChildren), the groups it could be
// moved under (AllowedParents) or the entities that could be moved under it
// (AllowedChildren), the last two limited to entities the caller may edit.
func searchEntities(hy *hierarchy, all []mgEntity, search, groupName string, filter *entityFilter,
	perm map[string]string, key func(mgEntity) string) ([]mgEntity, error) {
	target := groupName
	if target == "" && filter != nil && filter.op == "eq" {
		target = filter.value
	}
	if target == "" {
		return nil, Errorf(http.StatusBadRequest, "InvalidQueryParameterValue",
			"$search needs the entity to search from: give groupName or $filter=name eq '{name}'.")
	}
	var self *mgEntity
	for i := range all {
		if strings.EqualFold(all[i].name(), target) {
			self = &all[i]
			break
		}
	}
	if self == nil {
		return nil, managementGroupNotFound(target)
	}
	if self.group == nil && search != "allowedparents" {
		return nil, Errorf(http.StatusBadRequest, "InvalidQueryParameterValue",
			"$search=%s needs a management group; '%s' is a subscription.", search, target)
	}
	isChild := func(e mgEntity) bool {
		return self.group != nil && e.parent != nil && strings.EqualFold(e.parent.Name, self.group.Name)
	}
	// below reports whether group name is self or lies below it.
	below := func(name string) bool {
		if self.group == nil {
			return false
		}
		if strings.EqualFold(name, self.group.Name) {
			return true
		}
		for _, a := range hy.ancestors(name) {
			if strings.EqualFold(a.Name, self.group.Name) {
				return true
			}
		}
		return false
	}
	canEdit := func(e mgEntity) bool { p := perm[key(e)]; return p == permEdit || p == permDelete }
	var out []mgEntity
	switch search {
	case "parentonly":
		out = append(out, *self)
	case "childrenonly", "parentandfirstlevelchildren":
		if search == "parentandfirstlevelchildren" {
			out = append(out, *self)
		}
		for _, e := range all {
			if isChild(e) {
				out = append(out, e)
			}
		}
	case "allowedparents":
		for _, e := range all {
			if e.group != nil && !below(e.group.Name) && canEdit(e) {
				out = append(out, e)
			}
		}
	case "allowedchildren":
		above := map[string]bool{}
		for _, a := range hy.ancestors(self.group.Name) {
			above[strings.ToLower(a.Name)] = true
		}
		for _, e := range all {
			switch {
			case e.group != nil && (strings.EqualFold(e.group.Name, self.group.Name) || above[strings.ToLower(e.group.Name)]):
			case isChild(e), !canEdit(e):
			default:
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// writeEntityPage writes EntityListResult: value, count (all entities the
// request matched) and a nextLink that carries $skiptoken (and drops $skip,
// which would otherwise override it).
func writeEntityPage(w http.ResponseWriter, req *Request, items []json.RawMessage, total int, next string) {
	var b bytes.Buffer
	b.WriteString(`{"value":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteString(`],"count":`)
	b.WriteString(strconv.Itoa(total))
	if next != "" {
		q := req.HTTP.URL.Query()
		q.Del("$skip")
		q.Set("$skiptoken", next)
		link := req.BaseURL + req.HTTP.URL.EscapedPath() + "?" + strings.ReplaceAll(q.Encode(), "%24", "$")
		lb, _ := json.Marshal(link)
		b.WriteString(`,"nextLink":`)
		b.Write(lb)
	}
	b.WriteByte('}')
	WriteJSON(w, http.StatusOK, b.Bytes())
}

// hierarchySettings is the stored HierarchySettings object of the tenant
// root group (…/managementGroups/{root}/settings/default). Its name is the
// group's, as Azure answers.
type hierarchySettings struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Properties struct {
		TenantID string `json:"tenantId"`
		// RequireAuthorizationForGroupCreation is kept and answered, but creating a group always
		// needs Microsoft.Management/managementGroups/write at it (the behaviour of true): every
		// request passes the role check (api/authorize.go).
		RequireAuthorizationForGroupCreation bool    `json:"requireAuthorizationForGroupCreation"`
		DefaultManagementGroup               *string `json:"defaultManagementGroup,omitempty"`
	} `json:"properties"`
}

func hierarchySettingsKey(root string) string {
	return strings.ToLower(managementGroupPrefix + root + "/settings/default")
}

// settingsGroup returns the stored root group when group is the tenant root
// group; another existing group is refused with 400, a missing one with 404.
func (h *Handler) settingsGroup(ctx context.Context, tx store.Tx, group string) (*mgBody, error) {
	d, err := tx.Get(ctx, strings.ToLower(managementGroupPrefix+group))
	if errors.Is(err, store.ErrNotFound) {
		return nil, managementGroupNotFound(group)
	} else if err != nil {
		return nil, err
	}
	if !strings.EqualFold(group, h.cfg.TenantID) {
		return nil, Errorf(http.StatusBadRequest, "BadRequest",
			"Hierarchy settings can only be read or set on the tenant root management group '%s'; '%s' is not the root group.", h.cfg.TenantID, group)
	}
	var g mgBody
	if err := json.Unmarshal(d.Body, &g); err != nil {
		return nil, fmt.Errorf("management group %s: %w", d.ID, err)
	}
	return &g, nil
}

// readHierarchySettings returns the stored settings, nil when none are set.
func readHierarchySettings(ctx context.Context, tx store.Tx, root string) (*hierarchySettings, error) {
	d, err := tx.Get(ctx, hierarchySettingsKey(root))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var s hierarchySettings
	if err := json.Unmarshal(d.Body, &s); err != nil {
		return nil, fmt.Errorf("hierarchy settings: %w", err)
	}
	return &s, nil
}

// serveHierarchySettingsList answers GET …/managementGroups/{g}/settings:
// the root group's settings object, or an empty list when none is set.
func (h *Handler) serveHierarchySettingsList(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkManagementAPIVersion(req, "managementGroups/settings"); err != nil {
		return err
	}
	ctx := req.HTTP.Context()
	var items []json.RawMessage
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		g, err := h.settingsGroup(ctx, tx, req.ID.Name())
		if err != nil {
			return err
		}
		s, err := readHierarchySettings(ctx, tx, g.Name)
		if s != nil {
			b, _ := json.Marshal(s)
			items = append(items, b)
		}
		return err
	})
	if err != nil {
		return err
	}
	WritePage(w, req, items, "")
	return nil
}

// serveHierarchySettings handles GET, PUT, PATCH and DELETE of
// …/managementGroups/{root}/settings/default. PUT replaces both settings
// (an omitted one returns to its default), PATCH changes the ones given,
// DELETE removes them (200 whether or not any were set).
func (h *Handler) serveHierarchySettings(w http.ResponseWriter, req *Request) error {
	if err := checkManagementAPIVersion(req, "managementGroups/settings"); err != nil {
		return err
	}
	if !strings.EqualFold(req.ID.Name(), "default") {
		return Errorf(http.StatusNotFound, "NotFound", "'%s' not found; the only hierarchy settings object is 'default'.", req.ID.String())
	}
	mgID, _ := req.ID.Parent()
	group := mgID.Name()
	ctx := req.HTTP.Context()
	switch req.HTTP.Method {
	case http.MethodGet:
		var out json.RawMessage
		err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
			g, err := h.settingsGroup(ctx, tx, group)
			if err != nil {
				return err
			}
			s, err := readHierarchySettings(ctx, tx, g.Name)
			if err != nil {
				return err
			}
			if s == nil {
				return Errorf(http.StatusNotFound, "NotFound", "'%s' not found", managementGroupPrefix+g.Name+"/settings/default")
			}
			out, _ = json.Marshal(s)
			return nil
		})
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, out)
		return nil
	case http.MethodDelete:
		err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
			g, err := h.settingsGroup(ctx, tx, group)
			if err != nil {
				return err
			}
			if _, err := tx.Delete(ctx, hierarchySettingsKey(g.Name), store.Condition{}); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("delete hierarchy settings: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodPut, http.MethodPatch:
	default:
		return methodNotAllowed(req)
	}
	var in struct {
		Properties *struct {
			RequireAuthorizationForGroupCreation *bool   `json:"requireAuthorizationForGroupCreation"`
			DefaultManagementGroup               *string `json:"defaultManagementGroup"`
		} `json:"properties"`
	}
	if err := decodeStrict(req.Body, &in); err != nil {
		return err
	}
	if in.Properties == nil {
		e := invalidContent("The request content is missing the required property 'properties'.")
		e.Target = "properties"
		return e
	}
	var out json.RawMessage
	err := h.cfg.Store.Update(ctx, func(tx store.Tx) error {
		g, err := h.settingsGroup(ctx, tx, group)
		if err != nil {
			return err
		}
		s, err := readHierarchySettings(ctx, tx, g.Name)
		if err != nil {
			return err
		}
		if s == nil || req.HTTP.Method == http.MethodPut {
			s = &hierarchySettings{}
		}
		s.ID, s.Type, s.Name = managementGroupPrefix+g.Name+"/settings/default", "Microsoft.Management/managementGroups/settings", g.Name
		s.Properties.TenantID = h.cfg.TenantID
		p := in.Properties
		if p.RequireAuthorizationForGroupCreation != nil {
			s.Properties.RequireAuthorizationForGroupCreation = *p.RequireAuthorizationForGroupCreation
		}
		if p.DefaultManagementGroup != nil {
			id, err := h.defaultGroupID(ctx, tx, *p.DefaultManagementGroup)
			if err != nil {
				return err
			}
			s.Properties.DefaultManagementGroup = id
		}
		out, _ = json.Marshal(s)
		return putDocument(ctx, tx, armid.MustParse(s.ID), out)
	})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, out)
	return nil
}

// defaultGroupID resolves the defaultManagementGroup setting (a group id,
// or a bare group name) to the existing group's id; "" clears the setting.
func (h *Handler) defaultGroupID(ctx context.Context, tx store.Tx, v string) (*string, error) {
	if v == "" {
		return nil, nil
	}
	name := v
	if strings.HasPrefix(v, "/") {
		id, err := armid.Parse(v)
		if err != nil || id.Kind() != armid.ManagementGroup {
			e := Errorf(http.StatusBadRequest, CodeLinkedInvalidID,
				"Property id '%s' at path 'properties.defaultManagementGroup' is invalid. Expect fully qualified resource Id that start with '/providers/Microsoft.Management/managementGroups/'.", v)
			e.Target = "properties.defaultManagementGroup"
			return nil, e
		}
		name = id.Name()
	}
	d, err := tx.Get(ctx, strings.ToLower(managementGroupPrefix+name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, managementGroupNotFound(name)
	} else if err != nil {
		return nil, err
	}
	var g mgBody
	if err := json.Unmarshal(d.Body, &g); err != nil {
		return nil, fmt.Errorf("management group %s: %w", d.ID, err)
	}
	return &g.ID, nil
}

// defaultManagementGroup is the group new subscriptions go to when their
// alias names none: the hierarchy settings' defaultManagementGroup while
// that group exists, otherwise the tenant root group.
func defaultManagementGroup(ctx context.Context, tx store.Tx, root string) (string, error) {
	s, err := readHierarchySettings(ctx, tx, root)
	if err != nil || s == nil || s.Properties.DefaultManagementGroup == nil {
		return root, err
	}
	target := parentName(*s.Properties.DefaultManagementGroup)
	if _, err := tx.Get(ctx, strings.ToLower(managementGroupPrefix+target)); errors.Is(err, store.ErrNotFound) {
		return root, nil // the default group was deleted since: the root keeps new subscriptions
	} else if err != nil {
		return "", err
	}
	return target, nil
}
