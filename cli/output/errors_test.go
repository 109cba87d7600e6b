package output

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The layout follows azure-core's ODataV4Format and azure-mgmt-core's
// ARMErrorFormat (Azure/azure-sdk-for-python, azure/core/exceptions.py and
// azure/mgmt/core/exceptions.py): "(Code) Message", then Code/Message/Target
// lines, "Exception Details:" with each nested error tab-indented and glued
// to the label, "Inner error: " and "Additional Information:" glued to
// "Type: …" with json.dumps(indent=4) bodies. A real az capture of the same
// shape: Azure/azure-cli issue #32417.
func TestWriteError(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		message string
		details []ErrorDetail
		want    string
	}{
		{
			name:    "plain",
			code:    "ResourceGroupNotFound",
			message: "Resource group 'rg-x' could not be found.",
			want: "ERROR: (ResourceGroupNotFound) Resource group 'rg-x' could not be found.\n" +
				"Code: ResourceGroupNotFound\n" +
				"Message: Resource group 'rg-x' could not be found.\n",
		},
		{
			name:    "policy refusal",
			code:    "RequestDisallowedByPolicy",
			message: "Resource 'st1' was disallowed by policy. Reasons: 'MFA required'. See error details for policy resource IDs.",
			details: []ErrorDetail{
				WithTarget("st1"),
				WithAdditionalInfo("PolicyViolation", NewOrderedMap(
					"policyDefinitionDisplayName", "Users must authenticate with multi-factor authentication",
					"policyAssignmentName", "mfa-deny",
					"policyExemptionIds", []any{},
					"evaluationDetails", NewOrderedMap("evaluatedExpressions", []any{NewOrderedMap("result", "True", "n", 1)}),
				)),
			},
			want: "ERROR: (RequestDisallowedByPolicy) Resource 'st1' was disallowed by policy. Reasons: 'MFA required'. See error details for policy resource IDs.\n" +
				"Code: RequestDisallowedByPolicy\n" +
				"Message: Resource 'st1' was disallowed by policy. Reasons: 'MFA required'. See error details for policy resource IDs.\n" +
				"Target: st1\n" +
				"Additional Information:Type: PolicyViolation\n" +
				"Info: {\n" +
				"    \"policyDefinitionDisplayName\": \"Users must authenticate with multi-factor authentication\",\n" +
				"    \"policyAssignmentName\": \"mfa-deny\",\n" +
				"    \"policyExemptionIds\": [],\n" +
				"    \"evaluationDetails\": {\n" +
				"        \"evaluatedExpressions\": [\n" +
				"            {\n" +
				"                \"result\": \"True\",\n" +
				"                \"n\": 1\n" +
				"            }\n" +
				"        ]\n" +
				"    }\n" +
				"}\n",
		},
		{
			name:    "non-ASCII info is escaped as json.dumps does by default",
			code:    "X",
			message: "Zürich",
			details: []ErrorDetail{WithAdditionalInfo("T", map[string]any{"city": "Zürich 🚀"})},
			want:    "ERROR: (X) Zürich\nCode: X\nMessage: Zürich\nAdditional Information:Type: T\nInfo: {\n    \"city\": \"Z\\u00fcrich \\ud83d\\ude80\"\n}\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteError(&b, tc.code, tc.message, tc.details...); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestParseARMErrorGolden(t *testing.T) {
	for _, name := range []string{"request-disallowed", "nested-details"} {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "errors", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := ParseARMError(body)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteARMError(&b, e); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "errors", name+".txt")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
			}
		})
	}
}

func TestParseARMErrorRejectsBadBodies(t *testing.T) {
	for _, body := range []string{"", "not json", "[1]", `{"error":`, `{"a":1} trailing`} {
		if _, err := ParseARMError([]byte(body)); err == nil {
			t.Errorf("ParseARMError(%q) succeeded, want an error", body)
		}
	}
	e, err := ParseARMError([]byte(`{"code":"Bare","message":"no envelope"}`))
	if err != nil || e.Code != "Bare" || e.Message != "no envelope" {
		t.Errorf("bare error object = %+v, %v", e, err)
	}
}

// FuzzParseARMError checks that no body makes the parser or the printer panic.
func FuzzParseARMError(f *testing.F) {
	for _, name := range []string{"request-disallowed", "nested-details"} {
		body, err := os.ReadFile(filepath.Join("testdata", "errors", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(body))
	}
	f.Add(`{"error":{"details":[{"details":[{}]}],"additionalInfo":[{"type":1}]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		e, err := ParseARMError([]byte(body))
		if err != nil {
			return
		}
		text, err := e.Format()
		if err != nil {
			return
		}
		if !strings.HasPrefix(text, "("+e.Code+") ") {
			t.Errorf("formatted error %q does not start with the code", text)
		}
	})
}
