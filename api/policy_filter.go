package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// policyFilter is a parsed $filter of the policy list operations: atScope(), atExactScope(),
// excludeExpired(), and `name eq 'value'` clauses joined by "and"
// (https://learn.microsoft.com/rest/api/policy/policy-assignments/list).
type policyFilter struct {
	AtScope, AtExactScope, ExcludeExpired bool
	Eq                                    map[string]string // lower-case property → value
}

// parsePolicyFilter parses the filter; an unsupported clause is ARM's 400.
func parsePolicyFilter(s string) (policyFilter, error) {
	f := policyFilter{Eq: map[string]string{}}
	s = strings.TrimSpace(s)
	if s == "" {
		return f, nil
	}
	for _, clause := range splitAnd(s) {
		c := strings.TrimSpace(clause)
		switch strings.ToLower(strings.ReplaceAll(c, " ", "")) {
		case "atscope()":
			f.AtScope = true
			continue
		case "atexactscope()":
			f.AtExactScope = true
			continue
		case "excludeexpired()":
			f.ExcludeExpired = true
			continue
		}
		parts := strings.SplitN(c, " ", 3)
		if len(parts) != 3 || !strings.EqualFold(parts[1], "eq") {
			return f, filterErr(s, c)
		}
		v := strings.TrimSpace(parts[2])
		if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
			return f, filterErr(s, c)
		}
		name := strings.ToLower(parts[0])
		switch name {
		case "policytype", "category", "policydefinitionid", "policyassignmentid":
		default:
			return f, filterErr(s, c)
		}
		f.Eq[name] = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return f, nil
}

// splitAnd splits on " and " outside quotes.
func splitAnd(s string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			inQuote = !inQuote
		case !inQuote && i+5 <= len(s) && strings.EqualFold(s[i:i+5], " and "):
			out = append(out, s[start:i])
			start = i + 5
			i += 4
		}
	}
	return append(out, s[start:])
}

func filterErr(filter, clause string) *Error {
	return Errorf(http.StatusBadRequest, CodeInvalidFilter,
		"The $filter '%s' is invalid: the clause '%s' is not supported. Supported: atScope(), atExactScope(), excludeExpired(), policyType eq '…', category eq '…', policyDefinitionId eq '…', policyAssignmentId eq '…'.", filter, clause)
}

// filterBodies keeps bodies whose properties match the eq clauses (policyType, category, and
// the id clauses), case-insensitively.
func filterBodies(bodies []json.RawMessage, f policyFilter) []json.RawMessage {
	if len(f.Eq) == 0 {
		return bodies
	}
	out := bodies[:0:0]
	for _, b := range bodies {
		var v struct {
			Properties struct {
				PolicyType         string         `json:"policyType"`
				Metadata           map[string]any `json:"metadata"`
				PolicyDefinitionID string         `json:"policyDefinitionId"`
				PolicyAssignmentID string         `json:"policyAssignmentId"`
			} `json:"properties"`
		}
		if json.Unmarshal(b, &v) != nil {
			continue
		}
		ok := true
		for k, want := range f.Eq {
			var got string
			switch k {
			case "policytype":
				got = v.Properties.PolicyType
			case "category":
				got, _ = v.Properties.Metadata["category"].(string)
			case "policydefinitionid":
				got = v.Properties.PolicyDefinitionID
			case "policyassignmentid":
				got = v.Properties.PolicyAssignmentID
			}
			if !strings.EqualFold(got, want) {
				ok = false
			}
		}
		if ok {
			out = append(out, b)
		}
	}
	return out
}
