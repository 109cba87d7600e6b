package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// API versions the portal sends, as the Azure portal's blades do.
const (
	verResources = "2021-04-01"
	verPolicy    = "2025-03-01" // every policy type has it, exemptions included
	verMG        = "2021-04-01"
	verSubs      = "2022-12-01"
	verEvents    = "2015-04-01"
)

// armResponse is what the ARM handler answered.
type armResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (r *armResponse) OK() bool { return r.Status >= 200 && r.Status < 300 }

// armError is ARM's error envelope.
type armError struct {
	Code           string           `json:"code"`
	Message        string           `json:"message"`
	Target         string           `json:"target,omitempty"`
	Details        []armError       `json:"details,omitempty"`
	AdditionalInfo []map[string]any `json:"additionalInfo,omitempty"`
}

// Error decodes the error envelope of a failed response; a body that is
// not one becomes a generic error naming the status.
func (r *armResponse) Error() *armError {
	var env struct {
		Error *armError `json:"error"`
	}
	if json.Unmarshal(r.Body, &env) == nil && env.Error != nil {
		return env.Error
	}
	return &armError{Code: http.StatusText(r.Status), Message: fmt.Sprintf("The server answered %d.", r.Status)}
}

// MFARefusal reports whether the response is a policy refusal that a
// sign-in with multi-factor authentication would lift: ARM answers it with
// RequestDisallowedByPolicy and a claims challenge (401).
func (r *armResponse) MFARefusal() bool {
	if r.OK() {
		return false
	}
	e := r.Error()
	if e.Code != "RequestDisallowedByPolicy" {
		return false
	}
	return r.Status == http.StatusUnauthorized || strings.Contains(r.Header.Get("WWW-Authenticate"), "claims=")
}

// recorder is a minimal http.ResponseWriter for in-process ARM calls.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// call sends one request to the ARM handler in-process with the session's
// bearer token, so authorisation, policy enforcement and the activity log
// apply exactly as for any other client. pathAndQuery is an ARM path with
// its api-version ("/subscriptions/…?api-version=…").
func (p *Portal) call(ctx context.Context, token, method, pathAndQuery string, body []byte) (*armResponse, error) {
	u, err := url.Parse(pathAndQuery)
	if err != nil {
		return nil, fmt.Errorf("ARM path %q: %w", pathAndQuery, err)
	}
	base := "http://palisade.internal"
	req, err := http.NewRequestWithContext(ctx, method, base+u.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ARM request %s %s: %w", method, pathAndQuery, err)
	}
	if body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "Palisade-Portal")
	req.Header.Set("Accept", "application/json")
	req.RemoteAddr = "127.0.0.1:0"
	w := &recorder{header: http.Header{}}
	p.cfg.API.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &armResponse{Status: w.status, Header: w.header, Body: w.body.Bytes()}, nil
}

// list fetches every item of an ARM collection, following nextLink up to
// limit items (0: no limit).
func (p *Portal) list(ctx context.Context, token, pathAndQuery string, limit int) ([]json.RawMessage, error) {
	var out []json.RawMessage
	next := pathAndQuery
	for next != "" {
		resp, err := p.call(ctx, token, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		if !resp.OK() {
			e := resp.Error()
			return nil, fmt.Errorf("list %s: %s: %s", pathAndQuery, e.Code, e.Message)
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("decode list %s: %w", pathAndQuery, err)
		}
		out = append(out, page.Value...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		next = ""
		if page.NextLink != "" {
			nu, err := url.Parse(page.NextLink)
			if err != nil {
				return nil, fmt.Errorf("nextLink %q: %w", page.NextLink, err)
			}
			next = nu.RequestURI()
		}
	}
	return out, nil
}

// get fetches one ARM object into v.
func (p *Portal) get(ctx context.Context, token, pathAndQuery string, v any) error {
	resp, err := p.call(ctx, token, http.MethodGet, pathAndQuery, nil)
	if err != nil {
		return err
	}
	if !resp.OK() {
		e := resp.Error()
		return fmt.Errorf("get %s: %s: %s", pathAndQuery, e.Code, e.Message)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("decode %s: %w", pathAndQuery, err)
	}
	return nil
}

// withVersion appends the api-version to an ARM id or path.
func withVersion(path, version string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "api-version=" + version
}
