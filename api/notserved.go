package api

import "net/http"

// Types Palisade does not serve, and what to use instead. A request for one is answered as ARM
// answers a type a cloud does not offer (404 InvalidResourceType), with the reason, rather than
// stored as a generic resource that would pretend to work.
const (
	// PolicyInsightsPrefix selects the Microsoft.PolicyInsights types (policyStates,
	// policyEvents, remediations, attestations …).
	PolicyInsightsPrefix = "Microsoft.PolicyInsights/"
	// DeploymentsType is the type of template deployments; with Handler.HandleType it selects
	// them and their operations, validate and whatIf actions at every scope.
	DeploymentsType = "Microsoft.Resources/deployments"
)

// PolicyInsightsNotServed answers Microsoft.PolicyInsights requests: Palisade applies policies to
// requests as they arrive and runs no compliance scans, and every audit and denial is an
// activity-log event.
func PolicyInsightsNotServed() ProviderHandler {
	return notServed("this server applies policies to each request and runs no compliance scans. " +
		"Policy audits and denials are activity-log events: GET /subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01 with $filter=eventTimestamp ge '…' and category eq 'Policy'.")
}

// DeploymentsNotServed answers template deployment requests: Palisade does not evaluate ARM
// templates, and a deployment stored without deploying anything would mislead.
func DeploymentsNotServed() ProviderHandler {
	return notServed("this server does not run template deployments. Create each resource with its own PUT " +
		"(for example PUT /subscriptions/{subscriptionId}/resourceGroups/{group}/providers/{namespace}/{type}/{name}); every write is decided by policy as it arrives.")
}

func notServed(reason string) ProviderHandler {
	return ProviderHandlerFunc(func(w http.ResponseWriter, req *Request) {
		WriteError(w, Errorf(http.StatusNotFound, CodeInvalidResourceType, "The resource type '%s' is not served: %s", req.Type, reason))
	})
}
