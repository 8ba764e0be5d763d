// Package cli is the trials module's part of the command line: register a
// trial and amend its protocol, enrol participants under a pseudonym for
// the trial, their consent and withdrawal, case-report data stored at a
// site's node and anchored on the chain, exports and audits, results,
// and the views of a trial. Its demo seed registers one trial with two
// sites and two participants.
package cli

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/site"
	"github.com/medledger/medledger/tx"
)

// Module is the trials module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: trials.Module{}, Routes: trials.HTTPRoutes, Codes: trials.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		return []*cobra.Command{(&cmds{e}).trialsCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-trials-seeded", Run: seed},
	// Every node keeps the trial documents and data batches its members
	// send it, in its vault; the batch index lives beside the chain's data.
	Services: func(n cmdline.NodeEnv) ([]daemon.Service, error) {
		return []daemon.Service{&site.Service{Org: n.Operator, Vault: n.Vault, IDs: n.Identities, Dir: filepath.Join(string(n.Home), "data", "trials")}}, nil
	},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// patientPrefix starts every patient's id.
//
// NOTE: the id's form is the identity module's; the CLI only tells a
// patient key from a member's with it.
const patientPrefix = "pat-"

// glossary explains the words of trials for people who meet them here.
const glossary = `Words:
  protocol        the trial's plan, a document kept encrypted in the vault of
                  the node it was sent to; the chain keeps its salted digest.
                  Each amendment is a new protocol version, numbered from 1.
  outcome         what the trial measures to judge the treatment (a code, a
                  measure and a time frame). The primary outcome is the main
                  question the trial answers; secondary outcomes are the
                  others. They are declared at registration, in public, and
                  any change after the first participant enrolled is an
                  outcome switch that trials show lists for everyone.
  re-consent      an amendment may require every participant to consent to
                  the new version before more of their data is accepted.
  subject id      a participant's pseudonym for one trial (psn-...), derived
                  from their own key: other members cannot tell it from any
                  other pseudonym, or link it to the patient or to their other
                  trials. Only the participant and the site that enrolled them
                  know whose it is.
  export          a file of every record anchored for the trial, each with
                  the proof that it is in its batch's anchored Merkle root.
  audit           re-hashes an export against the chain: records missing,
                  changed or added, records of subjects without consent, and
                  outcomes changed without an amendment.`

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// checkTrial refuses what cannot be a trial id.
func checkTrial(id string) error {
	if !trials.ValidTrialID(id) {
		return usage("a trial id is 3 to 32 letters, digits or '-', e.g. NCT09990001 (medledger trials list shows them)", "trial id %q is not valid", cmdline.Short(id))
	}
	return nil
}

// readFile reads a file a flag names.
func readFile(flag, path string) ([]byte, error) {
	if path == "" {
		return nil, usage("give "+flag+" FILE", "%s needs a file", flag)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, cmdline.FileErr(path, err, "")
	}
	return b, nil
}

