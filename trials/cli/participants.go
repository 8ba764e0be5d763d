package cli

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/trials"
)

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
			}{sent, trial, sent.Signer, siteOrg, v, digest}, func(w io.Writer) {
				fmt.Fprintf(w, "subject %s consented to protocol version %d of trial %s at %s\n", sent.Signer, v, trial, siteOrg)
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
			}{sent, trial, sent.Signer, remove}, func(w io.Writer) {
				fmt.Fprintf(w, "subject %s withdrew from trial %s\n", sent.Signer, trial)
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
