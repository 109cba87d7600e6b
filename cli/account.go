package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade/palisade/cli/client"
)

func newAccountCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "account",
		Short: "Manage the signed-in account, its subscriptions, locations and management groups",
	}
	addConnFlags(c)
	c.AddCommand(newAccountShowCommand(), newAccountListCommand(), newAccountSetCommand(),
		newAccountTokenCommand(), newAccountLocationsCommand(), newManagementGroupCommand())
	return c
}

// accountEntry is one subscription in az's account list/show shape.
func accountEntry(p *client.Profile, s client.Subscription) map[string]any {
	return map[string]any{
		"cloudName": "Palisade", "environmentName": "Palisade", "homeTenantId": s.TenantID, "id": s.ID,
		"isDefault": s.IsDefault, "managedByTenants": []any{}, "name": s.Name, "state": s.State,
		"tenantId": s.TenantID, "user": map[string]any{"name": p.User, "type": p.UserType},
	}
}

// accountList is the profile's subscriptions as az lists them.
func accountList(p *client.Profile) []any {
	out := []any{}
	for _, s := range p.Subscriptions {
		out = append(out, accountEntry(p, s))
	}
	return out
}

// findSubscription finds a subscription by id or name (case-insensitive).
func findSubscription(p *client.Profile, nameOrID string) (*client.Subscription, error) {
	for i, s := range p.Subscriptions {
		if strings.EqualFold(s.ID, nameOrID) || strings.EqualFold(s.Name, nameOrID) {
			return &p.Subscriptions[i], nil
		}
	}
	return nil, &ExitError{Code: 1, Err: fmt.Errorf("Subscription '%s' not found. Check the spelling and casing and try again.", nameOrID)}
}

func newAccountShowCommand() *cobra.Command {
	var sub string
	c := &cobra.Command{
		Use:     "show",
		Short:   "Show the default subscription, or the one --subscription names",
		Example: "  palisade account show\n  palisade account show --query id -o tsv",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(_ context.Context, s *session) (any, error) {
				target := s.prof.DefaultSubscription()
				if sub != "" {
					var err error
					if target, err = findSubscription(s.prof, sub); err != nil {
						return nil, err
					}
				}
				if target == nil {
					return nil, &ExitError{Code: 1, Err: fmt.Errorf("No subscription found. Run 'palisade account set' to select a subscription.")}
				}
				return accountEntry(s.prof, *target), nil
			})
		},
	}
	c.Flags().StringVarP(&sub, "subscription", "s", "", "subscription name or `ID`")
	return c
}

func newAccountListCommand() *cobra.Command {
	var refresh bool
	c := &cobra.Command{
		Use:     "list",
		Short:   "List the subscriptions of the signed-in account",
		Example: "  palisade account list -o table\n  palisade account list --refresh",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				if refresh {
					subs, err := fetchSubscriptions(ctx, s)
					if err != nil {
						return nil, err
					}
					s.prof.Subscriptions = subs
					if err := s.prof.Save(); err != nil {
						return nil, err
					}
				}
				return accountList(s.prof), nil
			})
		},
	}
	c.Flags().BoolVar(&refresh, "refresh", false, "ask the server for the current subscriptions")
	return c
}

func newAccountSetCommand() *cobra.Command {
	var sub string
	c := &cobra.Command{
		Use:     "set",
		Short:   "Make a subscription the default",
		Example: "  palisade account set --subscription 00000000-0000-0000-0000-000000000001",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(_ context.Context, s *session) (any, error) {
				target, err := findSubscription(s.prof, sub)
				if err != nil {
					return nil, err
				}
				id := target.ID
				for i := range s.prof.Subscriptions {
					s.prof.Subscriptions[i].IsDefault = s.prof.Subscriptions[i].ID == id
				}
				return nil, s.prof.Save()
			})
		},
	}
	c.Flags().StringVarP(&sub, "subscription", "s", "", "subscription name or `ID`")
	_ = c.MarkFlagRequired("subscription")
	_ = c.RegisterFlagCompletionFunc("subscription", completeSubscriptions)
	return c
}

func newAccountTokenCommand() *cobra.Command {
	var sub string
	c := &cobra.Command{
		Use:     "get-access-token",
		Short:   "Print an access token for the server's ARM API",
		Example: "  palisade account get-access-token --query accessToken -o tsv",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				tok, err := s.token(ctx)
				if err != nil {
					return nil, err
				}
				target := s.prof.DefaultSubscription()
				if sub != "" {
					if target, err = findSubscription(s.prof, sub); err != nil {
						return nil, err
					}
				}
				exp := s.prof.Token.ExpiresOn
				out := map[string]any{"accessToken": tok, "tokenType": "Bearer", "tenant": s.prof.TenantID,
					"expiresOn": exp.Local().Format("2006-01-02 15:04:05.000000"), "expires_on": exp.Unix()}
				if target != nil {
					out["subscription"] = target.ID
				}
				return out, nil
			})
		},
	}
	c.Flags().StringVarP(&sub, "subscription", "s", "", "subscription name or `ID`")
	return c
}

