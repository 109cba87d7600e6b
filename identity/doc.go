// Package identity is Palisade's identity layer: a built-in, Entra-ID-shaped
// token issuer (users with passwords and TOTP, service principals with client
// secrets or certificates, the OAuth 2.0 flows Azure clients use), verification
// of bearer tokens from the built-in issuer and from external OIDC issuers, and
// the mapping from token claims to the requestContext().identity object that
// Azure Policy rules evaluate.
//
// The package answers one question for the rest of Palisade: who is calling,
// and did they use multi-factor authentication in this sign-in? Tokens carry
// Entra's claim names (amr, acrs, idtyp, oid, tid, appid, scp, upn, …) so the
// built-in MFA policy definitions evaluate them exactly as Azure does.
//
// Persistence is expressed by the small interfaces Directory, Values and
// KeyStore; package memdir holds in-memory implementations and the SQL stores
// implement the same interfaces. Passwords are stored only as argon2id hashes,
// client secrets only as SHA-256 digests.
package identity
