package client

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Logger prints HTTP traffic for --debug in the layout of azure-core's
// logging policy ("Request URL: '…'", "Request method: '…'", headers, body),
// with bearer tokens, passwords, client secrets, refresh tokens and TOTP
// codes replaced by REDACTED. A nil *Logger logs nothing.
type Logger struct {
	mu sync.Mutex
	w  io.Writer
}

// NewLogger returns a Logger writing to w.
func NewLogger(w io.Writer) *Logger { return &Logger{w: w} }

// secretFields are form fields and JSON keys whose values never appear in logs.
var secretFields = map[string]bool{
	"password": true, "client_secret": true, "refresh_token": true, "access_token": true, "otp": true,
	"device_code": true, "code": true, "code_verifier": true, "id_token": true, "client_assertion": true,
	"accesstoken": true, "refreshtoken": true, "clientsecret": true, "secret": true,
}

// Request logs an outgoing request; form, when not nil, is its url-encoded body.
func (l *Logger) Request(req *http.Request, form url.Values) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "DEBUG: Request URL: '%s'\n", req.URL.String())
	fmt.Fprintf(l.w, "DEBUG: Request method: '%s'\n", req.Method)
	l.headers("Request", req.Header)
	if form != nil {
		red := url.Values{}
		for k, v := range form {
			if secretFields[strings.ToLower(k)] {
				red[k] = []string{"REDACTED"}
			} else {
				red[k] = v
			}
		}
		fmt.Fprintf(l.w, "DEBUG: Request body:\nDEBUG: %s\n", red.Encode())
	}
}

// RequestBody logs a JSON request body.
func (l *Logger) RequestBody(body []byte) {
	if l == nil || len(body) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "DEBUG: Request body:\nDEBUG: %s\n", redactJSON(body))
}

// Response logs a response and its body.
func (l *Logger) Response(resp *http.Response, body []byte) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "DEBUG: Response status: %d\n", resp.StatusCode)
	l.headers("Response", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(l.w, "DEBUG: Response content:\nDEBUG: %s\n", redactJSON(body))
	}
}

// Printf logs one free-form line.
func (l *Logger) Printf(format string, args ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "DEBUG: "+format+"\n", args...)
}

func (l *Logger) headers(kind string, h http.Header) {
	fmt.Fprintf(l.w, "DEBUG: %s headers:\n", kind)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if strings.EqualFold(k, "Authorization") {
			v = "REDACTED"
		}
		fmt.Fprintf(l.w, "DEBUG:     '%s': '%s'\n", k, v)
	}
}

// redactJSON replaces secret values in a JSON body; bodies that are not
// JSON objects are printed as they are.
func redactJSON(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return string(body)
	}
	changed := false
	for k := range m {
		if secretFields[strings.ToLower(k)] {
			m[k] = "REDACTED"
			changed = true
		}
	}
	if !changed {
		return string(body)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return string(body)
	}
	return string(b)
}
