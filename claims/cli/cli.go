// Package cli is the claims module's part of the command line: a payer's
// coverage policies (publish, show, simulate), members, claims (submit,
// show, list), prior authorizations, reviews, payments, remittance advice,
// and the payer's off-chain scorer (medledger claims ...). Its demo seed
// is a policy at unity-health-plan, alice enrolled, and a few claims from
// northside-hospital.
package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/claims/claimsapi"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/fhir"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
)

// Module is the claims module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: claims.Module{}, Codes: claims.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		return []*cobra.Command{(&cmds{e}).claimsCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-claims-seeded", Run: seed},
	// Every node serves the claims reads (details to the parties only).
	Services: func(n cmdline.NodeEnv) ([]daemon.Service, error) {
		s := claimsapi.New(n.Identities)
		s.Vault, s.Org = n.Vault, n.Operator
		return []daemon.Service{s}, nil
	},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// maxArg bounds an id or name given on the command line: a longer one is
// refused here, so that no refusal repeats a huge value.
const maxArg = 128

func checkArg(flag, v, hint string) error {
	if len(v) > maxArg {
		return usage(hint, "%s %q is too long", flag, cmdline.Short(v))
	}
	return nil
}

func checkClaimID(id string) error {
	if _, ok := claims.ParseClaimID(id); !ok {
		return usage("a claim id is clm-N, as medledger claims list --as ORG/MEMBER shows it", "claim id %q is not clm-N", cmdline.Short(id))
	}
	return nil
}

func checkDate(flag, v string) error {
	if _, ok := claims.ParseDate(v); !ok {
		return usage("give dates as YYYY-MM-DD, e.g. "+flag+" 2025-01-01", "%s %q is not a date YYYY-MM-DD", flag, cmdline.Short(v))
	}
	return nil
}

func (c *cmds) claimsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Claims and billing: payers' coverage policies, members, claims adjudicated in the block, prior authorizations, reviews, payments",
		Long: `Claims and billing between providers and payers.

A payer publishes its coverage policy: rules, written in CEL, that run the
same on every validator. It enrols patients as members, under a pseudonym
that holds for that payer only. A provider's biller submits a claim (codes,
units, charges, dates: never names) and the chain adjudicates it in the same
block: each line paid, denied or partly paid, with the standard reason codes
and the rule and values that decided. A flag (by the policy, or by the
payer's scorer) holds a claim for a person's review; it never denies one.
The payer records payments, and the patient reads their explanations of
benefits.

` + glossary + `

docs/claims.md has the whole story.`,
		Example: `  medledger claims list --as northside-hospital/biller
  medledger claims show clm-1 --as patient/alice
  medledger claims policy show`,
	}
	policy := &cobra.Command{
		Use:   "policy",
		Short: "A payer's coverage policy: publish a version, show one, simulate a draft over the claims on chain",
		Long: `A payer's coverage policy: a versioned YAML or JSON document of rules in CEL
over a claim line, the member and their history. docs/claims.md describes
every field and the variables rules see.`,
		Example: `  medledger claims policy show --payer unity-health-plan`,
	}
	policy.AddCommand(c.policyPublishCmd(), c.policyShowCmd(), c.policySimulateCmd())
	auth := &cobra.Command{
		Use:   "priorauth",
		Short: "Prior authorizations: a provider asks the payer to approve services before they are given",
		Long: `Prior authorization: some services (a policy rule says which) are paid only if
the payer approved them in advance for the member, codes and dates. A
provider asks; the policy approves at once if its rule says so, or the
payer's adjudicator decides. An approval has a number and a period; a claim
line that needs one and has none in force on its date is denied CO-197.`,
		Example: `  medledger claims priorauth request --member psn-... --codes 70553 --from 2025-05-01 --to 2025-05-20 --as northside-hospital/biller`,
	}
	auth.AddCommand(c.authRequestCmd(), c.authDecideCmd())
	cmd.AddCommand(policy, c.enrollCmd(), c.submitCmd(), c.showCmd(), c.listCmd(), auth, c.reviewCmd(), c.payCmd(), c.remittanceCmd(), c.scoreCmd())
	return cmd
}

