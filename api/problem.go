package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/medledger/medledger"
)

// Problem is an RFC 9457 problem document, with medledger's extensions.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Codespace string `json:"codespace,omitempty"`
	Code      uint32 `json:"code,omitempty"`
	Hash      string `json:"hash,omitempty"`   // the transaction concerned, if any
	Height    int64  `json:"height,omitempty"` // the block concerned, if any
}

// ProblemType is the type URI of a problem of a code.
func ProblemType(codespace, slug string) string {
	return "urn:medledger:problem:" + codespace + ":" + slug
}

// StatusOf is the one table from error kinds to HTTP statuses.
func StatusOf(k medledger.Kind) int {
	switch k {
	case medledger.KindInvalid:
		return http.StatusBadRequest
	case medledger.KindUnauthorized:
		return http.StatusForbidden
	case medledger.KindNotFound:
		return http.StatusNotFound
	case medledger.KindConflict:
		return http.StatusConflict
	case medledger.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case medledger.KindGone:
		return http.StatusGone
	case medledger.KindUnavailable:
		return http.StatusServiceUnavailable
	case medledger.KindUnauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// ProblemOf converts an error to a problem document. An internal error is
// shown only as "internal error".
func ProblemOf(err error) Problem {
	e := medledger.As(err)
	p := Problem{Type: ProblemType(e.Codespace, e.Slug), Title: e.Slug, Status: StatusOf(e.Kind), Detail: e.Detail, Codespace: e.Codespace, Code: e.Code}
	if e.Kind == medledger.KindInternal {
		p.Detail = "internal error"
	}
	return p
}

// WriteProblem answers err as a problem document; internal errors are logged.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	var pe *ProblemError
	if errors.As(err, &pe) {
		writeProblem(w, pe.Problem)
		return
	}
	if isDamaged(err) {
		writeDamaged(w, r, err)
		return
	}
	p := ProblemOf(err)
	if p.Status == http.StatusInternalServerError {
		slog.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// Codes of the api codespace, for errors that arise at the HTTP edge.
var (
	ErrBadRequest  = medledger.Code{Codespace: "api", Code: 1, Slug: "bad-request", Kind: medledger.KindInvalid}
	ErrNotFound    = medledger.Code{Codespace: "api", Code: 2, Slug: "not-found", Kind: medledger.KindNotFound}
	ErrTooLarge    = medledger.Code{Codespace: "api", Code: 3, Slug: "too-large", Kind: medledger.KindTooLarge}
	ErrUnavailable = medledger.Code{Codespace: "api", Code: 4, Slug: "unavailable", Kind: medledger.KindUnavailable}
	ErrTimeout     = medledger.Code{Codespace: "api", Code: 5, Slug: "commit-timeout", Kind: medledger.KindUnavailable}
	ErrNotSent     = medledger.Code{Codespace: "api", Code: 6, Slug: "not-sent", Kind: medledger.KindConflict}
	// ErrMethod is answered with 405 and an Allow header.
	ErrMethod = medledger.Code{Codespace: "api", Code: 7, Slug: "method-not-allowed", Kind: medledger.KindInvalid}
)

// WriteJSON answers v as JSON with status 200.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		slog.Debug("api: write response", "err", err)
	}
}
