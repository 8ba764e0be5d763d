// Package credentials is the credentials module: which organization may
// issue which kind of credential in which jurisdiction (an issuer registry
// decided by the consortium's vote), the credentials issued (licences,
// registrations, clinical privileges), their status (active, suspended,
// revoked) as W3C Bitstring Status Lists, and whether governance has
// switched licence checks on for supply, records and claims. It answers
// those checks for the other modules through app.Licences.
//
// A credential itself is a W3C Verifiable Credential 2.0 secured as
// VC-JOSE (application/vc+jwt), signed off-chain by a member of the issuing
// organization with its Ed25519 key (package credentials/vc) and handed to
// its holder. The chain holds only what a verifier needs to check one: its
// SHA-256 digest, type, subject, issuer, the issuer's key, its jurisdiction
// and validity period, and its status entry. Nothing else of it reaches the
// chain: no names, licence numbers, specialties or free text (a status
// change carries a reason code, never words).
//
// The package owns the state under "credentials/". Its handlers are
// deterministic: they read only ctx.KV (and the identity module through
// ctx.IDs), and their only clock is the block time. It MUST NOT import
// another module, read another module's keys, or do I/O; its REST routes
// (http.go) run on committed snapshots in the API server.
package credentials
