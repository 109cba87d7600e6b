// Package store defines how Palisade persists everything that is an ARM object
// (management groups, subscriptions, resource groups, resources, policy objects,
// role assignments, identity objects), the activity log and short-lived values.
//
// Every ARM object is a Document keyed by its lower-cased resource id. The
// interfaces here are implemented by store/sqlite (the embedded default) and
// store/postgres (for several replicas); store/storetest holds the one
// conformance suite both must pass.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors that callers branch on. Implementations wrap them with context, so
// test them with errors.Is.
var (
	// ErrNotFound reports a missing document, value or lock.
	ErrNotFound = errors.New("store: not found")
	// ErrPreconditionFailed reports that an If-Match or If-None-Match
	// condition did not hold; the HTTP layer answers 412.
	ErrPreconditionFailed = errors.New("store: precondition failed")
	// ErrConflict reports a write that collided with a concurrent transaction
	// (serialization failure, deadlock, busy database); retrying the whole
	// transaction may succeed.
	ErrConflict = errors.New("store: conflict with a concurrent transaction")
	// ErrReadOnly reports a write attempted inside View.
	ErrReadOnly = errors.New("store: write in a read-only transaction")
	// ErrInvalid reports a document, query or continuation token that the
	// store cannot accept (bad JSON body, key that is not the lower-cased id).
	ErrInvalid = errors.New("store: invalid argument")
)

// Document is one stored ARM object. The lower-cased columns are what lists
// filter on; Body is the full ARM JSON as served to clients.
type Document struct {
	// ID is the resource id in the caller's casing from the first create;
	// later writes with other casing keep it, as ARM does.
	ID string
	// Key is the lower-cased ID, the primary key. Put fills it from ID when
	// empty.
	Key string
	// Type is the full resource type, lower-cased by Put
	// ("microsoft.storage/storageaccounts").
	Type string
	// ParentKey is the key of the containing object: the resource group for
	// a resource, the subscription for a resource group, the scope for an
	// extension resource, the parent for a nested resource.
	ParentKey string
	// SubscriptionID and ResourceGroup are lower-cased by Put; empty for
	// objects above them.
	SubscriptionID, ResourceGroup string
	// Name is the last name segment in the caller's casing.
	Name string
	// Location is the normalised location ("westeurope"); compared
	// case-insensitively; empty for objects without one.
	Location string
	// Tags are the object's tags; tag names match case-insensitively and
	// values case-sensitively in List.
	Tags map[string]string
	// Body is the full ARM JSON; it must be valid JSON and is stored byte
	// for byte.
	Body json.RawMessage
	// ETag is an opaque value the store replaces on every write (unquoted;
	// the HTTP layer adds quotes).
	ETag string
	// CreatedAt is set on the first write and kept afterwards; UpdatedAt is
	// set on every write. Both come from Tx.Now.
	CreatedAt, UpdatedAt time.Time
}

// Condition makes a Put or Delete conditional, like the HTTP If-Match and
// If-None-Match headers. The zero Condition always holds.
type Condition struct {
	// IfMatch, when not empty, requires the document to exist and, unless it
	// is "*", to have this ETag.
	IfMatch string
	// IfNoneMatch, when "*", requires the document not to exist; any other
	// non-empty value requires the current ETag to differ from it.
	IfNoneMatch string
}

// Query selects documents for Tx.List. Every non-empty field narrows the
// result; string comparisons are case-insensitive except TagValue.
type Query struct {
	// Types keeps documents of any of these full types.
	Types []string
	// ParentKey keeps direct children of this key.
	ParentKey string
	// Under keeps documents whose key starts with Under+"/" (everything
	// below an id, at any depth). Under "/" keeps everything but the root.
	Under string
	// SubscriptionID, ResourceGroup and Location compare exactly, ignoring
	// case.
	SubscriptionID, ResourceGroup, Location string
	// TagName keeps documents with that tag (name compared ignoring case);
	// with TagValue also set, the value must equal TagValue exactly.
	TagName, TagValue string
	// Limit caps the page size; zero or less means no limit.
	Limit int
	// Continuation resumes after the page that returned it.
	Continuation string
}

// Page is one page of List results, ordered by Key.
type Page struct {
	Documents []*Document
	// Continuation is empty on the last page; otherwise pass it in
	// Query.Continuation to get the next page.
	Continuation string
}

// Event is one activity-log entry. The indexed fields repeat values from
// Body so queries can filter without parsing JSON; QueryEvents returns them
// lower-cased (except ID), so serve Body, which is kept byte for byte.
type Event struct {
	// ID is the eventDataId; the store generates one when empty. IDs must
	// be unique, which a generated GUID is; the SQLite store does not check
	// it (an index on ids would cost every write a B-tree insert).
	ID string
	// SubscriptionID is empty for tenant-level events.
	SubscriptionID string
	TenantID       string
	ResourceGroup  string
	ResourceID     string
	// Provider is the resource provider namespace ("Microsoft.Storage").
	Provider      string
	CorrelationID string
	Caller        string
	// Status is Started, Accepted, Succeeded or Failed.
	Status string
	// Level is Critical, Error, Warning, Informational or Verbose.
	Level string
	// Category is Administrative, Policy, Security and so on.
	Category      string
	OperationName string
	// Timestamp is the eventTimestamp, stored with microsecond precision.
	Timestamp time.Time
	// Body is the full event JSON as served.
	Body json.RawMessage
}

