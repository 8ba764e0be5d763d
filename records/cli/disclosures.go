// The accounting of disclosures: medledger disclosures.

package cli

import (
	"cmp"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/records"
)

func (c *cmds) disclosuresCmd() *cobra.Command {
	var as, patient, org string
	var breakGlass bool
	cmd := &cobra.Command{
		Use:   "disclosures --as patient/NAME | --as ORG/MEMBER (--patient ID | --org ORG [--break-glass])",
		Short: "Accounting of disclosures: every read of a patient's records (who, record, when, purpose, outcome, break glass)",
		Long: `Accounting of disclosures: every request to read a patient's records,
refused and break-glass ones included. Each row says who asked (READER), for
which record, when, why (PURPOSE, a purpose-of-use code), whether it was
granted or refused (OUTCOME), on what ground a granted one was (GROUND:
consent, patient, custodian or break-glass), and the consent that allowed it
or what was missing.

The same log shows what happened to the patient's identity: a new key
(key-rotated), guardians named, a recovery to a new key asked, approved
(with when it takes effect unless cancelled), cancelled or completed, and
freezes. READER is then who acted, OUTCOME the event (medledger patient
--help).

It also shows every read of the patient's metadata by anyone but the patient
(their list of records, consents or this log): RECORD then says which, e.g.
"list (records)". Such reads are signed with --as, and the read is on the
log before it is answered.

With --as ORG/MEMBER --patient ID, a member reads the log: an auditor all of
it, an organization that holds the patient's records the reads of those.
With --org, the disclosures of the records an organization holds; with --org
and --break-glass, every break-glass read by the organization's members, for
review; both for the organization's members and auditors (--as).`,
		Example: `  medledger disclosures --as patient/alice
  medledger disclosures --org northside-hospital --as northside-hospital/admin
  medledger disclosures --org lakeside-clinic --break-glass --as lakeside-clinic/admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ds []records.Disclosure
			var err error
			switch {
			case len(org) > maxID:
				return usage("name an organization by its id, e.g. --org northside-hospital (medledger query orgs lists them)", "--org %q is too long to be an organization id", cmdline.Short(org))
			case org != "":
				s, serr := c.Signer(as)
				if serr != nil {
					return cmdline.Hint(serr, "an organization's accounts are read by its members and auditors, e.g. --as %s/admin", cmdline.Short(org))
				}
				ds, err = c.Client().OrgDisclosures(c.Ctx, s, org, breakGlass)
			case breakGlass:
				return cmdline.Hint(cmdline.Usage("--break-glass needs --org"), "e.g. medledger disclosures --org lakeside-clinic --break-glass --as lakeside-clinic/admin")
			default:
				s, pid, perr := c.reader(patient, as)
				if perr != nil {
					return perr
				}
				ds, err = c.Client().PatientDisclosures(c.Ctx, s, pid)
			}
			if err != nil {
				return c.readFail(err, as)
			}
			return c.Print(ds, func(w io.Writer) {
				if len(ds) == 0 {
					fmt.Fprintln(w, "no disclosures")
					return
				}
				cmdline.Table(w, "SEQ\tTIME\tREADER\tRECORD\tPURPOSE\tOUTCOME\tGROUND\tBREAK-GLASS\tDETAIL", func(tw io.Writer) {
					for _, d := range ds {
						if d.Identity != nil {
							fmt.Fprintf(tw, "%d\t%s\t%s\t-\t-\t%s\t-\t-\t%s\n", d.Seq, d.Time.Format(time.RFC3339), cmp.Or(d.Identity.Actor, "(the chain)"), d.Identity.Event, identityWords(d.Identity))
							continue
						}
						bg, detail := "-", d.Consent
						if d.BreakGlass {
							bg = "YES " + d.Reason
						}
						if d.Outcome != records.OutcomeGranted {
							detail = d.Missing
						}
						ground := d.Ground
						if ground == "" {
							ground = "-"
						}
						what := d.Record
						if d.View != "" {
							// a read of the patient's metadata (records/lookup)
							what = cmp.Or(d.Record, "list") + " (" + d.View + ")"
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Seq, d.Time.Format(time.RFC3339), d.Reader, what, d.Purpose, d.Outcome, ground, bg, detail)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "the patient: a local key patient/NAME or an id pat-...")
	cmd.Flags().StringVar(&as, "as", "", "who reads, a keystore key name: the patient (patient/NAME), or a member with --patient (their read is on the patient's log)")
	c.atFlag(cmd)
	cmd.Flags().StringVar(&org, "org", "", "list the disclosures of the records this organization holds instead")
	cmd.Flags().BoolVar(&breakGlass, "break-glass", false, "with --org: only break-glass reads by its members")
	return cmd
}
