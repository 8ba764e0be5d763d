package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

func init() {
	extraCommands = append(extraCommands, (*CLI).txCmd)
}

// txGroups are the `medledger tx MODULE` command groups. A module's verb
// file appends its group in its own init(), as identity's is here.
var txGroups = []func(*CLI) *cobra.Command{(*CLI).txIdentityCmd}

func (c *CLI) txCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign and send transactions (each waits until its block commits)",
	}
	for _, add := range txGroups {
		cmd.AddCommand(add(c))
	}
	return cmd
}

// sent is a committed transaction as the tx commands report it.
type sent struct {
	Type   string `json:"type"`
	Signer string `json:"signer"`
	Hash   string `json:"tx_hash"`
	Height int64  `json:"height"`
}

// send signs body as the identity as (a keystore key name), sends it with
// mode commit and returns once its block committed. The node's refusal
// comes back with a hint.
func (c *CLI) send(as, typ string, body any) (sent, api.TxResponse, error) {
	s, err := c.signer(as)
	if err != nil {
		return sent{}, api.TxResponse{}, err
	}
	res, err := c.client().Send(c.ctx, s, typ, body, "commit")
	if err != nil {
		return sent{}, res, c.sendError(err)
	}
	return sent{Type: typ, Signer: s.Key.ID, Hash: res.Hash, Height: res.Height}, res, nil
}

func (t sent) text(w io.Writer) {
	fmt.Fprintf(w, "  signer %s\n  height %d\n  tx     %s\n", t.Signer, t.Height, t.Hash)
}

// sendError adds hints to the identity module's refusals and to those of
// the transaction envelope; other refusals get CLI.txError's hints.
func (c *CLI) sendError(err error) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return c.txError(err)
	}
	hint := ""
	switch e.Codespace + "/" + e.Title {
	case "identity/org-exists":
		hint = "choose another --org id; medledger query orgs lists those taken"
	case "identity/org-not-found":
		hint = "medledger query orgs lists the organizations"
	case "identity/member-exists":
		hint = "choose another member name; medledger query org ORG lists its members"
	case "identity/member-not-found":
		hint = "medledger query org ORG lists its members"
	case "identity/proposal-not-found":
		hint = "medledger query proposals lists the proposals"
	case "identity/proposal-closed", "identity/proposal-expired":
		hint = "medledger query proposal N shows its outcome; propose again if it is still wanted"
	case "identity/already-voted":
		hint = "each organization votes once; medledger query proposal N shows the tally"
	case "identity/not-own-org":
		hint = "an admin manages the members of their own organization only: sign --as an admin of that organization"
	case "identity/self-action":
		hint = "ask another admin of the organization, or another organization, to do it"
	case "identity/wrong-status":
		hint = "nothing to do: the object has that status already (see medledger query)"
	case "identity/role-not-allowed":
		hint = "give --role one of the roles the error lists"
	case "identity/patient-exists":
		hint = "this patient is enrolled already: medledger query patient ID shows the record"
	case "identity/bad-key":
		hint = "the key file may be damaged: medledger keys show NAME prints its public keys"
	case "identity/invalid":
		hint = "fix the value the error names; see --help"
	case "tx/suspended-signer":
		hint = "a suspended member or organization may not sign; an admin reinstates a member, the consortium votes to reinstate an organization"
	case "api/commit-timeout":
		hint = fmt.Sprintf("the transaction may still commit: medledger query tx %s", e.Hash)
	}
	if hint != "" {
		return withHint(err, "%s", hint)
	}
	return c.txError(err)
}

// memberOf resolves a member NAME given to a tx command ("dr-chen" or
// "northside-hospital/dr-chen") to an id; a bare name is in org.
func memberOf(org, name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return identity.MemberID(org, name)
}

// signerOrg is the organization of the key named as, read without
// decrypting it.
func (c *CLI) signerOrg(as string) (string, error) {
	if as == "" {
		return "", withHint(errors.New("--as is required"), "name the identity to sign as, e.g. --as northside-hospital/admin (medledger keys list shows them)")
	}
	f, err := c.keyInfo(as)
	if err != nil {
		return "", err
	}
	org, _, _ := strings.Cut(f.ID, "/")
	return org, nil
}

// memberKey reads the public keys of keystore key keyName, which must sign
// as member id.
func (c *CLI) memberKey(keyName, id string) (keystore.File, error) {
	f, err := c.keyInfo(keyName)
	if err != nil {
		return f, err
	}
	if f.ID != id {
		return f, withHint(fmt.Errorf("key %s signs as %s, not as %s", keyName, f.ID, id),
			"the key must sign as the member: make one with medledger keys add %s (or, for a second key of the member, keys add %s-2 --id %s)", id, id, id)
	}
	return f, nil
}

