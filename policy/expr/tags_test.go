package expr

import "testing"

// TestAbsentTagReadsAsNull: Azure's tag-inheritance built-ins compare
// [resourceGroup().tags[parameters('tagName')]] with "" to test whether the group carries the tag,
// so an absent tag reads as "" (as field() reads a missing property); other absent properties still fail as in ARM.
func TestAbsentTagReadsAsEmpty(t *testing.T) {
	env := newTestEnv()
	env.rg = map[string]any{"name": "rg", "tags": map[string]any{"env": "prod"}}
	env.params["tagName"] = "owner"
	for _, src := range []string{
		"[resourceGroup().tags[parameters('tagName')]]",
		"[resourceGroup().tags.owner]",
		"[field('tags')['owner']]",
	} {
		e, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Eval(env)
		if err != nil || v != "" {
			t.Errorf("%s = %v, %v; want \"\"", src, v, err)
		}
	}
	e, _ := Parse("[resourceGroup().tags.env]")
	if v, err := e.Eval(env); err != nil || v != "prod" {
		t.Errorf("present tag = %v, %v", v, err)
	}
	e, _ = Parse("[resourceGroup().nothing]")
	if _, err := e.Eval(env); err == nil {
		t.Error("an absent property that is not a tag evaluated without error")
	}
}
