package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/palisade/palisade/store"
)

// StoredHierarchy reads the management-group tree from the documents the
// ARM management-group API stores (api-version 2021-04-01 shapes): each
// group's properties.details.parent.id, and each subscription's membership
// document ".../managementGroups/{group}/subscriptions/{subscriptionId}".
// The root is the one group without a parent.
func StoredHierarchy(ctx context.Context, tx store.Tx) (map[string]string, string, error) {
	parents := map[string]string{}
	groups, err := store.ListAll(ctx, tx, store.Query{Types: []string{managementGroupPrefix}})
	if err != nil {
		return nil, "", err
	}
	var roots []string
	for _, d := range groups {
		var g struct {
			Properties struct {
				Details struct {
					Parent *struct {
						ID string `json:"id"`
					} `json:"parent"`
				} `json:"details"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(d.Body, &g); err != nil {
			return nil, "", fmt.Errorf("management group %s: %w", d.ID, err)
		}
		if p := g.Properties.Details.Parent; p != nil && p.ID != "" && !strings.EqualFold(p.ID, d.ID) {
			parents[d.Key] = strings.ToLower(p.ID)
		} else {
			roots = append(roots, d.ID)
		}
	}
	members, err := store.ListAll(ctx, tx, store.Query{Types: []string{managementGroupPrefix + "/subscriptions"}})
	if err != nil {
		return nil, "", err
	}
	for _, d := range members {
		// The membership id is the group's id followed by
		// "/subscriptions/{subscriptionId}".
		i := strings.LastIndex(d.Key, "/subscriptions/")
		if i <= 0 {
			continue
		}
		parents[d.Key[i:]] = d.Key[:i]
	}
	root := ""
	if len(roots) == 1 {
		root = roots[0]
	}
	return parents, root, nil
}
