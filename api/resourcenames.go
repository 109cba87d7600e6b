package api

import (
	"net/http"
	"strings"
)

// Reserved words of resource names, as ARM checks them for resources with a public endpoint
// (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-reserved-resource-name):
// a name may not be one of reservedNames, contain one of reservedParts, or start with one of
// reservedPrefixes, compared without regard to case.
var (
	reservedNames = []string{
		"access", "app_code", "app_themes", "app_data", "app_globalresources", "app_localresources",
		"app_webreferences", "app_browsers", "azure", "bing", "bizspark", "biztalk", "cortana", "directx",
		"dotnet", "dynamics", "excel", "exchange", "forefront", "groove", "hololens", "hyperv", "kinect",
		"lync", "msdn", "o365", "office", "office365", "onedrive", "onenote", "outlook", "powerpoint",
		"sharepoint", "skype", "visio", "visualstudio", "web.config", "xbox",
	}
	reservedParts    = []string{"microsoft", "windows"}
	reservedPrefixes = []string{"login"}
)

// reservedName reports whether name is or holds a reserved word.
func reservedName(name string) bool {
	n := strings.ToLower(name)
	for _, r := range reservedNames {
		if n == r {
			return true
		}
	}
	for _, r := range reservedParts {
		if strings.Contains(n, r) {
			return true
		}
	}
	for _, r := range reservedPrefixes {
		if strings.HasPrefix(n, r) {
			return true
		}
	}
	return false
}

// serveCheckResourceName answers POST /providers/Microsoft.Resources/checkResourceName
// (SubscriptionClient.CheckResourceName): whether a name is Allowed or Reserved for a type.
func (h *Handler) serveCheckResourceName(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodPost {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if len(req.Body) > 0 {
		if err := decodeStrict(req.Body, &in); err != nil {
			return err
		}
	}
	if strings.TrimSpace(in.Name) == "" {
		e := invalidContent("The request content was invalid: 'name' is required.")
		e.Target = "name"
		return e
	}
	if strings.TrimSpace(in.Type) == "" {
		e := invalidContent("The request content was invalid: 'type' is required.")
		e.Target = "type"
		return e
	}
	status := "Allowed"
	if reservedName(in.Name) {
		status = "Reserved"
	}
	WriteJSON(w, http.StatusOK, map[string]string{"name": in.Name, "type": in.Type, "status": status})
	return nil
}
