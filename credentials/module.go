package credentials

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/state"
)

// Transaction types.
const (
	TypePropose   = "credentials/propose"
	TypeVote      = "credentials/vote"
	TypeIssue     = "credentials/issue"
	TypeRevoke    = "credentials/revoke"
	TypeSuspend   = "credentials/suspend"
	TypeReinstate = "credentials/reinstate"
)

// Event types (ABCI events); their attribute names are stable.
const (
	EventProposalCreated  = "credentials.proposal_created"  // proposal, proposer, changes
	EventVoteCast         = "credentials.vote_cast"         // proposal, org, approve
	EventProposalPassed   = "credentials.proposal_passed"   // proposal
	EventProposalRejected = "credentials.proposal_rejected" // proposal
	EventAuthorized       = "credentials.issuer_authorized" // issuer, type, jurisdiction, proposal
	EventDeauthorized     = "credentials.issuer_deauthorized"
	EventEnforcement      = "credentials.enforcement" // scope, on, proposal
	EventIssued           = "credentials.issued"      // credential, type, subject, issuer, status_list, status_index
	EventRevoked          = "credentials.revoked"     // credential, issuer, reason
	EventSuspended        = "credentials.suspended"
	EventReinstated       = "credentials.reinstated"
)

var (
	admins = []app.Grant{{OrgKind: "*", Role: "admin"}}
	// issuerGrants are the roles that sign credentials and change their
	// status: a licensing board's registrars, a regulator's inspectors,
	// the admins of boards, regulators, hospitals and clinics (a
	// hospital's medical staff office grants clinical privileges). Which
	// organization may issue which type is the registry's business.
	issuerGrants = []app.Grant{
		{OrgKind: "licensing-board", Role: "admin"}, {OrgKind: "licensing-board", Role: "registrar"},
		{OrgKind: "regulator", Role: "admin"}, {OrgKind: "regulator", Role: "inspector"},
		{OrgKind: "hospital", Role: "admin"}, {OrgKind: "clinic", Role: "admin"},
	}
)

// Policies is the role-by-action table of the credentials module (who may
// send each type at all). Object-level rules are in the handlers: only an
// organization the registry authorizes issues a type; only the issuing
// organization changes a credential's status; one vote per organization.
var Policies = map[string]app.Policy{
	TypePropose:   {Grants: admins},
	TypeVote:      {Grants: admins},
	TypeIssue:     {Grants: issuerGrants},
	TypeRevoke:    {Grants: issuerGrants},
	TypeSuspend:   {Grants: issuerGrants},
	TypeReinstate: {Grants: issuerGrants},
}

// TxTypes lists the transaction types in a fixed order.
var TxTypes = []string{TypePropose, TypeVote, TypeIssue, TypeRevoke, TypeSuspend, TypeReinstate}

// IssuerKinds are the kinds of organization whose members may sign
// credentials (Policies): only these can be authorized as issuers.
func IssuerKinds() []string {
	var out []string
	for _, g := range issuerGrants {
		if !slices.Contains(out, g.OrgKind) {
			out = append(out, g.OrgKind)
		}
	}
	return out
}

// Module is the credentials module. The zero value is ready to use; it is
// also the chain's app.Licences.
type Module struct{}

var (
	_ app.Module   = Module{}
	_ app.Licences = Module{}
)

func (Module) Name() string { return "credentials" }

func (Module) Routes() []app.Route {
	h := map[string]func(*app.Context, json.RawMessage) error{
		TypePropose: propose, TypeVote: vote, TypeIssue: issue,
		TypeRevoke: setStatus(StatusRevoked), TypeSuspend: setStatus(StatusSuspended), TypeReinstate: setStatus(StatusActive),
	}
	routes := make([]app.Route, 0, len(TxTypes))
	for _, t := range TxTypes {
		routes = append(routes, app.Route{Type: t, Policy: Policies[t], Handle: h[t]})
	}
	return routes
}

// Genesis is the module's genesis document: issuers authorized from the
// first block, and the scopes whose licence checks are on from it. A new
// chain's genesis usually has neither: governance votes them in.
type Genesis struct {
	Authorizations []Change `json:"authorizations,omitempty"` // action "authorize" (may be left out)
	Enforce        []string `json:"enforce,omitempty"`        // scopes
}

// InitGenesis writes the genesis' authorizations and enforcement. The
// identity module's genesis runs first, so issuers must be among its
// organizations.
func (Module) InitGenesis(ctx *app.Context, raw json.RawMessage) error {
	if raw == nil {
		return nil
	}
	var g Genesis
	if err := app.DecodeBody(raw, &g); err != nil {
		return fmt.Errorf("credentials genesis: %w", err)
	}
	p := &Proposal{}
	for _, ch := range g.Authorizations {
		ch.Action = ActionAuthorize
		if err := checkChange(ctx, ch); err != nil {
			return fmt.Errorf("credentials genesis: %w", err)
		}
		apply(ctx, p, ch)
	}
	for _, s := range g.Enforce {
		ch := Change{Action: ActionEnforce, Scope: s}
		if err := checkChange(ctx, ch); err != nil {
			return fmt.Errorf("credentials genesis: %w", err)
		}
		apply(ctx, p, ch)
	}
	return nil
}

// --- encoding helpers ---

func put(kv state.KV, key []byte, v any)         { state.PutJSON(kv, key, v) }
func get(r state.Reader, key []byte, v any) bool { return state.GetJSON(r, key, v) }

func or(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("credentials: encode: %w", err))
	}
	return b
}
