package authz

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// CodeAuthorizationFailed is ARM's error code for a caller whose roles do
// not grant the action.
const CodeAuthorizationFailed = "AuthorizationFailed"

// AuthorizationFailedError is the refusal Check returns: the caller's role
// assignments at the scope and above do not grant the action. It carries
// what ARM's 403 body names.
type AuthorizationFailedError struct {
	// Caller is the user principal name or application id; ObjectID the
	// principal's object id.
	Caller, ObjectID string
	// Action is the operation refused
	// ("Microsoft.Authorization/policyAssignments/write").
	Action string
	// Scope is the id the request addressed, in the request's casing.
	Scope string
}

// Error returns ARM's message.
func (e *AuthorizationFailedError) Error() string { return e.Message() }

// Message is ARM's message for the refusal, word for word. For the two
// actions role-assignment conditions apply to (roleAssignments write and
// delete) ARM adds that an ABAC condition may be what failed.
func (e *AuthorizationFailedError) Message() string {
	caller := e.Caller
	if caller == "" {
		caller = e.ObjectID
	}
	what := "authorization"
	if isRoleAssignmentChange(e.Action) {
		what = "authorization or an ABAC condition not fulfilled"
	}
	return fmt.Sprintf("The client '%s' with object id '%s' does not have %s to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		caller, e.ObjectID, what, e.Action, e.Scope)
}

// Status is the HTTP status ARM answers with: 403 Forbidden.
func (e *AuthorizationFailedError) Status() int { return http.StatusForbidden }

// Code is ARM's error code, AuthorizationFailed.
func (e *AuthorizationFailedError) Code() string { return CodeAuthorizationFailed }

// Body returns the ARM error envelope {"error":{"code","message"}}.
func (e *AuthorizationFailedError) Body() []byte {
	b, _ := marshalNoEscape(envelope{Error: body{Code: e.Code(), Message: e.Message()}})
	return b
}

// Error is an ARM error answered by the role handlers: an HTTP status and
// the body {"error":{"code","message"}}.
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error formats the error as "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

type body struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type envelope struct {
	Error body `json:"error"`
}

// WriteError writes err as an ARM error response: an *Error or an
// *AuthorizationFailedError with its own status, anything else as a 500
// that does not leak its text.
func WriteError(w http.ResponseWriter, err error) {
	status, b := http.StatusInternalServerError, body{Code: "InternalServerError", Message: "The server encountered an internal error. Please retry the request."}
	var e *Error
	var af *AuthorizationFailedError
	switch {
	case errors.As(err, &e):
		status, b = e.Status, body{Code: e.Code, Message: e.Message}
	case errors.As(err, &af):
		status, b = af.Status(), body{Code: af.Code(), Message: af.Message()}
	}
	out, mErr := marshalNoEscape(envelope{Error: b})
	if mErr != nil {
		out = []byte(`{"error":{"code":"InternalServerError","message":"error could not be encoded"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	if status == http.StatusForbidden || status == http.StatusInternalServerError {
		h.Set("x-ms-failure-cause", "gateway")
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var out []byte
	switch t := v.(type) {
	case json.RawMessage:
		out = t
	default:
		var err error
		if out, err = marshalNoEscape(v); err != nil {
			WriteError(w, fmt.Errorf("encode response: %w", err))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