// EventQuery selects activity-log events. From and To are required; every
// other non-empty field narrows the result and compares ignoring case.
type EventQuery struct {
	// SubscriptionID selects a subscription's events; when empty, TenantID
	// selects tenant-level events (those without a subscription). When both
	// are empty, all events match.
	SubscriptionID string
	TenantID       string
	// From and To bound Timestamp, both inclusive.
	From, To time.Time
	// ResourceGroup matches the resource group name.
	ResourceGroup string
	// ResourceID matches the resource id exactly.
	ResourceID string
	// ResourceIDPrefix matches that id and every id below it.
	ResourceIDPrefix string
	Provider         string
	CorrelationID    string
	Caller           string
	Status           string
	// Levels keeps events with any of these levels.
	Levels   []string
	Category string
	// Limit caps the page size; zero or less means no limit.
	Limit int
	// Continuation resumes after the page that returned it.
	Continuation string
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Events []*Event
	// Continuation is empty on the last page.
	Continuation string
}

// Store is a transactional document store. Implementations are safe for
// concurrent use.
type Store interface {
	// Update runs fn in one read-write transaction: it commits when fn
	// returns nil and rolls back when fn returns an error or panics (the
	// panic is re-raised). Subscribers are notified after the commit. fn
	// must not start another transaction on the same store (it may
	// deadlock) and should not block: backends may run fn on a shared
	// writer.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction with a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Subscribe registers fn to be called after any committed transaction
	// (in this process, or in another replica where the backend supports
	// it) that changed documents; types lists the changed documents' types,
	// lower-cased. A nil types means "anything may have changed" (for
	// example after a lost connection). fn runs on the committing or
	// listening goroutine and must return quickly.
	Subscribe(fn func(types []string))
	// TryLock takes the named lock without waiting, so that one replica at
	// a time runs a background job. ok is false when another holder has
	// it. unlock releases it; the lock is also released when the process
	// or its database session ends.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
	// Close releases the store's resources.
	Close() error
}

// Tx is one transaction. Its methods must not be used after the function
// given to Update or View returns.
type Tx interface {
	// Now is the transaction's timestamp (UTC, microsecond precision); every
	// write in the transaction uses it.
	Now() time.Time

	// Get returns the document with this key (case-insensitive), or
	// ErrNotFound.
	Get(ctx context.Context, key string) (*Document, error)
	// Put creates or replaces doc when cond holds (else
	// ErrPreconditionFailed). On replace it keeps the stored ID and Name
	// (their casing from the first create) and CreatedAt. It returns the
	// stored document with its new ETag.
	Put(ctx context.Context, doc *Document, cond Condition) (*Document, error)
	// Delete removes the document when cond holds and returns it; missing
	// documents give ErrNotFound.
	Delete(ctx context.Context, key string, cond Condition) (*Document, error)
	// DeleteUnder removes every document whose key starts with key+"/" (a
	// cascade below an id) and returns them ordered by Key. The document
	// with this key itself is kept.
	DeleteUnder(ctx context.Context, key string) ([]*Document, error)
	// List returns documents matching q, ordered by Key.
	List(ctx context.Context, q Query) (Page, error)

	// AppendEvents records activity-log events in this transaction, so an
	// event exists exactly when the write it records committed.
	AppendEvents(ctx context.Context, events []Event) error
	// QueryEvents returns events matching q, newest first.
	QueryEvents(ctx context.Context, q EventQuery) (EventPage, error)
	// DeleteEventsBefore removes events older than t (retention) and
	// returns how many.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int, error)

	// PutValue stores a short-lived value under namespace ns, replacing any
	// previous one; a zero expires never expires.
	PutValue(ctx context.Context, ns, key string, value []byte, expires time.Time) error
	// GetValue returns the value, or ErrNotFound when missing or expired.
	GetValue(ctx context.Context, ns, key string) ([]byte, error)
	// TakeValue returns and deletes the value atomically: of two
	// concurrent takers exactly one gets it, the other ErrNotFound.
	TakeValue(ctx context.Context, ns, key string) ([]byte, error)
	// DeleteExpiredValues removes expired values and returns how many.
	DeleteExpiredValues(ctx context.Context) (int, error)
}

// LatestReader is implemented by stores that read one committed document
// more cheaply than a View can: store/sqlite from memory (its single
// process sees every commit), store/postgres with one statement instead of
// a transaction's three.
type LatestReader interface {
	// GetLatest returns the latest committed version of the document with
	// this key, outside any transaction, or ErrNotFound. A client whose
	// write was acknowledged reads that write or a later one. Like View, it
	// must not be called from inside Update's function (it may wait for
	// the writer); read with the transaction there.
	GetLatest(ctx context.Context, key string) (*Document, error)
}

// GetLatest reads one document outside a transaction: with s's own
// method when s is a LatestReader, else in a View of its own. Use it where the
// read need not be consistent with other reads, such as a GET or the
// first read of a write that is made conditional on what it read.
func GetLatest(ctx context.Context, s Store, key string) (*Document, error) {
	if lr, ok := s.(LatestReader); ok {
		return lr.GetLatest(ctx, key)
	}
	var d *Document
	err := s.View(ctx, func(tx Tx) error {
		var err error
		d, err = tx.Get(ctx, key)
		return err
	})
	return d, err
}
