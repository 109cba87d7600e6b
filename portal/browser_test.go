package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/palisade/palisade/builtin"
	"github.com/palisade/palisade/portal"
)

// chromium returns the browser the browser tests drive, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PALISADE_TEST_CHROMIUM")
	if path == "" {
		t.Skip("browser test skipped: set PALISADE_TEST_CHROMIUM to Debian's chromium (apt-get install -y chromium; PALISADE_TEST_CHROMIUM=/usr/bin/chromium)")
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("browser test skipped: PALISADE_TEST_CHROMIUM=%s is not an executable: %v", path, err)
	}
	return path
}

// tab is one browser context (its own cookies) that saves a screenshot
// after each step.
type tab struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	name  string
	shots *int
}

// run runs actions with a per-step time limit.
func (b *tab) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + step)
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		b.t.Fatalf("%s: %s: %v\nat %s\n%.2000s", b.name, step, err, loc, body)
	}
}

// text returns the text of the first element matching a CSS selector.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil && strings.Contains(err.Error(), "Cannot find context with specified id") {
		// The page was still being replaced by a navigation the last step started: read again
		// from the new page.
		time.Sleep(200 * time.Millisecond)
		s, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	}
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.name, sel, err)
	}
	return s
}

// shot writes a full-page screenshot named after the step.
func (b *tab) shot(step string) {
	*b.shots++
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", step, err)
		return
	}
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s-%s.png", *b.shots, b.name, step))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", step, err)
	}
}

// press scrolls an element to the middle of the window (clear of the
// wizard's sticky footer) and clicks it, as a user would.
func press(sel string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(function(){var e=document.querySelector(%q);if(e){e.scrollIntoView({block:"center"});}return !!e;})()`, sel)
	return chromedp.Steps(chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](js)(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.CSS(sel)))
}

// selectValues selects exactly the given options of a multi-select.
func selectValues(sel string, values ...string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(function(){var want=%q.split(",");document.querySelectorAll(%q+" option").forEach(function(o){o.selected=want.indexOf(o.value)>=0;});return true;})()`,
		strings.Join(values, ","), sel)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}

