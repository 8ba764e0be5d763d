// Package vc reads and writes W3C Verifiable Credentials 2.0 as medledger
// issues them: credentials secured as VC-JOSE (application/vc+jwt, a JWS
// in compact form whose payload is the credential, EdDSA over an Ed25519
// key, through go-jose), presentations of them to a verifier (vp+jwt,
// signed by the holder over the verifier's nonce and audience), and W3C
// Bitstring Status Lists (the GZIP-compressed bitstring, base64url with a
// multibase "u" prefix, bit 0 the left-most bit).
//
// What to use:
//
//   - Issue builds and signs a credential file from what the chain will
//     record of it (credentials.IssueBody); Parse reads one back without
//     trusting it; Verify checks one against the chain's facts and lists
//     every check with its outcome.
//   - Present signs a presentation of a credential for a verifier;
//     VerifyPresentation checks one: the holder's signature, audience,
//     nonce, freshness and replay, then the credential inside.
//   - EncodeList and DecodeList are the status list's bitstring encoding;
//     StatusListCredential builds the credential the node serves, and
//     ParseStatusList reads one.
//
// Every decoder here reads outside input: each bounds its input before
// work, refuses what does not parse with an error, and never panics (the
// fuzz tests hold it). It does no I/O and reads no clock: the time of a
// check is an argument.
package vc
