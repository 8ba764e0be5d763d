package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/tx"
)

// The identity module's reads, under medledger query.

func (c *cmds) queryOrgsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "orgs",
		Short: "List the consortium's organizations",
		Long: `List the consortium's organizations: id, kind, jurisdiction, status, since
which height, and name. The kinds:
` + kindsTable(),
		Example: `  medledger query orgs
  medledger query orgs -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			orgs, err := c.Client().Orgs(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(orgs, func(w io.Writer) {
				cmdline.Table(w, "ID\tKIND\tJURISDICTION\tSTATUS\tSINCE\tNAME", func(tw io.Writer) {
					for _, o := range orgs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", o.ID, o.Kind, o.Jurisdiction, o.Status, o.Since, o.Name)
					}
				})
			})
		},
	}
}

func (c *cmds) queryOrgCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "org ID",
		Short:   "Show an organization and its members",
		Example: `  medledger query org northside-hospital`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkName("organization", args[0], "medledger query orgs lists the organizations"); err != nil {
				return err
			}
			o, err := c.Client().Org(c.Ctx, args[0])
			if err != nil {
				return c.ReadFail(err, "medledger query orgs lists the organizations")
			}
			return c.Print(o, func(w io.Writer) {
				fmt.Fprintf(w, "id           %s\nname         %s\nkind         %s\njurisdiction %s\nstatus       %s (since height %d)\nmembers      %d\n",
					o.ID, o.Name, o.Kind, o.Jurisdiction, o.Status, o.Since, len(o.Members))
				if len(o.Members) > 0 {
					fmt.Fprintln(w)
					cmdline.Table(w, "MEMBER\tROLE\tSTATUS\tSINCE\tKEY ID", func(tw io.Writer) {
						for _, m := range o.Members {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", m.ID, m.Role, m.Status, m.Since, m.KeyID)
						}
					})
				}
			})
		},
	}
}

func (c *cmds) queryMemberCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "member ORG/NAME",
		Short:   "Show a member: role, status and public keys",
		Example: `  medledger query member northside-hospital/dr-chen`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			org, name, ok := strings.Cut(args[0], "/")
			if !ok || org == "" || name == "" || strings.Contains(name, "/") {
				return usage("e.g. medledger query member northside-hospital/dr-chen", "member %q is not ORG/NAME", cmdline.Short(args[0]))
			}
			if err := checkName("member", args[0], "e.g. medledger query member northside-hospital/dr-chen"); err != nil {
				return err
			}
			m, err := c.Client().Member(c.Ctx, identity.MemberID(org, name))
			if err != nil {
				return c.ReadFail(err, fmt.Sprintf("medledger query org %s lists its members", org))
			}
			return c.Print(m, func(w io.Writer) {
				fmt.Fprintf(w, "id       %s\norg      %s\nrole     %s\nstatus   %s (since height %d)\nkey id   %s\nsign key %s\nenc key  %s\n",
					m.ID, m.Org, m.Role, m.Status, m.Since, m.KeyID, base64.StdEncoding.EncodeToString(m.SignKey), base64.StdEncoding.EncodeToString(m.EncKey))
			})
		},
	}
}

func (c *cmds) queryPatientCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "patient ID [--as WHO]",
		Short: "Show a patient's pseudonymous record (ID is pat-..., or a local key name patient/NAME)",
		Long: `Show a patient's pseudonymous record: the id the chain knows them by (pat-...,
derived from their first key and kept for life), status, whether the
identity is frozen, the organization that enrolled them and the public keys
in force. Nothing personal is on the chain.

