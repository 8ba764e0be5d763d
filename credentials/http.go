package credentials

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/credentials/statuslist"
	"github.com/medledger/medledger/state"
)

// HTTPRoutes are the credentials module's read-only REST routes, and the
// FHIR view of a clinician's qualifications. Nothing here is about a
// patient: the reads are unsigned, like organizations and pack
// verification.
func HTTPRoutes(s *api.Server) []api.Route {
	page := []api.Param{{Name: "limit", In: "query", Description: "page size"}, {Name: "cursor", In: "query", Description: "next_cursor of the previous page"}}
	snap := s.WithSnapshot
	return []api.Route{
		{Method: "GET", Path: "/v1/credentials", Summary: "Credentials on the chain with their status now (?subject= a member or organization: its whole file; ?issuer=, ?type=, ?status=active|suspended|revoked|expired)",
			Params: append([]api.Param{{Name: "subject", In: "query", Description: "a member ORG/NAME or an organization id"},
				{Name: "issuer", In: "query", Description: "the issuing organization"}, {Name: "type", In: "query", Description: "a credential type"},
				{Name: "status", In: "query", Description: "active, suspended, revoked or expired"}}, page...),
			Handler: snap(listCredentials)},
		{Method: "GET", Path: "/v1/credentials/expiring", Summary: "Credentials neither revoked nor suspended whose validity ends within a period (?within=60d): what needs renewal, soonest first",
			Params: append([]api.Param{{Name: "within", In: "query", Description: "a period: 60d, 2w, 720h (default 60d)"},
				{Name: "issuer", In: "query", Description: "the issuing organization"}, {Name: "subject", In: "query", Description: "a member or organization"}}, page...),
			Handler: snap(expiring)},
		{Method: "GET", Path: "/v1/credentials/{id}", Summary: "A credential as the chain holds it (digest, type, subject, issuer, key, validity, status entry, status changes), its status now, and whether the issuer was authorized when it issued: what a verifier checks a file against",
			Params:  []api.Param{{Name: "id", In: "path", Required: true, Description: "credential id (crd-...)"}},
			Handler: snap(oneCredential)},
		{Method: "GET", Path: "/v1/credentials/issuers", Summary: "The issuer registry: which organization may issue which credential type in which jurisdiction, with the heights each authorization held (?issuer=ORG)",
			Params: append([]api.Param{{Name: "issuer", In: "query", Description: "an organization"}}, page...), Handler: snap(issuers)},
		{Method: "GET", Path: "/v1/credentials/issuers/{org}/lists", Summary: "An issuer's status list bookkeeping: the list new credentials go into, and how full it is",
			Params: []api.Param{{Name: "org", In: "path", Required: true, Description: "the issuing organization"}}, Handler: snap(lists)},
		{Method: "GET", Path: "/v1/credentials/status/{org}/{list}/{purpose}", Summary: "An issuer's W3C Bitstring Status List credential (application/vc): bit i set when the credential at status index i is revoked (purpose revocation) or suspended (suspension) now",
			Params: []api.Param{{Name: "org", In: "path", Required: true, Description: "the issuing organization"},
				{Name: "list", In: "path", Required: true, Description: "the list number (a credential's status entry names it)"},
				{Name: "purpose", In: "path", Required: true, Description: "revocation or suspension"}},
			Handler: snap(statusList)},
		{Method: "GET", Path: "/v1/credentials/types", Summary: "The credential types the chain knows, what each may be issued to, the reason codes of status changes and the licence check scopes", Handler: types},
		{Method: "GET", Path: "/v1/credentials/enforcement", Summary: "Whether licence checks are on, for each scope (supply, records, claims)", Handler: snap(enforcement)},
		{Method: "GET", Path: "/v1/credentials/proposals", Summary: "Governance proposals to change the issuer registry or licence enforcement", Params: page, Handler: snap(proposals)},
		{Method: "GET", Path: "/v1/credentials/proposals/{id}", Summary: "A governance proposal of the credentials module",
			Params: []api.Param{{Name: "id", In: "path", Required: true, Description: "proposal number"}}, Handler: snap(oneProposal)},
		{Method: "GET", Path: "/fhir/Practitioner/{id}", Summary: "FHIR R4 Practitioner of a member (id ORG.NAME) with its qualifications: the credentials valid now",
			Params: []api.Param{{Name: "id", In: "path", Required: true, Description: "the member ORG/NAME written ORG.NAME"}}, Handler: snap(practitioner)},
	}
}

