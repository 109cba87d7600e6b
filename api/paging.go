package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// NextLink returns the absolute URL of the page after the current one:
// the request's path and query (api-version, $filter, $top, …) with
// $skiptoken set to continuation. The Azure SDK pagers GET nextLink exactly
// as given and do not re-add api-version, so it must be carried here.
func (r *Request) NextLink(continuation string) string {
	q := r.HTTP.URL.Query()
	q.Set("$skiptoken", continuation)
	// url.Values.Encode escapes "$" as %24, which every client decodes;
	// keep the query readable by restoring it.
	enc := strings.ReplaceAll(q.Encode(), "%24", "$")
	return r.BaseURL + r.HTTP.URL.EscapedPath() + "?" + enc
}

// SkipToken returns the continuation token of the requested page ("" for
// the first page).
func (r *Request) SkipToken() string { return r.HTTP.URL.Query().Get("$skiptoken") }

// WritePage writes ARM's list envelope {"value":[…],"nextLink":"…"} with
// items as raw JSON objects; nextLink is omitted on the last page (empty
// continuation).
func WritePage(w http.ResponseWriter, req *Request, items []json.RawMessage, continuation string) {
	n := 32
	for _, it := range items {
		n += len(it) + 1
	}
	var b bytes.Buffer
	b.Grow(n + 256)
	b.WriteString(`{"value":[`)
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	if continuation != "" {
		b.WriteString(`,"nextLink":`)
		link, _ := json.Marshal(req.NextLink(continuation))
		b.Write(link)
	}
	b.WriteByte('}')
	WriteJSON(w, http.StatusOK, b.Bytes())
}

// pageSize returns the page size: $top when given (ARM's "number of
// results to return"), bounded by the configured page size.
func (h *Handler) pageSize(req *Request) (int, error) {
	top := req.HTTP.URL.Query().Get("$top")
	if top == "" {
		return h.cfg.PageSize, nil
	}
	n, err := strconv.Atoi(top)
	if err != nil || n <= 0 {
		return 0, Errorf(http.StatusBadRequest, "InvalidTopInQueryString",
			"The value '%s' of the $top query parameter is invalid; it must be a positive integer.", top)
	}
	return min(n, h.cfg.PageSize), nil
}

// paginate slices an in-memory list (small collections: tenants,
// locations, management groups) into pages using an offset token.
func paginate[T any](items []T, token string, size int) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", Errorf(http.StatusBadRequest, "InvalidSkipToken", "The $skiptoken '%s' is invalid.", token)
		}
		start = n
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}
