package notary

import (
	"net/http"

	"github.com/medledger/medledger/api"
)

// HTTPRoutes are the notary's REST routes.
func HTTPRoutes(s *api.Server) []api.Route {
	return []api.Route{{Method: "GET", Path: "/v1/anchors/{digest}", Summary: "Who anchored a SHA-256 digest, at which height and block time",
		Params: []api.Param{{Name: "digest", In: "path", Description: "SHA-256, 64 lowercase hex characters"}},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			d := r.PathValue("digest")
			b := AnchorBody{Digest: d, Kind: "any"}
			if err := b.Validate(); err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			snap, err := s.Snapshot(r)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			a, err := Get(snap, d)
			if err != nil {
				api.WriteProblem(w, r, err)
				return
			}
			api.WriteJSON(w, a)
		}}}
}