Their guardians and threshold, and the recoveries of their identity that are
open or waiting to take effect, are shown to a signed read only (--as): the
patient, one of their guardians (a patient or member named, or an admin or
clinician of an organization named), or a regulator's inspector. ID given as
a local key patient/NAME signs as that key, unless --as names another.`,
		Example: `  medledger query patient patient/alice
  medledger query patient pat-... --as patient/dana
  medledger query patient pat-... --as drug-regulator/inspector -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, keyID := args[0], ""
			explicit := as != ""
			if strings.HasPrefix(id, "patient/") {
				f, err := c.KeyInfo(id)
				if err != nil {
					return err
				}
				if !explicit {
					as, keyID = id, f.KeyID
				}
				id = f.ID
			}
			if !strings.HasPrefix(id, identity.PatientPrefix) || len(id) > maxName {
				return usage("a patient id starts with "+identity.PatientPrefix+"; medledger keys show patient/NAME prints a local patient key's id", "%q is not a patient id", cmdline.Short(id))
			}
			p, err := c.Client().Patient(c.Ctx, id)
			if err != nil {
				return c.ReadFail(err, "the patient is not enrolled: medledger tx identity enroll-patient enrolls them")
			}
			out := patientView{Patient: p}
			switch {
			case as == "":
				out.NotShown = "guardians and recoveries are read signed: --as the patient, one of their guardians, or a regulator's inspector"
			case !explicit && keyID != p.KeyID:
				out.NotShown = fmt.Sprintf("guardians and recoveries are read signed, and the local key %s is not the key in force (a recovery under way?): one of the patient's guardians reads them with --as", as)
			default:
				if err := c.readGuardians(&out, as); err != nil {
					return err
				}
			}
			return c.Print(out, func(w io.Writer) {
				fmt.Fprintf(w, "id          %s\nstatus      %s (since height %d)\nenrolled by %s\nkey id      %s\nsign key    %s\nenc key     %s\n",
					p.ID, p.Status, p.Since, p.EnrolledBy, p.KeyID, base64.StdEncoding.EncodeToString(p.SignKey), base64.StdEncoding.EncodeToString(p.EncKey))
				if p.Frozen != "" {
					fmt.Fprintf(w, "frozen      by the %s at height %d: no new access, no reads under consent, no erasure\n", p.Frozen, p.FrozenHeight)
				}
				switch g := out.Guardians; {
				case out.NotShown != "":
					fmt.Fprintf(w, "guardians   not shown: %s\n", out.NotShown)
				case g != nil:
					fmt.Fprintf(w, "guardians   %s (%d must agree)\n", strings.Join(g.Guardians, ", "), g.Threshold)
				default:
					fmt.Fprintln(w, "guardians   none: no one can recover this identity if its key is lost")
				}
				for _, r := range out.Recoveries {
					fmt.Fprintf(w, "recovery    %s to key %s: %s, %d of %d approved", r.ID, r.KeyID, r.Status, len(r.Approvals), r.Threshold)
					if r.Status == identity.RecoveryWaiting {
						fmt.Fprintf(w, ", takes effect at %s unless cancelled", r.Due.Format(cmdline.TimeFormat))
					}
					fmt.Fprintln(w)
				}
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "who reads the guardians and recoveries, a keystore key name: the patient (patient/NAME), one of their guardians, or a regulator's inspector")
	return cmd
}

// readGuardians reads out's patient's guardians and open recoveries,
// signed as as.
func (c *cmds) readGuardians(out *patientView, as string) error {
	s, err := c.Signer(as)
	if err != nil {
		return err
	}
	g, err := c.Client().Guardians(c.Ctx, s, out.ID)
	switch {
	case err == nil:
		out.Guardians = &g
	case !client.IsCode(err, identity.Codespace, identity.ErrNoGuardians.Slug):
		return c.ReadFail(err, "")
	}
	if out.Recoveries, err = c.Client().OpenRecoveries(c.Ctx, s, out.ID); err != nil {
		return c.ReadFail(err, "")
	}
	return nil
}

func (c *cmds) queryProposalsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "proposals",
		Short: "List the governance proposals and their tallies",
		Long: `List the consortium's governance proposals (to add, suspend or reinstate an
organization): action, target, status (open, passed or rejected; past its
deadline a proposal takes no more votes), the yes and no votes, the proposer
and the deadline.`,
		Example: `  medledger query proposals`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := c.Client().Proposals(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(ps, func(w io.Writer) {
				if len(ps) == 0 {
					fmt.Fprintln(w, "no proposals")
					return
				}
				cmdline.Table(w, "ID\tACTION\tTARGET\tSTATUS\tYES\tNO\tPROPOSER\tDEADLINE", func(tw io.Writer) {
					for _, p := range ps {
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", p.ID, p.Action, p.Target, p.Status, p.Yes, p.No, p.Proposer, p.Deadline.Format(time.RFC3339))
					}
				})
			})
		},
	}
}

func (c *cmds) queryProposalCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "proposal N",
		Short:   "Show a governance proposal and its tally",
		Example: `  medledger query proposal 1`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usage("medledger query proposals lists them", "proposal %q is not a number", cmdline.Short(args[0]))
			}
			p, err := c.Client().Proposal(c.Ctx, id, 0)
			if err != nil {
				return c.ReadFail(err, "medledger query proposals lists them")
			}
			return c.Print(p, func(w io.Writer) {
				fmt.Fprintf(w, "proposal %d\naction   %s\ntarget   %s\nstatus   %s\nyes      %d\nno       %d\nproposer %s (height %d)\ndeadline %s\n",
					p.ID, p.Action, p.Target, p.Status, p.Yes, p.No, p.Proposer, p.Height, p.Deadline.Format(time.RFC3339))
				if p.Org != nil {
					fmt.Fprintf(w, "org      %s (%s, %s, %q)\n", p.Org.ID, p.Org.Kind, p.Org.Jurisdiction, p.Org.Name)
				}
				if p.Admin != nil {
					fmt.Fprintf(w, "admin    %s (key %s)\n", identity.MemberID(p.Target, p.Admin.ID), tx.KeyID(p.Admin.SignKey))
				}
			})
		},
	}
}

// patientView is a patient's record with their guardians and open
// recoveries, as query patient shows it.
type patientView struct {
	identity.Patient
	Guardians  *identity.Guardians `json:"guardians,omitempty"`
	Recoveries []identity.Recovery `json:"recoveries,omitempty"`
	// NotShown says why the guardians and recoveries were not read.
	NotShown string `json:"not_shown,omitempty"`
}
