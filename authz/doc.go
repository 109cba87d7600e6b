// Package authz is Azure role-based access control (RBAC) for Palisade: role
// definitions (the built-in ones with Azure's ids and permission sets, and
// custom ones stored as documents), role assignments at any scope, and the
// check every ARM request passes before it is routed.
//
// # Basics
//
// A role definition lists action patterns ("*", "*/read",
// "Microsoft.Authorization/policyAssignments/*") a role allows, minus the
// notActions patterns of the same permission block. A role assignment gives a
// role to a principal (a user, group or service principal, by object id) at a
// scope; it applies at that scope and everything below it: management groups,
// subscriptions, resource groups, resources.
//
// Authorizer.Check answers whether a caller may perform an action at a scope,
// and returns an *AuthorizationFailedError carrying ARM's 403 body when not.
// It works on a Snapshot: every role definition and assignment compiled and
// indexed by scope and principal, rebuilt whole when any of them changes, so
// a check touches only the few scopes above the request and never the store.
//
// ActionFor and CollectionAction name the action an ARM request performs
// ("Microsoft.Resources/subscriptions/resourceGroups/write").
//
// Handlers serve the roleAssignments, roleDefinitions and permissions REST
// families in ARM's shapes (api-version 2022-04-01) for the ARM router to
// mount; EnsureAssignment writes the first Owner at bootstrap.
//
// # Caveats
//
// Deny assignments are not modelled. A role assignment with a condition
// (ABAC) is not evaluated: it grants its role's control-plane actions except
// role-assignment writes and deletes, and no data actions, so that the
// unevaluated condition never grants more than Azure would.
package authz
