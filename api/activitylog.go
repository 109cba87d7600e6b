package api

import (
	"errors"
	"net/http"

	"github.com/palisade/palisade/activitylog"
)

// ActivityLogHandler serves the activity log list API
// (GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values and its
// tenant-level form) through the ARM router, which has already authenticated the caller and
// checked the api-version. Register it with
// h.Handle("Microsoft.Insights/eventtypes", ActivityLogHandler(lister)).
func ActivityLogHandler(l *activitylog.Lister) ProviderHandler {
	return ProviderHandlerFunc(func(w http.ResponseWriter, req *Request) {
		if req.HTTP.Method != http.MethodGet || !req.IsCollection() {
			WriteError(w, methodNotAllowed(req))
			return
		}
		body, err := l.List(req.HTTP.Context(), req.ID.SubscriptionID(), req.HTTP.URL.Query(), req.BaseURL+req.HTTP.URL.EscapedPath())
		var le *activitylog.Error
		switch {
		case errors.As(err, &le):
			WriteError(w, Errorf(le.Status, le.Code, "%s", le.Message))
		case err != nil:
			WriteError(w, Errorf(http.StatusInternalServerError, CodeInternal,
				"The server encountered an internal error. Correlation id: '%s'.", req.CorrelationID))
		default:
			WriteJSON(w, http.StatusOK, body)
		}
	})
}
