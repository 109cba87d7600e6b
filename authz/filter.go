package authz

import (
	"fmt"
	"strings"
)

// Filter is a parsed $filter of the role assignment and role definition
// lists: terms joined by "and". Role assignments accept atScope(),
// principalId eq '{id}' and assignedTo('{id}'); role definitions accept
// roleName eq '{name}', type eq 'BuiltInRole|CustomRole' and
// atScopeAndBelow() (authorization-RoleAssignmentsCalls.json and
// authorization-RoleDefinitionsCalls.json, 2022-04-01).
type Filter struct {
	AtScope         bool
	AtScopeAndBelow bool
	PrincipalID     string
	AssignedTo      string
	RoleName        string
	RoleType        string
}

// filterToken is one lexical token of a $filter.
type filterToken struct {
	kind byte // 'i' identifier, 's' string, '(' or ')'
	text string
	at   int
}

func lexFilter(s string) ([]filterToken, error) {
	var out []filterToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			out = append(out, filterToken{kind: c, text: string(c), at: i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated string starting at offset %d", i)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' { // '' is an escaped quote
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, filterToken{kind: 's', text: b.String(), at: i})
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, filterToken{kind: 'i', text: s[i:j], at: i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	return out, nil
}

// ParseFilter parses a role $filter. Unknown functions and properties,
// repeated terms and anything but "and" between terms are errors naming the
// offset.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	toks, err := lexFilter(s)
	if err != nil {
		return f, err
	}
	if len(toks) == 0 {
		return f, fmt.Errorf("empty filter")
	}
	seen := map[string]bool{}
	for i := 0; i < len(toks); {
		if i > 0 {
			if toks[i].kind != 'i' || !strings.EqualFold(toks[i].text, "and") {
				return f, fmt.Errorf("expected 'and' at offset %d", toks[i].at)
			}
			i++
			if i >= len(toks) {
				return f, fmt.Errorf("expected a term after 'and'")
			}
		}
		t := toks[i]
		if t.kind != 'i' {
			return f, fmt.Errorf("expected a function or property at offset %d", t.at)
		}
		name := strings.ToLower(t.text)
		if seen[name] {
			return f, fmt.Errorf("'%s' appears twice", t.text)
		}
		seen[name] = true
		rest := toks[i+1:]
		switch name {
		case "atscope", "atscopeandbelow":
			if len(rest) < 2 || rest[0].kind != '(' || rest[1].kind != ')' {
				return f, fmt.Errorf("expected '%s()' at offset %d", t.text, t.at)
			}
			if name == "atscope" {
				f.AtScope = true
			} else {
				f.AtScopeAndBelow = true
			}
			i += 3
		case "assignedto":
			if len(rest) < 3 || rest[0].kind != '(' || rest[1].kind != 's' || rest[2].kind != ')' {
				return f, fmt.Errorf("expected \"assignedTo('{objectId}')\" at offset %d", t.at)
			}
			if rest[1].text == "" {
				return f, fmt.Errorf("empty object id at offset %d", rest[1].at)
			}
			f.AssignedTo = rest[1].text
			i += 4
		case "principalid", "rolename", "type":
			if len(rest) < 2 || rest[0].kind != 'i' || !strings.EqualFold(rest[0].text, "eq") || rest[1].kind != 's' {
				return f, fmt.Errorf("expected \"%s eq '{value}'\" at offset %d", t.text, t.at)
			}
			if rest[1].text == "" {
				return f, fmt.Errorf("empty value at offset %d", rest[1].at)
			}
			switch name {
			case "principalid":
				f.PrincipalID = rest[1].text
			case "rolename":
				f.RoleName = rest[1].text
			default:
				f.RoleType = rest[1].text
			}
			i += 3
		default:
			return f, fmt.Errorf("unsupported function or property '%s' at offset %d", t.text, t.at)
		}
	}
	return f, nil
}
