package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/palisade/palisade/portal"
)

// addUser creates a user without an authenticator and, when role
// assignments are served, makes them Contributor on the subscription.
func addUser(t *testing.T, s *stack, name string) {
	t.Helper()
	ctx := context.Background()
	u, err := s.srv.Identity().CreateUser(ctx, name, "Second User", userPassword)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.portal.TestPasswordGrant(ctx, "admin", adminPassword, s.code(t, adminTOTP))
	if err != nil || res.AccessToken == "" {
		t.Fatalf("admin token: %v %+v", err, res)
	}
	body, _ := json.Marshal(map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + testSub + "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
		"principalId":      u.ObjectID, "principalType": "User"}})
	resp, err := s.portal.TestCall(ctx, res.AccessToken, http.MethodPut,
		"/subscriptions/"+testSub+"/providers/Microsoft.Authorization/roleAssignments/"+u.ObjectID+"?api-version=2022-04-01", body)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("role assignment for %s: %d", name, resp.Status)
}

func TestAssignEditRefuseStepUp(t *testing.T) {
	t.Run("store reads", func(t *testing.T) { assignEditRefuseStepUp(t, startStack(t)) })
	t.Run("ARM reads only", func(t *testing.T) {
		assignEditRefuseStepUp(t, startStack(t, func(c *portal.Config) { c.Store = nil; c.SubscriptionID = "" }))
	})
}

