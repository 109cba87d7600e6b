// Package activitylog is Palisade's Azure activity log: the event model
// (Azure's EventData, field for field), builders that turn one ARM request
// and its policy decision into the events Azure would record, the $filter
// grammar and list API of
// GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values,
// and the retention job that forgets events after 90 days.
//
// # Writing
//
// The ARM layer describes each write once with a Request, builds its events
// with a Builder, and appends them (Event.ToStore, StoreEvents) in the same
// store transaction as the write, so that an event exists exactly when the
// write committed. A write refused by policy commits its events alone.
//
//	b := activitylog.NewBuilder(nil, nil) // time.Now, random GUIDs
//	r := &activitylog.Request{
//		TenantID: tenant, ResourceID: id.String(), ResourceType: storedType,
//		Method: req.Method, URI: absoluteURL, CorrelationID: corr, ServiceRequestID: reqID,
//		ClientRequestID: req.Header.Get("x-ms-client-request-id"), ClientIPAddress: ip,
//		Caller: principal, RequestBody: body, ResourceLocation: location,
//		Ancestors: managementGroupsAboveTheSubscription, // direct parent first
//	}
//	started, _ := b.Started(r)
//	policyEvents, _ := b.Policy(r, decision)      // deny, audit, modify, append
//	finished, _ := b.Finished(r, status, responseBody)
//	events := append(append([]*activitylog.Event{started}, policyEvents...), finished)
//	err := tx.AppendEvents(ctx, activitylog.StoreEvents(events))
//
// Existence effects are recorded after their check with Builder.Existence.
//
// # Reading
//
// A Lister answers the list API. From the ARM router, after authentication:
//
//	lister := &activitylog.Lister{Store: st, TenantID: tenant}
//	h.Handle("Microsoft.Insights/eventtypes", api.ProviderHandlerFunc(func(w http.ResponseWriter, r *api.Request) {
//		body, err := lister.List(r.HTTP.Context(), r.ID.SubscriptionID(), r.HTTP.URL.Query(),
//			r.BaseURL+r.HTTP.URL.EscapedPath())
//		var le *activitylog.Error
//		switch {
//		case errors.As(err, &le):
//			api.WriteError(w, api.Errorf(le.Status, le.Code, "%s", le.Message))
//		case err != nil:
//			api.WriteError(w, err) // 500
//		default:
//			api.WriteJSON(w, http.StatusOK, body)
//		}
//	}))
//
// Lister is also an http.Handler (ServeHTTP) for the two collection paths,
// for use behind other authentication.
//
// # Retention
//
// RunRetention (or Retention.Run) purges events older than 90 days every
// hour, on one replica at a time.
package activitylog
