package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
)

// ProposalView is what propose and vote print: the transaction and where
// the proposal stands.
type ProposalView struct {
	cmdline.Sent
	Proposal uint64 `json:"proposal"`
	Status   string `json:"status"`
	Yes      int    `json:"yes"`
	No       int    `json:"no"`
}

func (c *cmds) view(t cmdline.Sent, res api.TxResponse, id uint64) ProposalView {
	if id == 0 {
		id, _ = strconv.ParseUint(cmdline.EventAttr(res, credentials.EventProposalCreated, "proposal"), 10, 64)
	}
	v := ProposalView{Sent: t, Proposal: id, Status: credentials.ProposalOpen}
	if p, err := c.Client().CredentialProposal(c.Ctx, id); err == nil {
		v.Status, v.Yes, v.No = p.Status, p.Yes, p.No
	}
	return v
}

func (v ProposalView) text(w io.Writer) {
	fmt.Fprintf(w, "proposal %d is %s (%d yes, %d no)\n", v.Proposal, v.Status, v.Yes, v.No)
	v.Sent.Text(w)
}

// change reads ORG:TYPE[:JURISDICTION] of --authorize or --deauthorize; a
// missing jurisdiction is the organization's own.
func (c *cmds) change(flag, action, s string) (credentials.Change, error) {
	parts := strings.Split(s, ":")
	hint := fmt.Sprintf("give ORG:TYPE or ORG:TYPE:JURISDICTION, e.g. %s state-medical-board:medical-license:US", flag)
	if len(parts) < 2 || len(parts) > 3 || len(s) > 200 {
		return credentials.Change{}, usage(hint, "%s %q is not ORG:TYPE[:JURISDICTION]", flag, cmdline.Short(s))
	}
	if err := checkType(parts[1]); err != nil {
		return credentials.Change{}, err
	}
	ch := credentials.Change{Action: action, Issuer: parts[0], Type: parts[1]}
	if len(parts) == 3 {
		ch.Jurisdiction = parts[2]
		if !credentials.ValidJurisdiction(ch.Jurisdiction) {
			return credentials.Change{}, usage(hint, "%s: jurisdiction %q is not an ISO 3166 code such as US or US-CA", flag, cmdline.Short(ch.Jurisdiction))
		}
		return ch, nil
	}
	o, err := c.Client().Org(c.Ctx, ch.Issuer)
	if err != nil {
		return credentials.Change{}, c.ReadFail(err, "no organization "+cmdline.Short(ch.Issuer)+": medledger query orgs lists them")
	}
	ch.Jurisdiction = o.Jurisdiction
	return ch, nil
}