func assignEditRefuseStepUp(t *testing.T, s *stack) {
	admin := s.browser(t)
	admin.signIn(s, "admin", adminPassword, adminTOTP)

	// Definitions: the two MFA definitions are found by "multi-factor".
	pg := admin.get("/portal/definitions?q=multi-factor")
	for _, want := range []string{"Users must authenticate with multi-factor authentication to create or update resources",
		"Users must authenticate with multi-factor authentication to delete resources"} {
		if !strings.Contains(pg.Body, want) {
			t.Errorf("definitions search misses %q", want)
		}
	}
	if strings.Contains(pg.Body, "Allowed locations") {
		t.Errorf("search for multi-factor lists unrelated definitions")
	}

	// A resource group to assign at.
	pg = admin.post("/portal/resourcegroups", "/portal/resourcegroups", url.Values{"name": {"rg-web"}, "location": {"eastus"}})
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("create resource group: %d %s", pg.Status, pg.Body)
	}
	if pg = admin.get("/portal/resourcegroups"); !strings.Contains(pg.Body, "rg-web") || !strings.Contains(pg.Body, "succeeded") {
		t.Fatalf("resource group list after create: %s", pg.Body)
	}

	// Review + create shows the exact JSON.
	form := portal.TutorialForm()
	form.Set("action", "tab:review")
	pg = admin.post("/portal/assign", "/portal/assign", form)
	if !strings.Contains(pg.Body, `&#34;resourceLocation&#34;`) || !strings.Contains(pg.Body, "PUT /subscriptions/"+testSub+"/resourceGroups/rg-web/providers/Microsoft.Authorization/policyAssignments/mfa-rg-web") {
		t.Fatalf("review tab lacks the request: %s", pg.Body)
	}

	// Exclusions: at the subscription, rg-web is offered as a check box;
	// ticked, it is in notScopes; unticked, it is gone.
	ex := url.Values{"name": {"probe"}, "scope": {"/subscriptions/" + testSub}, "definitionId": {form.Get("definitionId")},
		"displayName": {"probe"}, "sel.count": {"0"}, "ov.count": {"0"}, "action": {"tab:review"},
		"notScopes.pick": {"/subscriptions/" + testSub + "/resourceGroups/rg-web"}}
	pg = admin.post("/portal/assign", "/portal/assign", ex)
	if !strings.Contains(pg.Body, `name="notScopes.pick" value="/subscriptions/`+testSub+`/resourceGroups/rg-web" checked`) ||
		!strings.Contains(between(pg.Body, `id="review-json"`, "</pre>"), "&#34;notScopes&#34;") {
		t.Fatalf("picked exclusion not kept or not sent: %s", pg.Body)
	}
	ex.Del("notScopes.pick")
	if pg = admin.post("/portal/assign", "/portal/assign", ex); strings.Contains(between(pg.Body, `id="review-json"`, "</pre>"), "notScopes") {
		t.Fatalf("unticked exclusion still sent")
	}

	// Create.
	form.Set("action", "create")
	pg = admin.post("/portal/assign", "/portal/assign", form)
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("create assignment: %d %s", pg.Status, pg.Body)
	}
	id := "/subscriptions/" + testSub + "/resourceGroups/rg-web/providers/Microsoft.Authorization/policyAssignments/mfa-rg-web"
	pg = admin.get("/portal/assignment?id=" + url.QueryEscape(id))
	if !strings.Contains(pg.Body, portal.MFAMessage) || !strings.Contains(pg.Body, "westus2") {
		t.Fatalf("assignment page: %s", pg.Body)
	}

	// The list shows it at once (the store-backed list is invalidated by the write).
	if pg = admin.get("/portal/assignments?q=require+mfa"); !strings.Contains(pg.Body, "Require MFA for resource writes") || !strings.Contains(pg.Body, "Resource group: rg-web") {
		t.Fatalf("assignments list after create: %s", pg.Body)
	}

	// Edit: add a Deny override for eastus.
	pg = admin.get("/portal/assign?assignment=" + url.QueryEscape(id))
	if !strings.Contains(pg.Body, `value="low-risk regions"`) || !strings.Contains(pg.Body, "Edit assignment") {
		t.Fatalf("edit form not filled: %s", pg.Body)
	}
	form = portal.TutorialForm()
	form.Set("edit", "1")
	form.Set("assignmentId", id)
	form.Set("action", "addOverride")
	pg = admin.post("/portal/assign", "/portal/assign", form)
	if !strings.Contains(pg.Body, `id="ov-0-value"`) || !strings.Contains(pg.Body, `<option value="Deny"`) {
		t.Fatalf("override row missing or lacks the definition's effects: %s", pg.Body)
	}
	form.Set("ov.count", "1")
	form.Set("ov.0.value", "Deny")
	form.Set("ov.0.op", "in")
	form["ov.0.values"] = []string{"eastus"}
	form.Set("action", "create")
	if pg = admin.post("/portal/assign", "/portal/assign", form); pg.Status != http.StatusSeeOther {
		t.Fatalf("save assignment: %d %s", pg.Status, pg.Body)
	}
	pg = admin.get("/portal/assignment?id=" + url.QueryEscape(id))
	if !strings.Contains(pg.Body, "policyEffect") || !strings.Contains(pg.Body, "Deny") {
		t.Fatalf("override not saved: %s", pg.Body)
	}

	// A user without MFA is refused with the message, steps up and succeeds.
	addUser(t, s, "dev")
	dev := s.browser(t)
	dev.signIn(s, "dev", userPassword, "")
	res := url.Values{"resourceGroup": {"rg-web"}, "type": {"Microsoft.Storage/storageAccounts"}, "name": {"stweb01"},
		"location": {"eastus"}, "properties": {"{}"}}
	pg = dev.post("/portal/resources/new", "/portal/resources", res)
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("create resource: %d %s", pg.Status, pg.Body)
	}
	pg = dev.get(pg.Location)
	if !strings.Contains(pg.Body, "disallowed by policy") || !strings.Contains(pg.Body, portal.MFAMessage) || !strings.Contains(pg.Body, "Sign in with MFA and retry") {
		t.Fatalf("refusal notification: %s", pg.Body)
	}
	pg = dev.post("/portal/stepup", "/portal/stepup", url.Values{"password": {userPassword}})
	if pg.Status != http.StatusSeeOther || !strings.HasSuffix(pg.Location, "/portal/signin/verify") {
		t.Fatalf("step-up password: %d %s", pg.Status, pg.Body)
	}
	// The user has no authenticator: enrolment shows the key.
	pg = dev.get("/portal/signin/verify")
	secret := between(pg.Body, `id="totp-secret">`, "<")
	if secret == "" {
		t.Fatalf("no enrolment key: %s", pg.Body)
	}
	pg = dev.post("/portal/signin/verify", "/portal/signin/verify", url.Values{"code": {s.code(t, secret)}})
	if pg.Status != http.StatusSeeOther {
		t.Fatalf("step-up code: %d %s", pg.Status, pg.Body)
	}
	pg = dev.get(pg.Location)
	if !strings.Contains(pg.Body, "Create stweb01: succeeded") || !strings.Contains(pg.Body, "stweb01") {
		t.Fatalf("retry after step-up: %s", pg.Body)
	}

	// In westus2 (selector, no override) the user without MFA is audited.
	dev2 := s.browser(t)
	addUser(t, s, "dev2")
	dev2.signIn(s, "dev2", userPassword, "")
	res.Set("name", "stweb02")
	res.Set("location", "westus2")
	pg = dev2.post("/portal/resources/new", "/portal/resources", res)
	if pg = dev2.get(pg.Location); !strings.Contains(pg.Body, "Create stweb02: succeeded") {
		t.Fatalf("audited create: %s", pg.Body)
	}
	pg = admin.get("/portal/activity?operation=" + url.QueryEscape("Microsoft.Authorization/policies/audit/action"))
	if !strings.Contains(pg.Body, "stweb02") || !strings.Contains(pg.Body, `class="assignment-link"`) {
		t.Fatalf("audit event not in activity log: %s", pg.Body)
	}

	// The overview counts it (recounted in the background, so poll).
	deadline := time.Now().Add(10 * time.Second)
	for {
		pg = admin.get("/portal/")
		if strings.Contains(pg.Body, `id="count-audits">1<`) && strings.Contains(pg.Body, "stweb02") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview never counted the audit event: %s", pg.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// between returns the text between two markers.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestServerValidationShownAtField sends an assignment the form accepts but
// ARM refuses (an effect outside the definition's allowed values) and
// expects ARM's message next to the parameter, on the Parameters tab.
func TestServerValidationShownAtField(t *testing.T) {
	s := startStack(t)
	b := s.browser(t)
	b.signIn(s, "admin", adminPassword, adminTOTP)
	b.post("/portal/resourcegroups", "/portal/resourcegroups", url.Values{"name": {"rg-web"}, "location": {"eastus"}})
	form := portal.TutorialForm()
	form.Set("param.effect", "Bogus")
	form.Set("action", "create")
	pg := b.post("/portal/assign", "/portal/assign", form)
	if pg.Status < 400 {
		t.Fatalf("status %d, want ARM's refusal", pg.Status)
	}
	panel := between(pg.Body, `id="panel-parameters"`, `</section>`)
	if strings.Contains(between(pg.Body, `id="panel-parameters"`, `>`), "hidden") {
		t.Fatalf("the Parameters tab is not the one shown")
	}
	errText := between(between(panel, `id="param-effect"`, `</div>`), `class="field-error" role="alert">`, `<`)
	if errText == "" || !strings.Contains(strings.ToLower(errText), "bogus") {
		t.Fatalf("no error next to the effect parameter; panel:\n%s", panel)
	}
	t.Logf("ARM's message next to the field: %s", errText)
}

// TestInitiativeMessagesPerReference assigns a custom initiative: the
// Non-compliance messages tab offers one message per policy definition
// reference id, and they are sent as nonComplianceMessages entries with
// policyDefinitionReferenceId ("Azure Policy assignment structure",
// learn.microsoft.com).
func TestInitiativeMessagesPerReference(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	res, err := s.portal.TestPasswordGrant(ctx, "admin", adminPassword, s.code(t, adminTOTP))
	if err != nil || res.AccessToken == "" {
		t.Fatalf("admin token: %v", err)
	}
	setID := "/subscriptions/" + testSub + "/providers/Microsoft.Authorization/policySetDefinitions/mfa-set"
	body := `{"properties":{"displayName":"MFA for writes and deletes","policyType":"Custom","policyDefinitions":[
		{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b","policyDefinitionReferenceId":"mfaWrite","parameters":{"effect":{"value":"Audit"}}},
		{"policyDefinitionId":"/providers/Microsoft.Authorization/policyDefinitions/db4a9d17-db75-4f46-9fcb-9f9526604417","policyDefinitionReferenceId":"mfaDelete","parameters":{"effect":{"value":"AuditAction"}}}]}}`
	if r, err := s.portal.TestCall(ctx, res.AccessToken, http.MethodPut, setID+"?api-version="+portal.VerPolicy, []byte(body)); err != nil || !r.OK() {
		t.Fatalf("create initiative: %v %d %s", err, r.Status, r.Body)
	}
	b := s.browser(t)
	b.signIn(s, "admin", adminPassword, adminTOTP)
	if pg := b.get("/portal/definitions?kind=Initiative&q=mfa"); !strings.Contains(pg.Body, "MFA for writes and deletes") {
		t.Fatalf("initiative not listed: %s", pg.Body)
	}
	pg := b.get("/portal/assign?definition=" + url.QueryEscape(setID))
	for _, ref := range []string{"mfaWrite", "mfaDelete"} {
		if !strings.Contains(pg.Body, `name="ncm.ref.`+ref+`"`) {
			t.Fatalf("no message field for reference %s", ref)
		}
	}
	form := url.Values{"name": {"mfa-set-sub"}, "scope": {"/subscriptions/" + testSub}, "definitionId": {setID},
		"displayName": {"MFA initiative"}, "enforcement": {"Enabled"}, "sel.count": {"0"}, "ov.count": {"0"},
		"ncm.default": {"Use MFA."}, "ncm.ref.mfaDelete": {"Use MFA to delete."}, "action": {"create"}}
	if pg = b.post("/portal/assign", "/portal/assign", form); pg.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", pg.Status, pg.Body)
	}
	var got struct {
		Properties struct {
			NonComplianceMessages []struct {
				Message, PolicyDefinitionReferenceID string
			} `json:"nonComplianceMessages"`
		} `json:"properties"`
	}
	r, err := s.portal.TestCall(ctx, res.AccessToken, http.MethodGet,
		"/subscriptions/"+testSub+"/providers/Microsoft.Authorization/policyAssignments/mfa-set-sub?api-version="+portal.VerPolicy, nil)
	if err != nil || !r.OK() {
		t.Fatalf("read back: %v %d", err, r.Status)
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	msgs := got.Properties.NonComplianceMessages
	if len(msgs) != 2 || msgs[0].Message != "Use MFA." || msgs[0].PolicyDefinitionReferenceID != "" ||
		msgs[1].Message != "Use MFA to delete." || msgs[1].PolicyDefinitionReferenceID != "mfaDelete" {
		t.Fatalf("nonComplianceMessages = %+v", msgs)
	}
}

// TestActivityLogPages follows "Older events" through every page: each
// write's events appear once across the pages.
func TestActivityLogPages(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	res, err := s.portal.TestPasswordGrant(ctx, "admin", adminPassword, s.code(t, adminTOTP))
	if err != nil || res.AccessToken == "" {
		t.Fatalf("admin token: %v", err)
	}
	const groups = 130 // two events each: more than one page
	for i := 0; i < groups; i++ {
		path := fmt.Sprintf("/subscriptions/%s/resourcegroups/rg-page-%03d?api-version=%s", testSub, i, portal.VerResources)
		if r, err := s.portal.TestCall(ctx, res.AccessToken, http.MethodPut, path, []byte(`{"location":"eastus"}`)); err != nil || !r.OK() {
			t.Fatalf("PUT %s: %v", path, err)
		}
	}
	b := s.browser(t)
	b.signIn(s, "admin", adminPassword, adminTOTP)
	seen := map[string]int{}
	next, pages := "/portal/activity?timespan=1h&operation=resourceGroups/write", 0
	for next != "" {
		pg := b.get(next)
		if pg.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", next, pg.Status)
		}
		pages++
		for _, m := range rgPageRE.FindAllStringSubmatch(pg.Body, -1) {
			seen[m[1]]++
		}
		next = html.UnescapeString(between(pg.Body, `<a href="`, `" id="next-events"`))
		if i := strings.LastIndex(next, `<a href="`); i >= 0 {
			next = next[i+len(`<a href="`):]
		}
	}
	if pages < 2 {
		t.Fatalf("%d page(s) for %d events; want paging", pages, 2*groups)
	}
	if len(seen) != groups {
		t.Fatalf("%d resource groups seen across %d pages, want %d", len(seen), pages, groups)
	}
	for rg, n := range seen {
		// Each write has a Started and a Succeeded event.
		if n != 2 {
			t.Fatalf("%s has %d event rows, want 2 (Started and Succeeded, each listed once)", rg, n)
		}
	}
}

// rgPageRE matches the resource id in an event row's summary line.
var rgPageRE = regexp.MustCompile(`<span class="wrap muted">[^<]*/resourceGroups/(rg-page-\d{3})</span>`)
