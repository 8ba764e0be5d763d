package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/tx"
)

// The identity module's reads, under medledger query.

func (c *cmds) queryOrgsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "orgs",
		Short: "List the consortium's organizations",
		Args:  cobra.NoArgs,
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
		Use:   "org ID",
		Short: "Show an organization and its members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
		Use:   "member ORG/NAME",
		Short: "Show a member: role, status and public keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			org, name, ok := strings.Cut(args[0], "/")
			if !ok || org == "" || name == "" || strings.Contains(name, "/") {
				return cmdline.Hint(fmt.Errorf("member %q is not ORG/NAME", args[0]), "e.g. medledger query member northside-hospital/dr-chen")
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
	return &cobra.Command{
		Use:   "patient ID",
		Short: "Show a patient's pseudonymous record (ID is pat-..., or a local key name patient/NAME)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if strings.HasPrefix(id, "patient/") {
				f, err := c.KeyInfo(id)
				if err != nil {
					return err
				}
				id = f.ID
			}
			if !strings.HasPrefix(id, identity.PatientPrefix) {
				return cmdline.Hint(fmt.Errorf("%q is not a patient id", id), "a patient id starts with %s; medledger keys show patient/NAME prints a local patient key's id", identity.PatientPrefix)
			}
			p, err := c.Client().Patient(c.Ctx, id)
			if err != nil {
				return c.ReadFail(err, "the patient is not enrolled: medledger tx identity enroll-patient enrolls them")
			}
			return c.Print(p, func(w io.Writer) {
				fmt.Fprintf(w, "id          %s\nstatus      %s (since height %d)\nenrolled by %s\nkey id      %s\nsign key    %s\nenc key     %s\n",
					p.ID, p.Status, p.Since, p.EnrolledBy, p.KeyID, base64.StdEncoding.EncodeToString(p.SignKey), base64.StdEncoding.EncodeToString(p.EncKey))
			})
		},
	}
}

func (c *cmds) queryProposalsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "proposals",
		Short: "List the governance proposals and their tallies",
		Args:  cobra.NoArgs,
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
		Use:   "proposal N",
		Short: "Show a governance proposal and its tally",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return cmdline.Hint(fmt.Errorf("proposal %q is not a number", args[0]), "medledger query proposals lists them")
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