// participant is the signer of a participant's transactions in trial:
// the patient key as (patient/NAME) gives their pseudonym for the trial.
func (c *cmds) participant(as, trial string) (client.Signer, error) {
	if as == "" {
		return client.Signer{}, usage("sign as the participant, e.g. --as patient/alice", "--as is required")
	}
	if !strings.HasPrefix(as, "patient/") {
		return client.Signer{}, usage("a participant signs as their own patient key, --as patient/NAME", "%s is not a patient key", cmdline.Short(as))
	}
	s, err := c.Signer(as)
	if err != nil {
		return s, err
	}
	if !strings.HasPrefix(s.Key.ID, patientPrefix) {
		return s, usage("a participant signs as their own patient key, --as patient/NAME", "key %s signs as %s, not as a patient", as, s.Key.ID)
	}
	k, err := pseudonym.Derive(s.Key.Sign, trials.Context(trial))
	if err != nil {
		return s, err
	}
	return client.Signer{Key: &keystore.Key{Name: as, ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}, nil
}

// notEnrolled words the fix for a participant whose pseudonym the chain
// does not know.
func notEnrolled(trial, site, as string) string {
	if site == "" {
		site = "ORG"
	}
	return fmt.Sprintf("you are not enrolled in trial %s yet: write an enrolment request with medledger trials join %s --site %s --out enrolment.json --as %s, "+
		"give the file to the site, which enrols you with medledger trials enroll %s --request enrolment.json --as %s/MEMBER; then run this again", trial, trial, site, as, trial, site)
}

// sendAsParticipant sends a participant's transaction, saying what to do
// when they are not enrolled.
func (c *cmds) sendAsParticipant(s client.Signer, as, trial, site, typ string, body any) (cmdline.Sent, api.TxResponse, error) {
	res, err := c.Client().Send(c.Ctx, s, typ, body, "commit")
	if client.HasCode(err, tx.ErrUnknownSigner) {
		return cmdline.Sent{}, res, cmdline.Hint(err, "%s", notEnrolled(trial, site, as))
	}
	if err != nil {
		return cmdline.Sent{}, res, c.Explain(err, typ, as)
	}
	return cmdline.Sent{Type: typ, Signer: s.Key.ID, Hash: res.Hash, Height: res.Height}, res, nil
}

func (c *cmds) trialsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trials",
		Short: "Clinical trials: registered protocols and outcomes, e-consent, withdrawal, anchored data, exports and audits",
		Long: `Clinical trials that no sponsor, site or participant can rewrite.

A sponsor registers a trial with its protocol and its pre-declared outcomes;
amendments are new protocol versions, and any outcome added, removed or
changed after the first enrolment is recorded as a switch that everyone sees.
A participant joins through a site under a pseudonym for this trial only,
consents to a protocol version and may withdraw at any time, asking for their
data to be removed. Sites store case-report data in their node's vault,
encrypted; the chain anchors each batch's Merkle root. The sponsor or a site
exports the data with a proof per record, and anyone can audit an export
against the chain.

` + glossary + `

docs/trials.md has the whole story and who may do what.`,
		Example: `  medledger trials list
  medledger trials show NCT09990001
  medledger trials audit NCT09990001 --export export.jsonl`,
	}
	data := &cobra.Command{
		Use:   "data",
		Short: "A trial's case-report data: add records at a site",
		Long: `A trial's case-report data. A site sends its records to its node, which keeps
them encrypted in its vault; the chain anchors each batch's Merkle root, its
record count and its subjects. Records of a subject who has not consented to
the version the trial requires, or who withdrew, are refused with the reason.`,
		Example: `  medledger trials data add NCT09990001 --subject psn-... --file visit.json --as northside-hospital/dr-chen`,
	}
	data.AddCommand(c.dataAddCmd())
	cmd.AddCommand(c.registerCmd(), c.amendCmd(), c.joinCmd(), c.enrollCmd(), c.consentCmd(), c.withdrawCmd(), data,
		c.exportCmd(), c.auditCmd(), c.resultsCmd(), c.showCmd(), c.listCmd())
	return cmd
}

// --- register and amend ---

