package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/palisade/palisade/activitylog"
	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/enforce"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

const (
	settingsNS     = "palisade.settings"
	tenantIDKey    = "tenant-id"
	adminSPDisplay = "Palisade administrator"
	adminClientKey = "admin-client-id"
)

// bootstrap fixes the tenant id (kept in the store so every start uses the
// same one), starts the issuer and the ARM API, and creates the root
// management group, the subscription, the administrator service principal
// and the admin user when missing, printing the one-time secrets.
func (s *Server) bootstrap(ctx context.Context) error {
	tenant, firstStart, err := s.tenantID(ctx)
	if err != nil {
		return err
	}
	ids := identityStore{st: s.st}
	rec := &signInRecorder{st: s.st, tenant: tenant, log: s.log}
	groupsOf := func(ctx context.Context, oid string) ([]string, error) { return api.GroupsOf(ctx, s.st, oid) }
	s.ident, err = identity.New(ctx, identity.Config{
		TenantID: tenant, BaseURL: s.url, Directory: ids, Values: ids, Keys: ids, Recorder: rec, GroupsOf: groupsOf,
		Now: s.cfg.Now, Argon2: s.cfg.Argon2, ExtraAudiences: []string{s.url, s.url + "/"},
	})
	if err != nil {
		return fmt.Errorf("identity issuer: %w", err)
	}
	s.verifier, err = identity.NewVerifier(identity.VerifierConfig{Builtin: s.ident, Now: s.cfg.Now, Recorder: rec, External: s.cfg.ExternalIssuers,
		Audiences: append(append([]string{}, identity.DefaultAudiences...), s.url, s.url+"/")})
	if err != nil {
		return fmt.Errorf("token verifier: %w", err)
	}
	s.arm, err = api.New(api.Config{Store: s.st, Verifier: s.verifier, TenantID: tenant,
		AuthorizationURI: strings.TrimSuffix(s.ident.Issuer(), "/v2.0"), BaseURL: s.cfg.PublicURL, Locations: s.cfg.Locations, PageSize: s.cfg.PageSize, Logger: s.log})
	if err != nil {
		return err
	}
	s.arm.SetPolicyHandlers(api.NewPolicyHandlers(s.arm))
	// Every write is decided by policy and recorded in the activity log.
	s.arm.SetEnforcement(&api.Enforcement{
		Engine: enforce.New(s.st, s.log), Log: activitylog.NewBuilder(time.Now, uuid.NewString),
		AuthorizeURL: s.ident.AuthorizeEndpoint(), TenantID: tenant,
	})
	s.arm.Handle(api.IdentityTypePrefix, api.NewIdentityAdmin(s.arm, s.ident))
	s.mountRBAC(tenant, ids)
	s.arm.Handle(api.PolicyInsightsPrefix, api.PolicyInsightsNotServed())
	s.arm.HandleType(api.PolicyEventsType, api.NewPolicyEvents(s.arm))
	s.arm.HandleType(api.DeploymentsType, api.DeploymentsNotServed())
	s.arm.Handle("Microsoft.Insights/eventtypes", api.ActivityLogHandler(&activitylog.Lister{Store: s.st, TenantID: tenant, BaseURL: s.cfg.PublicURL}))
	sub, created, err := api.EnsureTenant(ctx, s.st, api.TenantSetup{TenantID: tenant, SubscriptionID: s.cfg.SubscriptionID})
	if err != nil {
		return fmt.Errorf("bootstrap tenant: %w", err)
	}
	s.subID = sub
	appID, err := s.adminClientID(ctx)
	if err != nil {
		return err
	}
	sp, err := s.ident.EnsureServicePrincipal(ctx, appID, s.cfg.AdminClientSecret, adminSPDisplay)
	if err != nil {
		return fmt.Errorf("bootstrap administrator service principal: %w", err)
	}
	if sp != nil && appID == "" {
		err := s.st.Update(ctx, func(tx store.Tx) error {
			return tx.PutValue(ctx, settingsNS, adminClientKey, []byte(sp.AppID), zeroTime)
		})
		if err != nil {
			return fmt.Errorf("remember administrator client id: %w", err)
		}
	}
	admin, err := s.ident.EnsureAdmin(ctx, s.cfg.AdminPassword, s.cfg.AdminTOTPSecret)
	if err != nil {
		return fmt.Errorf("bootstrap admin user: %w", err)
	}
	if err := s.ensureOwners(ctx, appID, sp); err != nil {
		return err
	}
	if firstStart || created || sp != nil || admin != nil {
		s.printBootstrap(s.cfg.Out, tenant, sub, sp, admin)
	}
	return nil
}

// tenantID returns the stored tenant id, storing PALISADE_TENANT_ID or a
// generated one on first start. A different id configured later is an
// error rather than a silent second tenant.
func (s *Server) tenantID(ctx context.Context) (id string, first bool, err error) {
	want := s.cfg.TenantID
	if want != "" && !armid.IsGUID(want) {
		return "", false, fmt.Errorf("tenant id %q is not a GUID", want)
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		v, err := tx.GetValue(ctx, settingsNS, tenantIDKey)
		if err == nil {
			id = string(v)
			if want != "" && !strings.EqualFold(want, id) {
				return fmt.Errorf("the data folder belongs to tenant %s, not %s", id, want)
			}
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		id, first = want, true
		if id == "" {
			id = newGUID()
		}
		return tx.PutValue(ctx, settingsNS, tenantIDKey, []byte(id), zeroTime)
	})
	return id, first, err
}

// adminClientID is PALISADE_ADMIN_CLIENT_ID, or the generated id
// remembered from the first start ("" before it).
func (s *Server) adminClientID(ctx context.Context) (string, error) {
	if s.cfg.AdminClientID != "" {
		return s.cfg.AdminClientID, nil
	}
	var id string
	err := s.st.View(ctx, func(tx store.Tx) error {
		v, err := tx.GetValue(ctx, settingsNS, adminClientKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		id = string(v)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read administrator client id: %w", err)
	}
	return id, nil
}

// printBootstrap writes what the operator needs after first start; secrets
// appear only when they were just created.
func (s *Server) printBootstrap(w io.Writer, tenant, sub string, sp *identity.SPBootstrap, admin *identity.AdminBootstrap) {
	fmt.Fprintf(w, "Palisade is set up.\n\n")
	fmt.Fprintf(w, "  Endpoint (ARM and sign-in): %s\n", s.url)
	fmt.Fprintf(w, "  Tenant id:                  %s\n", tenant)
	fmt.Fprintf(w, "  Subscription id:            %s\n", sub)
	if s.tls != nil {
		fmt.Fprintf(w, "  CA certificate:             %s\n", s.tls.CA)
	}
	if sp != nil {
		fmt.Fprintf(w, "\nAdministrator service principal (the secret is shown only now):\n")
		fmt.Fprintf(w, "  AZURE_TENANT_ID=%s\n  AZURE_CLIENT_ID=%s\n  AZURE_CLIENT_SECRET=%s\n", tenant, sp.AppID, sp.Secret)
	}
	if admin != nil {
		fmt.Fprintf(w, "\nUser 'admin' (the password and authenticator seed are shown only now):\n")
		fmt.Fprintf(w, "  Password: %s\n", admin.Password)
		if admin.TOTP != nil {
			fmt.Fprintf(w, "  TOTP seed: %s\n  %s\n\n%s\n", admin.TOTP.Secret, admin.TOTP.URI, admin.TOTP.QRText)
		}
	}
	fmt.Fprintln(w)
}
