package portal

import (
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade/palisade/builtin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestWizardBody checks the exact JSON the wizard sends for the tutorial's
// assignment and its edit with an override against golden files. The
// shape follows the policyAssignments REST API (resourceSelectors,
// overrides with kind policyEffect, nonComplianceMessages) described in
// "Azure Policy assignment structure"
// (https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure).
func TestWizardBody(t *testing.T) {
	def, ok := builtin.Definition(builtin.MFACreateUpdateID)
	if !ok {
		t.Fatal("MFA definition missing")
	}
	raw, _ := builtin.JSON(def.Name)
	d, err := decodeDefinition(raw, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID == "" {
		d.ID = builtin.MFACreateUpdateID
	}
	cases := []struct {
		name string
		form url.Values
	}{
		{"create", TutorialForm()},
		{"edit-override", func() url.Values {
			f := TutorialForm()
			f.Set("edit", "1")
			f.Set("assignmentId", "/subscriptions/"+TestSub+"/resourceGroups/rg-web/providers/Microsoft.Authorization/policyAssignments/mfa-rg-web")
			f.Set("ov.count", "1")
			f.Set("ov.0.value", "Deny")
			f.Set("ov.0.op", "in")
			f["ov.0.values"] = []string{"eastus", "westeurope"}
			f.Set("enforcement", "Disabled")
			f.Set("notScopes", "/subscriptions/"+TestSub+"/resourceGroups/rg-web/providers/Microsoft.Storage/storageAccounts/legacy\n")
			return f
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(c.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			f := readForm(r)
			f.AssignedBy = "Palisade Administrator"
			body, err := f.body(d)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Errors) > 0 {
				t.Fatalf("unexpected form errors: %v", f.Errors)
			}
			golden := filepath.Join("testdata", "wizard-"+c.name+".json")
			if *update {
				if err := os.WriteFile(golden, append(body, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(want)) != string(body) {
				t.Errorf("body differs from %s:\n%s", golden, body)
			}
		})
	}
}

func TestWizardFormErrors(t *testing.T) {
	d := &definition{ID: builtin.MFACreateUpdateID, Parameters: []parameterDef{{Name: "effect", Type: "String", DefaultValue: "Audit"},
		{Name: "count", Type: "Integer"}, {Name: "list", Type: "Array"}}}
	cases := []struct {
		name  string
		edit  func(url.Values)
		field string
	}{
		{"no display name", func(v url.Values) { v.Del("displayName") }, "displayName"},
		{"selector without name", func(v url.Values) { v.Set("sel.0.name", "") }, "sel.0"},
		{"selector kind without values", func(v url.Values) { v.Del("sel.0.resourceLocation.values") }, "sel.0"},
		{"selector with no kind on", func(v url.Values) { v.Del("sel.0.resourceLocation.on") }, "sel.0"},
		{"override without effect", func(v url.Values) { v.Set("ov.count", "1") }, "ov.0"},
		{"integer parameter", func(v url.Values) { v.Set("param.count", "many") }, "param.count"},
		{"array parameter", func(v url.Values) { v.Set("param.count", "1"); v.Set("param.list", "[1,") }, "param.list"},
		{"required parameter", func(v url.Values) { v.Del("param.count") }, "param.count"},
		{"no scope", func(v url.Values) { v.Set("scope", "") }, "scope"},
		{"bad name", func(v url.Values) { v.Set("name", "a/b") }, "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := TutorialForm()
			v.Set("param.count", "3")
			v.Set("param.list", `["a"]`)
			c.edit(v)
			r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			_ = r.ParseForm()
			f := readForm(r)
			if _, err := f.body(d); err != nil {
				t.Fatal(err)
			}
			if f.Errors[c.field] == "" {
				t.Fatalf("no error on %s; errors: %v", c.field, f.Errors)
			}
		})
	}
}

func TestFieldOf(t *testing.T) {
	for target, want := range map[string]string{
		"properties.resourceSelectors[2].selectors[0].in": "sel.2",
		"properties.overrides[1].value":                   "ov.1",
		"properties.overrides":                            "ov.0",
		"properties.parameters.effect.value":              "param.effect",
		"properties.nonComplianceMessages[0].message":     "ncm",
		"properties.policyDefinitionId":                   "definitionId",
		"properties.definitionVersion":                    "definitionVersion",
		"properties.notScopes[0]":                         "notScopes",
		"properties.displayName":                          "displayName",
		"properties.enforcementMode":                      "enforcement",
		"properties.somethingElse":                        "",
		"":                                                "",
	} {
		if got := fieldOf(target); got != want {
			t.Errorf("fieldOf(%q) = %q, want %q", target, got, want)
		}
	}
}

func TestExclusionChoices(t *testing.T) {
	sub := "/subscriptions/" + TestSub
	tree := []*scopeNode{{ID: "/providers/Microsoft.Management/managementGroups/root", Label: "Tenant Root Group", Kind: "Management group",
		Children: []*scopeNode{{ID: sub, Label: "Palisade", Kind: "Subscription", Children: []*scopeNode{
			{ID: sub + "/resourceGroups/rg-a", Label: "rg-a", Kind: "Resource group"},
			{ID: sub + "/resourceGroups/rg-b", Label: "rg-b", Kind: "Resource group"}}}}}}
	cases := []struct {
		name, scope, notScopes string
		wantIDs                []string
		wantChecked            []bool
		wantOther              string
	}{
		{"at the subscription", sub, "", []string{sub + "/resourceGroups/rg-a", sub + "/resourceGroups/rg-b"}, []bool{false, false}, ""},
		{"checked ignores case", sub, strings.ToUpper(sub + "/resourceGroups/rg-b"), []string{sub + "/resourceGroups/rg-a", sub + "/resourceGroups/rg-b"}, []bool{false, true}, ""},
		{"resource ids stay in the text area", sub, sub + "/resourceGroups/rg-a\n" + sub + "/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/x",
			[]string{sub + "/resourceGroups/rg-a", sub + "/resourceGroups/rg-b"}, []bool{true, false}, sub + "/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/x"},
		{"at a resource group nothing is offered", sub + "/resourceGroups/rg-a", "", nil, nil, ""},
		{"at the root group everything below", "/providers/Microsoft.Management/managementGroups/root", "", []string{sub, sub + "/resourceGroups/rg-a", sub + "/resourceGroups/rg-b"}, []bool{false, false, false}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, other := exclusionChoices(tree, c.scope, c.notScopes)
			if len(got) != len(c.wantIDs) {
				t.Fatalf("choices = %+v, want ids %v", got, c.wantIDs)
			}
			for i, g := range got {
				if g.ID != c.wantIDs[i] || g.Checked != c.wantChecked[i] {
					t.Errorf("choice %d = %+v, want %s checked=%v", i, g, c.wantIDs[i], c.wantChecked[i])
				}
			}
			if other != c.wantOther {
				t.Errorf("other = %q, want %q", other, c.wantOther)
			}
		})
	}
	if got := mergeLines(" a\nB\n\n", []string{"b", "c"}); got != "a\nB\nc" {
		t.Errorf("mergeLines = %q", got)
	}
}
