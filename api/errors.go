package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Error is an ARM error: the HTTP status and the body
// {"error":{"code","message","target","details","additionalInfo"}} that
// every Azure client parses. Handlers return *Error values; anything else
// becomes a 500 InternalServerError.
type Error struct {
	// Status is the HTTP status code.
	Status int `json:"-"`
	// Code is ARM's machine-readable error code ("ResourceGroupNotFound").
	Code string `json:"code"`
	// Message is the human-readable explanation.
	Message string `json:"message"`
	// Target names the offending property or resource, when there is one.
	Target string `json:"target,omitempty"`
	// Details are nested errors (for example one per invalid property).
	Details []*Error `json:"details,omitempty"`
	// AdditionalInfo carries typed extra data ({"type","info"}), such as
	// PolicyViolation.
	AdditionalInfo []AdditionalInfo `json:"additionalInfo,omitempty"`
	// Header holds extra response headers (WWW-Authenticate on a 401).
	Header http.Header `json:"-"`
}

// AdditionalInfo is one entry of an ARM error's additionalInfo array.
type AdditionalInfo struct {
	Type string `json:"type"`
	Info any    `json:"info,omitempty"`
}

// Error implements error as "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ARM error codes used by more than one handler. The wording of the messages
// follows what ARM returns; see arm-clients notes in the tests for sources.
const (
	CodeMissingAPIVersion      = "MissingApiVersionParameter"
	CodeInvalidAPIVersion      = "InvalidApiVersionParameter"
	CodeInvalidResourceID      = "InvalidResourceId"
	CodeLinkedInvalidID        = "LinkedInvalidPropertyId"
	CodeInvalidRequestContent  = "InvalidRequestContent"
	CodeRequestContentTooLarge = "RequestContentTooLarge"
	CodeResourceGroupNotFound  = "ResourceGroupNotFound"
	CodeResourceNotFound       = "ResourceNotFound"
	CodeSubscriptionNotFound   = "SubscriptionNotFound"
	CodeInvalidSubscriptionID  = "InvalidSubscriptionId"
	CodeAuthenticationFailed   = "AuthenticationFailed"
	CodeInvalidToken           = "InvalidAuthenticationToken"
	CodePreconditionFailed     = "PreconditionFailed"
	CodeNotImplemented         = "NotImplemented"
	CodeMethodNotAllowed       = "MethodNotAllowed"
	CodeInvalidFilter          = "InvalidFilterInQueryString"
	CodeInvalidResourceType    = "InvalidResourceType"
	CodeInvalidResourceGroup   = "InvalidResourceGroupLocation"
	CodeLocationRequired       = "LocationRequired"
	CodeConflict               = "Conflict"
	CodeInternal               = "InternalServerError"
)

// WriteError writes err as an ARM error response. A non-*Error is logged by
// the caller and answered as 500 without leaking its text.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(http.StatusInternalServerError, CodeInternal,
			"The server encountered an internal error. Please retry the request.")
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body, mErr := json.Marshal(struct {
		Error *Error `json:"error"`
	}{e})
	if mErr != nil {
		body = []byte(`{"error":{"code":"InternalServerError","message":"error could not be encoded"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("x-ms-failure-cause", "gateway")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// WriteJSON writes v (or raw JSON when v is json.RawMessage or []byte) with
// the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var body []byte
	switch b := v.(type) {
	case json.RawMessage:
		body = b
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			WriteError(w, fmt.Errorf("encode response: %w", err))
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// notFoundFor returns the ARM 404 for a missing object of the given kind.
func resourceNotFound(typ, name, rg string) *Error {
	if rg == "" {
		return Errorf(http.StatusNotFound, CodeResourceNotFound,
			"The Resource '%s/%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name)
	}
	return Errorf(http.StatusNotFound, CodeResourceNotFound,
		"The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		typ, name, rg)
}

func resourceGroupNotFound(rg string) *Error {
	return Errorf(http.StatusNotFound, CodeResourceGroupNotFound, "Resource group '%s' could not be found.", rg)
}

func subscriptionNotFound(sub string) *Error {
	return Errorf(http.StatusNotFound, CodeSubscriptionNotFound, "The subscription '%s' could not be found.", sub)
}

func invalidContent(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, CodeInvalidRequestContent, format, args...)
}