// FactsOf is a credential as GET /v1/credentials/{id} answers it: with its
// status at the block time bt and the issuer's authorization when it
// issued, read from r at height h.
func FactsOf(r state.Reader, c Credential, bt time.Time, h int64) Facts {
	f := Facts{Credential: c, EffectiveStatus: c.EffectiveStatus(bt), BlockTime: bt.UTC(), AtHeight: h}
	if a, ok := AuthorizedAt(r, c.Issuer, c.Type, c.Jurisdiction, c.Height); ok {
		f.IssuerAuthorized, f.Authorization = true, &a
	}
	return f
}

func listCredentials(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && !slices.Contains([]string{StatusActive, StatusSuspended, StatusRevoked, StatusExpired}, status) {
		api.WriteProblem(w, r, ErrInvalid.New("status %s is not active, suspended, revoked or expired", medledger.Quote(status)))
		return
	}
	var list []Credential
	switch subject, issuer := q.Get("subject"), q.Get("issuer"); {
	case subject != "":
		list = BySubject(snap, subject)
	case issuer != "":
		list = ByIssuer(snap, issuer)
	default:
		list = All(snap)
	}
	bt := app.BlockTime(snap)
	out := make([]Facts, 0, len(list))
	for _, c := range list {
		if issuer := q.Get("issuer"); issuer != "" && c.Issuer != issuer {
			continue
		}
		if t := q.Get("type"); t != "" && c.Type != t {
			continue
		}
		f := FactsOf(snap, c, bt, snap.Version())
		if status != "" && f.EffectiveStatus != status {
			continue
		}
		out = append(out, f)
	}
	api.WritePage(w, r, out, func(f Facts) string { return f.ID })
}

func expiring(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	q := r.URL.Query()
	within := 60 * 24 * time.Hour
	if s := q.Get("within"); s != "" {
		d, err := ParseWithin(s)
		if err != nil {
			api.WriteProblem(w, r, err)
			return
		}
		within = d
	}
	bt := app.BlockTime(snap)
	var out []Facts
	for _, c := range Expiring(snap, bt, bt.Add(within)) {
		if v := q.Get("issuer"); v != "" && c.Issuer != v {
			continue
		}
		if v := q.Get("subject"); v != "" && c.Subject != v {
			continue
		}
		out = append(out, FactsOf(snap, c, bt, snap.Version()))
	}
	api.WritePage(w, r, out, func(f Facts) string { return fmt.Sprintf("%020d/%s", f.ValidUntil.Unix(), f.ID) })
}

func oneCredential(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	id := r.PathValue("id")
	c, ok := GetCredential(snap, id)
	if !ok {
		api.WriteProblem(w, r, ErrNotFound.New("no credential %s on this chain", medledger.Quote(id)))
		return
	}
	api.WriteJSON(w, FactsOf(snap, c, app.BlockTime(snap), snap.Version()))
}

func issuers(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	list := Authorizations(snap)
	if org := r.URL.Query().Get("issuer"); org != "" {
		list = IssuerAuthorizations(snap, org)
	}
	api.WritePage(w, r, list, func(a Authorization) string { return a.Issuer + "|" + a.Type + "|" + a.Jurisdiction })
}

func lists(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	api.WriteJSON(w, Lists(snap, r.PathValue("org")))
}

// StatusListTTL is how long a status list served may be cached.
const StatusListTTL = time.Minute

