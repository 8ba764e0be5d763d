// Package cli is the trials module's part of the command line: register a
// trial and amend its protocol, enrol participants under a pseudonym for
// the trial, their consent and withdrawal, case-report data stored at a
// site's node and anchored on the chain, exports and audits, results,
// and the views of a trial. Its demo seed registers one trial with two
// sites and two participants.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// sendAsRetired sends a participant's transaction under the pseudonym
// each retired key of as gives for trial, until the chain knows one, and
// returns that send's outcome; known is false when the chain knows none of
// them (or as has no retired key).
func (c *cmds) sendAsRetired(as, trial, typ string, body any) (s client.Signer, res api.TxResponse, known bool, err error) {
	files, err := c.Keystore().List()
	if err != nil {
		return s, res, false, err
	}
	for i := len(files) - 1; i >= 0; i-- {
		f := files[i]
		if !f.Retired || !strings.HasPrefix(f.Name, as+"~retired-") {
			continue
		}
		ps, perr := c.participant(f.Name, trial)
		if perr != nil {
			continue
		}
		ps.Key.Name = as
		res, err = c.Client().Send(c.Ctx, ps, typ, body, "commit")
		if client.HasCode(err, tx.ErrUnknownSigner) {
			continue
		}
		return ps, res, true, err
	}
	return s, res, false, nil
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
		// A patient who changed their key (patient rotate) enrolled with
		// a pseudonym derived from a key now retired: try those.
		if rs, rres, known, rerr := c.sendAsRetired(as, trial, typ, body); known {
			s, res, err = rs, rres, rerr
		}
	}
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
exports the data with a proof per record, and the sponsor, a site or a
regulator's inspector audits an export against the chain.

` + glossary + `

docs/trials.md has the whole story and who may do what.`,
		Example: `  medledger trials list
  medledger trials show NCT09990001
  medledger trials audit NCT09990001 --export export.jsonl --as drug-regulator/inspector`,
	}
	data := &cobra.Command{
		Use:   "data",
		Short: "A trial's case-report data: add records at a site",
		Long: `A trial's case-report data. A site sends its records to its node, which keeps
them encrypted in its vault; the chain anchors each batch's Merkle root, its
record count and its subjects (which only the sponsor, the sites and a
regulator's inspector read). Records of a subject who has not consented to
the version the trial requires, or who withdrew, are refused with the reason.`,
		Example: `  medledger trials data add NCT09990001 --subject psn-... --file visit.json --as northside-hospital/dr-chen`,
	}
	data.AddCommand(c.dataAddCmd())
	cmd.AddCommand(c.registerCmd(), c.amendCmd(), c.joinCmd(), c.enrollCmd(), c.consentCmd(), c.withdrawCmd(), data,
		c.exportCmd(), c.auditCmd(), c.resultsCmd(), c.showCmd(), c.listCmd())
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
