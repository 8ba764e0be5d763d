package custodian

import (
	"net/http"

	"github.com/medledger/medledger/httpsig"
	"github.com/medledger/medledger/state"
)

// verifySigned verifies r's RFC 9421 signature against the keys of snap,
// reading at most maxBody of its body, with this node's replay guard: a
// captured signed request (an upload, a FHIR read) cannot be sent again
// while its signature is fresh.
func (s *Service) verifySigned(r *http.Request, snap state.Reader, maxBody int64) (httpsig.Verified, error) {
	s.guardOnce.Do(func() { s.guard = httpsig.NewNonceCache(0) })
	return httpsig.Verify(r, s.lookup(snap), s.Now(), httpsig.WithMaxBody(maxBody), httpsig.WithReplayGuard(s.guard))
}