func (c *cmds) registerCmd() *cobra.Command {
	var as, id, title, phase, protocol, outcomesFile string
	var sites []string
	var enrolment int
	cmd := &cobra.Command{
		Use:   "register --id T --title TEXT --phase 3 --sites ORG,ORG --enrolment N --protocol FILE --outcomes FILE --as ORG/MEMBER",
		Short: "Register a trial: its protocol, sites, planned enrolment and pre-declared outcomes",
		Long: `Register a trial, as a coordinator or admin of a trial sponsor. The protocol
document is stored encrypted in the vault of the node you send it to; the
chain keeps its salted digest as protocol version 1. The outcomes are
declared in public, their whole text on the chain.

--outcomes FILE is a JSON array (or {"outcomes": [...]}) of outcomes, each
{"code": "HBA1C", "kind": "primary", "measure": "Change in HbA1c from
baseline", "time_frame": "26 weeks"}: a code of letters, digits, '.', '_' or
'-'; kind primary (the main question; at least one) or secondary.

--phase is one of ` + strings.Join(trials.Phases, ", ") + `. --sites are the
hospitals and clinics that enrol participants and collect data. --id is the
trial's id, e.g. its NCT number from ClinicalTrials.gov; without it the chain
gives one (trl-N).

` + glossary,
		Example: `  medledger trials register --id NCT09990001 --title 'HbA1c in type 2 diabetes' --phase 3 --sites northside-hospital,lakeside-clinic --enrolment 200 --protocol protocol.pdf --outcomes outcomes.json --as heartwell-trials/coordinator`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id != "" {
				if err := checkTrial(id); err != nil {
					return err
				}
			}
			if title == "" {
				return usage("give the trial's title, e.g. --title \"HbA1c in type 2 diabetes\"", "--title is required")
			}
			if !slices.Contains(trials.Phases, phase) {
				return usage("--phase is one of "+strings.Join(trials.Phases, ", "), "phase %q is not a trial phase", cmdline.Short(phase))
			}
			if len(sites) == 0 {
				return usage("list the trial's sites, hospitals or clinics, e.g. --sites northside-hospital,lakeside-clinic", "--sites is required")
			}
			if enrolment < 1 || enrolment > trials.MaxEnrolment {
				return usage("give the planned number of participants, e.g. --enrolment 200", "--enrolment %d is not 1 to %d", enrolment, trials.MaxEnrolment)
			}
			doc, err := readFile("--protocol", protocol)
			if err != nil {
				return err
			}
			list, err := outcomesOf(outcomesFile)
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			up, err := c.Client().UploadTrialDocument(c.Ctx, s, doc)
			if err != nil {
				return c.Explain(err, trials.TypeRegister, as)
			}
			body := trials.RegisterBody{ID: id, Title: title, Phase: phase, Sites: sites, Enrolment: enrolment,
				Protocol: trials.Document{Digest: up.Digest, Ref: up.Ref}, Outcomes: list}
			sent, res, err := c.Send(as, trials.TypeRegister, body)
			if err != nil {
				return err
			}
			body.ID = cmdline.EventAttr(res, trials.EventRegistered, "trial")
			return c.Print(struct {
				cmdline.Sent
				trials.RegisterBody
				Version uint64 `json:"version"`
			}{sent, body, 1}, func(w io.Writer) {
				fmt.Fprintf(w, "registered trial %s, protocol version 1\n", body.ID)
				fmt.Fprintf(w, "  protocol  %s (salted digest; the document is in the node's vault)\n", up.Digest)
				for _, o := range list {
					fmt.Fprintf(w, "  outcome   %s (%s): %s, %s\n", o.Code, o.Kind, o.Measure, o.TimeFrame)
				}
				sent.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&id, "id", "", "the trial's id, e.g. its NCT number (default: the chain gives one)")
	f.StringVar(&title, "title", "", "the trial's title")
	f.StringVar(&phase, "phase", "", "the trial's phase: "+strings.Join(trials.Phases, ", "))
	f.StringSliceVar(&sites, "sites", nil, "the hospitals and clinics that enrol participants and add data, comma-separated")
	f.IntVar(&enrolment, "enrolment", 0, "planned number of participants")
	f.StringVar(&protocol, "protocol", "", "the protocol document, stored encrypted in the node's vault")
	f.StringVar(&outcomesFile, "outcomes", "", "JSON file of the pre-declared outcomes (see --help)")
	cmdline.AsFlag(cmd, &as, "heartwell-trials/coordinator")
	return cmd
}

// outcomesOf reads and checks an --outcomes file.
func outcomesOf(path string) ([]trials.Outcome, error) {
	b, err := readFile("--outcomes", path)
	if err != nil {
		return nil, err
	}
	list, err := ParseOutcomes(b)
	if err != nil {
		return nil, cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(path), err),
			`the file is a JSON array of {"code": "HBA1C", "kind": "primary", "measure": "...", "time_frame": "26 weeks"}, at least one primary; see medledger trials register --help`)
	}
	return list, nil
}

