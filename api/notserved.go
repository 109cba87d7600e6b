package api

import "net/http"

// Types Palisade does not serve, and what to use instead. A request for one is answered as ARM
// answers a type a cloud does not offer (404 InvalidResourceType), with the reason, rather than
// stored as a generic resource that would pretend to work.
const (
	// PolicyInsightsPrefix selects the Microsoft.PolicyInsights types (policyStates,
	// policyEvents, remediations, attestations …); PolicyEventsType, registered with
	// HandleType, takes the policy events out of it.
	PolicyInsightsPrefix = "Microsoft.PolicyInsights/"
	// DeploymentsType is the type of template deployments; with Handler.HandleType it selects
	// them and their operations, validate and whatIf actions at every scope.
	DeploymentsType = "Microsoft.Resources/deployments"
)

// PolicyInsightsNotServed answers the Microsoft.PolicyInsights requests other than the policy
// events queries (NewPolicyEvents): Palisade applies policies to requests as they arrive and
// runs no compliance scans, so it has no policy states, summaries, remediations or
// attestations. Every audit and denial is a policy event and an activity-log event.
func PolicyInsightsNotServed() ProviderHandler {
	return notServed("this server applies policies to each request and runs no compliance scans, so it keeps no policy states, remediations or attestations. " +
		"Policy audits and denials are served as policy events: POST {scope}/providers/Microsoft.PolicyInsights/policyEvents/default/queryResults?api-version=2019-10-01 " +
		"(az policy event list), and as activity-log events: GET /subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01 with $filter=eventTimestamp ge '…' and category eq 'Policy'.")
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
