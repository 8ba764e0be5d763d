// Package cli is the identity module's part of the command line: the
// consortium's governance (proposals and votes on organizations), member
// management, key rotation and patient enrollment (medledger tx identity
// ...), and reads of organizations, members, patients and proposals
// (medledger query ...).
package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

// Module is the identity module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: identity.Module{}, Routes: identity.HTTPRoutes, Codes: identity.Codes},
	Tx:     func(e *cmdline.Env) []*cobra.Command { return []*cobra.Command{(&cmds{e}).txIdentityCmd()} },
	Query: func(e *cmdline.Env) []*cobra.Command {
		c := &cmds{e}
		return []*cobra.Command{c.queryOrgsCmd(), c.queryOrgCmd(), c.queryMemberCmd(), c.queryPatientCmd(), c.queryProposalsCmd(), c.queryProposalCmd()}
	},
	Hints: hints,
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// memberOf resolves a member NAME given to a tx command ("dr-chen" or
// "northside-hospital/dr-chen") to an id; a bare name is in org.
func memberOf(org, name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return identity.MemberID(org, name)
}

// memberKey reads the public keys of keystore key keyName, which must sign
// as member id.
func (c *cmds) memberKey(keyName, id string) (keystore.File, error) {
	f, err := c.KeyInfo(keyName)
	if err != nil {
		return f, err
	}
	if f.ID != id {
		return f, cmdline.Hint(fmt.Errorf("key %s signs as %s, not as %s", keyName, f.ID, id),
			"the key must sign as the member: make one with medledger keys add %s (or, for a second key of the member, keys add %s-2 --id %s)", id, id, id)
	}
	return f, nil
}

func (c *cmds) txIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Organizations, members, keys and patients: governance proposals and votes, member management, enrollment",
	}
	cmd.AddCommand(c.proposeAddOrgCmd(), c.proposeOrgStatusCmd(identity.ActionSuspendOrg), c.proposeOrgStatusCmd(identity.ActionReinstateOrg),
		c.voteCmd(), c.addMemberCmd(), c.memberStatusCmd(identity.TypeSuspendMember), c.memberStatusCmd(identity.TypeReinstateMember),
		c.rotateKeyCmd(), c.enrollPatientCmd())
	return cmd
}

// proposalOutcome is a proposal's state after a propose or vote.
type proposalOutcome struct {
	ID     uint64 `json:"proposal"`
	Action string `json:"action"`
	Target string `json:"target"`
	Status string `json:"status"`
	Yes    int    `json:"yes"`
	No     int    `json:"no"`
}

// outcome reads the proposal that res created or voted on: from the node
// when it answers, else from res's events.
func (c *cmds) outcome(res api.TxResponse, id uint64) proposalOutcome {
	if id == 0 {
		id, _ = strconv.ParseUint(cmdline.EventAttr(res, "identity.proposal_created", "proposal"), 10, 64)
	}
	o := proposalOutcome{ID: id, Status: identity.ProposalOpen, Action: cmdline.EventAttr(res, "identity.proposal_created", "action"), Target: cmdline.EventAttr(res, "identity.proposal_created", "target")}
	if p, err := c.Client().Proposal(c.Ctx, id, res.Height); err == nil {
		return proposalOutcome{ID: p.ID, Action: p.Action, Target: p.Target, Status: p.Status, Yes: p.Yes, No: p.No}
	}
	switch {
	case cmdline.EventAttr(res, "identity.proposal_passed", "proposal") != "":
		o.Status = identity.ProposalPassed
	case cmdline.EventAttr(res, "identity.proposal_rejected", "proposal") != "":
		o.Status = identity.ProposalRejected
	}
	return o
}

func (o proposalOutcome) text(w io.Writer) {
	fmt.Fprintf(w, "proposal %d (%s %s): %s, %d yes, %d no\n", o.ID, o.Action, o.Target, o.Status, o.Yes, o.No)
	switch o.Status {
	case identity.ProposalOpen:
		fmt.Fprintf(w, "  it passes once a majority of the active organizations approve: their admins run\n  medledger tx identity vote %d --approve --as ORG/admin\n", o.ID)
	case identity.ProposalPassed:
		fmt.Fprintf(w, "  passed: %s of %s is in effect\n", o.Action, o.Target)
	case identity.ProposalRejected:
		fmt.Fprintln(w, "  rejected: it can no longer win a majority")
	}
}