func newAccountLocationsCommand() *cobra.Command {
	c := &cobra.Command{
		Use:     "list-locations",
		Short:   "List the regions the subscription offers",
		Example: "  palisade account list-locations --query \"[].name\" -o tsv",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, true, func(ctx context.Context, s *session) (any, error) {
				sub, err := s.subscription()
				if err != nil {
					return nil, err
				}
				return s.arm.List(ctx, "/subscriptions/"+sub+"/locations", url.Values{"api-version": {subscriptionsAPIVersion}}, 0)
			})
		},
	}
	addSubscriptionFlag(c)
	return c
}

// addSubscriptionFlag adds az's --subscription argument.
// Its completions are the saved subscriptions (no request is sent).
func addSubscriptionFlag(c *cobra.Command) {
	c.Flags().StringP("subscription", "", "", "subscription name or `ID` (default: the account's default, see 'palisade account set')")
	_ = c.RegisterFlagCompletionFunc("subscription", completeSubscriptions)
}

// completeSubscriptions offers the ids of the saved subscriptions, with
// their names as descriptions.
func completeSubscriptions(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	p, err := client.LoadProfile()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, s := range p.Subscriptions {
		out = append(out, s.ID+"\t"+s.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// subscription returns the id of --subscription or the default subscription.
func (s *session) subscription() (string, error) {
	if v := flagString(s.cmd, "subscription"); v != "" {
		if sub, err := findSubscription(s.prof, v); err == nil {
			return sub.ID, nil
		}
		return v, nil
	}
	if d := s.prof.DefaultSubscription(); d != nil {
		return d.ID, nil
	}
	return "", &ExitError{Code: 1, Err: fmt.Errorf("No subscription found. Run 'palisade account set' to select a subscription.")}
}

// do sends one request and returns its body, waiting for a long-running
// operation to finish (with progress on a terminal).
// update is the read-modify-write behind the update commands: it reads the
// object at path, makes a PUT body of it with writable, lets edit change
// the body, and writes it back.
func (s *session) update(ctx context.Context, path, apiVersion string, writable func(cur any) map[string]any, edit func(body map[string]any) error) (any, error) {
	cur, err := s.do(ctx, http.MethodGet, path, apiVersion, nil)
	if err != nil {
		return nil, err
	}
	body := writable(cur)
	if err := edit(body); err != nil {
		return nil, err
	}
	return s.do(ctx, http.MethodPut, path, apiVersion, body)
}

// propertiesOnly is the PUT body of an object whose writable part is its
// properties (policy definitions, set definitions, exemptions).
func propertiesOnly(cur any) map[string]any {
	m, _ := cur.(map[string]any)
	return map[string]any{"properties": m["properties"]}
}

func (s *session) do(ctx context.Context, method, path, apiVersion string, body any) (any, error) {
	resp, err := s.arm.Do(ctx, method, path, url.Values{"api-version": {apiVersion}}, body)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusAccepted || resp.Header.Get("Azure-AsyncOperation") != "" {
		return s.poll(ctx, method, path, apiVersion, resp)
	}
	return resp.Value, nil
}

// poll follows an asynchronous operation (Azure-AsyncOperation or
// Location) until it ends, printing " - Running .." on a terminal only.
func (s *session) poll(ctx context.Context, method, path, apiVersion string, resp *client.Response) (any, error) {
	tty := isTerminal(s.cmd.ErrOrStderr())
	defer func() {
		if tty {
			fmt.Fprint(s.cmd.ErrOrStderr(), "\r\033[K")
		}
	}()
	opURL := firstNonEmpty(resp.Header.Get("Azure-AsyncOperation"), resp.Header.Get("Location"))
	if opURL == "" {
		return resp.Value, nil
	}
	spinner := []string{"|", "/", "-", "\\"}
	for i := 0; ; i++ {
		if tty {
			fmt.Fprintf(s.cmd.ErrOrStderr(), "\r %s Running ..", spinner[i%len(spinner)])
		}
		wait := time.Second
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if d, err := time.ParseDuration(ra + "s"); err == nil && d > 0 && d < time.Minute {
				wait = d
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		r, err := s.arm.Do(ctx, http.MethodGet, opURL, nil, nil)
		if err != nil {
			return nil, err
		}
		resp = r
		if r.Status == http.StatusAccepted {
			continue
		}
		m, _ := r.Value.(map[string]any)
		switch strings.ToLower(str(m, "status")) {
		case "", "succeeded":
			if method == http.MethodDelete {
				return nil, nil
			}
			if method == http.MethodPut || method == http.MethodPatch {
				return s.do(ctx, http.MethodGet, path, apiVersion, nil)
			}
			return r.Value, nil
		case "failed", "canceled", "cancelled":
			msg := compactJSON(m["error"])
			return nil, &ExitError{Code: 1, Err: fmt.Errorf("the operation %s: %s", strings.ToLower(str(m, "status")), msg)}
		}
	}
}
