package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/palisade/palisade/api"
	"github.com/palisade/palisade/armid"
	"github.com/palisade/palisade/authz"
	"github.com/palisade/palisade/identity"
	"github.com/palisade/palisade/store"
)

// mountRBAC checks every ARM request against role assignments and serves the roleAssignments,
// roleDefinitions and permissions families.
func (s *Server) mountRBAC(tenant string, dir identity.Directory) {
	s.arm.SetAuthorizer(authz.NewAuthorizer(s.st, nil))
	users := authz.DirectoryPrincipalType(dir)
	principalType := func(ctx context.Context, oid string) (string, error) {
		if ok, err := api.IsGroup(ctx, s.st, oid); err != nil || ok {
			return "Group", err
		}
		return users(ctx, oid)
	}
	rh := &authz.Handlers{Store: s.st, TenantID: tenant, CheckScope: api.CheckScope, WriteError: api.WriteError,
		PrincipalType: principalType}
	serve := func(f func(*authz.Handlers, http.ResponseWriter, authz.Call)) api.ProviderHandler {
		return api.ProviderHandlerFunc(func(w http.ResponseWriter, r *api.Request) {
			f(rh, w, authz.Call{HTTP: r.HTTP, ID: r.ID, Collection: r.IsCollection(), Body: r.Body,
				Caller: authz.PrincipalOf(r.Principal),
				Record: func(ctx context.Context, tx store.Tx, doc *store.Document, status int) error {
					return s.arm.RecordAdministrative(ctx, tx, r, doc, status)
				}})
		})
	}
	s.arm.Handle(authz.RoleAssignmentType, serve((*authz.Handlers).ServeRoleAssignment))
	s.arm.Handle(authz.RoleDefinitionType, serve((*authz.Handlers).ServeRoleDefinition))
	s.arm.Handle("Microsoft.Authorization/permissions", serve((*authz.Handlers).ServePermissions))
}

// ensureOwners gives the administrator user and the bootstrap service principal Owner at the
// tenant root, on every start (idempotent), so that a data folder always has someone who can
// manage it.
func (s *Server) ensureOwners(ctx context.Context, appID string, created *identity.SPBootstrap) error {
	admin, err := s.ident.GetUser(ctx, "admin")
	if err != nil {
		return fmt.Errorf("find the admin user: %w", err)
	}
	spObject := ""
	if created != nil {
		spObject = created.ObjectID
	} else {
		sps, err := s.ident.ListServicePrincipals(ctx)
		if err != nil {
			return fmt.Errorf("find the administrator service principal: %w", err)
		}
		for _, sp := range sps {
			if appID != "" && strings.EqualFold(sp.AppID, appID) || appID == "" && sp.DisplayName == adminSPDisplay {
				spObject = sp.ObjectID
			}
		}
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := authz.EnsureAssignment(ctx, tx, armid.Root, authz.OwnerRoleID, admin.ObjectID, "User"); err != nil {
			return fmt.Errorf("make admin Owner: %w", err)
		}
		if spObject != "" {
			if _, err := authz.EnsureAssignment(ctx, tx, armid.Root, authz.OwnerRoleID, spObject, "ServicePrincipal"); err != nil {
				return fmt.Errorf("make the administrator service principal Owner: %w", err)
			}
		}
		return nil
	})
}