// glossary says in plain words what the claims commands' terms mean.
const glossary = `Words these commands use:
  allowed amount  what the plan accepts to pay for a service under its
                  contract with the provider; the provider writes off the
                  rest of its charge (CO-45)
  deductible      what the member pays each coverage period before the plan
                  pays for services that count toward it (PR-1)
  coinsurance     the member's percentage share of an allowed amount (PR-2)
  copay           a fixed amount the member pays for a service (PR-3)
  prior authorization  the payer's approval, before a service is given, that
                  it will pay for it; some services need one (else CO-197)
  pended          held for a person's review because a rule or the payer's
                  scorer flagged it; a flag never denies a claim
  CARC            Claim Adjustment Reason Code: the standard code of why part
                  of a charge was not paid, with a group: CO (the provider's
                  contract: the patient does not owe it), PR (the patient
                  owes it). E.g. CO-45 over the fee schedule, CO-18 a
                  duplicate, CO-11 a diagnosis that does not support the
                  procedure, CO-119 a benefit limit reached, CO-27 coverage
                  ended, CO-B7 provider not licensed on the date
  RARC            Remittance Advice Remark Code: more detail on a CARC (M76
                  a missing or invalid diagnosis, N362 too many units)
  member          a patient enrolled with a payer, known to it only by a
                  pseudonym (psn-...) that holds for that payer alone
  remittance      a payment run: what the payer paid per claim under one
                  trace number (the check or transfer's number)`

// --- payers, members, signers ---

// payerOf is --payer, else the chain's one payer.
func (c *cmds) payerOf(payer string) (string, error) {
	if payer != "" {
		return payer, checkArg("--payer", payer, "name the payer by its organization id, e.g. --payer unity-health-plan")
	}
	orgs, err := c.Client().Orgs(c.Ctx)
	if err != nil {
		return "", c.ReadFail(err, "")
	}
	var payers []string
	for _, o := range orgs {
		if o.Kind == "payer" {
			payers = append(payers, o.ID)
		}
	}
	if len(payers) != 1 {
		return "", usage("name the payer with --payer ORG (medledger query orgs lists them)", "the chain has %d payers", len(payers))
	}
	return payers[0], nil
}

// payers lists the chain's payer organizations.
func (c *cmds) payers() ([]string, error) {
	orgs, err := c.Client().Orgs(c.Ctx)
	if err != nil {
		return nil, c.ReadFail(err, "")
	}
	var out []string
	for _, o := range orgs {
		if o.Kind == "payer" {
			out = append(out, o.ID)
		}
	}
	return out, nil
}

// memberKey derives a patient's pseudonym for payer from their master key
// (a local key: it never leaves this machine).
func memberKey(k *keystore.Key, payer string) (*keystore.Key, pseudonym.Key, error) {
	pk, err := pseudonym.Derive(k.Sign, claims.Context(payer))
	if err != nil {
		return nil, pk, err
	}
	return &keystore.Key{Name: k.Name + "@" + payer, ID: pk.ID(), Sign: pk.Sign, Enc: pk.Enc}, pk, nil
}

// isPatient reports whether key k is a patient's (its id is pat-...).
func isPatient(k *keystore.Key) bool { return strings.HasPrefix(k.ID, "pat-") }

// readers are the signers of a signed read as as: the member itself, or a
// patient under their pseudonym for each payer (only they can derive it).
func (c *cmds) readers(as string) ([]client.Signer, error) {
	s, err := c.Signer(as)
	if err != nil {
		return nil, err
	}
	if !isPatient(s.Key) {
		return []client.Signer{s}, nil
	}
	payers, err := c.payers()
	if err != nil {
		return nil, err
	}
	var out []client.Signer
	for _, p := range payers {
		k, _, err := memberKey(s.Key, p)
		if err != nil {
			return nil, err
		}
		out = append(out, client.Signer{Key: k})
	}
	return out, nil
}

// memberID resolves --member: an id psn-..., or (on a machine that holds
// the patient's key, as a dev home does) patient/NAME, whose pseudonym for
// payer it derives.
func (c *cmds) memberID(m, payer string) (string, error) {
	if err := checkArg("--member", m, "give the member id psn-... (the enrol command printed it)"); err != nil {
		return "", err
	}
	if pseudonym.IsID(m) {
		return m, nil
	}
	if strings.HasPrefix(m, "patient/") {
		s, err := c.Signer(m)
		if err != nil {
			return "", err
		}
		k, _, err := memberKey(s.Key, payer)
		if err != nil {
			return "", err
		}
		return k.ID, nil
	}
	return "", usage("give the member id psn-... (medledger claims enroll printed it), or patient/NAME for a patient whose key is on this machine", "%q is no member id", cmdline.Short(m))
}

