package activitylog

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/palisade/palisade/identity"
)

// Request describes one ARM write as the activity log records it. The ARM
// layer fills it once per request and hands it to every Builder method, so
// that all events of the request agree.
type Request struct {
	// TenantID is the directory the request was made in.
	TenantID string
	// ResourceID is the object written, in the caller's casing.
	ResourceID string
	// ResourceType is the resource's type in canonical casing, when known
	// (the stored type); otherwise the type is read from ResourceID.
	ResourceType string
	// Method is the HTTP method (PUT, PATCH, DELETE, POST).
	Method string
	// Action is the RBAC action that was authorised
	// ("Microsoft.Storage/storageAccounts/listKeys/action"). It is derived
	// from Method and the type for PUT, PATCH and DELETE; POST needs it.
	Action string
	// Scope is the scope the action was authorised at; ResourceID when empty.
	Scope string
	// Role names the role that granted the action, when known.
	Role string
	// URI is the absolute request URI.
	URI string
	// ClientRequestID is the x-ms-client-request-id header.
	ClientRequestID string
	// ClientIPAddress is the client's address.
	ClientIPAddress string
	// CorrelationID is the x-ms-correlation-request-id answered to the client.
	CorrelationID string
	// OperationID groups the request's events; the correlation id when
	// empty, as in Azure's events for direct ARM calls.
	OperationID string
	// ServiceRequestID is the x-ms-request-id answered to the client.
	ServiceRequestID string
	// Caller is the authenticated principal.
	Caller *identity.Principal
	// RequestBody is the body sent by the client, recorded on the Started
	// event with tags masked as ARM masks them.
	RequestBody []byte
	// ResourceLocation is the resource's region (policy events).
	ResourceLocation string
	// Ancestors are the management groups above the subscription (or above
	// the management group written), direct parent first and the tenant
	// root group last. Names or full ids are accepted.
	Ancestors []string

	memo requestMemo
}

// requestMemo keeps what every event of a request derives from it alike:
// the parsed target, and the caller's claims as strings. Each entry records
// the inputs it came from, so a Request changed between events is parsed
// again.
type requestMemo struct {
	resourceID, resourceType string
	target                   target
	targetErr                error
	parsed                   bool

	caller *identity.Principal
	claims *encodedMap
}

// target returns the parsed ResourceID.
func (r *Request) target() (target, error) {
	m := &r.memo
	if !m.parsed || m.resourceID != r.ResourceID || m.resourceType != r.ResourceType {
		m.target, m.targetErr = targetOf(r.ResourceID, r.ResourceType)
		m.resourceID, m.resourceType, m.parsed = r.ResourceID, r.ResourceType, true
	}
	return m.target, m.targetErr
}

// claims returns the caller's claims as strings, with their encoding. The
// events of a request share them, and so do the requests of one verified
// token (see callerClaims).
func (r *Request) claims() *encodedMap {
	if r.memo.caller != r.Caller || r.memo.claims == nil {
		r.memo.caller, r.memo.claims = r.Caller, callerClaims(r.Caller)
	}
	return r.memo.claims
}

// claimsByCaller keeps a caller's claims, as events carry them, by principal. A caller sends many
// requests with one token and the token verifier hands out the same
// read-only Principal for all of them, so the claims are converted once per
// token. Bounded: past maxCachedCallers entries the cache starts over.
var (
	claimsByCaller sync.Map // *identity.Principal -> *encodedMap
	cachedCallers  atomic.Int64
)

const maxCachedCallers = 4096

func callerClaims(p *identity.Principal) *encodedMap {
	if c, ok := claimsByCaller.Load(p); ok {
		return c.(*encodedMap)
	}
	m := claimStrings(p.RequestIdentity())
	c := &encodedMap{of: m, json: appendStringMap(nil, m)}
	if cachedCallers.Add(1) > maxCachedCallers {
		claimsByCaller.Clear()
		cachedCallers.Store(1)
	}
	claimsByCaller.Store(p, c)
	return c
}

// Builder makes the events of requests. Its clock and id generator are
// injected so that tests (and replays) are deterministic.
type Builder struct {
	now   func() time.Time
	newID func() string
}

// NewBuilder returns a Builder reading the time from now and event ids from
// newID; nil means time.Now and time-ordered GUIDs (version 7: consecutive
// events get neighbouring ids, so the store appends to its id index instead
// of touching a random page of it for every event).
func NewBuilder(now func() time.Time, newID func() string) *Builder {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = newEventID
	}
	return &Builder{now: now, newID: newID}
}

