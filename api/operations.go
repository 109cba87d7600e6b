package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/palisade/palisade/store"
)

// Long-running operations finish inside the request; their status stays
// readable for an hour at
// /providers/Microsoft.Management/operationResults/{id} so that the SDK
// pollers that insist on a 202 (management group delete) can complete.
const (
	operationsNS  = "operations"
	operationPath = "/providers/Microsoft.Management/operationResults/"
	operationTTL  = time.Hour
)

var zeroTime time.Time

// operationBody is the status an Azure-AsyncOperation URL answers. For a
// management group it is AzureAsyncOperationResults of the
// Microsoft.Management API: the group's id, type and name with the
// operation's status.
type operationBody struct {
	ID         string          `json:"id"`
	Type       string          `json:"type,omitempty"`
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Properties json.RawMessage `json:"properties,omitempty"`
	StartTime  time.Time       `json:"startTime"`
	EndTime    time.Time       `json:"endTime"`
}

// putOperation records a finished operation's status under opID.
func putOperation(ctx context.Context, tx store.Tx, opID string, op operationBody, at time.Time) error {
	op.StartTime, op.EndTime = at, at
	b, _ := json.Marshal(op)
	return tx.PutValue(ctx, operationsNS, opID, b, at.Add(operationTTL))
}

// writeAccepted answers 202 with the Azure-AsyncOperation URL of opID
// (absolute and carrying api-version, as the SDK requires),
// Retry-After: 1 (the SDK's minimum poll interval) and body as the
// response body.
func writeAccepted(w http.ResponseWriter, req *Request, opID string, body any) {
	u := req.BaseURL + operationPath + opID + "?api-version=" + mgAPIVersion
	h := w.Header()
	h.Set("Azure-AsyncOperation", u)
	h.Set("Retry-After", "1")
	WriteJSON(w, http.StatusAccepted, body)
}

// serveOperationResult answers GET of an operation status.
func (h *Handler) serveOperationResult(w http.ResponseWriter, req *Request) error {
	if req.HTTP.Method != http.MethodGet {
		return methodNotAllowed(req)
	}
	ctx := req.HTTP.Context()
	var b []byte
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		b, err = tx.GetValue(ctx, operationsNS, req.ID.Name())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Errorf(http.StatusNotFound, "NotFound", "Operation '%s' not found.", req.ID.Name())
	}
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, b)
	return nil
}