func (c *CLI) txIdentityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Organizations, members, keys and patients: governance proposals and votes, member management, enrollment",
	}
	cmd.AddCommand(c.proposeAddOrgCmd(), c.proposeOrgStatusCmd(identity.ActionSuspendOrg), c.proposeOrgStatusCmd(identity.ActionReinstateOrg),
		c.voteCmd(), c.addMemberCmd(), c.memberStatusCmd(identity.TypeSuspendMember), c.memberStatusCmd(identity.TypeReinstateMember),
		c.rotateKeyCmd(), c.enrollPatientCmd())
	return cmd
}

func asFlag(cmd *cobra.Command, as *string, example string) {
	cmd.Flags().StringVar(as, "as", "", "identity to sign as, a keystore key name (e.g. "+example+")")
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
func (c *CLI) outcome(res api.TxResponse, id uint64) proposalOutcome {
	if id == 0 {
		id, _ = strconv.ParseUint(eventAttr(res, "identity.proposal_created", "proposal"), 10, 64)
	}
	o := proposalOutcome{ID: id, Status: identity.ProposalOpen, Action: eventAttr(res, "identity.proposal_created", "action"), Target: eventAttr(res, "identity.proposal_created", "target")}
	var p identity.Proposal
	if err := c.client().Get(c.ctx, fmt.Sprintf("/v1/proposals/%d?height=%d", id, res.Height), &p); err == nil {
		return proposalOutcome{ID: p.ID, Action: p.Action, Target: p.Target, Status: p.Status, Yes: p.Yes, No: p.No}
	}
	switch {
	case eventAttr(res, "identity.proposal_passed", "proposal") != "":
		o.Status = identity.ProposalPassed
	case eventAttr(res, "identity.proposal_rejected", "proposal") != "":
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

// eventAttr is the value of attribute key of the first event of type typ.
func eventAttr(res api.TxResponse, typ, key string) string {
	for _, e := range res.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				return a.Value
			}
		}
	}
	return ""
}

func (c *CLI) proposeAddOrgCmd() *cobra.Command {
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
				return withHint(errors.New("--org is required"), "name the new organization's id, e.g. --org riverside-clinic")
			}
			if org.Name == "" {
				org.Name = org.ID
			}
			if err := org.Validate(); err != nil {
				return withHint(err, "see medledger tx identity propose-add-org --help")
			}
			if adminKey == "" {
				adminKey = identity.MemberID(org.ID, "admin")
			}
			f, err := c.keyInfo(adminKey)
			if err != nil {
				return err
			}
			keyOrg, adminName, _ := strings.Cut(f.ID, "/")
			if keyOrg != org.ID {
				return withHint(fmt.Errorf("admin key %s signs as %s, not as a member of %s", adminKey, f.ID, org.ID),
					"make the admin's key with medledger keys add %s", identity.MemberID(org.ID, "admin"))
			}
			body := identity.ProposeBody{Action: identity.ActionAddOrg, Org: &org,
				Admin: &identity.GenesisMember{ID: adminName, Role: identity.RoleAdmin, SignKey: f.SignPub, EncKey: f.EncPub}}
			t, res, err := c.send(as, identity.TypePropose, body)
			if err != nil {
				return err
			}
			o := c.outcome(res, 0)
			return c.print(struct {
				sent
				proposalOutcome
				Admin string `json:"admin"`
			}{t, o, f.ID}, func(w io.Writer) {
				fmt.Fprintf(w, "proposed to add %s (%s, %s) with admin %s\n", org.ID, org.Kind, org.Jurisdiction, f.ID)
				t.text(w)
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
	asFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *CLI) proposeOrgStatusCmd(action string) *cobra.Command {
	var as string
	verb := strings.TrimSuffix(action, "-org")
	cmd := &cobra.Command{
		Use:   "propose-" + action + " ORG --as ORG/admin",
		Short: "Propose to " + verb + " an organization; done once a majority of organizations approve",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, res, err := c.send(as, identity.TypePropose, identity.ProposeBody{Action: action, Target: args[0]})
			if err != nil {
				return err
			}
			o := c.outcome(res, 0)
			return c.print(struct {
				sent
				proposalOutcome
			}{t, o}, func(w io.Writer) {
				fmt.Fprintf(w, "proposed to %s %s\n", verb, args[0])
				t.text(w)
				o.text(w)
			})
		},
	}
	asFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *CLI) voteCmd() *cobra.Command {
	var as string
	var approve, reject bool
	cmd := &cobra.Command{
		Use:   "vote PROPOSAL --approve|--reject --as ORG/admin",
		Short: "Vote on an open proposal for your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || id == 0 {
				return withHint(fmt.Errorf("proposal %q is not a proposal number", args[0]), "medledger query proposals lists them")
			}
			if approve == reject {
				return withHint(errors.New("say how to vote"), "give exactly one of --approve and --reject")
			}
			t, res, err := c.send(as, identity.TypeVote, identity.VoteBody{Proposal: id, Approve: approve})
			if err != nil {
				return err
			}
			o := c.outcome(res, id)
			return c.print(struct {
				sent
				proposalOutcome
				Approve bool `json:"approve"`
			}{t, o, approve}, func(w io.Writer) {
				v := "approved"
				if !approve {
					v = "rejected"
				}
				fmt.Fprintf(w, "%s proposal %d\n", v, id)
				t.text(w)
				o.text(w)
			})
		},
	}
	cmd.Flags().BoolVar(&approve, "approve", false, "vote yes")
	cmd.Flags().BoolVar(&reject, "reject", false, "vote no")
	asFlag(cmd, &as, "lakeside-clinic/admin")
	return cmd
}

