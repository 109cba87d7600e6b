package activitylog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/palisade/palisade/store"
)

// DefaultPageSize is the number of events per page of the list API.
const DefaultPageSize = 200

// Error is a refusal of the list API: the HTTP status and ARM error code and
// message to answer with. Other errors returned by List are internal
// failures (answer 500).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes of the list API. Azure Monitor answers a bad $filter with 400
// and code BadRequest (MicrosoftDocs/feedback#319:
// "Code": "BadRequest", "Message": "$filter searching parameters invalid";
// Azure/azure-cli#4885: an invalid filter is a "Bad Request").
const (
	CodeBadRequest       = "BadRequest"
	CodeInvalidSkipToken = "InvalidSkipToken"
)

// Lister answers GET …/providers/Microsoft.Insights/eventtypes/management/values
// (api-version 2015-04-01): the events of a subscription, or of the tenant,
// matching $filter, newest first, with $select and nextLink paging.
type Lister struct {
	// Store holds the events.
	Store store.Store
	// TenantID is the directory served; it scopes every query.
	TenantID string
	// PageSize is the number of events per page; DefaultPageSize when zero.
	PageSize int
	// Now is the clock for filters without an end time; time.Now when nil.
	Now func() time.Time
	// BaseURL ("https://host:port") prefixes nextLink in ServeHTTP; when
	// empty it is derived from the request.
	BaseURL string
}

// List runs one page of the list API. subscriptionID selects the
// subscription ("" for the tenant-level list); query is the request's
// query string ($filter, $select, $skiptoken, api-version); selfURL is the
// absolute URL of the request without its query, the base of nextLink. The
// body is ARM's list envelope {"value": [...], "nextLink": "..."}. A
// refusal is an *Error.
func (l *Lister) List(ctx context.Context, subscriptionID string, query url.Values, selfURL string) ([]byte, error) {
	raw, ok := query["$filter"]
	if !ok || strings.TrimSpace(raw[0]) == "" {
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeBadRequest,
			Message: "The $filter query parameter is required and must contain a start time, for example $filter=eventTimestamp ge '2024-05-01T00:00:00Z'."}
	}
	f, err := ParseFilter(raw[0])
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: "The $filter is not valid: " + err.Error() + "."}
	}
	sel, err := ParseSelect(query.Get("$select"))
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: "The $select is not valid: " + err.Error() + "."}
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	size := l.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	token := query.Get("$skiptoken")
	q := f.Query(subscriptionID, l.TenantID, now())
	q.Continuation = token

	var items [][]byte
	next := ""
	err = l.Store.View(ctx, func(tx store.Tx) error {
		items, next, err = page(ctx, tx, q, f, sel, size)
		return err
	})
	if err != nil {
		if errors.Is(err, store.ErrInvalid) && token != "" {
			return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidSkipToken,
				Message: fmt.Sprintf("The $skiptoken '%s' is invalid.", token)}
		}
		return nil, fmt.Errorf("list activity log: %w", err)
	}
	return envelope(items, next, query, selfURL), nil
}

// maxScanPages bounds how many store pages one list page reads when
// operationId or eventChannels discard events: a sparse match returns a
// short (even empty) page with a nextLink rather than scanning everything.
const maxScanPages = 20

// page reads up to size matching events, returning their JSON (with $select
// applied) and the continuation of the next page.
func page(ctx context.Context, tx store.Tx, q store.EventQuery, f *Filter, sel []string, size int) ([][]byte, string, error) {
	var items [][]byte
	for scans := 0; ; scans++ {
		q.Limit = size - len(items)
		p, err := tx.QueryEvents(ctx, q)
		if err != nil {
			return nil, "", err
		}
		for _, e := range p.Events {
			if f.needsBody() {
				var h struct {
					OperationID string `json:"operationId"`
					Channels    string `json:"channels"`
				}
				if err := json.Unmarshal(e.Body, &h); err != nil {
					return nil, "", fmt.Errorf("event %s: %w", e.ID, err)
				}
				if !f.matchesBody(h.OperationID, h.Channels) {
					continue
				}
			}
			body, err := selectFields(e.Body, sel)
			if err != nil {
				return nil, "", fmt.Errorf("event %s: %w", e.ID, err)
			}
			items = append(items, body)
		}
		if p.Continuation == "" || len(items) >= size || scans+1 >= maxScanPages {
			return items, p.Continuation, nil
		}
		q.Continuation = p.Continuation
	}
}

// envelope writes {"value":[…],"nextLink":"…"}; nextLink is the request URL
// with $skiptoken set, keeping api-version, $filter and $select, and is
// left out on the last page.
func envelope(items [][]byte, next string, query url.Values, selfURL string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"value":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	if next != "" {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("$skiptoken", next)
		// Encode escapes "$" as %24, which clients decode; keep the
		// query readable.
		link := selfURL + "?" + strings.ReplaceAll(q.Encode(), "%24", "$")
		enc, _ := json.Marshal(link)
		b.WriteString(`,"nextLink":`)
		b.Write(enc)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// ServeHTTP answers the list API at
// /subscriptions/{subscriptionId}/providers/Microsoft.Insights/eventtypes/management/values
// and /providers/Microsoft.Insights/eventtypes/management/values (the
// tenant's events). It does not authenticate: mount it behind the ARM
// router's authentication, for example
//
//	router.Handle("Microsoft.Insights/eventtypes", api.ProviderHandlerFunc(
//		func(w http.ResponseWriter, r *api.Request) { lister.ServeHTTP(w, r.HTTP) }))
func (l *Lister) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
			Message: fmt.Sprintf("The requested method '%s' is not allowed for the activity log; use GET.", r.Method)})
		return
	}
	sub, ok := subscriptionOf(r.URL.Path)
	if !ok {
		writeError(w, &Error{Status: http.StatusNotFound, Code: "InvalidResourceType",
			Message: fmt.Sprintf("The path '%s' is not an activity log collection.", r.URL.Path)})
		return
	}
	q := r.URL.Query()
	if q.Get("api-version") == "" {
		writeError(w, &Error{Status: http.StatusBadRequest, Code: "MissingApiVersionParameter",
			Message: "The api-version query parameter (?api-version=) is required for all requests."})
		return
	}
	base := l.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	body, err := l.List(r.Context(), sub, q, strings.TrimSuffix(base, "/")+r.URL.EscapedPath())
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// collectionSuffix is the path of the list API below its scope.
const collectionSuffix = "/providers/microsoft.insights/eventtypes/management/values"

// subscriptionOf returns the subscription of a list path ("" for the
// tenant-level list); ok is false for other paths.
func subscriptionOf(path string) (string, bool) {
	p := strings.TrimSuffix(path, "/")
	lower := strings.ToLower(p)
	if !strings.HasSuffix(lower, collectionSuffix) {
		return "", false
	}
	scope := p[:len(p)-len(collectionSuffix)]
	if scope == "" {
		return "", true
	}
	rest, ok := strings.CutPrefix(strings.ToLower(scope), "/subscriptions/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return scope[len("/subscriptions/"):], true
}

// writeError writes an ARM error envelope; errors other than *Error are 500.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "InternalServerError",
			Message: "The server encountered an internal error. Please retry the request."}
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-error-code", e.Code)
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
