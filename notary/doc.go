// Package notary owns document anchors: any active member records a
// document's SHA-256 digest with a kind tag, and anyone can later learn who
// anchored it, at which height and block time, and check that with a proof.
//
// The notary stores digests only, never documents. A digest of a guessable
// document reveals it: modules that handle patient data (records) salt their
// digests; the notary is for documents that are not PHI or are unguessable.
package notary
