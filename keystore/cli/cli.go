// Package cli is the keystore's part of the command line: medledger keys
// list, show and add, the identities a home acts as.
package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

// KeyView is the public part of a key file as keys list, show and add
// print it. It never holds secret material.
type KeyView struct {
	Name      string `json:"name"`
	ID        string `json:"id"`
	KeyID     string `json:"key_id"`
	Encrypted bool   `json:"encrypted"`
	SignPub   []byte `json:"sign_pub,omitempty"` // base64 in JSON
	EncPub    []byte `json:"enc_pub,omitempty"`
	// Retired marks a key another replaced (a patient's rotation): kept to
	// open what was wrapped for it, never to sign.
	Retired    bool   `json:"retired,omitempty"`
	ReplacedBy string `json:"replaced_by,omitempty"`
}

func viewOf(f keystore.File, withPub bool) KeyView {
	v := KeyView{Name: f.Name, ID: f.ID, KeyID: f.KeyID, Encrypted: f.Encrypted, Retired: f.Retired, ReplacedBy: f.ReplacedBy}
	if withPub {
		v.SignPub, v.EncPub = f.SignPub, f.EncPub
	}
	return v
}

func protection(encrypted bool) string {
	if encrypted {
		return "encrypted"
	}
	return "unencrypted"
}

// Command is medledger keys.
func Command(e *cmdline.Env) *cobra.Command { return (&cmds{e}).keysCmd() }

// cmds builds the commands on the shared environment.
type cmds struct{ *cmdline.Env }

func (c *cmds) keysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "keys",
		Example: `  medledger keys list
  medledger keys add riverside-clinic/admin           # asks MEDLEDGER_PASSPHRASE to encrypt it`,
		Short: "Manage the keystore of identities this home acts as (--home/keys)",
		Long: `Manage the keystore of identities this home acts as.

Keys live in the home's keys/ folder, one file per identity, named after it:
org/member for a member of an organization, patient/NAME for a patient. A
key is protected by the passphrase in MEDLEDGER_PASSPHRASE; the demo keys of
medledger dev are unencrypted, for development only.`,
	}
	cmd.AddCommand(c.keysListCmd(), c.keysShowCmd(), c.keysAddCmd())
	return cmd
}

func (c *cmds) keysListCmd() *cobra.Command {
	return &cobra.Command{
		Use: "list",
		Example: `  medledger keys list
  medledger keys list -o json`,
		Short: "List the keys: local name, on-chain id, key id, and whether encrypted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ks := c.Keystore()
			files, err := ks.List()
			if err != nil {
				return cmdline.Hint(err, "check that %s is a keystore and readable", ks.Dir)
			}
			out := make([]KeyView, 0, len(files))
			plain := 0
			for _, f := range files {
				out = append(out, viewOf(f, false))
				if !f.Encrypted {
					plain++
				}
			}
			return c.Print(out, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintf(w, "no keys in %s\n  create one with: medledger keys add ORG/NAME\n", ks.Dir)
					return
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tID\tKEY ID\tPROTECTION")
				for _, k := range out {
					p := protection(k.Encrypted)
					switch {
					case k.Retired:
						p += ", retired (replaced by " + k.ReplacedBy + ")"
					case strings.HasSuffix(k.Name, keystore.NextName("")):
						p += ", next (a rotation not finished: medledger patient rotate finishes it)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.ID, k.KeyID, p)
				}
				tw.Flush()
				if plain > 0 {
					fmt.Fprintf(w, "%d of %d key(s) are unencrypted: for development only\n", plain, len(out))
				}
			})
		},
	}
}

func (c *cmds) keysShowCmd() *cobra.Command {
	return &cobra.Command{
		Use: "show NAME",
		Example: `  medledger keys show northside-hospital/dr-chen
  medledger keys show patient/alice -o json`,
		Short: "Show a key's public keys (base64), key id and on-chain id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := c.KeyInfo(args[0])
			if err != nil {
				return err
			}
			v := viewOf(f, true)
			return c.Print(v, func(w io.Writer) { printKey(w, v) })
		},
	}
}

func printKey(w io.Writer, v KeyView) {
	fmt.Fprintf(w, "name       %s\nid         %s\nkey id     %s\nsign key   %s (Ed25519, base64)\nenc key    %s (X25519, base64)\nprotection %s\n",
		v.Name, v.ID, v.KeyID, b64(v.SignPub), b64(v.EncPub), protection(v.Encrypted))
	if v.Retired {
		fmt.Fprintf(w, "retired    replaced by key %s: it signs nothing, but opens what was wrapped for it\n", v.ReplacedBy)
	}
}

// keyInfo reads the public part of a key of the keystore, with a hint when
// there is no such key.
func (c *cmds) keyInfo(name string) (keystore.File, error) {
	ks := c.Keystore()
	f, err := ks.Info(name)
	if errors.Is(err, keystore.ErrNotFound) {
		return f, cmdline.Hint(err, "medledger keys list shows the keys in %s; medledger keys add %s creates one", ks.Dir, name)
	}
	if err != nil {
		return f, cmdline.Hint(err, "key names are org/member or patient/name")
	}
	return f, nil
}