func (c *CLI) addMemberCmd() *cobra.Command {
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
				return withHint(errors.New("--role is required"), "give the member's role, e.g. --role clinician (the roles an organization allows depend on its kind)")
			}
			org, err := c.signerOrg(as)
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
			t, _, err := c.send(as, identity.TypeAddMember, identity.MemberBody{Member: args[0], Role: role, SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				Member string `json:"member"`
				Role   string `json:"role"`
				KeyID  string `json:"key_id"`
			}{t, id, role, f.KeyID}, func(w io.Writer) {
				fmt.Fprintf(w, "added %s as %s with key %s\n", id, role, f.KeyID)
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the member's role (admin, clinician, pharmacist, ...)")
	cmd.Flags().StringVar(&key, "key", "", "keystore key whose public keys the member gets (default ORG/NAME)")
	asFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *CLI) memberStatusCmd(typ string) *cobra.Command {
	var as string
	verb, _ := strings.CutSuffix(strings.TrimPrefix(typ, "identity/"), "-member")
	done := map[string]string{"suspend": "suspended", "reinstate": "reinstated"}[verb]
	cmd := &cobra.Command{
		Use:   verb + "-member NAME --as ORG/admin",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " a member of your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, res, err := c.send(as, typ, identity.MemberBody{Member: args[0]})
			if err != nil {
				return err
			}
			id := eventAttr(res, "identity.member_"+done, "member")
			if id == "" {
				org, _, _ := strings.Cut(t.Signer, "/")
				id = memberOf(org, args[0])
			}
			return c.print(struct {
				sent
				Member string `json:"member"`
				Status string `json:"status"`
			}{t, id, map[string]string{"suspend": identity.StatusSuspended, "reinstate": identity.StatusActive}[verb]}, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s\n", done, id)
				t.text(w)
			})
		},
	}
	asFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *CLI) rotateKeyCmd() *cobra.Command {
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
				return withHint(errors.New("--key is required"), "make the new key with medledger keys add ORG/NAME-2 --id ORG/NAME and pass --key ORG/NAME-2")
			}
			org, err := c.signerOrg(as)
			if err != nil {
				return err
			}
			id := memberOf(org, args[0])
			f, err := c.memberKey(key, id)
			if err != nil {
				return err
			}
			t, _, err := c.send(as, identity.TypeRotateKey, identity.MemberBody{Member: args[0], SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				Member string `json:"member"`
				KeyID  string `json:"key_id"`
				Key    string `json:"key"`
			}{t, id, f.KeyID, key}, func(w io.Writer) {
				fmt.Fprintf(w, "rotated %s to key %s\n  sign as %s with --as %s from now on\n", id, f.KeyID, id, key)
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "keystore key with the member's new keys")
	asFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

func (c *CLI) enrollPatientCmd() *cobra.Command {
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
				return withHint(errors.New("--key is required"), "name the patient's key, e.g. --key patient/alice (make one with medledger keys add patient/NAME)")
			}
			f, err := c.keyInfo(key)
			if err != nil {
				return err
			}
			if !strings.HasPrefix(key, "patient/") || f.ID != identity.PatientID(f.SignPub) {
				return withHint(fmt.Errorf("key %s is not a patient key", key), "make one with medledger keys add patient/NAME")
			}
			t, _, err := c.send(as, identity.TypeEnrollPatient, identity.EnrollBody{SignKey: f.SignPub, EncKey: f.EncPub})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				Patient string `json:"patient"`
				KeyID   string `json:"key_id"`
			}{t, f.ID, f.KeyID}, func(w io.Writer) {
				fmt.Fprintf(w, "enrolled patient %s (key %s)\n", f.ID, key)
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the patient's keystore key (patient/NAME)")
	asFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}