// TestBrowserMFATutorial walks the Azure MFA enforcement tutorial in a real
// browser ("Tutorial: Enforce multifactor authentication for Azure resource
// management with Azure Policy", learn.microsoft.com): sign in with TOTP,
// find the definition, assign it at a resource group with a resourceLocation
// selector and a non-compliance message, edit it to add a Deny override,
// see a user without MFA audited and refused, step up and succeed, and find
// the audit event in the activity log.
func TestBrowserMFATutorial(t *testing.T) {
	exe := chromium(t)
	s := startStack(t)
	dir := os.Getenv("PALISADE_TEST_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "palisade-portal-screenshots-"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)

	shots := 0
	// Each user gets a browser of their own (own profile, own cookies).
	newTab := func(name string) *tab {
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
		ctx, cancel := chromedp.NewContext(allocCtx)
		t.Cleanup(func() { cancel(); cancelAlloc() })
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("start chromium: %v", err)
		}
		return &tab{t: t, ctx: ctx, dir: dir, name: name, shots: &shots}
	}
	base := s.web.URL + "/portal/"
	rgID := "/subscriptions/" + testSub + "/resourceGroups/rg-web"

	// 1. The administrator signs in with password and TOTP.
	admin := newTab("admin")
	admin.run("open", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"), chromedp.SendKeys(chromedp.CSS("#password"), adminPassword))
	admin.shot("signin-password")
	admin.run("password", press("#signin-next"), chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), s.code(t, adminTOTP)))
	admin.shot("signin-code")
	admin.run("code", press("#verify"), chromedp.WaitVisible(chromedp.CSS("#count-assignments")))
	if got := admin.text(".badge"); got != "MFA" {
		t.Fatalf("badge after TOTP sign-in = %q, want MFA", got)
	}
	admin.shot("overview")

	// A resource group to assign at.
	admin.run("resource group", chromedp.Navigate(base+"resourcegroups"), press("#create-rg summary"),
		chromedp.SendKeys(chromedp.CSS("#rg-name"), "rg-web"), chromedp.SetValue(chromedp.CSS("#rg-location"), "eastus"),
		press("#rg-create"), chromedp.WaitVisible(chromedp.CSS("#notification")))
	if n := admin.text("#notification"); !strings.Contains(n, "succeeded") {
		t.Fatalf("create resource group: %s", n)
	}

	// 2. Definitions: search "multi-factor".
	admin.run("search", chromedp.Navigate(base+"definitions"), chromedp.SendKeys(chromedp.CSS("#q"), "multi-factor"),
		// The results page itself: its search field carries the query in its value attribute.
		chromedp.Submit(chromedp.CSS("#q")), chromedp.WaitVisible(chromedp.CSS(`#q[value="multi-factor"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#result-count`)))
	admin.run("search results", chromedp.WaitVisible(chromedp.CSS(`a[href*="db4a9d17-db75-4f46-9fcb-9f9526604417"]`)))
	list := admin.text("#definitions")
	for _, want := range []string{"Users must authenticate with multi-factor authentication to create or update resources",
		"Users must authenticate with multi-factor authentication to delete resources"} {
		if !strings.Contains(list, want) {
			t.Fatalf("search results lack %q:\n%s", want, list)
		}
	}
	admin.shot("definitions-search")

	// 3. Assign: Basics with scope, resource selector and name.
	admin.run("assign", press(`a.button[href*="4e6c27d5-a6ee-49cf-b2b4-d8fe90fa2b8b"]`),
		chromedp.WaitVisible(chromedp.CSS("#wizard")),
		press("#scope-picker summary"),
		press(`input[data-scope][value="`+rgID+`"]`),
		press("#resource-selectors summary"),
		press("#add-selector"), chromedp.WaitVisible(chromedp.CSS("#sel-0-name")),
		chromedp.SendKeys(chromedp.CSS("#sel-0-name"), "low-risk regions"),
		press("#sel-0-resourceLocation-on"),
		selectValues("#sel-0-resourceLocation-values", "eastus", "westus2"),
		chromedp.SendKeys(chromedp.CSS("#displayName"), "Require MFA for resource writes"))
	if got := admin.text("#scope-selected"); !strings.Contains(got, "rg-web") {
		t.Fatalf("scope picker shows %q", got)
	}
	admin.shot("wizard-basics")
	admin.run("parameters", press("#tab-parameters"), chromedp.WaitVisible(chromedp.CSS("#onlyNeeded")),
		press("#onlyNeeded"), chromedp.WaitVisible(chromedp.CSS("#param-effect")),
		chromedp.SetValue(chromedp.CSS("#param-effect"), "Audit"))
	admin.shot("wizard-parameters")
	admin.run("messages", press("#tab-noncompliance"), chromedp.WaitVisible(chromedp.CSS("#ncm-default")),
		chromedp.SendKeys(chromedp.CSS("#ncm-default"), portal.MFAMessage))
	admin.shot("wizard-noncompliance")
	admin.run("review", press("#tab-review"), chromedp.WaitVisible(chromedp.CSS("#review-json")))
	body := admin.text("#review-json")
	for _, want := range []string{`"resourceLocation"`, `"westus2"`, portal.MFAMessage, builtin.MFACreateUpdateID, `"effect"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("review JSON lacks %s:\n%s", want, body)
		}
	}
	admin.shot("wizard-review")
	admin.run("create", press("#create"), chromedp.WaitVisible(chromedp.CSS("#assignment-title")))
	if n := admin.text("#notification"); !strings.Contains(n, "succeeded") {
		t.Fatalf("create assignment: %s", n)
	}
	admin.shot("assignment-created")

	// 4. Edit: add a Deny override for East US.
	admin.run("edit", press("#edit-assignment"), chromedp.WaitVisible(chromedp.CSS("#wizard")),
		press("#overrides summary"), press("#add-override"),
		chromedp.WaitVisible(chromedp.CSS("#ov-0-value")), chromedp.SetValue(chromedp.CSS("#ov-0-value"), "Deny"),
		selectValues("#ov-0-values", "eastus"))
	admin.shot("edit-override")
	admin.run("save", press("#create"), chromedp.WaitVisible(chromedp.CSS("#assignment-title")))
	if j := admin.text("#assignment-json"); !strings.Contains(j, `"policyEffect"`) || !strings.Contains(j, `"Deny"`) {
		t.Fatalf("saved assignment lacks the override:\n%s", j)
	}
	admin.shot("assignment-saved")

	// 5. A user without MFA, in a second browser context.
	addUser(t, s, "dev")
	dev := newTab("dev")
	dev.run("signin", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "dev"), chromedp.SendKeys(chromedp.CSS("#password"), userPassword),
		press("#signin-next"), chromedp.WaitVisible(chromedp.CSS("#skip")))
	dev.shot("enrolment-offered")
	dev.run("skip", press("#skip"), chromedp.WaitVisible(chromedp.CSS("#count-assignments")))
	if got := dev.text(".badge"); got != "No MFA" {
		t.Fatalf("badge after password-only sign-in = %q", got)
	}
	create := func(name, region string) {
		dev.run("create "+name, chromedp.Navigate(base+"resources/new?resourceGroup=rg-web"), chromedp.WaitVisible(chromedp.CSS("#res-name")),
			chromedp.SendKeys(chromedp.CSS("#res-name"), name), chromedp.SetValue(chromedp.CSS("#res-location"), region),
			press("#res-create"), chromedp.WaitVisible(chromedp.CSS("#notification")))
	}
	// West US 2 is selected but not overridden: audited, allowed.
	create("stweb02", "westus2")
	if n := dev.text("#notification"); !strings.Contains(n, "succeeded") {
		t.Fatalf("audited create: %s", n)
	}
	dev.shot("audited-create")
	// East US has the Deny override: refused with the message.
	create("stweb01", "eastus")
	n := dev.text("#notification")
	if !strings.Contains(n, "disallowed by policy") || !strings.Contains(n, portal.MFAMessage) || !strings.Contains(n, "Sign in with MFA and retry") {
		t.Fatalf("refusal notification: %s", n)
	}
	dev.shot("refused")

	// 6. Step up: password, then enrol an authenticator, and the request is retried.
	dev.run("step-up", press("#stepup"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), userPassword), press("#signin-next"),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
	secret := dev.text("#totp-secret")
	dev.run("step-up code", chromedp.SendKeys(chromedp.CSS("#code"), s.code(t, secret)))
	dev.shot("step-up-enrol")
	dev.run("retry", press("#verify"), chromedp.WaitVisible(chromedp.CSS("#notification")))
	if n := dev.text("#notification"); !strings.Contains(n, "Create stweb01: succeeded") {
		t.Fatalf("retry after step-up: %s", n)
	}
	if got := dev.text(".badge"); got != "MFA" {
		t.Fatalf("badge after step-up = %q", got)
	}
	dev.shot("retried")

	// 7. The audit event is in the activity log and links to the assignment.
	admin.run("activity", chromedp.Navigate(base+"activity"), chromedp.WaitVisible(chromedp.CSS("#operation")),
		chromedp.SendKeys(chromedp.CSS("#operation"), "Microsoft.Authorization/policies/audit/action"),
		// Wait for the filtered page itself (its operation field carries the filter in its
		// value attribute): the unfiltered page lists events too.
		press("#apply-filters"),
		chromedp.WaitVisible(chromedp.CSS(`#operation[value="Microsoft.Authorization/policies/audit/action"]`)),
		chromedp.WaitVisible(chromedp.CSS(".event summary")),
		press(".event summary"), chromedp.WaitVisible(chromedp.CSS(".assignment-link")))
	events := admin.text("#events")
	if !strings.Contains(events, "stweb02") || !strings.Contains(events, "Require MFA for resource writes") {
		t.Fatalf("activity log:\n%s", events)
	}
	if strings.Contains(events, "stweb01") {
		t.Fatalf("an audit event names stweb01, which was denied and then created with MFA:\n%s", events)
	}
	admin.shot("activity-audit-event")
	admin.run("follow link", press(".assignment-link"), chromedp.WaitVisible(chromedp.CSS("#assignment-title")))
	admin.shot("assignment-from-event")

	// 8. Keyboard: the first Tab reaches the skip link; arrow keys move
	// between the wizard's tabs.
	admin.run("keyboard", chromedp.Navigate(base+"assign"), chromedp.WaitVisible(chromedp.CSS("#wizard")), chromedp.KeyEvent("\t"))
	if got := admin.eval(`document.activeElement.textContent.trim()`); got != "Skip to main content" {
		t.Fatalf("first Tab focuses %q", got)
	}
	admin.run("tab keys", chromedp.Focus(chromedp.CSS("#tab-basics")), chromedp.KeyEvent(kb.ArrowRight))
	if got := admin.eval(`document.activeElement.id`); got != "tab-parameters" {
		t.Fatalf("ArrowRight on the Basics tab focuses %q", got)
	}

	// 9. A narrow window: no page scrolls sideways.
	for _, page := range []string{"", "assign", "assignments", "activity", "definitions?q=multi-factor"} {
		admin.run("narrow "+page, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if got := admin.eval(overflowJS); got != "" {
			admin.shot("narrow-overflow")
			t.Fatalf("page %q scrolls sideways at 390 px; too wide: %s", page, got)
		}
	}
	admin.shot("narrow-definitions")
	admin.run("reset", chromedp.EmulateReset())
}

// overflowJS lists the elements that stick out of the window on the
// right (empty when the page does not scroll sideways).
const overflowJS = `(function(){
  if (document.documentElement.scrollWidth <= window.innerWidth + 1) { return ""; }
  var out = [];
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && out.length < 5) { out.push(e.tagName + "#" + e.id + "." + e.className + " " + Math.round(r.right)); }
  });
  return out.join(", ") || "document " + document.documentElement.scrollWidth;
})()`

// eval returns a string JavaScript expression's value.
func (b *tab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: eval %s: %v", b.name, js, err)
	}
	return s
}
