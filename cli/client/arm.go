package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/palisade/palisade/cli/output"
)

// TokenSource returns a bearer token for ARM, renewing it when needed.
type TokenSource func(ctx context.Context) (string, error)

// StepUp signs the user in again to satisfy the claims challenge of a
// refused request (re.Challenge); the ARM client retries the request once
// after it succeeds.
type StepUp func(ctx context.Context, re *ResponseError) error

// ARM sends requests to a Palisade server's ARM API.
type ARM struct {
	// Server is the base URL.
	Server string
	// HTTP sends the requests.
	HTTP *http.Client
	// Token supplies the bearer token for each request.
	Token TokenSource
	// StepUp answers claims challenges; nil leaves them to the caller as
	// a *ResponseError with Challenge set.
	StepUp StepUp
	// Log receives --debug traces; nil for none.
	Log *Logger
}

// ResponseError is an ARM request that did not succeed: the HTTP status,
// the ARM error from the body and, for a 401 step-up, the claims challenge.
type ResponseError struct {
	Method, URL string
	Status      int
	// ARM is the decoded error object (Code is empty when the body held none).
	ARM output.ARMError
	// Body is the raw response body.
	Body []byte
	// Challenge is set when the server asked for more claims (MFA).
	Challenge *Challenge
}

// Error returns "(Code) Message" as az shows it, or the status line.
func (e *ResponseError) Error() string {
	if e.ARM.Code != "" {
		return fmt.Sprintf("(%s) %s", e.ARM.Code, e.ARM.Message)
	}
	return fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.URL, e.Status, strings.TrimSpace(string(e.Body)))
}

// Response is a successful ARM answer.
type Response struct {
	Status int
	Header http.Header
	// Value is the JSON body decoded as plain Go values (nil when empty).
	Value any
}

// HTTPClient returns an HTTP client that trusts the system roots plus the PEM
// certificates in caFile (for a server with a self-signed certificate).
func HTTPClient(caFile string) (*http.Client, error) {
	hc := &http.Client{Timeout: 2 * time.Minute}
	if caFile == "" {
		return hc, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
	}
	hc.Transport = &http.Transport{Proxy: http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return hc, nil
}

// Do sends one request. path is an ARM path or an absolute URL (a nextLink);
// query must carry api-version unless path already does. body is marshalled
// to JSON when not nil.
func (a *ARM) Do(ctx context.Context, method, path string, query url.Values, body any) (*Response, error) {
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = strings.TrimRight(a.Server, "/") + "/" + strings.TrimLeft(path, "/")
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
	}
	resp, err := a.send(ctx, method, u, payload)
	var re *ResponseError
	if errors.As(err, &re) && re.Challenge != nil && a.StepUp != nil {
		if serr := a.StepUp(ctx, re); serr != nil {
			return nil, serr
		}
		return a.send(ctx, method, u, payload)
	}
	return resp, err
}

func (a *ARM) send(ctx context.Context, method, u string, payload []byte) (*Response, error) {
	tok, err := a.Token(ctx)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "palisade-cli")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a.Log.Request(req, nil)
	a.Log.RequestBody(payload)
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read response of %s %s: %w", method, u, err)
	}
	a.Log.Response(resp, b)
	if resp.StatusCode >= 400 {
		re := &ResponseError{Method: method, URL: u, Status: resp.StatusCode, Body: b}
		if e, perr := output.ParseARMError(b); perr == nil {
			re.ARM = e
		}
		if resp.StatusCode == http.StatusUnauthorized {
			re.Challenge = ParseChallenge(resp.Header.Get("WWW-Authenticate"))
		}
		return nil, re
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	if len(bytes.TrimSpace(b)) > 0 {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("decode response of %s %s: %w", method, u, err)
		}
		out.Value = normalizeNumbers(v)
	}
	return out, nil
}

// List GETs a collection and follows nextLink until the last page or until
// limit items (0: no limit), returning the items of every page.
func (a *ARM) List(ctx context.Context, path string, query url.Values, limit int) ([]any, error) {
	items := []any{}
	next, q := path, query
	for next != "" {
		resp, err := a.Do(ctx, http.MethodGet, next, q, nil)
		if err != nil {
			return nil, err
		}
		page, _ := resp.Value.(map[string]any)
		vals, _ := page["value"].([]any)
		items = append(items, vals...)
		if limit > 0 && len(items) >= limit {
			return items[:limit], nil
		}
		next, _ = page["nextLink"].(string)
		q = nil
	}
	return items, nil
}

// normalizeNumbers turns json.Number into int64 when integral, float64
// otherwise, the value model cli/output expects.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}
