// Package tx owns the signed transaction envelope: its wire encoding, the
// bytes that are signed, key identifiers and the envelope error codes.
//
// Decode is the one decoder of transaction bytes that arrive from outside the
// node; it is fuzzed and MUST NOT panic on any input. This package checks the
// envelope's form and signature only: whether the signer exists, may act, or
// has sent the transaction before is decided by the app from state.
//
// Wire format (docs/transactions.md is the normative description):
//
//	tx        = version(1 byte, 0x01) || signature(64 bytes) || payload
//	signature = Ed25519(signer key, "medledger/tx/v1\n" || payload)
//	payload   = a JSON object {"chain_id","type","signer","key_id","nonce","expires","body"}
//
// The signature covers the exact payload bytes sent, so no canonical JSON is
// needed: a verifier never re-encodes anything.
package tx
