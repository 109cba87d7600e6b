package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/store"
)

// TenantSetup names what EnsureTenant creates.
type TenantSetup struct {
	// TenantID is the directory id; the tenant root management group has
	// it as its name, as in Azure.
	TenantID string
	// SubscriptionID is the subscription to create under the root group;
	// when empty, one is generated unless some subscription exists.
	SubscriptionID string
	// SubscriptionName is its display name ("Palisade" when empty).
	SubscriptionName string
}

// EnsureTenant creates, when missing, the tenant root management group
// ("Tenant Root Group") and a subscription below it. It returns the
// subscription id it ensured (the first existing one when SubscriptionID
// is empty) and whether it created anything.
func EnsureTenant(ctx context.Context, st store.Store, s TenantSetup) (subscriptionID string, created bool, err error) {
	if !armid.IsGUID(s.TenantID) {
		return "", false, fmt.Errorf("tenant id %q is not a GUID", s.TenantID)
	}
	if s.SubscriptionID != "" && !armid.IsGUID(s.SubscriptionID) {
		return "", false, fmt.Errorf("subscription id %q is not a GUID", s.SubscriptionID)
	}
	if s.SubscriptionName == "" {
		s.SubscriptionName = "Palisade"
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		root := armid.MustParse(managementGroupPrefix + s.TenantID)
		if _, err := tx.Get(ctx, root.Key()); errors.Is(err, store.ErrNotFound) {
			body := NewManagementGroupBody(s.TenantID, s.TenantID, "Tenant Root Group", nil, "", "", tx.Now())
			if err := putDocument(ctx, tx, root, body); err != nil {
				return err
			}
			created = true
		} else if err != nil {
			return fmt.Errorf("read root management group: %w", err)
		}
		subscriptionID = s.SubscriptionID
		if subscriptionID == "" {
			p, err := tx.List(ctx, store.Query{Types: []string{strings.ToLower(armid.SubscriptionType)}, Limit: 1})
			if err != nil {
				return fmt.Errorf("list subscriptions: %w", err)
			}
			if len(p.Documents) > 0 {
				subscriptionID = armid.MustParse(p.Documents[0].ID).SubscriptionID()
				return nil
			}
			subscriptionID = newGUID()
		}
		subID := armid.MustParse("/subscriptions/" + subscriptionID)
		if _, err := tx.Get(ctx, subID.Key()); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("read subscription: %w", err)
		}
		if err := putDocument(ctx, tx, subID, NewSubscriptionBody(s.TenantID, subscriptionID, s.SubscriptionName)); err != nil {
			return err
		}
		created = true
		return placeSubscription(ctx, tx, s.TenantID, subscriptionID, s.TenantID, s.SubscriptionName)
	})
	return subscriptionID, created, err
}
