package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// scopeNode is one entry of the scope picker's tree: a management group,
// a subscription or a resource group.
type scopeNode struct {
	ID, Label, Kind string
	Children        []*scopeNode
}

// subscriptionOf returns the subscription the pages show: the configured
// one, or the first the user can see.
func (p *Portal) subscriptionOf(ctx context.Context, se *session) (string, error) {
	if p.cfg.SubscriptionID != "" {
		return p.cfg.SubscriptionID, nil
	}
	raws, err := p.list(ctx, se.token, withVersion("/subscriptions", verSubs), 1)
	if err != nil {
		return "", err
	}
	if len(raws) == 0 {
		return "", fmt.Errorf("no subscription is visible to %s", se.user)
	}
	var s struct {
		SubscriptionID string `json:"subscriptionId"`
	}
	if err := json.Unmarshal(raws[0], &s); err != nil {
		return "", fmt.Errorf("decode subscription: %w", err)
	}
	return s.SubscriptionID, nil
}

// loadScopes builds the scope tree: management groups (nested by parent),
// the subscriptions under them and each subscription's resource groups.
func (p *Portal) loadScopes(ctx context.Context, token string) ([]*scopeNode, error) {
	mgRaws, err := p.list(ctx, token, withVersion("/providers/Microsoft.Management/managementGroups", verMG), 0)
	if err != nil {
		return nil, err
	}
	nodes := map[string]*scopeNode{}
	parents := map[string]string{}
	var order []string
	for _, r := range mgRaws {
		var mg struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			Properties struct {
				DisplayName string `json:"displayName"`
				Details     struct {
					Parent struct {
						ID string `json:"id"`
					} `json:"parent"`
				} `json:"details"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(r, &mg); err != nil {
			return nil, fmt.Errorf("decode management group: %w", err)
		}
		label := mg.Properties.DisplayName
		if label == "" {
			label = mg.Name
		}
		k := strings.ToLower(mg.ID)
		nodes[k] = &scopeNode{ID: mg.ID, Label: label, Kind: "Management group"}
		parents[k] = strings.ToLower(mg.Properties.Details.Parent.ID)
		order = append(order, k)
	}
	var roots []*scopeNode
	for _, k := range order {
		if par := nodes[parents[k]]; par != nil && parents[k] != k {
			par.Children = append(par.Children, nodes[k])
		} else {
			roots = append(roots, nodes[k])
		}
	}
	subRaws, err := p.list(ctx, token, withVersion("/subscriptions", verSubs), 0)
	if err != nil {
		return nil, err
	}
	for _, r := range subRaws {
		var s struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
			SubID       string `json:"subscriptionId"`
		}
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fmt.Errorf("decode subscription: %w", err)
		}
		sn := &scopeNode{ID: s.ID, Label: s.DisplayName + " (" + s.SubID + ")", Kind: "Subscription"}
		groups, err := p.listResourceGroups(ctx, token, s.SubID)
		if err != nil {
			return nil, err
		}
		for _, rg := range groups {
			sn.Children = append(sn.Children, &scopeNode{ID: rg.ID, Label: rg.Name, Kind: "Resource group"})
		}
		sort.Slice(sn.Children, func(i, j int) bool {
			return strings.ToLower(sn.Children[i].Label) < strings.ToLower(sn.Children[j].Label)
		})
		// Subscriptions hang under the tenant root group, as in Azure when
		// no other group claims them.
		if len(roots) > 0 {
			roots[0].Children = append(roots[0].Children, sn)
		} else {
			roots = append(roots, sn)
		}
	}
	return roots, nil
}

// location is a region of the subscription's locations list.
type location struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// loadLocations lists the regions for the region pickers.
func (p *Portal) loadLocations(ctx context.Context, token, sub string) ([]location, error) {
	p.locMu.Lock()
	cached := p.locations[strings.ToLower(sub)]
	p.locMu.Unlock()
	if cached != nil {
		return cached, nil
	}
	raws, err := p.list(ctx, token, withVersion("/subscriptions/"+sub+"/locations", verSubs), 0)
	if err != nil {
		return nil, err
	}
	out := make([]location, 0, len(raws))
	for _, r := range raws {
		var l location
		if err := json.Unmarshal(r, &l); err != nil {
			return nil, fmt.Errorf("decode location: %w", err)
		}
		out = append(out, l)
	}
	// The region list is the server's configuration: it does not change
	// while it runs.
	p.locMu.Lock()
	if p.locations == nil {
		p.locations = map[string][]location{}
	}
	p.locations[strings.ToLower(sub)] = out
	p.locMu.Unlock()
	return out, nil
}