// newEventID returns a version 7 GUID; a failure of the random source,
// which crypto/rand does not have on supported platforms, falls back to a
// random one.
func newEventID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Started returns the BeginRequest event Azure writes when ARM accepts a
// write: status Started, level Informational, the request body in
// properties.requestbody.
func (b *Builder) Started(r *Request) (*Event, error) {
	e, err := b.administrative(r)
	if err != nil {
		return nil, err
	}
	e.EventName = beginRequest
	e.Status = Same(StatusStarted)
	if len(bytes.TrimSpace(r.RequestBody)) > 0 {
		e.Properties["requestbody"] = maskTags(r.RequestBody)
	}
	return e, nil
}

// Finished returns the EndRequest event of a write answered with
// statusCode: Succeeded (Accepted for 202) at level Informational, or
// Failed at level Error for 4xx and 5xx. properties carry the status name,
// the x-ms-request-id and the response body as a string (statusMessage as
// well on failure).
func (b *Builder) Finished(r *Request, statusCode int, responseBody []byte) (*Event, error) {
	e, err := b.administrative(r)
	if err != nil {
		return nil, err
	}
	e.EventName = endRequest
	e.SubStatus = SubStatus(statusCode)
	switch {
	case statusCode >= 400:
		e.Status = Same(StatusFailed)
		e.Level = LevelError
	case statusCode == 202:
		e.Status = Same(StatusAccepted)
	default:
		e.Status = Same(StatusSucceeded)
	}
	e.Properties["statusCode"] = StatusName(statusCode)
	if r.ServiceRequestID != "" {
		e.Properties["serviceRequestId"] = r.ServiceRequestID
	}
	if body := string(bytes.TrimSpace(responseBody)); body != "" {
		e.Properties["responseBody"] = body
		if statusCode >= 400 {
			e.Properties["statusMessage"] = body
		}
	}
	return e, nil
}

// administrative fills what both Administrative events of a request share.
func (b *Builder) administrative(r *Request) (*Event, error) {
	action, err := r.action()
	if err != nil {
		return nil, err
	}
	e, t, err := b.base(r, action)
	if err != nil {
		return nil, err
	}
	e.Category = Same(CategoryAdministrative)
	e.Level = LevelInformational
	e.OperationName = Operation(action)
	e.HTTPRequest = &HTTPRequest{
		ClientRequestID: r.ClientRequestID,
		ClientIPAddress: r.ClientIPAddress,
		Method:          strings.ToUpper(r.Method),
		URI:             r.URI,
	}
	e.Properties = map[string]string{
		"eventCategory": CategoryAdministrative,
		"entity":        t.id,
		"message":       action,
		"hierarchy":     r.hierarchy(t.sub),
	}
	return e, nil
}

// base fills the fields every event of the request shares.
func (b *Builder) base(r *Request, action string) (*Event, target, error) {
	t, err := r.target()
	if err != nil {
		return nil, target{}, err
	}
	now := b.now().UTC().Truncate(time.Microsecond)
	id := b.newID()
	scope := r.Scope
	if scope == "" {
		scope = t.id
	}
	e := &Event{
		Authorization:        &Authorization{Action: action, Role: r.Role, Scope: scope},
		Channels:             ChannelOperation,
		CorrelationID:        r.CorrelationID,
		EventDataID:          id,
		EventTimestamp:       Timestamp(now),
		ID:                   EventID(t.id, id, now),
		OperationID:          r.operationID(),
		ResourceGroupName:    t.group,
		ResourceProviderName: Provider(t.provider),
		ResourceType:         Same(t.typ),
		ResourceID:           t.id,
		SubmissionTimestamp:  Timestamp(now),
		SubscriptionID:       t.sub,
		TenantID:             r.TenantID,
		RelatedEvents:        []json.RawMessage{},
	}
	if p := r.Caller; p != nil {
		e.Caller = p.Caller()
		c := r.claims()
		e.Claims, e.claimsJSON = c.of, *c
	}
	return e, t, nil
}

// action returns the RBAC action of the request.
func (r *Request) action() (string, error) {
	if r.Action != "" {
		return r.Action, nil
	}
	v, err := verb(r.Method)
	if err != nil {
		return "", err
	}
	t, err := r.target()
	if err != nil {
		return "", err
	}
	return t.typ + "/" + v, nil
}

func (r *Request) operationID() string {
	if r.OperationID != "" {
		return r.OperationID
	}
	return r.CorrelationID
}

