package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/trials"
)

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
