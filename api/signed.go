// Signed reads: who is asking, for routes that serve patient-scoped or
// commercially sensitive state only to those entitled to it.

package api

import (
	"crypto/ed25519"
	"net/http"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/state"
)

// SignedReads authenticates the signers of GET requests: HTTP Message
// Signatures (RFC 9421, package httpsig) over the request, verified
// against the signer's current key on chain (a member, a patient, or a
// patient's pseudonym), fresh (created within httpsig's window) and never
// replayed (a nonce is accepted once while the signature is valid). It
// decides who is asking, never what they may read: each route does that
// from state, with the Requester it returns.
//
// Chain state is replicated to every validator, so this guards the API,
// not the data: a node serves details of a claim, a prior authorization or
// an explanation of benefits only to the parties to it, and others get
// counts. Reads of this kind MUST NOT be served unsigned.
//
// Make one per node (its replay guard is per node, in memory) and share it
// between the routes that need it. The zero value is not usable.
type SignedReads struct {
	ids    app.Identities
	latest func() state.Reader
	guard  *httpsig.NonceCache
	// Now is the clock that judges a signature's freshness; time.Now
	// unless a test sets it.
	Now func() time.Time
	// Options are extra verification options: WithExpectedScheme and
	// WithExpectedAuthority for a node behind a TLS-terminating proxy.
	Options []httpsig.VerifyOption
}

// NewSignedReads returns the authenticator of a node whose identities ids
// answers and whose latest committed state latest returns (keys are
// checked against the newest state, so a rotated or suspended key is
// refused at once).
func NewSignedReads(ids app.Identities, latest func() state.Reader) *SignedReads {
	return &SignedReads{ids: ids, latest: latest, guard: httpsig.NewNonceCache(1 << 16), Now: time.Now}
}

// Requester is who signed a request.
type Requester struct {
	app.Signer
	// KeyID is the key that signed (the signer's current key).
	KeyID string
}

// Signed reports whether r carries an RFC 9421 signature at all.
func Signed(r *http.Request) bool {
	return r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != ""
}

// Require authenticates r's signer. Returns httpsig's errors for a missing,
// malformed, stale, replayed or wrong signature, and tx/unknown-signer,
// tx/suspended-signer or tx/key-mismatch for a signer the chain does not
// accept.
func (s *SignedReads) Require(r *http.Request) (Requester, error) {
	snap := s.latest()
	lookup := func(keyID string) (ed25519.PublicKey, error) {
		signer, kid, err := httpsig.SplitKeyID(keyID)
		if err != nil {
			return nil, err
		}
		_, pub, err := s.ids.Authenticate(snap, signer, kid)
		return pub, err
	}
	opts := append([]httpsig.VerifyOption{httpsig.WithReplayGuard(s.guard), httpsig.WithMaxBody(MaxBodyBytes)}, s.Options...)
	v, err := httpsig.Verify(r, lookup, s.Now(), opts...)
	if err != nil {
		return Requester{}, err
	}
	id, kid, _ := httpsig.SplitKeyID(v.KeyID)
	who, _, err := s.ids.Authenticate(snap, id, kid)
	if err != nil {
		return Requester{}, err
	}
	return Requester{Signer: who, KeyID: kid}, nil
}

// Optional authenticates r's signer if r is signed; an unsigned request
// gives ok false and no error (the route serves what anyone may read). A
// signed request that does not verify is refused as Require refuses it.
func (s *SignedReads) Optional(r *http.Request) (who Requester, ok bool, err error) {
	if !Signed(r) {
		return Requester{}, false, nil
	}
	who, err = s.Require(r)
	return who, err == nil, err
}