// ancestorNames returns the management-group names of Ancestors.
func (r *Request) ancestorNames() []string {
	out := make([]string, 0, len(r.Ancestors))
	for _, a := range r.Ancestors {
		a = strings.TrimSuffix(a, "/")
		if i := strings.LastIndexByte(a, '/'); i >= 0 {
			a = a[i+1:]
		}
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

// hierarchy is properties.hierarchy of Administrative events: the
// management-group path from the tenant root down, then the subscription
// ("{tenant root}/{subscription}" for a subscription directly under the
// root, whose group name is the tenant id).
func (r *Request) hierarchy(sub string) string {
	names := r.ancestorNames()
	path := make([]string, 0, len(names)+1)
	for i := len(names) - 1; i >= 0; i-- {
		path = append(path, names[i])
	}
	if len(path) == 0 && r.TenantID != "" {
		path = append(path, r.TenantID)
	}
	if sub != "" {
		path = append(path, sub)
	}
	return strings.Join(path, "/")
}

// claimStrings copies the claims object (whose values are strings) into
// the event's map of strings.
func claimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch s := v.(type) {
		case string:
			out[k] = s
		default:
			b, err := json.Marshal(s)
			if err == nil {
				out[k] = string(b)
			}
		}
	}
	return out
}

// maskTags returns the request body as recorded on a Started event: the
// JSON text with the value of a top-level "tags" replaced by "******", as
// ARM hides tag values there; other bodies are kept as sent.
func maskTags(body []byte) string {
	if out, ok := maskTagsFast(body); ok {
		return out
	}
	return maskTagsDecoding(body)
}

// maskTagsFast is maskTags for the common body, a JSON object whose member
// names have no escapes, without decoding it. It reports false for
// anything else, which maskTagsDecoding handles; FuzzMaskTagsFast holds
// the two equal where both answer.
func maskTagsFast(body []byte) (string, bool) {
	type member struct{ name, value []byte }
	var members [16]member
	list := members[:0]
	masked := false
	i := skipSpace(body, 0)
	if i == len(body) || body[i] != '{' {
		return string(body), true
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return string(body), true
	}
	for {
		if i == len(body) || body[i] != '"' {
			return "", false
		}
		end := i + 1
		for end < len(body) && body[end] != '"' {
			if body[end] == '\\' || body[end] < 0x20 || body[end] >= utf8.RuneSelf {
				return "", false
			}
			end++
		}
		if end == len(body) {
			return "", false
		}
		name := body[i+1 : end]
		i = skipSpace(body, end+1)
		if i == len(body) || body[i] != ':' {
			return "", false
		}
		start := skipSpace(body, i+1)
		stop := skipValue(body, start)
		if stop < 0 {
			return "", false
		}
		if bytes.EqualFold(name, []byte("tags")) {
			masked = true
		}
		list = append(list, member{name, body[start:stop]})
		i = skipSpace(body, stop)
		if i == len(body) {
			return "", false
		}
		if body[i] == '}' {
			break
		}
		if body[i] != ',' {
			return "", false
		}
		i = skipSpace(body, i+1)
	}
	if !masked {
		return string(body), true
	}
	out := bytes.NewBuffer(make([]byte, 0, len(body)))
	out.WriteByte('{')
	for k, m := range list {
		if k > 0 {
			out.WriteByte(',')
		}
		out.Write(appendString(out.AvailableBuffer(), string(m.name)))
		out.WriteByte(':')
		if bytes.EqualFold(m.name, []byte("tags")) {
			if !json.Valid(m.value) {
				return "", false
			}
			out.WriteString(`"******"`)
			continue
		}
		if err := json.Compact(out, m.value); err != nil {
			return "", false
		}
	}
	out.WriteByte('}')
	return out.String(), true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i], or -1 when
// it does not end. It checks only the nesting; json.Compact validates the
// value.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(b) {
				return -1
			}
			i++
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			i++
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
			i++
		default:
			i++
		}
		if depth == 0 && i > 0 && (b[i-1] == '"' || b[i-1] == '}' || b[i-1] == ']') {
			return i
		}
	}
	if depth == 0 {
		return i
	}
	return -1
}

// maskTagsDecoding is maskTags for any body, reading it with a JSON
// decoder.
func maskTagsDecoding(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return string(body)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	masked := false
	for first := true; dec.More(); first = false {
		keyTok, err := dec.Token()
		if err != nil {
			return string(body)
		}
		key, _ := keyTok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return string(body)
		}
		if !first {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		if strings.EqualFold(key, "tags") {
			out.WriteString(`"******"`)
			masked = true
			continue
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, val); err != nil {
			return string(body)
		}
		out.Write(compact.Bytes())
	}
	if !masked {
		return string(body)
	}
	out.WriteByte('}')
	return out.String()
}
