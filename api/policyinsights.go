package api

import "net/http"

// PolicyInsightsPrefix selects the Microsoft.PolicyInsights types (policyStates, policyEvents,
// remediations, attestations …), which Palisade does not serve.
const PolicyInsightsPrefix = "Microsoft.PolicyInsights/"

// PolicyInsightsNotServed answers every Microsoft.PolicyInsights request with ARM's answer for a
// type a cloud does not offer (404 InvalidResourceType), saying where the information it would
// hold is found instead: Palisade applies policies to requests as they arrive and runs no
// compliance scans, and every audit and denial is an activity-log event.
func PolicyInsightsNotServed() ProviderHandler {
	return ProviderHandlerFunc(func(w http.ResponseWriter, req *Request) {
		WriteError(w, Errorf(http.StatusNotFound, CodeInvalidResourceType,
			"The resource type '%s' is not served: this server applies policies to each request and runs no compliance scans. "+
				"Policy audits and denials are activity-log events: GET /subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01 with $filter=eventTimestamp ge '…' and category eq 'Policy'.",
			req.Type))
	})
}