func statusList(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	org, purpose := r.PathValue("org"), r.PathValue("purpose")
	list, err := strconv.ParseUint(r.PathValue("list"), 10, 32)
	if err != nil {
		api.WriteProblem(w, r, ErrInvalid.New("list %s is not a list number", medledger.Quote(r.PathValue("list"))))
		return
	}
	if len(IssuerAuthorizations(snap, org)) == 0 {
		api.WriteProblem(w, r, ErrListNotFound.New("%s has never been an issuer: it has no status lists", medledger.Quote(org)))
		return
	}
	bits, ok := StatusBits(snap, org, purpose, uint32(list))
	if !ok {
		api.WriteProblem(w, r, ErrListNotFound.New("%s has no %s list %d (purposes: revocation, suspension)", org, medledger.Quote(purpose), list))
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	id := scheme + "://" + r.Host + r.URL.Path
	c, err := statuslist.New(id, PartyURI(org), purpose, app.BlockTime(snap), StatusListTTL, bits)
	if err != nil {
		api.WriteProblem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", int(StatusListTTL.Seconds())))
	w.Header().Set("Content-Type", statuslist.MediaType)
	w.Header().Set("X-Medledger-Height", strconv.FormatInt(snap.Version(), 10))
	writeJSONBody(w, c)
}

// TypesResponse answers GET /v1/credentials/types.
type TypesResponse struct {
	Types            []Type            `json:"types"`
	IssuerKinds      []string          `json:"issuer_kinds"`
	RevokeReasons    []string          `json:"revoke_reasons"`
	SuspendReasons   []string          `json:"suspend_reasons"`
	ReinstateReasons []string          `json:"reinstate_reasons"`
	Scopes           []string          `json:"scopes"`
	ReasonWords      map[string]string `json:"reason_words"`
}

func types(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, TypesResponse{Types: Types, IssuerKinds: IssuerKinds(), RevokeReasons: RevokeReasons, SuspendReasons: SuspendReasons,
		ReinstateReasons: ReinstateReasons, Scopes: Scopes, ReasonWords: ReasonWords})
}

func enforcement(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	api.WriteJSON(w, Enforcements(snap))
}

func proposals(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	api.WritePage(w, r, Proposals(snap), func(p Proposal) string { return fmt.Sprintf("%020d", p.ID) })
}

func oneProposal(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	p, ok := GetProposal(snap, id)
	if err != nil || !ok {
		api.WriteProblem(w, r, ErrProposalNotFound.New("no proposal %s", medledger.Quote(r.PathValue("id"))))
		return
	}
	api.WriteJSON(w, p)
}

func practitioner(w http.ResponseWriter, r *http.Request, snap *state.Snapshot) {
	member, ok := PractitionerMember(r.PathValue("id"))
	if !ok {
		writeFHIR(w, http.StatusNotFound, OperationOutcome("not-found", "a Practitioner id is a member ORG/NAME written ORG.NAME (northside-hospital.dr-chen)"))
		return
	}
	creds := BySubject(snap, member)
	if len(creds) == 0 {
		writeFHIR(w, http.StatusNotFound, OperationOutcome("not-found", "no credential was ever issued to "+member+": there is no Practitioner of it"))
		return
	}
	writeFHIR(w, http.StatusOK, mustJSON(PractitionerOf(member, creds, app.BlockTime(snap))))
}

func writeFHIR(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", FHIRContentType)
	w.WriteHeader(status)
	w.Write(body)
}

func writeJSONBody(w http.ResponseWriter, v any) {
	w.Write(append(mustJSON(v), '\n'))
}

// ParseWithin reads a period as the CLI and the API take it: N days
// ("60d"), N weeks ("2w"), or a Go duration ("720h"), from a minute to 10
// years.
func ParseWithin(s string) (time.Duration, error) {
	bad := ErrInvalid.New("period %s is not N days (60d), N weeks (2w) or hours (720h)", medledger.Quote(s))
	var d time.Duration
	if n, unit := strings.TrimRight(s, "dw"), s[max(len(s)-1, 0):]; (unit == "d" || unit == "w") && len(n) > 0 && len(n) <= 5 && strings.Trim(n, "0123456789") == "" {
		v, _ := strconv.Atoi(n)
		d = time.Duration(v) * 24 * time.Hour
		if unit == "w" {
			d *= 7
		}
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < time.Minute || d > MaxTerm {
		return 0, ErrInvalid.New("period %s must be between a minute and 10 years", medledger.Quote(s))
	}
	return d, nil
}