func (c *cmds) keysAddCmd() *cobra.Command {
	var insecure bool
	var id string
	cmd := &cobra.Command{
		Use: "add NAME",
		Example: `  MEDLEDGER_PASSPHRASE=... medledger keys add riverside-clinic/admin
  medledger keys add northside-hospital/nurse --insecure-keystore   # unencrypted: development only
  medledger keys add patient/carol --insecure-keystore
  medledger keys add patient/alice --id pat-... --insecure-keystore   # a new key for an identity your guardians recover`,
		Annotations: map[string]string{cmdline.CreatesHome: "yes"},
		Short:       "Generate a new key (org/member or patient/NAME)",
		Long: `Generate a new key and save it in the keystore.

NAME is org/member for a member of an organization, or patient/NAME for a
patient; a patient's on-chain id is derived from the key (pat-...), the NAME
stays on this machine. The key is encrypted with the passphrase in
MEDLEDGER_PASSPHRASE; --insecure stores it unencrypted instead, for
development only. add refuses to go on with neither.

To rotate a member's key, make the new key under a new local name that signs
as the member's id, then send rotate-key:

  medledger keys add northside-hospital/dr-chen-2 --id northside-hospital/dr-chen
  medledger tx identity rotate-key dr-chen --key northside-hospital/dr-chen-2 --as northside-hospital/admin

A patient who lost their key makes a new one for the id they had (--id
pat-...) and gives its public part to one of their guardians, who asks the
chain to move the identity to it (medledger patient recover request); a
patient who still has their key rotates it with medledger patient rotate.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			patient := strings.HasPrefix(name, "patient/")
			if err := checkKeyName(name); err != nil {
				return err
			}
			if id != "" {
				if patient {
					if !strings.HasPrefix(id, identity.PatientPrefix) || len(id) > 64 {
						return cmdline.Hint(cmdline.Usage("--id %q is not a patient id", cmdline.Short(id)),
							"for a patient key, --id is the pat-... id your guardians are recovering to this key; drop it for a new patient")
					}
				} else if err := checkKeyName(id); err != nil || strings.HasPrefix(id, "patient/") {
					return cmdline.Hint(cmdline.Usage("--id %q is not a member id", cmdline.Short(id)), "give the member's id as org/member")
				}
			}
			pass := os.Getenv("MEDLEDGER_PASSPHRASE")
			switch {
			case insecure && pass != "":
				return cmdline.Hint(cmdline.Usage("both MEDLEDGER_PASSPHRASE and --insecure-keystore are given"), "drop --insecure-keystore to encrypt the key, or unset MEDLEDGER_PASSPHRASE to store it unencrypted")
			case !insecure && pass == "":
				return cmdline.Hint(cmdline.Usage("the new key needs a passphrase"), "set MEDLEDGER_PASSPHRASE, or give --insecure-keystore to store it unencrypted (development only)")
			}
			ks := c.Keystore()
			if _, err := ks.Info(name); err == nil {
				return cmdline.Hint(fmt.Errorf("%w: %s", keystore.ErrExists, name), "choose another name; medledger keys show %s shows the existing key", name)
			}
			k, err := keystore.Generate(name)
			if err != nil {
				return err
			}
			switch {
			case id != "":
				k.ID = id
			case patient:
				k.ID = identity.PatientID(k.SignPub())
			}
			if err := ks.Save(k, []byte(pass)); err != nil {
				if errors.Is(err, keystore.ErrExists) {
					return cmdline.Hint(err, "choose another name")
				}
				return err
			}
			v := KeyView{Name: k.Name, ID: k.ID, KeyID: k.KeyID(), Encrypted: pass != "", SignPub: k.SignPub(), EncPub: k.EncPub()}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "created %s in %s\n", name, ks.Dir)
				printKey(w, v)
				org, member, _ := strings.Cut(k.ID, "/")
				switch {
				case patient && id != "":
					fmt.Fprintf(w, "give its public part to one of your guardians: medledger keys show %s -o json > new-key.json\n", name)
					fmt.Fprintf(w, "they ask for the recovery with: medledger patient recover request --patient %s --new-key new-key.json --as GUARDIAN\n", id)
				case patient:
					fmt.Fprintf(w, "enroll it with: medledger tx identity enroll-patient --key %s --as HOSPITAL-OR-CLINIC/MEMBER\n", name)
				case id != "":
					fmt.Fprintf(w, "make it %s's key with: medledger tx identity rotate-key %s --key %s --as %s/admin\n", k.ID, member, name, org)
				case member == identity.RoleAdmin:
					fmt.Fprintf(w, "for a new organization, propose it with: medledger tx identity propose-add-org --org %s --kind KIND --as MEMBER-ORG/admin\n", org)
					fmt.Fprintf(w, "for an existing one, register it with: medledger tx identity add-member %s --role admin --as %s/ADMIN\n", member, org)
				default:
					fmt.Fprintf(w, "register it with: medledger tx identity add-member %s --role ROLE --as %s/admin\n", member, org)
				}
				if pass == "" {
					fmt.Fprintln(w, "this key is unencrypted: for development only")
				}
			})
		},
	}
	cmd.Flags().BoolVar(&insecure, "insecure-keystore", false, "store the key unencrypted (development only)")
	cmd.Flags().BoolVar(&insecure, "insecure", false, "store the key unencrypted (development only)")
	cmdline.Deprecate(cmd, "insecure", "insecure-keystore")
	cmd.Flags().StringVar(&id, "id", "", "the member id the key signs as, when not NAME (a rotated key); for a patient, the pat-... id being recovered to it")
	return cmd
}

// checkKeyName checks that name is org/member or patient/name, each part 2
// to 64 lowercase letters, digits and '-' as identity requires of ids.
func checkKeyName(name string) error {
	org, member, ok := strings.Cut(name, "/")
	if !ok || !validPart(org) || !validPart(member) {
		return cmdline.Hint(cmdline.Usage("key name %q is not org/member or patient/name", cmdline.Short(name)),
			"use 2 to 64 lowercase letters, digits and '-' on each side of the '/', e.g. northside-hospital/dr-chen")
	}
	return nil
}

func validPart(s string) bool {
	if len(s) < 2 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