func (c *cmds) amendCmd() *cobra.Command {
	var as, protocol, outcomesFile string
	var reconsent bool
	cmd := &cobra.Command{
		Use:   "amend T --protocol FILE [--outcomes FILE] [--reconsent] --as ORG/MEMBER",
		Short: "Register a new protocol version of a trial, optionally with new outcomes or requiring re-consent",
		Long: `Register a new protocol version of a trial, as a coordinator or admin of its
sponsor. The new protocol document is stored encrypted in the node's vault and
its salted digest goes on the chain.

--outcomes FILE replaces the declared outcomes (the same format as trials
register). After the first participant enrolled, every outcome added, removed
or changed is recorded as an outcome switch, with its old and new text, the
version and the height: trials show lists them and no later version hides
them.

--reconsent makes every participant consent to this version before more of
their data is accepted.

` + glossary,
		Example: `  medledger trials amend NCT09990001 --protocol protocol-v2.pdf --reconsent --as heartwell-trials/coordinator
  medledger trials amend NCT09990001 --protocol protocol-v3.pdf --outcomes outcomes-v3.json --as heartwell-trials/coordinator`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			doc, err := readFile("--protocol", protocol)
			if err != nil {
				return err
			}
			var list []trials.Outcome
			if outcomesFile != "" {
				if list, err = outcomesOf(outcomesFile); err != nil {
					return err
				}
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			up, err := c.Client().UploadTrialDocument(c.Ctx, s, doc)
			if err != nil {
				return c.Explain(err, trials.TypeAmend, as)
			}
			sent, res, err := c.Send(as, trials.TypeAmend, trials.AmendBody{Trial: trial, Protocol: trials.Document{Digest: up.Digest, Ref: up.Ref}, Outcomes: list, Reconsent: reconsent})
			if err != nil {
				return err
			}
			version, _ := strconv.ParseUint(cmdline.EventAttr(res, trials.EventAmended, "version"), 10, 64)
			switches := []trials.Switch{}
			if v, err := c.Client().Trial(c.Ctx, trial, 0); err == nil {
				for _, sw := range v.Switches {
					if sw.Version == version {
						switches = append(switches, sw)
					}
				}
			}
			return c.Print(struct {
				cmdline.Sent
				Trial     string          `json:"trial"`
				Version   uint64          `json:"version"`
				Protocol  trials.Document `json:"protocol"`
				Reconsent bool            `json:"reconsent"`
				Switches  []trials.Switch `json:"switches"`
			}{sent, trial, version, trials.Document{Digest: up.Digest, Ref: up.Ref}, reconsent, switches}, func(w io.Writer) {
				fmt.Fprintf(w, "trial %s is at protocol version %d\n", trial, version)
				if reconsent {
					fmt.Fprintf(w, "  every participant must consent to version %d before more of their data is accepted\n", version)
				}
				for _, sw := range switches {
					fmt.Fprintf(w, "  outcome switch: %s %s%s\n", sw.Outcome, sw.Change, switchText(sw))
				}
				sent.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&protocol, "protocol", "", "the new protocol document, stored encrypted in the node's vault")
	f.StringVar(&outcomesFile, "outcomes", "", "JSON file of the new outcome list (replaces the declared outcomes)")
	f.BoolVar(&reconsent, "reconsent", false, "every participant must consent to this version before more of their data is accepted")
	cmdline.AsFlag(cmd, &as, "heartwell-trials/coordinator")
	return cmd
}

func switchText(s trials.Switch) string {
	var b strings.Builder
	if s.Old != nil {
		fmt.Fprintf(&b, "; was %s: %s, %s (%s)", s.Old.Code, s.Old.Measure, s.Old.TimeFrame, s.Old.Kind)
	}
	if s.New != nil {
		fmt.Fprintf(&b, "; now %s: %s, %s (%s)", s.New.Code, s.New.Measure, s.New.TimeFrame, s.New.Kind)
	}
	return b.String()
}

// --- participants ---

func (c *cmds) joinCmd() *cobra.Command {
	var as, siteOrg, out string
	cmd := &cobra.Command{
		Use:   "join T --site ORG --out FILE --as patient/NAME",
		Short: "As a patient, write a request to be enrolled in a trial at a site, under a pseudonym for this trial",
		Long: `Write a request to be enrolled in a trial at one of its sites, as the patient.

Your key gives you a pseudonym for this trial only (your subject id, psn-...):
no other member can tell it is you, or link it to your other trials. The
request holds the pseudonym's public keys and a proof, signed with your key
and the pseudonym's, that the pseudonym is yours, made for that site alone.
It names you: give it to the site only (in person or by a channel you trust).
The site checks it and enrols the pseudonym (medledger trials enroll); the
chain never learns whose it is. Then consent (medledger trials consent).`,
		Example: `  medledger trials join NCT09990001 --site northside-hospital --out enrolment.json --as patient/alice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			if siteOrg == "" {
				return usage("name the site that enrols you, e.g. --site northside-hospital (medledger trials show T lists the sites)", "--site is required")
			}
			if as == "" || !strings.HasPrefix(as, "patient/") {
				return usage("sign as the patient, e.g. --as patient/alice", "a participant joins as their own patient key --as patient/NAME")
			}
			v, err := c.Client().Trial(c.Ctx, trial, 0)
			if err != nil {
				return c.ReadFail(err, "medledger trials list shows the registered trials")
			}
			if !v.Site(siteOrg) {
				return usage(fmt.Sprintf("trial %s's sites are %s", trial, strings.Join(v.Sites, ", ")), "%s is not a site of trial %s", cmdline.Short(siteOrg), trial)
			}
			f, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			defer f.Abort()
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(s.Key.ID, patientPrefix) {
				return usage("a participant joins as their own patient key --as patient/NAME", "key %s signs as %s, not as a patient", as, s.Key.ID)
			}
			var nonce [16]byte
			rand.Read(nonce[:])
			e, err := NewEnrolment(s.Key.Sign, s.Key.ID, trial, siteOrg, hex.EncodeToString(nonce[:]))
			if err != nil {
				return err
			}
			b, err := jsonIndent(e)
			if err != nil {
				return err
			}
			if err := f.Commit(b); err != nil {
				return err
			}
			return c.Print(struct {
				Trial   string `json:"trial"`
				Site    string `json:"site"`
				Subject string `json:"subject"`
				Out     string `json:"out"`
			}{trial, siteOrg, e.Subject, out}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: your request to join trial %s at %s\n", out, trial, siteOrg)
				fmt.Fprintf(w, "  subject %s (your pseudonym for this trial)\n", e.Subject)
				fmt.Fprintf(w, "give the file to %s only; they run: medledger trials enroll %s --request %s --as %s/MEMBER\n", siteOrg, trial, out, siteOrg)
			})
		},
	}
	cmd.Flags().StringVar(&siteOrg, "site", "", "the trial site that enrols you (a hospital or clinic)")
	cmd.Flags().StringVar(&out, "out", "", "write the enrolment request to FILE")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}

func (c *cmds) enrollCmd() *cobra.Command {
	var as, request string
	cmd := &cobra.Command{
		Use:   "enroll T --request FILE --as ORG/MEMBER",
		Short: "As a site, enrol a participant from their enrolment request, under their pseudonym for the trial",
		Long: `Enrol a participant in a trial at your site, from the request they wrote
with medledger trials join. The command checks the request's proof against the
patient's key on the chain (the patient and the pseudonym both signed it, for
your site), then sends trials/enroll, which carries only the pseudonym's
public keys: the chain never learns which patient it is. Keep the request as
your record of whom you enrolled; it is the only link between the subject id
and the patient.

` + glossary,
		Example: `  medledger trials enroll NCT09990001 --request enrolment.json --as northside-hospital/dr-chen`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			b, err := readFile("--request", request)
			if err != nil {
				return err
			}
			e, err := ParseEnrolment(b)
			if err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(request), err), "give the file the participant wrote with medledger trials join, unchanged")
			}
			if e.Trial != trial {
				return usage("enrol them in the trial they asked for, or ask them for a request for "+trial, "the request is to join trial %s, not %s", e.Trial, trial)
			}
			org, err := c.SignerOrg(as)
			if err != nil {
				return err
			}
			if e.Site != org {
				return usage(fmt.Sprintf("the request is for %s: a member of %s enrols them, or the participant writes a request for %s", e.Site, e.Site, org), "the request is for site %s, not %s", cmdline.Short(e.Site), org)
			}
			p, err := c.Client().Patient(c.Ctx, e.Ownership.Patient)
			if err != nil {
				return c.ReadFail(err, "the request names a patient this chain does not know: ask the participant to check their key")
			}
			if err := e.Verify(p.SignKey, org); err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "the request's proof does not verify with the patient's key on the chain: %v", err),
					"ask the participant to write the request again with medledger trials join; do not enrol a request that does not verify")
			}
			sent, _, err := c.Send(as, trials.TypeEnroll, trials.EnrollBody{Trial: trial, SignKey: e.SignKey, EncKey: e.EncKey})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Trial   string `json:"trial"`
				Subject string `json:"subject"`
				Site    string `json:"site"`
			}{sent, trial, e.Subject, org}, func(w io.Writer) {
				fmt.Fprintf(w, "enrolled subject %s in trial %s at %s\n", e.Subject, trial, org)
				fmt.Fprintf(w, "the participant now consents: medledger trials consent %s --site %s --as patient/NAME\n", trial, org)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&request, "request", "", "the participant's enrolment request (medledger trials join wrote it)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}

func (c *cmds) consentCmd() *cobra.Command {
	var as, siteOrg, form string
	var version uint64
	cmd := &cobra.Command{
		Use:   "consent T --site ORG [--version V] [--form FILE] --as patient/NAME",
		Short: "As a participant, consent to a trial's protocol version at your site",
		Long: `Consent to a protocol version of a trial, as the participant, at the site that
enrolled you. You sign with your pseudonym for this trial (your subject id),
which your key gives: nothing names you. --version is the protocol version you
consent to (default: the current one); after an amendment that requires
re-consent, your site's new data for you is refused until you consent to it.
--form FILE records the SHA-256 of the informed-consent form you were shown.

` + glossary,
		Example: `  medledger trials consent NCT09990001 --site northside-hospital --as patient/alice
  medledger trials consent NCT09990001 --site northside-hospital --version 2 --form consent-v2.pdf --as patient/alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			if siteOrg == "" {
				return usage("name the site that enrolled you, e.g. --site northside-hospital", "--site is required")
			}
			digest := ""
			if form != "" {
				b, err := readFile("--form", form)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(b)
				digest = hex.EncodeToString(sum[:])
			}
			s, err := c.participant(as, trial)
			if err != nil {
				return err
			}
			sent, res, err := c.sendAsParticipant(s, as, trial, siteOrg, trials.TypeConsent, trials.ConsentBody{Trial: trial, Site: siteOrg, Version: version, Form: digest})
			if err != nil {
				return err
			}
			v, _ := strconv.ParseUint(cmdline.EventAttr(res, trials.EventConsented, "version"), 10, 64)
			return c.Print(struct {
				cmdline.Sent
				Trial   string `json:"trial"`
				Subject string `json:"subject"`
				Site    string `json:"site"`
				Version uint64 `json:"version"`
				Form    string `json:"form,omitempty"`
			}{sent, trial, s.Key.ID, siteOrg, v, digest}, func(w io.Writer) {
				fmt.Fprintf(w, "subject %s consented to protocol version %d of trial %s at %s\n", s.Key.ID, v, trial, siteOrg)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&siteOrg, "site", "", "the site that enrolled you")
	cmd.Flags().Uint64Var(&version, "version", 0, "the protocol version you consent to (default: the current one)")
	cmd.Flags().StringVar(&form, "form", "", "the informed-consent form you were shown: its SHA-256 is recorded")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}

func (c *cmds) withdrawCmd() *cobra.Command {
	var as string
	var remove bool
	cmd := &cobra.Command{
		Use:   "withdraw T [--remove-data] --as patient/NAME",
		Short: "As a participant, withdraw from a trial, optionally having your data removed",
		Long: `Withdraw from a trial, as the participant, at any time. No new data of yours is
accepted from the next block. With --remove-data your records are also
removed: the nodes holding them rewrite their batches without them (only each
record's fingerprint stays, so the rest still proves whole), every later
export leaves them out, and an audit says so. Without it, the data collected
so far may still be used.`,
		Example: `  medledger trials withdraw NCT09990001 --as patient/bob
  medledger trials withdraw NCT09990001 --remove-data --as patient/bob`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			s, err := c.participant(as, trial)
			if err != nil {
				return err
			}
			sent, _, err := c.sendAsParticipant(s, as, trial, "", trials.TypeWithdraw, trials.WithdrawBody{Trial: trial, RemoveData: remove})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Trial      string `json:"trial"`
				Subject    string `json:"subject"`
				RemoveData bool   `json:"remove_data"`
			}{sent, trial, s.Key.ID, remove}, func(w io.Writer) {
				fmt.Fprintf(w, "subject %s withdrew from trial %s\n", s.Key.ID, trial)
				if remove {
					fmt.Fprintln(w, "  their data is removed: the sites' nodes rewrite it away, and exports leave it out")
				} else {
					fmt.Fprintln(w, "  the data collected so far may still be used; no new data is accepted")
				}
				sent.Text(w)
			})
		},
	}
	cmd.Flags().BoolVar(&remove, "remove-data", false, "also remove the data collected so far from every later export")
	cmdline.AsFlag(cmd, &as, "patient/bob")
	return cmd
}

// --- results and views ---

func (c *cmds) resultsCmd() *cobra.Command {
	var as, file string
	cmd := &cobra.Command{
		Use:   "results T --file FILE --as ORG/MEMBER",
		Short: "Post a trial's results, one summary per outcome",
		Long: `Post a trial's results, as a coordinator or admin of its sponsor: a JSON array
(or {"results": [...]}) of {"outcome": "HBA1C", "summary": "..."}, one per
outcome. trials show then reports the declared outcomes with and without a
result, and any result for an outcome that was never declared.`,
		Example: `  medledger trials results NCT09990001 --file results.json --as heartwell-trials/coordinator`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			b, err := readFile("--file", file)
			if err != nil {
				return err
			}
			list, err := ParseResults(b)
			if err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(file), err), `the file is a JSON array of {"outcome": "HBA1C", "summary": "..."}, one per outcome`)
			}
			sent, _, err := c.Send(as, trials.TypeResults, trials.ResultsBody{Trial: trial, Results: list})
			if err != nil {
				return err
			}
			v, err := c.Client().Trial(c.Ctx, trial, 0)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(struct {
				cmdline.Sent
				Trial      string   `json:"trial"`
				Posted     []string `json:"posted"`
				Unreported []string `json:"unreported_outcomes"`
				Undeclared []string `json:"undeclared_results"`
			}{sent, trial, outcomeCodes(list), v.Unreported, v.Undeclared}, func(w io.Writer) {
				fmt.Fprintf(w, "posted %d result(s) for trial %s: %s\n", len(list), trial, strings.Join(outcomeCodes(list), ", "))
				if len(v.Unreported) > 0 {
					fmt.Fprintf(w, "  declared outcomes without a result: %s\n", strings.Join(v.Unreported, ", "))
				}
				if len(v.Undeclared) > 0 {
					fmt.Fprintf(w, "  results for outcomes never declared: %s\n", strings.Join(v.Undeclared, ", "))
				}
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "JSON file of the results, one summary per outcome")
	cmdline.AsFlag(cmd, &as, "heartwell-trials/coordinator")
	return cmd
}

