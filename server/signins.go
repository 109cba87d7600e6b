package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// Sign-in records are kept with the activity log's events, at the tenant level (no
// subscription), under their own category, so that the subscription activity log stays as Azure
// shows it while every sign-in — and every refused token — is on the record.
const (
	// SignInCategory is the event category of sign-in records.
	SignInCategory = "SignIn"
	// SignInOperation is the operation name of sign-in records.
	SignInOperation = "Palisade.Identity/signIn/action"
)

// signInRecorder writes identity.SignInEvents to the store.
type signInRecorder struct {
	st     store.Store
	tenant string
	log    *slog.Logger
}

// RecordSignIn implements identity.SignInRecorder. A failure to record is logged, not returned:
// the sign-in itself has already been decided.
func (r *signInRecorder) RecordSignIn(ctx context.Context, ev identity.SignInEvent) {
	id := uuid.NewString()
	status, level := "Succeeded", "Informational"
	if ev.Result != identity.SignInSuccess {
		status, level = "Failed", "Warning"
	}
	caller := ev.UserName
	if caller == "" {
		caller = ev.AppID
	}
	body, err := json.Marshal(map[string]any{
		"id": id, "createdDateTime": ev.Time.UTC().Format(time.RFC3339Nano), "tenantId": r.tenant,
		"userPrincipalName": ev.UserName, "principalType": string(ev.Kind), "objectId": ev.ObjectID, "appId": ev.AppID,
		"ipAddress": ev.IP, "authenticationMethod": ev.Method, "result": string(ev.Result),
		"status":        map[string]any{"errorCode": ev.ErrorCode, "failureReason": ev.Reason},
		"category":      map[string]string{"value": SignInCategory, "localizedValue": "Sign-in"},
		"operationName": map[string]string{"value": SignInOperation, "localizedValue": "Sign in"},
	})
	if err != nil {
		r.log.Error("encode sign-in record", "err", err)
		return
	}
	e := store.Event{ID: id, TenantID: r.tenant, Caller: caller, Status: status, Level: level, Category: SignInCategory,
		OperationName: SignInOperation, Provider: "Palisade.Identity", Timestamp: ev.Time.UTC(), Body: body}
	// Record even when the request that triggered the sign-in has gone away.
	ctx = context.WithoutCancel(ctx)
	if err := r.st.Update(ctx, func(tx store.Tx) error { return tx.AppendEvents(ctx, []store.Event{e}) }); err != nil {
		r.log.Error("record sign-in", "err", err)
	}
}
