package activitylog

import (
	"encoding/json"
	"testing"
)

// FuzzMaskTags checks that the recorded request body is valid JSON when the
// body was, and that a top-level tags value never survives.
func FuzzMaskTags(f *testing.F) {
	for _, s := range []string{
		`{"location":"westeurope","tags":{"env":"prod"}}`, `{"Tags":"x"}`, `{"properties":{"tags":{"a":"b"}}}`,
		`[1,2]`, `not json`, `{"tags":{}`, ``, `{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		out := maskTags([]byte(body))
		var in map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("maskTags(%q) = %q, not JSON: %v", body, out, err)
		}
		for k, v := range got {
			if (k == "tags" || k == "Tags" || k == "TAGS") && string(v) != `"******"` {
				t.Fatalf("maskTags(%q) kept %s = %s", body, k, v)
			}
		}
	})
}

// FuzzSelect checks that $select parsing never panics and that selected
// output is a JSON object holding only selected names.
func FuzzSelect(f *testing.F) {
	for _, s := range []string{"eventName,operationName", " Status , properties ,", "region", ",,", ""} {
		f.Add(s)
	}
	body := []byte(`{"caller":"a","eventName":{"value":"EndRequest","localizedValue":"End request"},"status":{"value":"Succeeded"},"properties":{"k":"v"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		names, err := ParseSelect(s)
		if err != nil {
			return
		}
		out, err := selectFields(body, names)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("selectFields(%q) = %s, not JSON: %v", s, out, err)
		}
		if names == nil {
			return
		}
		for k := range got {
			found := false
			for _, n := range names {
				found = found || n == k
			}
			if !found {
				t.Fatalf("%q kept %q", s, k)
			}
		}
	})
}

// FuzzMaskTagsFast checks that the fast path, where it answers, answers as
// the decoding one does.
func FuzzMaskTagsFast(f *testing.F) {
	for _, s := range []string{
		`{"location":"westeurope","tags":{"env":"prod"}}`, ` { "Tags" : [1, 2] , "a" : { "b" : "c\"}" } } trailing`,
		`{"tags":tru}`, `{"tags":{},"x":}`, `{"a<b":1,"TAGS":null}`, `{"tags":"x","p":[{"q":"\u00e9"}]}`,
		`[1,2]`, `not json`, `{"tags":{}`, ``, `{}`, `{"a":1,}`, `{"tags":1 2}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := maskTagsFast([]byte(body))
		if !ok {
			return
		}
		if want := maskTagsDecoding([]byte(body)); got != want {
			t.Fatalf("maskTagsFast(%q) = %q, decoding gives %q", body, got, want)
		}
	})
}
