package cmdline

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/tx"
)

// CodeHint names the fix for a node's refusals with one error code. A
// module lists its hints beside its commands (Module.Hints); the core's
// own, for the envelope's and the API's codes, are CoreHints.
type CodeHint struct {
	Code medledger.Code
	// Type limits the hint to refusals of transactions of this type; ""
	// for any (and for reads). A hint for the type wins over one for any.
	Type string
	// Text is the fix, in one sentence: lowercase, no trailing period,
	// naming the command to run.
	Text string
	// Func, when set, words the fix from the refusal instead of Text.
	Func func(r Refusal) string
}

// Refusal is a node's refusal as a hint sees it.
type Refusal struct {
	Err  *client.Error
	Type string // the transaction type sent; "" for a read
	As   string // the identity it was signed as (a keystore key name)
	Env  *Env
}

// NoNode is the hint for a node that does not answer.
const NoNode = "is the node running? start one with medledger dev, or pass --node URL (or the --home of a running node)"

// CoreHints are the hints for the transaction envelope's and the API's
// codes, whichever module the transaction was for.
var CoreHints = []CodeHint{
	{Code: tx.ErrUnknownSigner, Func: otherChain},
	{Code: tx.ErrKeyMismatch, Func: otherChain},
	{Code: tx.ErrSuspended, Text: "a suspended member or organization may not sign; an admin reinstates a member, the consortium votes to reinstate an organization"},
	{Code: api.ErrTimeout, Func: func(r Refusal) string {
		return "the transaction may still commit: medledger query tx " + r.Err.Hash
	}},
}

func otherChain(r Refusal) string {
	return fmt.Sprintf("the keystore in %s may belong to another chain; pass the --home of this chain's keys", r.Env.Keystore().Dir)
}

// Explain attaches to err the hint that names its fix, unless it has one:
// for a node's refusal of a transaction of type typ (or of a read, typ
// ""), signed as as, the hint its code has in the wired modules' tables
// (Module.Hints, CoreHints); for an unauthorized signer, who may send typ;
// for a node that did not answer, how to reach one.
func (e *Env) Explain(err error, typ, as string) error {
	if err == nil || HintOf(err) != "" {
		return err
	}
	if client.IsUnreachable(err) {
		return Hint(err, "%s", NoNode)
	}
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err
	}
	r := Refusal{Err: ce, Type: typ, As: as, Env: e}
	if h := e.hintFor(r); h != "" {
		return Hint(err, "%s", h)
	}
	if ce.Codespace == tx.ErrUnauthorized.Codespace && ce.Code == tx.ErrUnauthorized.Code {
		if who := e.WhoMay(typ); who != "" {
			return Hint(err, "%s", who)
		}
		return Hint(err, "sign as an identity whose role may do this (see docs/transactions.md)")
	}
	return err
}

// ReadFail attaches a hint to a failed read: notFound when the node has no
// such object (if not ""), the code's hint, or how to reach a node.
func (e *Env) ReadFail(err error, notFound string) error {
	var ce *client.Error
	if errors.As(err, &ce) && HintOf(err) == "" {
		if ce.Status == http.StatusNotFound && notFound != "" {
			return Hint(err, "%s", notFound)
		}
		if h := e.hintFor(Refusal{Err: ce, Env: e}); h != "" {
			return Hint(err, "%s", h)
		}
		if ce.Status == http.StatusBadRequest {
			return Hint(err, "fix the value the error names; see --help")
		}
	}
	return e.Explain(err, "", "")
}

// hintFor finds the hint of r's code: for r's type first, then for any.
func (e *Env) hintFor(r Refusal) string {
	var anyType *CodeHint
	check := func(h *CodeHint) *CodeHint {
		if h.Code.Codespace != r.Err.Codespace || h.Code.Code != r.Err.Code {
			return nil
		}
		if h.Type == "" {
			if anyType == nil {
				anyType = h
			}
			return nil
		}
		if h.Type == r.Type {
			return h
		}
		return nil
	}
	var found *CodeHint
	for i := range CoreHints {
		if h := check(&CoreHints[i]); h != nil && found == nil {
			found = h
		}
	}
	for _, m := range e.Modules {
		for i := range m.Hints {
			if h := check(&m.Hints[i]); h != nil && found == nil {
				found = h
			}
		}
	}
	if found == nil {
		found = anyType
	}
	if found == nil {
		return ""
	}
	if found.Func != nil {
		return found.Func(r)
	}
	return found.Text
}

// Policy is the policy of transaction type typ among the wired modules.
func (e *Env) Policy(typ string) (app.Policy, bool) {
	for _, m := range e.Modules {
		if m.Module == nil {
			continue
		}
		for _, r := range m.Module.Routes() {
			if r.Type == typ {
				return r.Policy, true
			}
		}
	}
	return app.Policy{}, false
}

// WhoMay says who may send a transaction of type typ, from its policy,
// with an example from the demo consortium; "" for an unknown type.
func (e *Env) WhoMay(typ string) string {
	p, ok := e.Policy(typ)
	if !ok {
		return ""
	}
	var kinds []string
	roles := map[string][]string{}
	for _, g := range p.Grants {
		if _, seen := roles[g.OrgKind]; !seen {
			kinds = append(kinds, g.OrgKind)
		}
		roles[g.OrgKind] = append(roles[g.OrgKind], g.Role)
	}
	var who []string
	for _, k := range kinds {
		rs := roles[k]
		switch {
		case k == "*" && slices.Contains(rs, "*"):
			who = append(who, "any member")
		case k == "*":
			who = append(who, "any organization's "+strings.Join(rs, " or "))
		case slices.Contains(rs, "*"):
			who = append(who, "any member of a "+k)
		default:
			who = append(who, "a "+k+"'s "+strings.Join(rs, " or "))
		}
	}
	if p.Patients {
		who = append(who, "a patient")
	}
	if len(who) == 0 {
		return fmt.Sprintf("no one may send %s directly", typ)
	}
	if len(p.Grants) == 0 {
		return fmt.Sprintf("%s is sent by the patient: sign --as patient/NAME", typ)
	}
	hint := fmt.Sprintf("%s is sent by %s: sign --as such a member", typ, strings.Join(who, ", "))
	if p.Patients {
		hint += " or --as patient/NAME"
	}
	if ex := demoExample(p); ex != "" {
		hint += " (in the demo, " + ex + ")"
	}
	return hint
}

// demoExample is a member of the demo consortium whom p allows, preferring
// a working role to an admin; "" if none.
func demoExample(p app.Policy) string {
	kindOf := map[string]string{}
	for _, o := range demo.Orgs {
		kindOf[o.ID] = o.Kind
	}
	admin := ""
	for i := len(demo.Members) - 1; i >= 0; i-- {
		m := demo.Members[i]
		org, _, _ := strings.Cut(m.ID, "/")
		s := app.Signer{ID: m.ID, Kind: app.KindMember, Org: org, OrgKind: kindOf[org], Role: m.Role}
		if !p.Allows(s) {
			continue
		}
		if m.Role != "admin" {
			return m.ID
		}
		admin = m.ID
	}
	return admin
}

// Advice is the hint Explain would attach to err, or "".
func (e *Env) Advice(err error, typ, as string) string {
	return HintOf(e.Explain(err, typ, as))
}
