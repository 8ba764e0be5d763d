// Package records owns the on-chain side of patient records and consent:
// record fingerprints (a salted digest, the custodian, the FHIR resource
// types and a category), consents that patients grant and revoke, the log of
// every disclosure (consented, break-glass or refused), and erasure marks.
//
// It MUST NOT hold record contents or anything personal: patients appear
// only by their pseudonymous ids; break-glass reasons are codes, never free
// text; digests are salted by the vault so a guessable document cannot be
// confirmed from its digest. The documents themselves live off-chain in the
// custodian's vault, which hands one out only after the disclosure that
// allows it has been committed here.
package records
