// Listing consents: medledger consent list.

package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/records"
)

func (c *cmds) consentListCmd() *cobra.Command {
	var as, patient string
	cmd := &cobra.Command{
		Use:   "list --as patient/NAME | --as ORG/MEMBER --patient ID",
		Short: "List every consent a patient granted, revoked ones too",
		Long: `List every consent a patient granted, revoked ones too: its id, the grantee,
the purposes of use it allows (` + purposeList() + `),
what it covers, until when, and its status.`,
		Example: `  medledger consent list --as patient/alice
  medledger consent list --patient patient/bob -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, pid, err := c.reader(patient, as)
			if err != nil {
				return err
			}
			cs, err := c.Client().PatientConsents(c.Ctx, s, pid)
			if err != nil {
				return c.readFail(err, as)
			}
			return c.Print(cs, func(w io.Writer) {
				if len(cs) == 0 {
					fmt.Fprintf(w, "no consents by %s\n", pid)
					return
				}
				cmdline.Table(w, "ID\tGRANTEE\tPURPOSES\tSCOPE\tUNTIL\tSTATUS", func(tw io.Writer) {
					for _, k := range cs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Grantee, strings.Join(k.Purposes, ","), scopeText(k.Scope), k.NotAfter.Format(time.RFC3339), k.Status)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "the patient: a local key patient/NAME or an id pat-...")
	cmd.Flags().StringVar(&as, "as", "", "who reads, a keystore key name: the patient (patient/NAME), or a member with --patient (their read is on the patient's log)")
	c.atFlag(cmd)
	return cmd
}

func scopeText(s records.Scope) string {
	var parts []string
	if len(s.ResourceTypes) > 0 {
		parts = append(parts, "types="+strings.Join(s.ResourceTypes, ","))
	}
	if len(s.Categories) > 0 {
		parts = append(parts, "categories="+strings.Join(s.Categories, ","))
	}
	if len(s.Records) > 0 {
		parts = append(parts, "records="+strings.Join(s.Records, ","))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}
