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
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

// Module is the identity module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin:   daemon.Plugin{Module: identity.Module{}, Routes: identity.HTTPRoutes, Codes: identity.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command { return []*cobra.Command{(&cmds{e}).patientCmd()} },
	Tx:       func(e *cmdline.Env) []*cobra.Command { return []*cobra.Command{(&cmds{e}).txIdentityCmd()} },
	Query: func(e *cmdline.Env) []*cobra.Command {
		c := &cmds{e}
		return []*cobra.Command{c.queryOrgsCmd(), c.queryOrgCmd(), c.queryMemberCmd(), c.queryPatientCmd(), c.queryProposalsCmd(), c.queryProposalCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-identity-seeded", Run: seed},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// maxName bounds what the commands pass on as an organization id or member
// name (the identity module allows 64 characters) or a member id: longer
// ones are refused here, so that no refusal repeats a huge value.
const maxName = 129

// checkName refuses an organization id, member name or member id too long
// to be one.
func checkName(what, s, hint string) error {
	if len(s) > maxName {
		return usage(hint, "%s %q is too long", what, cmdline.Short(s))
	}
	return nil
}

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
		return f, usage(fmt.Sprintf("the key must sign as the member: make one with medledger keys add %s (or, for a second key of the member, keys add %s-2 --id %s)", id, id, id),
			"key %s signs as %s, not as %s", cmdline.Short(keyName), f.ID, id)
	}
	return f, nil
}

func (c *cmds) txIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Organizations, members, keys and patients: governance proposals and votes, member management, enrollment",
		Long: `Organizations, members, keys and patients.

The consortium governs itself: an organization joins, is suspended or is
reinstated when a majority of the active organizations approve a proposal,
each voting once through one of its admins (propose-*, vote). An organization's
admins manage its own members (add-member, suspend-member, reinstate-member,
rotate-key); clinicians and admins of hospitals and clinics enroll patients
(enroll-patient), who are known on the chain only by a pseudonymous id.

Kinds of organization, and the roles their members may hold:
` + kindsTable() + `

Roles:
` + rolesTable() + `

medledger query orgs, org, member, patient, proposals and proposal read what
these commands wrote; docs/identity.md has the whole story.`,
		Example: `  medledger tx identity propose-add-org --org riverside-clinic --kind clinic --as northside-hospital/admin
  medledger tx identity vote 1 --approve --as lakeside-clinic/admin
  medledger tx identity enroll-patient --key patient/carol --as northside-hospital/dr-chen`,
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
organization is added once a majority of the active organizations approve.