func (c *cmds) proposeAddOrgCmd() *cobra.Command {
	var as, adminKey string
	var org identity.Org
	cmd := &cobra.Command{
		Use:   "propose-add-org --org ID --kind KIND --admin-key ID/admin --as ORG/admin",
		Short: "Propose a new organization and its first admin; it joins once a majority of organizations approve",
		Long: `Propose a new organization and its first admin.

The admin's public keys come from the keystore key --admin-key (default
ID/admin), which the new organization makes with medledger keys add ID/admin
and hands over (its key file without the secret is enough: medledger keys
show prints the public keys). The proposer's organization votes yes; the
organization is added once a majority of the active organizations approve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if org.ID == "" {
				return cmdline.Hint(errors.New("--org is required"), "name the new organization's id, e.g. --org riverside-clinic")
			}
			if org.Name == "" {
				org.Name = org.ID
			}
			if err := org.Validate(); err != nil {
				return cmdline.Hint(err, "see medledger tx identity propose-add-org --help")
			}
			if adminKey == "" {
				adminKey = identity.MemberID(org.ID, "admin")
			}
			f, err := c.KeyInfo(adminKey)
			if err != nil {
				return err
			}
			keyOrg, adminName, _ := strings.Cut(f.ID, "/")
			if keyOrg != org.ID {
				return cmdline.Hint(fmt.Errorf("admin key %s signs as %s, not as a member of %s", adminKey, f.ID, org.ID),
					"make the admin's key with medledger keys add %s", identity.MemberID(org.ID, "admin"))
			}
			body := identity.ProposeBody{Action: identity.ActionAddOrg, Org: &org,
				Admin: &identity.GenesisMember{ID: adminName, Role: identity.RoleAdmin, SignKey: f.SignPub, EncKey: f.EncPub}}
			t, res, err := c.Send(as, identity.TypePropose, body)
			if err != nil {
				return err
			}
			o := c.outcome(res, 0)
			return c.Print(struct {
				cmdline.Sent
				proposalOutcome
				Admin string `json:"admin"`
			}{t, o, f.ID}, func(w io.Writer) {
				fmt.Fprintf(w, "proposed to add %s (%s, %s) with admin %s\n", org.ID, org.Kind, org.Jurisdiction, f.ID)
				t.Text(w)
				o.text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&org.ID, "org", "", "the new organization's id")
	f.StringVar(&org.Name, "name", "", "its display name (default: the id)")
	f.StringVar(&org.Kind, "kind", "", "its kind ("+strings.Join(identity.Kinds, ", ")+")")
	f.StringVar(&org.Jurisdiction, "jurisdiction", "US", "its jurisdiction (ISO 3166, e.g. US, DE, US-CA)")
	f.StringVar(&adminKey, "admin-key", "", "keystore key of its first admin (default ORG/admin)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) proposeOrgStatusCmd(action string) *cobra.Command {
	var as string
	verb := strings.TrimSuffix(action, "-org")
	cmd := &cobra.Command{
		Use:   "propose-" + action + " ORG --as ORG/admin",
		Short: "Propose to " + verb + " an organization; done once a majority of organizations approve",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, res, err := c.Send(as, identity.TypePropose, identity.ProposeBody{Action: action, Target: args[0]})
			if err != nil {
				return err
			}
			o := c.outcome(res, 0)
			return c.Print(struct {
				cmdline.Sent
				proposalOutcome
			}{t, o}, func(w io.Writer) {
				fmt.Fprintf(w, "proposed to %s %s\n", verb, args[0])
				t.Text(w)
				o.text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) voteCmd() *cobra.Command {
	var as string
	var approve, reject bool
	cmd := &cobra.Command{
		Use:   "vote PROPOSAL --approve|--reject --as ORG/admin",
		Short: "Vote on an open proposal for your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || id == 0 {
				return cmdline.Hint(fmt.Errorf("proposal %q is not a proposal number", args[0]), "medledger query proposals lists them")
			}
			if approve == reject {
				return cmdline.Hint(errors.New("say how to vote"), "give exactly one of --approve and --reject")
			}
			t, res, err := c.Send(as, identity.TypeVote, identity.VoteBody{Proposal: id, Approve: approve})
			if err != nil {
				return err
			}
			o := c.outcome(res, id)
			return c.Print(struct {
				cmdline.Sent
				proposalOutcome
				Approve bool `json:"approve"`
			}{t, o, approve}, func(w io.Writer) {
				v := "approved"
				if !approve {
					v = "rejected"
				}
				fmt.Fprintf(w, "%s proposal %d\n", v, id)
				t.Text(w)
				o.text(w)
			})
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "vote yes")
	cmd.Flags().BoolVar(&reject, "reject", false, "vote no")
	cmdline.AsFlag(cmd, &as, "lakeside-clinic/admin")
	return cmd
}

func (c *cmds) addMemberCmd() *cobra.Command {
	var as, role, key string
	cmd := &cobra.Command{
		Use:   "add-member NAME --role ROLE [--key ORG/NAME] --as ORG/admin",
		Short: "Add a member to your organization with the public keys of a keystore key",
		Long: `Add a member to your organization.

The member's public keys come from the keystore key --key (default ORG/NAME),
made with medledger keys add ORG/NAME; only its public part is needed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if role == "" {
				return cmdline.Hint(errors.New("--role is required"), "give the member's role, e.g. --role clinician (the roles an organization allows depend on its kind)")
			}
			org, err := c.SignerOrg(as)
			if err != nil {
				return err
			}
			id := memberOf(org, args[0])
			if key == "" {
				key = id
			}
			f, err := c.memberKey(key, id)
			if err != nil {
				return err
			}
			t, _, err := c.Send(as, identity.TypeAddMember, identity.MemberBody{Member: args[0], Role: role, SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Member string `json:"member"`
				Role   string `json:"role"`
				KeyID  string `json:"key_id"`
			}{t, id, role, f.KeyID}, func(w io.Writer) {
				fmt.Fprintf(w, "added %s as %s with key %s\n", id, role, f.KeyID)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the member's role (admin, clinician, pharmacist, ...)")
	cmd.Flags().StringVar(&key, "key", "", "keystore key whose public keys the member gets (default ORG/NAME)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) memberStatusCmd(typ string) *cobra.Command {
	var as string
	verb, _ := strings.CutSuffix(strings.TrimPrefix(typ, "identity/"), "-member")
	done := map[string]string{"suspend": "suspended", "reinstate": "reinstated"}[verb]
	cmd := &cobra.Command{
		Use:   verb + "-member NAME --as ORG/admin",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a member of your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, res, err := c.Send(as, typ, identity.MemberBody{Member: args[0]})
			if err != nil {
				return err
			}
			id := cmdline.EventAttr(res, "identity.member_"+done, "member")
			if id == "" {
				org, _, _ := strings.Cut(t.Signer, "/")
				id = memberOf(org, args[0])
			}
			return c.Print(struct {
				cmdline.Sent
				Member string `json:"member"`
				Status string `json:"status"`
			}{t, id, map[string]string{"suspend": identity.StatusSuspended, "reinstate": identity.StatusActive}[verb]}, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s\n", done, id)
				t.Text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) rotateKeyCmd() *cobra.Command {
	var as, key string
	cmd := &cobra.Command{
		Use:   "rotate-key NAME --key KEYNAME --as ORG/admin",
		Short: "Replace a member's keys with those of a keystore key that signs as the member",
		Long: `Replace a member's keys.

--key names a keystore key that signs as the member, made under a new local
name with medledger keys add ORG/NAME-2 --id ORG/NAME. From then on the member
signs with --as ORG/NAME-2; the old key is refused (key-mismatch).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return cmdline.Hint(errors.New("--key is required"), "make the new key with medledger keys add ORG/NAME-2 --id ORG/NAME and pass --key ORG/NAME-2")
			}
			org, err := c.SignerOrg(as)
			if err != nil {
				return err
			}
			id := memberOf(org, args[0])
			f, err := c.memberKey(key, id)
			if err != nil {
				return err
			}
			t, _, err := c.Send(as, identity.TypeRotateKey, identity.MemberBody{Member: args[0], SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Member string `json:"member"`
				KeyID  string `json:"key_id"`
				Key    string `json:"key"`
			}{t, id, f.KeyID, key}, func(w io.Writer) {
				fmt.Fprintf(w, "rotated %s to key %s\n  sign as %s with --as %s from now on\n", id, f.KeyID, id, key)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "keystore key with the member's new keys")
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *cmds) enrollPatientCmd() *cobra.Command {
	var as, key string
	cmd := &cobra.Command{
		Use:   "enroll-patient --key patient/NAME --as ORG/MEMBER",
		Short: "Enroll a patient by the public keys of a patient key (a hospital's or clinic's admin or clinician)",
		Long: `Enroll a patient by their public keys.

The patient makes a key with medledger keys add patient/NAME; only its public
part is needed here. On chain the patient is known only by the pseudonymous
id derived from the key (pat-...); NAME never leaves this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				return cmdline.Hint(errors.New("--key is required"), "name the patient's key, e.g. --key patient/alice (make one with medledger keys add patient/NAME)")
			}
			f, err := c.KeyInfo(key)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(key, "patient/") || f.ID != identity.PatientID(f.SignPub) {
				return cmdline.Hint(fmt.Errorf("key %s is not a patient key", key), "make one with medledger keys add patient/NAME")
			}
			t, _, err := c.Send(as, identity.TypeEnrollPatient, identity.EnrollBody{SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Patient string `json:"patient"`
				KeyID   string `json:"key_id"`
			}{t, f.ID, f.KeyID}, func(w io.Writer) {
				fmt.Fprintf(w, "enrolled patient %s (key %s)\n", f.ID, key)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the patient's keystore key (patient/NAME)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}