func (c *cmds) proposeCmd() *cobra.Command {
	var as string
	var authorize, deauthorize, enforce, relax []string
	cmd := &cobra.Command{
		Use:   "propose [--authorize ORG:TYPE[:JURISDICTION]]... [--deauthorize ...]... [--enforce SCOPE]... [--relax SCOPE]... --as ORG/admin",
		Short: "Propose changes to the issuer registry or to licence checks, for the consortium's vote",
		Long: `Propose changes, applied together if the proposal passes: authorize an
organization to issue a credential type in a jurisdiction (ORG:TYPE, in the
organization's own jurisdiction, or ORG:TYPE:JURISDICTION), withdraw an
authorization, or switch licence checks on (--enforce) or off (--relax) for a
scope. Your organization votes yes; the others vote with medledger credentials
vote N. It passes once a majority of the active organizations approve, within
7 days. Only admins propose and vote.

Scopes:
  supply   ` + credentials.ScopeWords["supply"] + `
  records  ` + credentials.ScopeWords["records"] + `
  claims   ` + credentials.ScopeWords["claims"],
		Example: `  medledger credentials propose --authorize state-medical-board:medical-license --as state-medical-board/admin
  medledger credentials propose --enforce supply --enforce records --as drug-regulator/admin
  medledger credentials propose --deauthorize lakeside-clinic:clinical-privileges:US --as lakeside-clinic/admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var changes []credentials.Change
			for _, f := range []struct {
				flag, action string
				vals         []string
			}{{"--authorize", credentials.ActionAuthorize, authorize}, {"--deauthorize", credentials.ActionDeauthorize, deauthorize}} {
				for _, s := range f.vals {
					ch, err := c.change(f.flag, f.action, s)
					if err != nil {
						return err
					}
					changes = append(changes, ch)
				}
			}
			for _, f := range []struct {
				flag, action string
				vals         []string
			}{{"--enforce", credentials.ActionEnforce, enforce}, {"--relax", credentials.ActionRelax, relax}} {
				for _, s := range f.vals {
					if !slices.Contains(credentials.Scopes, s) {
						return usage("a scope is one of "+strings.Join(credentials.Scopes, ", "), "%s %q is not a scope", f.flag, cmdline.Short(s))
					}
					changes = append(changes, credentials.Change{Action: f.action, Scope: s})
				}
			}
			if len(changes) == 0 || len(changes) > credentials.MaxChanges {
				return usage("give at least one --authorize, --deauthorize, --enforce or --relax", "a proposal makes 1 to %d changes", credentials.MaxChanges)
			}
			t, res, err := c.Send(as, credentials.TypePropose, credentials.ProposeBody{Changes: changes})
			if err != nil {
				return err
			}
			v := c.view(t, res, 0)
			return c.Print(v, v.text)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&authorize, "authorize", nil, "ORG:TYPE[:JURISDICTION] to authorize (repeat for more)")
	f.StringArrayVar(&deauthorize, "deauthorize", nil, "ORG:TYPE[:JURISDICTION] to withdraw")
	f.StringArrayVar(&enforce, "enforce", nil, "scope to switch licence checks on for: "+strings.Join(credentials.Scopes, ", "))
	f.StringArrayVar(&relax, "relax", nil, "scope to switch licence checks off for")
	cmdline.AsFlag(cmd, &as, "state-medical-board/admin")
	return cmd
}

func (c *cmds) voteCmd() *cobra.Command {
	var as string
	var approve, reject bool
	cmd := &cobra.Command{
		Use:   "vote N --approve|--reject --as ORG/admin",
		Short: "Vote on an open proposal of the credentials registry for your organization",
		Long: `Vote on open proposal N (medledger credentials proposals lists them) for your
organization, as one of its admins. Each organization votes once; a proposal
passes once a majority of the active organizations approve (its changes apply
at once), and is rejected once it can no longer win one.`,
		Example: `  medledger credentials vote 1 --approve --as northside-hospital/admin
  medledger credentials vote 2 --reject --as acme-pharma/admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || id == 0 {
				return usage("medledger credentials proposals lists them", "proposal %q is not a proposal number", cmdline.Short(args[0]))
			}
			if approve == reject {
				return usage("give exactly one of --approve and --reject", "say how to vote")
			}
			t, res, err := c.Send(as, credentials.TypeVote, credentials.VoteBody{Proposal: id, Approve: approve})
			if err != nil {
				return err
			}
			v := c.view(t, res, id)
			return c.Print(v, v.text)
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "vote yes")
	cmd.Flags().BoolVar(&reject, "reject", false, "vote no")
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) proposalsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "proposals",
		Short: "Proposals to change the issuer registry or licence checks, and how the votes stand",
		Long: `List the proposals to change the issuer registry or licence checks: what each
changes, who proposed it, and whether it is open, passed or rejected.`,
		Example: `  medledger credentials proposals
  medledger credentials proposals -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := c.Client().CredentialProposals(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no proposals yet")
					return
				}
				cmdline.Table(w, "N\tSTATUS\tYES\tNO\tPROPOSER\tCHANGES", func(tw io.Writer) {
					for _, p := range list {
						var chs []string
						for _, ch := range p.Changes {
							if ch.Scope != "" {
								chs = append(chs, ch.Action+" "+ch.Scope)
							} else {
								chs = append(chs, fmt.Sprintf("%s %s:%s:%s", ch.Action, ch.Issuer, ch.Type, ch.Jurisdiction))
							}
						}
						fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\n", p.ID, p.Status, p.Yes, p.No, p.Proposer, strings.Join(chs, "; "))
					}
				})
			})
		},
	}
}