--kind is what the organization is, and decides the roles its members may
hold:
` + kindsTable(),
		Example: `  medledger keys add riverside-clinic/admin
  medledger tx identity propose-add-org --org riverside-clinic --name 'Riverside Clinic' --kind clinic --jurisdiction US-CA --as northside-hospital/admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if org.ID == "" {
				return usage("name the new organization's id, e.g. --org riverside-clinic", "--org is required")
			}
			if err := checkName("--org", org.ID, "an organization id is 2 to 64 lowercase letters, digits and '-', e.g. riverside-clinic"); err != nil {
				return err
			}
			if !slices.Contains(identity.Kinds, org.Kind) {
				return usage("give --kind one of "+strings.Join(identity.Kinds, ", ")+" (see --help)", "organization kind %q is not known", cmdline.Short(org.Kind))
			}
			if len(org.Jurisdiction) > 6 {
				return usage("give an ISO 3166 code, e.g. --jurisdiction US, DE or US-CA", "--jurisdiction %q is not an ISO 3166 code", cmdline.Short(org.Jurisdiction))
			}
			if org.Name == "" {
				org.Name = org.ID
			}
			if err := org.Validate(); err != nil {
				var me *medledger.Error
				if errors.As(err, &me) {
					err = cmdline.Usage("%s", me.Detail)
				}
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
				return usage("make the admin's key with medledger keys add "+identity.MemberID(org.ID, "admin"),
					"admin key %s signs as %s, not as a member of %s", cmdline.Short(adminKey), f.ID, org.ID)
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
	f.StringVar(&org.Kind, "kind", "", "what it is, which decides its members' roles ("+strings.Join(identity.Kinds, ", ")+")")
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
		Long: map[string]string{
			identity.ActionSuspendOrg: `Propose to suspend an organization: once a majority of the active
organizations approve, its members may no longer sign, and it no longer
counts in votes. The proposer's organization votes yes.`,
			identity.ActionReinstateOrg: `Propose to reinstate a suspended organization: once a majority of the active
organizations approve, its members may sign again. The proposer's organization
votes yes.`,
		}[action],
		Example: map[string]string{
			identity.ActionSuspendOrg:   `  medledger tx identity propose-suspend-org drug-regulator --as northside-hospital/admin`,
			identity.ActionReinstateOrg: `  medledger tx identity propose-reinstate-org drug-regulator --as northside-hospital/admin`,
		}[action],
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkName("organization", args[0], "medledger query orgs lists the organizations"); err != nil {
				return err
			}
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
		Use:   "vote N --approve|--reject --as ORG/admin",
		Short: "Vote on an open proposal for your organization",
		Long: `Vote on open proposal N (medledger query proposals lists them) for your
organization, as one of its admins. Each organization votes once; a proposal
passes once a majority of the active organizations approve, and is rejected
once it can no longer win one.`,
		Example: `  medledger tx identity vote 1 --approve --as lakeside-clinic/admin
  medledger tx identity vote 1 --reject --as medsupply-dist/admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || id == 0 {
				return usage("medledger query proposals lists them", "proposal %q is not a proposal number", cmdline.Short(args[0]))
			}
			if approve == reject {
				return usage("give exactly one of --approve and --reject", "say how to vote")
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
		Long: `Add a member to your organization, as one of its admins.

The member's public keys come from the keystore key --key (default ORG/NAME),
made with medledger keys add ORG/NAME; only its public part is needed.

--role is what the member may do; the roles an organization allows depend on
its kind (see medledger tx identity --help):
` + rolesTable(),
		Example: `  medledger keys add northside-hospital/dr-lee
  medledger tx identity add-member dr-lee --role clinician --as northside-hospital/admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if role == "" {
				return usage("give the member's role, e.g. --role clinician (the roles an organization allows depend on its kind)", "--role is required")
			}
			if err := checkName("member", args[0], "a member name is 2 to 64 lowercase letters, digits and '-', e.g. dr-lee"); err != nil {
				return err
			}
			if _, known := roleWords[role]; !known {
				return usage("give --role one of the roles medledger tx identity add-member --help lists; which an organization allows depends on its kind", "role %q is not known", cmdline.Short(role))
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
		Long: map[string]string{
			"suspend":   "Suspend a member of your organization, as one of its admins: from the next block the\nmember's signatures are refused (suspended-signer). reinstate-member undoes it.",
			"reinstate": "Reinstate a suspended member of your organization, as one of its admins: the\nmember may sign again.",
		}[verb],
		Example: "  medledger tx identity " + verb + "-member dr-chen --as northside-hospital/admin",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkName("member", args[0], "medledger query org ORG lists its members"); err != nil {
				return err
			}
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
signs with --as ORG/NAME-2; the old key is refused (key-mismatch). Rotate a
key that may be lost or stolen, or on a schedule.`,
		Example: `  medledger keys add northside-hospital/dr-chen-2 --id northside-hospital/dr-chen
  medledger tx identity rotate-key dr-chen --key northside-hospital/dr-chen-2 --as northside-hospital/admin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usage("make the new key with medledger keys add ORG/NAME-2 --id ORG/NAME and pass --key ORG/NAME-2", "--key is required")
			}
			if err := checkName("member", args[0], "medledger query org ORG lists its members"); err != nil {
				return err
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
id derived from the key (pat-...); NAME never leaves this machine. A
clinician or admin of a hospital or clinic enrolls patients; once enrolled, a
patient's records can be added (medledger records add) and the patient grants
consents (medledger consent grant).`,
		Example: `  medledger keys add patient/carol
  medledger tx identity enroll-patient --key patient/carol --as northside-hospital/dr-chen`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				return usage("name the patient's key, e.g. --key patient/alice (make one with medledger keys add patient/NAME)", "--key is required")
			}
			f, err := c.KeyInfo(key)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(key, "patient/") || f.ID != identity.PatientID(f.SignPub) {
				return usage("make one with medledger keys add patient/NAME", "key %s is not a patient key", cmdline.Short(key))
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
