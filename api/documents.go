package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// putDocument stores body as the object with this id.
func putDocument(ctx context.Context, tx store.Tx, id armid.ID, body json.RawMessage) error {
	doc, err := store.NewDocument(id, body)
	if err != nil {
		return fmt.Errorf("document %s: %w", id, err)
	}
	if _, err := tx.Put(ctx, doc, store.Condition{}); err != nil {
		return fmt.Errorf("put %s: %w", id, err)
	}
	return nil
}

// writeDoc serves a stored document: its body byte for byte and its ETag.
func writeDoc(w http.ResponseWriter, status int, doc *store.Document) {
	if doc.ETag != "" {
		w.Header()["Etag"] = []string{`"` + doc.ETag + `"`}
	}
	WriteJSON(w, status, []byte(doc.Body))
}

// getDocument answers GET of a stored object; notFound builds the 404.
func (h *Handler) getDocument(w http.ResponseWriter, req *Request, notFound func() error) error {
	ctx := req.HTTP.Context()
	var doc *store.Document
	err := h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		doc, err = tx.Get(ctx, req.ID.Key())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("get %s: %w", req.ID, err)
	}
	writeDoc(w, http.StatusOK, doc)
	return nil
}

// listDocuments answers a list with one page of documents matching q,
// continuing from $skiptoken and linking the next page.
func (h *Handler) listDocuments(w http.ResponseWriter, req *Request, q store.Query) error {
	size, err := h.pageSize(req)
	if err != nil {
		return err
	}
	q.Limit, q.Continuation = size, req.SkipToken()
	ctx := req.HTTP.Context()
	var page store.Page
	err = h.cfg.Store.View(ctx, func(tx store.Tx) error {
		var err error
		page, err = tx.List(ctx, q)
		return err
	})
	if errors.Is(err, store.ErrInvalid) && q.Continuation != "" {
		return Errorf(http.StatusBadRequest, "InvalidSkipToken", "The $skiptoken '%s' is invalid.", q.Continuation)
	}
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	items := make([]json.RawMessage, len(page.Documents))
	for i, d := range page.Documents {
		items[i] = d.Body
	}
	WritePage(w, req, items, page.Continuation)
	return nil
}

// decodeStrict decodes a JSON request body into v, turning syntax and
// type errors into ARM's 400 InvalidRequestContent naming the JSON path.
func decodeStrict(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return invalidContent("The request content was invalid and could not be deserialized: 'The request body is empty.'")
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalidContent("The request content was invalid and could not be deserialized: '%s at position %d.'", se.Error(), se.Offset)
	case errors.As(err, &te):
		e := invalidContent("The request content was invalid and could not be deserialized: 'Error converting a JSON %s to type '%s'. Path '%s', position %d.'",
			te.Value, jsonTypeName(te.Type), te.Field, te.Offset)
		e.Target = te.Field
		return e
	}
	return invalidContent("The request content was invalid and could not be deserialized: '%s'.", err.Error())
}

// jsonTypeName names the JSON type a Go type decodes from, for messages.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "String"
	case reflect.Bool:
		return "Boolean"
	case reflect.Map, reflect.Struct:
		return "Object"
	case reflect.Slice, reflect.Array:
		return "Array"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return "Number"
}

// methodNotAllowed is ARM's answer to an HTTP method a route does not
// support.
func methodNotAllowed(req *Request) error {
	return Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
		"The requested resource does not support http method '%s'.", req.HTTP.Method)
}

// canonicalID rewrites the built-in keywords of an id in ARM's casing
// ("/subscriptions/{s}/resourceGroups/{rg}/…"); the Go SDK sends
// "resourcegroups" in lower case, but ARM answers with the canonical form.
func canonicalID(id armid.ID) armid.ID {
	s := id.String()
	segs := strings.SplitN(s, "/", 5)
	if len(segs) < 2 || !strings.EqualFold(segs[1], "subscriptions") {
		return id
	}
	changed := segs[1] != "subscriptions"
	segs[1] = "subscriptions"
	if len(segs) >= 4 && strings.EqualFold(segs[3], "resourceGroups") && segs[3] != "resourceGroups" {
		segs[3], changed = "resourceGroups", true
	}
	if !changed {
		return id
	}
	c, err := armid.Parse(strings.Join(segs, "/"))
	if err != nil {
		return id
	}
	return c
}
