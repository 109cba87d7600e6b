// Package activitylog is Palisade's Azure activity log: the event model
// (Azure's EventData, field for field), builders that turn one ARM request
// and its policy decision into the events Azure would record, the $filter
// grammar and list API of
// GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values,
// and the retention job that forgets events after 90 days.
//
// # Writing
//
// The ARM layer builds events with a Builder and appends them, converted
// with Event.ToStore, in the same store transaction as the write they
// record:
//
//	b := activitylog.NewBuilder(time.Now, uuid.NewString)
//	r := &activitylog.Request{ResourceID: id, Method: "PUT", Caller: principal, …}
//	events := []*activitylog.Event{b.Started(r)}
//	events = append(events, b.Policy(r, decision)...)
//	events = append(events, b.Finished(r, status, responseBody))
//	tx.AppendEvents(ctx, activitylog.StoreEvents(events))
//
// # Reading
//
// Lister answers the list API; mount it at the two collection paths (see
// Lister.ServeHTTP) or call Lister.List from an ARM handler that has already
// authenticated the caller.
package activitylog
