package api

import (
	"net/http"
	"sort"
	"strings"
)

// checkPolicyAPIVersion refuses an api-version the Microsoft.Authorization provider does not
// register for the policy type addressed (see checkTypeAPIVersion).
func checkPolicyAPIVersion(req *Request) error {
	typ := strings.ToLower(req.Type)
	switch typ {
	case typeListDefinitionVersions:
		typ = typePolicyDefinitionVersion
	case typeListSetDefinitionVersions:
		typ = typePolicySetVersion
	}
	return checkTypeAPIVersion(req, "Microsoft.Authorization", strings.TrimPrefix(typ, "microsoft.authorization/"))
}

// checkTypeAPIVersion refuses an api-version that the catalogue (providers.json, as GET
// /providers/{namespace} advertises it) does not list for the type typ of namespace, as ARM
// does: 404 InvalidResourceType naming the type, the namespace and the versions it has, oldest
// first and comma-separated. Types the catalogue does not hold pass.
func checkTypeAPIVersion(req *Request, namespace, typ string) error {
	for _, t := range catalog[namespace] {
		if !strings.EqualFold(t.Name, typ) {
			continue
		}
		for _, v := range t.APIVersions {
			if strings.EqualFold(v, req.APIVersion) {
				return nil
			}
		}
		asc := append([]string(nil), t.APIVersions...)
		sort.Strings(asc)
		return Errorf(http.StatusNotFound, CodeInvalidResourceType,
			"The resource type '%s' could not be found in the namespace '%s' for api version '%s'. The supported api-versions are '%s'.",
			t.Name, namespace, req.APIVersion, strings.Join(asc, ","))
	}
	return nil
}

// CodeUnsupportedAPIVersion is ARM's code for a property sent with an
// api-version older than the one that introduced it.
const CodeUnsupportedAPIVersion = "UnsupportedApiVersion"

// propertySince is a request property and the first api-version that
// accepts it.
type propertySince struct {
	path  []string // under properties; "[]" steps into every array member
	name  string   // as ARM names it in the message
	since string
}

// policyPropertiesSince lists, per policy object type, properties that
// older api-versions refuse with 400 UnsupportedApiVersion ("The property
// 'overrides' is not supported in API version '2021-06-01'. Please use API
// version '2022-06-01' or higher."): resource selectors and overrides came
// with 2022-06-01 (exemptions' selectors and assignment scope validation
// with 2022-07-01-preview), definition versions with 2023-04-01.
var policyPropertiesSince = map[string][]propertySince{
	typePolicyAssignment: {
		{[]string{"overrides"}, "overrides", "2022-06-01"},
		{[]string{"resourceSelectors"}, "resourceSelectors", "2022-06-01"},
		{[]string{"definitionVersion"}, "definitionVersion", "2023-04-01"},
	},
	typePolicyDefinition: {
		{[]string{"version"}, "version", "2023-04-01"},
	},
	typePolicySetDefinition: {
		{[]string{"version"}, "version", "2023-04-01"},
		{[]string{"policyDefinitions", "[]", "definitionVersion"}, "DefinitionVersion", "2023-04-01"},
	},
	typePolicyExemption: {
		{[]string{"resourceSelectors"}, "resourceSelectors", "2022-07-01-preview"},
		{[]string{"assignmentScopeValidation"}, "assignmentScopeValidation", "2022-07-01-preview"},
	},
}

// checkPropertyAPIVersions refuses properties (the request's "properties"
// object of a policy object of type typ) that req's api-version predates.
func checkPropertyAPIVersions(req *Request, typ string, props map[string]any) error {
	for _, p := range policyPropertiesSince[typ] {
		if apiVersionDate(req.APIVersion) >= apiVersionDate(p.since) || !hasPath(props, p.path) {
			continue
		}
		e := Errorf(http.StatusBadRequest, CodeUnsupportedAPIVersion,
			"The property '%s' is not supported in API version '%s'. Please use API version '%s' or higher.",
			p.name, req.APIVersion, p.since)
		e.Target = "properties." + strings.ReplaceAll(strings.Join(p.path, "."), ".[]", "[*]")
		return e
	}
	return nil
}

// apiVersionDate is the date part of an api-version ("2022-07-01" of
// "2022-07-01-preview"); dates compare as strings.
func apiVersionDate(v string) string {
	if len(v) >= 10 {
		return v[:10]
	}
	return v
}

// hasPath reports whether v holds a non-null value at path, matching
// property names case-insensitively as ARM does; "[]" matches any member
// of an array.
func hasPath(v any, path []string) bool {
	if len(path) == 0 {
		return v != nil
	}
	if path[0] == "[]" {
		arr, _ := v.([]any)
		for _, m := range arr {
			if hasPath(m, path[1:]) {
				return true
			}
		}
		return false
	}
	obj, _ := v.(map[string]any)
	for k, m := range obj {
		if strings.EqualFold(k, path[0]) && hasPath(m, path[1:]) {
			return true
		}
	}
	return false
}
