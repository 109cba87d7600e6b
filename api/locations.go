package api

import (
	"encoding/json"
	"net/http"
)

// Location is one region a subscription can deploy to.
type Location struct {
	// Name is the normalised name ("westeurope").
	Name string
	// DisplayName is the human name ("West Europe"); providers list
	// locations by display name.
	DisplayName string
	// GeographyGroup groups regions in the portal ("Europe").
	GeographyGroup string
}

// PublicLocations are Azure public cloud's physical regions, the default
// list of /subscriptions/{s}/locations
// (https://learn.microsoft.com/azure/reliability/regions-list).
var PublicLocations = []Location{
	{"eastus", "East US", "US"}, {"eastus2", "East US 2", "US"}, {"southcentralus", "South Central US", "US"},
	{"westus2", "West US 2", "US"}, {"westus3", "West US 3", "US"}, {"australiaeast", "Australia East", "Asia Pacific"},
	{"southeastasia", "Southeast Asia", "Asia Pacific"}, {"northeurope", "North Europe", "Europe"},
	{"swedencentral", "Sweden Central", "Europe"}, {"uksouth", "UK South", "Europe"}, {"westeurope", "West Europe", "Europe"},
	{"centralus", "Central US", "US"}, {"southafricanorth", "South Africa North", "Africa"},
	{"centralindia", "Central India", "Asia Pacific"}, {"eastasia", "East Asia", "Asia Pacific"},
	{"indonesiacentral", "Indonesia Central", "Asia Pacific"}, {"japaneast", "Japan East", "Asia Pacific"},
	{"japanwest", "Japan West", "Asia Pacific"}, {"koreacentral", "Korea Central", "Asia Pacific"},
	{"malaysiawest", "Malaysia West", "Asia Pacific"}, {"newzealandnorth", "New Zealand North", "Asia Pacific"},
	{"canadacentral", "Canada Central", "Canada"}, {"austriaeast", "Austria East", "Europe"},
	{"francecentral", "France Central", "Europe"}, {"germanywestcentral", "Germany West Central", "Europe"},
	{"italynorth", "Italy North", "Europe"}, {"norwayeast", "Norway East", "Europe"}, {"polandcentral", "Poland Central", "Europe"},
	{"spaincentral", "Spain Central", "Europe"}, {"switzerlandnorth", "Switzerland North", "Europe"},
	{"mexicocentral", "Mexico Central", "Mexico"}, {"uaenorth", "UAE North", "Middle East"},
	{"brazilsouth", "Brazil South", "South America"}, {"chilecentral", "Chile Central", "South America"},
	{"israelcentral", "Israel Central", "Middle East"}, {"qatarcentral", "Qatar Central", "Middle East"},
	{"northcentralus", "North Central US", "US"}, {"westus", "West US", "US"}, {"westcentralus", "West Central US", "US"},
	{"australiacentral", "Australia Central", "Asia Pacific"}, {"australiacentral2", "Australia Central 2", "Asia Pacific"},
	{"australiasoutheast", "Australia Southeast", "Asia Pacific"}, {"jioindiacentral", "Jio India Central", "Asia Pacific"},
	{"jioindiawest", "Jio India West", "Asia Pacific"}, {"koreasouth", "Korea South", "Asia Pacific"},
	{"southindia", "South India", "Asia Pacific"}, {"westindia", "West India", "Asia Pacific"},
	{"canadaeast", "Canada East", "Canada"}, {"francesouth", "France South", "Europe"}, {"germanynorth", "Germany North", "Europe"},
	{"norwaywest", "Norway West", "Europe"}, {"switzerlandwest", "Switzerland West", "Europe"}, {"ukwest", "UK West", "Europe"},
	{"uaecentral", "UAE Central", "Middle East"}, {"brazilsoutheast", "Brazil Southeast", "South America"},
	{"southafricawest", "South Africa West", "Africa"},
}

type locationBody struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	DisplayName         string         `json:"displayName"`
	RegionalDisplayName string         `json:"regionalDisplayName"`
	Metadata            locationMetaBo `json:"metadata"`
}

type locationMetaBo struct {
	RegionType     string `json:"regionType"`
	RegionCategory string `json:"regionCategory"`
	GeographyGroup string `json:"geographyGroup"`
}

// serveLocations answers GET /subscriptions/{s}/locations with the
// configured regions (armsubscriptions.Location shape).
func (h *Handler) serveLocations(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	if err := checkResourcesAPIVersion(req); err != nil {
		return err
	}
	if err := h.checkSubscriptionExists(req); err != nil {
		return err
	}
	items := make([]json.RawMessage, len(h.cfg.Locations))
	for i, l := range h.cfg.Locations {
		items[i], _ = json.Marshal(locationBody{
			ID:   "/subscriptions/" + req.ID.SubscriptionID() + "/locations/" + l.Name,
			Name: l.Name, Type: "Region", DisplayName: l.DisplayName,
			RegionalDisplayName: "(" + l.GeographyGroup + ") " + l.DisplayName,
			Metadata:            locationMetaBo{RegionType: "Physical", RegionCategory: "Recommended", GeographyGroup: l.GeographyGroup},
		})
	}
	WritePage(w, req, items, "")
	return nil
}