func outcomeCodes(list []trials.ResultOfBody) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.Outcome
	}
	return out
}

func (c *cmds) showCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show T",
		Short: "Show a trial: protocol versions, declared outcomes and their results, every outcome switch",
		Long: `Show a trial as the chain holds it: sponsor, sites, planned and actual
enrolment, every protocol version (its salted digest; the document stays in a
vault), the declared outcomes with and without a result, every outcome switch
(an outcome added, removed or changed after the first enrolment: which, old
and new text, the version and the height), results for outcomes never
declared, and the data anchored.

` + glossary,
		Example: `  medledger trials show NCT09990001
  medledger trials show NCT09990001 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTrial(args[0]); err != nil {
				return err
			}
			v, err := c.Client().Trial(c.Ctx, args[0], 0)
			if err != nil {
				return c.ReadFail(err, "medledger trials list shows the registered trials")
			}
			return c.Print(v, func(w io.Writer) { writeView(w, v) })
		},
	}
	return cmd
}

func writeView(w io.Writer, v trials.View) {
	fmt.Fprintf(w, "trial %s: %s\n", v.ID, v.Title)
	fmt.Fprintf(w, "  phase      %s\n", v.Phase)
	fmt.Fprintf(w, "  sponsor    %s (registered by %s at height %d)\n", v.Sponsor, v.Registrar, v.Height)
	fmt.Fprintf(w, "  sites      %s\n", strings.Join(v.Sites, ", "))
	fmt.Fprintf(w, "  enrolment  %d planned, %d enrolled, %d withdrawn\n", v.Enrolment, v.Subjects, v.Withdrawn)
	fmt.Fprintf(w, "  protocol   version %d", v.Version)
	if v.RequiredVersion > 1 {
		fmt.Fprintf(w, " (consent to version %d or later required for new data)", v.RequiredVersion)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  data       %d batch(es), %d record(s)\n", v.Batches, v.Records)
	fmt.Fprintln(w, "protocol versions:")
	for _, ver := range v.Versions {
		var notes []string
		if ver.Reconsent {
			notes = append(notes, "re-consent required")
		}
		if ver.OutcomesChanged && ver.N > 1 {
			notes = append(notes, "new outcome list")
		}
		note := ""
		if len(notes) > 0 {
			note = "  (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(w, "  %d  height %d  by %s  digest %s%s\n", ver.N, ver.Height, ver.By, ver.Protocol.Digest, note)
	}
	results := map[string]trials.Result{}
	for _, r := range v.Results {
		results[r.Outcome] = r
	}
	fmt.Fprintln(w, "declared outcomes:")
	for _, o := range v.Outcomes {
		fmt.Fprintf(w, "  %s (%s): %s, %s\n", o.Code, o.Kind, o.Measure, o.TimeFrame)
		if r, ok := results[o.Code]; ok {
			fmt.Fprintf(w, "      result: %s\n", r.Summary)
		} else {
			fmt.Fprintln(w, "      no result yet")
		}
	}
	fmt.Fprintln(w, "outcome switches (changes after the first enrolment):")
	if len(v.Switches) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, s := range v.Switches {
		fmt.Fprintf(w, "  %d  %s %s by version %d at height %d%s\n", s.Seq, s.Outcome, s.Change, s.Version, s.Height, switchText(s))
	}
	if len(v.Undeclared) > 0 {
		fmt.Fprintln(w, "results for outcomes never declared:")
		for _, code := range v.Undeclared {
			fmt.Fprintf(w, "  %s: %s\n", code, results[code].Summary)
		}
	}
}

func (c *cmds) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the registered trials",
		Long: `List every registered trial: id, phase, sponsor, sites, participants, data
anchored, protocol version and title.`,
		Example: `  medledger trials list
  medledger trials list -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := c.Client().Trials(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no trials registered")
					return
				}
				cmdline.Table(w, "ID\tPHASE\tSPONSOR\tSITES\tSUBJECTS\tRECORDS\tVERSION\tTITLE", func(tw io.Writer) {
					for _, t := range list {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", t.ID, t.Phase, t.Sponsor, strings.Join(t.Sites, ","), t.Subjects, t.Records, t.Version, t.Title)
					}
				})
			})
		},
	}
}
