package activitylog

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/palisade/palisade/store"
)

// Event is one activity-log entry in the shape Azure serves it: the REST
// EventData definition of Microsoft.Insights 2015-04-01 (activityLogs_API.json)
// and the samples of "Azure Activity Log event schema" on learn.microsoft.com.
// Fields are declared in the order Azure's samples print them.
//
// Claims and Properties hold strings only: the Azure SDKs model them as
// map[string]*string, so a number or an object there would break every
// client; nested JSON (properties.policies, responseBody) is a string that
// holds JSON.
type Event struct {
	// Authorization is the RBAC action and scope the request was authorised
	// for.
	Authorization *Authorization `json:"authorization,omitempty"`
	// Caller is the user's UPN, or the application id for applications.
	Caller string `json:"caller"`
	// Channels is "Operation" for every event Palisade writes.
	Channels string `json:"channels"`
	// Claims are the caller's token claims keyed and rendered as ARM does
	// (identity.ClaimsObject).
	Claims map[string]string `json:"claims,omitempty"`
	// CorrelationID is shared by every event of one client operation.
	CorrelationID string `json:"correlationId"`
	// Description is empty for Administrative and Policy events.
	Description string `json:"description"`
	// EventDataID is the event's unique id (a GUID).
	EventDataID string `json:"eventDataId"`
	// EventName is BeginRequest or EndRequest.
	EventName LocalizableString `json:"eventName"`
	// Category is Administrative, Policy, …
	Category LocalizableString `json:"category"`
	// EventTimestamp is when the event happened.
	EventTimestamp Timestamp `json:"eventTimestamp"`
	// HTTPRequest describes the client request (Administrative events).
	HTTPRequest *HTTPRequest `json:"httpRequest,omitempty"`
	// ID is {resourceId}/events/{eventDataId}/ticks/{ticks}; see EventID.
	ID string `json:"id"`
	// Level is Critical, Error, Warning, Informational or Verbose.
	Level string `json:"level"`
	// OperationID is shared by the events of one operation.
	OperationID string `json:"operationId"`
	// OperationName is the RBAC operation ("Microsoft.Storage/storageAccounts/write").
	OperationName LocalizableString `json:"operationName"`
	// ResourceGroupName is empty above resource groups.
	ResourceGroupName string `json:"resourceGroupName"`
	// ResourceProviderName is the namespace of the resource's provider.
	ResourceProviderName LocalizableString `json:"resourceProviderName"`
	// ResourceType is the full type of the resource.
	ResourceType LocalizableString `json:"resourceType"`
	// ResourceID is the id of the resource the event is about.
	ResourceID string `json:"resourceId"`
	// Status is Started, Accepted, Succeeded or Failed.
	Status LocalizableString `json:"status"`
	// SubStatus is the HTTP status in words on EndRequest events ("Created").
	SubStatus LocalizableString `json:"subStatus"`
	// SubmissionTimestamp is when the event became available for queries.
	SubmissionTimestamp Timestamp `json:"submissionTimestamp"`
	// SubscriptionID is empty for tenant-level events.
	SubscriptionID string `json:"subscriptionId"`
	// TenantID is the directory the event belongs to.
	TenantID string `json:"tenantId"`
	// Properties are event details, every value a string.
	Properties map[string]string `json:"properties"`
	// RelatedEvents is always empty, as in Azure's Administrative and Policy
	// events.
	RelatedEvents []json.RawMessage `json:"relatedEvents"`

	// claimsJSON is Claims already encoded: the events of one request
	// share their claims map, and encode it once.
	claimsJSON encodedMap
}

// LocalizableString is Azure's {value, localizedValue} pair: an invariant
// value for filters and a display text.
type LocalizableString struct {
	Value          string `json:"value"`
	LocalizedValue string `json:"localizedValue"`
}

// Same returns a LocalizableString whose display text is the value itself,
// as Azure shows most types and provider names.
func Same(v string) LocalizableString { return LocalizableString{Value: v, LocalizedValue: v} }

// Authorization is the sender authorization of an event: the action checked
// and the scope it was checked at. Role is omitted when unknown.
type Authorization struct {
	Action string `json:"action"`
	Role   string `json:"role,omitempty"`
	Scope  string `json:"scope"`
}

// HTTPRequest describes the client request behind an Administrative event.
type HTTPRequest struct {
	ClientRequestID string `json:"clientRequestId"`
	ClientIPAddress string `json:"clientIpAddress"`
	Method          string `json:"method"`
	URI             string `json:"uri,omitempty"`
}

// Timestamp is a UTC time written as Azure writes event times: ISO 8601 with
// up to seven fractional digits, trailing zeros dropped
// ("2022-06-28T10:06:27.353384Z"). Palisade keeps microseconds, so at most
// six digits appear.
type Timestamp time.Time

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }

// MarshalJSON writes the Azure form.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	s := time.Time(t).UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	return []byte(strconv.Quote(s)), nil
}

// UnmarshalJSON reads any RFC 3339 time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = Timestamp(v.UTC())
	return nil
}

// ticksAtUnixEpoch is 1970-01-01 in .NET ticks (100 ns since 0001-01-01),
// the unit of the "ticks" segment of event ids.
const ticksAtUnixEpoch = 621355968000000000

// Ticks returns t in .NET ticks, the number Azure puts in event ids
// (2018-01-29T20:42:31.3810679Z is 636528553513810679).
func Ticks(t time.Time) int64 {
	return t.UnixNano()/100 + ticksAtUnixEpoch
}

// EventID builds an event's id: {resourceId}/events/{eventDataId}/ticks/{ticks}.
func EventID(resourceID, eventDataID string, at time.Time) string {
	return strings.TrimSuffix(resourceID, "/") + "/events/" + eventDataID + "/ticks/" + strconv.FormatInt(Ticks(at), 10)
}

// ToStore returns the event as the store keeps it: the indexed columns the
// list API filters on, and the JSON body served byte for byte.
func (e *Event) ToStore() store.Event {
	body, ok := e.appendJSON(make([]byte, 0, 4096))
	if !ok {
		var err error
		if body, err = json.Marshal(e); err != nil {
			// Event holds only strings, maps of strings, times and
			// related events that came from the store: it always encodes.
			panic("activitylog: encode event: " + err.Error())
		}
	}
	// The store compares the indexed fields lower-cased; lower-casing them
	// here spares the store's single writer the copies.
	l := strings.ToLower
	return store.Event{
		ID:             e.EventDataID,
		SubscriptionID: l(e.SubscriptionID),
		TenantID:       l(e.TenantID),
		ResourceGroup:  l(e.ResourceGroupName),
		ResourceID:     l(e.ResourceID),
		Provider:       l(e.ResourceProviderName.Value),
		CorrelationID:  l(e.CorrelationID),
		Caller:         l(e.Caller),
		Status:         l(e.Status.Value),
		Level:          l(e.Level),
		Category:       l(e.Category.Value),
		OperationName:  l(e.OperationName.Value),
		Timestamp:      e.EventTimestamp.Time().UTC().Truncate(time.Microsecond),
		Body:           body,
	}
}

// StoreEvents converts events for store.Tx.AppendEvents, keeping their order.
func StoreEvents(events []*Event) []store.Event {
	out := make([]store.Event, 0, len(events))
	for _, e := range events {
		out = append(out, e.ToStore())
	}
	return out
}