// --- money and lines, for people ---

// dollars writes cents as $1,234.56.
func dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%s.%02d", sign, cmdline.Thousands(int(cents/100)), cents%100)
}

func adjText(as []claims.Adjustment) string {
	var parts []string
	for _, a := range as {
		code := a.Group + "-" + a.CARC
		if a.RARC != "" {
			code += "/" + a.RARC
		}
		parts = append(parts, code+" "+dollars(a.AmountCents))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// LineView is a claim line as claims submit -o json prints it.
type LineView struct {
	Seq          int                 `json:"seq"`
	Status       string              `json:"status"`
	AllowedCents int64               `json:"allowed_cents"`
	PaidCents    int64               `json:"paid_cents"`
	PatientCents int64               `json:"patient_cents"`
	Adjustments  []claims.Adjustment `json:"adjustments"`
	Rule         string              `json:"rule"`
	Explanation  string              `json:"explanation"`
}

// SubmitView is what claims submit -o json prints.
type SubmitView struct {
	ID     string     `json:"id"`
	Status string     `json:"status"`
	Lines  []LineView `json:"lines"`
	Flags  []string   `json:"flags,omitempty"`
	TxHash string     `json:"tx_hash"`
	Height int64      `json:"height"`
}

func submitView(cl claims.Claim, sent cmdline.Sent) SubmitView {
	v := SubmitView{ID: cl.ID, Status: cl.Status, Lines: []LineView{}, TxHash: sent.Hash, Height: sent.Height}
	for _, l := range cl.Lines {
		v.Lines = append(v.Lines, LineView{Seq: l.Seq, Status: l.Status, AllowedCents: l.AllowedCents, PaidCents: l.PaidCents, PatientCents: l.PatientCents,
			Adjustments: l.Adjustments, Rule: l.Rule, Explanation: l.Explanation})
	}
	for _, f := range cl.Flags {
		v.Flags = append(v.Flags, f.Code+": "+f.Reason)
	}
	return v
}

func printClaim(w io.Writer, cl claims.Claim, detail bool) {
	fmt.Fprintf(w, "%s %s: charged %s, the plan pays %s, the patient owes %s\n", cl.ID, cl.Status, dollars(cl.ChargeCents), dollars(cl.PaidCents), dollars(cl.PatientCents))
	fmt.Fprintf(w, "  payer %s, member %s, provider %s (rendering %s)\n", cl.Payer, cl.Member, cl.Provider, cl.Rendering)
	cmdline.Table(w, "  LINE\tCODE\tDATE\tUNITS\tSTATUS\tALLOWED\tPAID\tPATIENT\tADJUSTMENTS\tRULE", func(tw io.Writer) {
		for _, l := range cl.Lines {
			code := l.Code
			if len(l.Modifiers) > 0 {
				code += "-" + strings.Join(l.Modifiers, "-")
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Seq, code, l.Date, l.Units, l.Status, dollars(l.AllowedCents), dollars(l.PaidCents),
				dollars(l.PatientCents), adjText(l.Adjustments), l.Rule)
		}
	})
	if detail {
		for _, l := range cl.Lines {
			fmt.Fprintf(w, "  line %d: %s", l.Seq, l.Explanation)
			var saw []string
			for _, f := range l.Saw {
				saw = append(saw, f.Name+"="+f.Value)
			}
			if len(saw) > 0 {
				fmt.Fprintf(w, " (saw %s)", strings.Join(saw, ", "))
			}
			fmt.Fprintln(w)
			for _, a := range l.Adjustments {
				if words := claims.CARCWords[a.CARC]; words != "" {
					fmt.Fprintf(w, "    %s-%s: %s\n", a.Group, a.CARC, words)
				}
			}
		}
		for _, f := range cl.Flags {
			fmt.Fprintf(w, "  flag %s (by %s at height %d): %s\n", f.Code, f.By, f.Height, f.Reason)
		}
		for _, d := range cl.Decisions {
			fmt.Fprintf(w, "  review: %s by %s at height %d: %s\n", d.Action, d.By, d.Height, d.Reason)
		}
		fmt.Fprintf(w, "  submitted at height %d (%s)\n", cl.Submitted.Height, cl.Submitted.Time.Format(cmdline.TimeFormat))
		for _, st := range []struct {
			what string
			s    *claims.Stamp
		}{{"pended", cl.Pended}, {"adjudicated", cl.Adjudicated}, {"paid", cl.Paid}} {
			if st.s != nil {
				fmt.Fprintf(w, "  %s at height %d (%s)\n", st.what, st.s.Height, st.s.Time.Format(cmdline.TimeFormat))
			}
		}
		if cl.Payment != nil {
			fmt.Fprintf(w, "  payment %s under trace %s on %s\n", dollars(cl.Payment.AmountCents), cl.Payment.Trace, cl.Payment.Date)
		}
	}
}

func (c *cmds) enrollCmd() *cobra.Command {
	var as, patient, plan, from, to string
	cmd := &cobra.Command{
		Use:   "enroll --patient patient/NAME --plan PLAN --from DATE --to DATE --as PAYER/admin",
		Short: "Enrol a patient in one of your plans for a period, under their pseudonym for your organization",
		Long: `Enrol a patient in a plan of your organization for a coverage period. On the
chain the member is a pseudonym (psn-...) that the patient's key derives for
your organization only: no other member can tie it to the patient's id, a
trial's subject or another payer's member, and only the patient can prove it
is theirs. The patient's key derives it here, so this runs where that key is
(a dev home holds every demo key); the patient's ownership proof, made here
too, is checked before anything is sent, and stays off the chain. Enrolling
a member again adds a period. It prints the member id, which the patient's
providers put on their claims.`,
		Example: `  medledger claims enroll --patient patient/alice --plan gold --from 2025-01-01 --to 2025-12-31 --as unity-health-plan/admin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if patient == "" || plan == "" {
				return usage("name the patient and plan: --patient patient/alice --plan gold", "--patient and --plan are required")
			}
			if err := checkArg("--patient", patient, "a patient is patient/NAME, a key of this machine's keystore"); err != nil {
				return err
			}
			if err := checkArg("--plan", plan, "a plan is an id of the payer's policy (medledger claims policy show lists them)"); err != nil {
				return err
			}
			if err := checkDate("--from", from); err != nil {
				return err
			}
			if err := checkDate("--to", to); err != nil {
				return err
			}
			if !strings.HasPrefix(patient, "patient/") {
				patient = "patient/" + patient
			}
			payer, err := c.SignerOrg(as)
			if err != nil {
				return err
			}
			ps, err := c.Signer(patient)
			if err != nil {
				return err
			}
			if !isPatient(ps.Key) {
				return usage("--patient names a patient's key, patient/NAME", "key %s is not a patient's", cmdline.Short(patient))
			}
			_, pk, err := memberKey(ps.Key, payer)
			if err != nil {
				return err
			}
			// The patient proves to the payer, off the chain, that the
			// pseudonym is theirs; the payer checks it before enrolling.
			proof, err := pseudonym.Own(ps.Key.Sign, ps.Key.ID, pk, payer, "enrol "+plan+" "+from)
			if err != nil {
				return err
			}
			if err := proof.Verify(ps.Key.SignPub(), pk.SignPub(), payer, "enrol "+plan+" "+from); err != nil {
				return cmdline.Fail(cmdline.ErrFailed, "the patient's ownership proof does not verify: %v", err)
			}
			sent, _, err := c.Send(as, claims.TypeEnroll, claims.EnrollBody{Plan: plan, From: from, To: to, SignKey: pk.SignPub(), EncKey: pk.EncPub()})
			if err != nil {
				return err
			}
			out := struct {
				Member string `json:"member"`
				Payer  string `json:"payer"`
				Plan   string `json:"plan"`
				From   string `json:"from"`
				To     string `json:"to"`
				TxHash string `json:"tx_hash"`
				Height int64  `json:"height"`
			}{pk.ID(), payer, plan, from, to, sent.Hash, sent.Height}
			return c.Print(out, func(w io.Writer) {
				fmt.Fprintf(w, "enrolled member %s in %s's plan %s from %s to %s\n", out.Member, payer, plan, from, to)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "the patient, patient/NAME (a key of this machine's keystore)")
	cmd.Flags().StringVar(&plan, "plan", "", "the plan, an id of your policy's plans")
	cmd.Flags().StringVar(&from, "from", "", "first day of coverage, YYYY-MM-DD")
	cmd.Flags().StringVar(&to, "to", "", "last day of coverage, YYYY-MM-DD")
	cmdline.AsFlag(cmd, &as, "unity-health-plan/admin")
	return cmd
}

// --- claims ---

// readClaim reads a claim file: our claim JSON or a FHIR R4 Claim.
func (c *cmds) readClaim(path string) (claims.SubmitBody, error) {
	var b claims.SubmitBody
	raw, err := os.ReadFile(path)
	if err != nil {
		return b, cmdline.FileErr(path, err, "")
	}
	var probe struct {
		ResourceType string `json:"resourceType"`
	}
	if json.Unmarshal(raw, &probe) != nil {
		return b, usage("a claim file is JSON: our claim ({\"payer\", \"member\", \"rendering\", \"diagnoses\", \"lines\"}) or a FHIR R4 Claim", "%s is not JSON", cmdline.Short(path))
	}
	if probe.ResourceType != "" {
		if b, err = fhir.ClaimFromFHIR(raw); err != nil {
			return b, cmdline.Hint(err, "docs/claims.md shows a FHIR Claim the chain reads")
		}
	} else {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return b, usage("a claim is {\"payer\", \"member\", \"rendering\", \"diagnoses\", \"lines\": [{\"code\", \"diagnosis_pointers\", \"units\", \"charge_cents\", \"date\"}]}: docs/claims.md shows one",
				"%s: %s", cmdline.Short(path), cmdline.Short(err.Error()))
		}
	}
	if strings.HasPrefix(b.Member, "patient/") {
		if b.Member, err = c.memberID(b.Member, b.Payer); err != nil {
			return b, err
		}
	}
	if err := b.Validate(); err != nil {
		return b, cmdline.Hint(err, "fix the claim file; docs/claims.md says what each field takes")
	}
	return b, nil
}

func (c *cmds) submitCmd() *cobra.Command {
	var as string
	var attach []string
	cmd := &cobra.Command{
		Use:   "submit FILE --as ORG/MEMBER",
		Short: "Submit a claim (our claim JSON or a FHIR R4 Claim); the chain adjudicates it in the same block",
		Long: `Submit your organization's claim to a payer: the member (their pseudonym for
the payer), the rendering clinician (one of your members), the diagnoses
(ICD-10-CM) and the lines (HCPCS/CPT code, modifiers, diagnosis pointers,
units, charge in cents, date and place of service). FILE is our claim JSON
or a FHIR R4 Claim. No names or free text about the patient: a document the
claim needs (--attach, repeatable) is stored encrypted in your node's vault
and the claim names its salted digest. The chain
adjudicates it in the block that includes it and this prints each line's
decision: paid, partial, denied or pended, the allowed, paid and patient
amounts, the adjustments with their reason codes, and the rule. A biller or
admin of a hospital or clinic submits.`,
		Example: `  medledger claims submit claim.json --as northside-hospital/biller
  medledger claims submit claim.json --attach op-note.pdf --as northside-hospital/biller`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := c.readClaim(args[0])
			if err != nil {
				return err
			}
			if len(attach) > 0 {
				s, err := c.Signer(as)
				if err != nil {
					return err
				}
				for _, f := range attach {
					doc, err := os.ReadFile(f)
					if err != nil {
						return cmdline.FileErr(f, err, "")
					}
					up, err := c.Client().UploadAttachment(c.Ctx, s, doc)
					if err != nil {
						return c.ReadFail(err, "")
					}
					body.Attachments = append(body.Attachments, claims.Attachment{Digest: up.Digest, Ref: up.Ref})
				}
			}
			sent, res, err := c.Send(as, claims.TypeSubmit, body)
			if err != nil {
				return err
			}
			id := cmdline.EventAttr(res, claims.EventSubmitted, "claim")
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			cl, err := c.Client().Claim(c.Ctx, s, id)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(submitView(cl, sent), func(w io.Writer) {
				printClaim(w, cl, false)
				for _, f := range cl.Flags {
					fmt.Fprintf(w, "  flagged %s: %s\n", f.Code, f.Reason)
				}
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringSliceVar(&attach, "attach", nil, "a document the claim needs, stored in your node's vault (repeat for more)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/biller")
	return cmd
}

// asHint is the hint of a signed read without --as.
const asHint = "claim details are read only by its payer, its provider and the patient: sign the read with --as, e.g. --as northside-hospital/biller or --as patient/alice"

func (c *cmds) showCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "show ID --as ORG/MEMBER|patient/NAME",
		Short: "Show a claim: each line's decision, the rule and values that decided, flags, reviews, payment",
		Long: `Show a claim in full: each line's status, amounts and adjustments with what
each reason code means, the rule that decided and the values it saw, the
flags and reviews, the payment, and when each step happened. Only the
claim's payer, its provider and the patient read it: the read is signed by
--as (a patient signs under their pseudonym for the payer, derived here).`,
		Example: `  medledger claims show clm-1 --as northside-hospital/biller`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkClaimID(args[0]); err != nil {
				return err
			}
			if as == "" {
				return usage(asHint, "--as is required")
			}
			signers, err := c.readers(as)
			if err != nil {
				return err
			}
			var cl claims.Claim
			for _, s := range signers {
				if cl, err = c.Client().Claim(c.Ctx, s, args[0]); err == nil {
					break
				}
			}
			if err != nil {
				return c.ReadFail(err, "medledger claims list --as "+cmdline.Short(as)+" lists the claims you may read")
			}
			return c.Print(cl, func(w io.Writer) { printClaim(w, cl, true) })
		},
	}
	cmdline.AsFlag(cmd, &as, "northside-hospital/biller")
	return cmd
}

func (c *cmds) listCmd() *cobra.Command {
	var as, status string
	cmd := &cobra.Command{
		Use:   "list [--status S] [--as ORG/MEMBER|patient/NAME]",
		Short: "List the claims you are a party to (--as); without --as, every payer's counts",
		Long: `List the claims you may read, signing the read with --as: a payer's members
see their payer's claims, a provider's members its own, a patient theirs.
Without --as it shows what anyone may see: each payer's counts of claims by
status. --status is adjudicated, pended or paid.`,
		Example: `  medledger claims list --status pended --as unity-health-plan/adjudicator`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if status != "" && !slices.Contains(claims.Statuses, status) {
				return usage("--status is one of "+strings.Join(claims.Statuses, ", "), "status %q is unknown", cmdline.Short(status))
			}
			if as == "" {
				counts, err := c.Client().ClaimCounts(c.Ctx)
				if err != nil {
					return c.ReadFail(err, "")
				}
				return c.Print(counts, func(w io.Writer) {
					if len(counts) == 0 {
						fmt.Fprintln(w, "no claims")
						return
					}
					cmdline.Table(w, "PAYER\tCLAIMS\tLINES\tADJUDICATED\tPENDED\tPAID", func(tw io.Writer) {
						for _, s := range counts {
							fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\n", s.Payer, s.Claims, s.Lines, s.Adjudicated, s.Pended, s.Paid)
						}
					})
					fmt.Fprintln(w, "(counts only: sign with --as to list the claims you are a party to)")
				})
			}
			signers, err := c.readers(as)
			if err != nil {
				return err
			}
			list := []claims.Claim{}
			for _, s := range signers {
				l, err := c.Client().Claims(c.Ctx, s, status)
				if err != nil {
					return c.ReadFail(err, "")
				}
				list = append(list, l...)
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no claims")
					return
				}
				cmdline.Table(w, "CLAIM\tSTATUS\tPAYER\tPROVIDER\tMEMBER\tLINES\tCHARGED\tPAID\tPATIENT", func(tw io.Writer) {
					for _, cl := range list {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", cl.ID, cl.Status, cl.Payer, cl.Provider, cl.Member, len(cl.Lines),
							dollars(cl.ChargeCents), dollars(cl.PaidCents), dollars(cl.PatientCents))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only claims in this status: "+strings.Join(claims.Statuses, ", "))
	cmdline.AsFlag(cmd, &as, "northside-hospital/biller")
	return cmd
}
