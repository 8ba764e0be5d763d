package cli

// medledger patient ...: a patient's own identity. The words are for the
// patient: what happens to their key, who can help them, what to do next.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/tx"
)

func (c *cmds) patientCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "patient",
		Short: "Your identity as a patient: a new key, guardians who can help you if you lose it, recovery, freezing it",
		Long: `Your identity as a patient.

The chain knows you by an id (pat-...) that stays the same for life. Your
key is what lets you act under it: grant and revoke access to your records,
read them and your log of who read them, erase them. Keys can be lost (a
phone, a laptop) or leak (a stolen phone), so:

  rotate      gives you a new key now; the old one stops working at once
  guardians   names the people and organizations (2 or more) who can help
              you get back in if you lose your key, and how many of them
              must agree
  recover     your guardians move your identity to a new key; it takes
              effect only after a waiting period (72 hours on a real
              network), during which your old key can still cancel it
  freeze      stops everything done with your key (no new access, no reads
              under your consents, no erasure) until a new key is in force;
              care in an emergency goes on

Everything here shows on your log (medledger disclosures --as patient/NAME).
docs/patients.md explains it all in plain words.`,
		Example: `  medledger patient rotate --as patient/alice
  medledger patient guardians set --guardians northside-hospital,patient/dana --threshold 2 --as patient/alice
  medledger patient recover request --patient pat-... --new-key new-key.json --as northside-hospital/admin`,
	}
	cmd.AddCommand(c.patientRotateCmd(), c.guardiansCmd(), c.recoverCmd(), c.freezeCmd())
	return cmd
}

// patientIDOf resolves a patient named by id (pat-...) or by a local key
// (patient/NAME).
func (c *cmds) patientIDOf(s string) (string, error) {
	if strings.HasPrefix(s, "patient/") {
		f, err := c.KeyInfo(s)
		if err != nil {
			return "", err
		}
		s = f.ID
	}
	if !strings.HasPrefix(s, identity.PatientPrefix) || len(s) > maxName {
		return "", usage("a patient is named by their id, pat-... (medledger keys show patient/NAME prints it), or by a local key patient/NAME", "%q is not a patient", cmdline.Short(s))
	}
	return s, nil
}

// patientKey checks that as names a patient's own key.
func (c *cmds) patientKey(as string) (keystore.File, error) {
	if as == "" {
		return keystore.File{}, usage("sign with your own key, e.g. --as patient/alice (medledger keys list shows your keys)", "--as is required")
	}
	f, err := c.KeyInfo(as)
	if err != nil {
		return f, err
	}
	if !strings.HasPrefix(f.ID, identity.PatientPrefix) || keystore.IsSpecial(as) {
		return f, usage("sign with your own patient key, e.g. --as patient/alice", "key %s is not a patient's key in use", cmdline.Short(as))
	}
	return f, nil
}

// refused reports whether err is the chain's refusal of a transaction (so
// it did not commit), not a failure to learn its outcome.
func refused(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && (ce.Codespace == tx.ErrUnauthorized.Codespace || ce.Codespace == identity.Codespace)
}

// rotation is what patient rotate prints.
type rotation struct {
	cmdline.Sent
	Patient  string `json:"patient"`
	KeyID    string `json:"key_id"`
	OldKeyID string `json:"old_key_id"`
	Retired  string `json:"retired_key"` // the local name the old key is kept under
	Resumed  bool   `json:"resumed,omitempty"`
}

func (c *cmds) patientRotateCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "rotate --as patient/NAME",
		Short: "Give yourself a new key now: the old one stops working at once, your id stays",
		Long: `Give yourself a new key, signed with the key you have now.

From the next block on you act with the new key; anything signed with the
old one is refused, so whoever may have a copy of it can no longer act for
you. Your id (pat-...) does not change, nor do your records, your consents
or your log. The custodians of your records move their copies of your
documents' keys to the new key.

The new key is written to your keystore under the same name before the chain
is told of it; the old one is kept beside it, marked retired
(patient/NAME~retired-...): it signs nothing any more but still opens
documents you read before. If this stops half-way (the node was
unreachable, the computer crashed), run it again: it finishes or retries
what it started, with the same new key.

A freeze you made yourself is lifted by a rotation. If your guardians froze
your identity, only a recovery they approve lifts it.`,
		Example: `  medledger patient rotate --as patient/alice
  medledger patient rotate --as patient/alice -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := c.patientKey(as)
			if err != nil {
				return err
			}
			ks := c.Keystore()
			cur, err := c.Client().Patient(c.Ctx, f.ID)
			if err != nil {
				return c.ReadFail(err, "you are not enrolled on this chain: a hospital or clinic enrolls you")
			}
			next, nerr := ks.Info(keystore.NextName(as))
			resumed := nerr == nil
			switch {
			case resumed && cur.KeyID == next.KeyID:
				// The chain took the new key; only the keystore is behind.
				retired, err := ks.Promote(as)
				if err != nil {
					return err
				}
				r := rotation{Patient: f.ID, KeyID: next.KeyID, OldKeyID: f.KeyID, Retired: retired, Resumed: true}
				return c.Print(r, func(w io.Writer) { r.text(w) })
			case resumed && cur.KeyID != f.KeyID:
				return cmdline.Hint(cmdline.Fail(cmdline.ErrKey, "the chain's key for %s is %s, neither your key %s nor the new one %s", f.ID, cur.KeyID, f.KeyID, next.KeyID),
					"your identity was moved to another key (a recovery?): medledger disclosures --as %s shows what happened", as)
			case !resumed && cur.KeyID != f.KeyID:
				return cmdline.Hint(cmdline.Fail(cmdline.ErrKey, "key %s is not the key in force for %s (%s)", f.KeyID, f.ID, cur.KeyID),
					"sign with the key in force; medledger disclosures --as %s shows your log (a recovery, a rotation from another device?)", as)
			}
			if !resumed {
				k, err := keystore.Generate(as)
				if err != nil {
					return err
				}
				k.ID = f.ID
				pass := []byte(nil)
				if f.Encrypted {
					if pass = []byte(os.Getenv("MEDLEDGER_PASSPHRASE")); len(pass) == 0 {
						return cmdline.Hint(cmdline.Fail(cmdline.ErrKey, "key %s is encrypted", as), "set MEDLEDGER_PASSPHRASE to its passphrase: the new key is kept with the same one")
					}
				}
				if err := ks.SaveNext(k, pass); err != nil {
					return err
				}
				if next, err = ks.Info(keystore.NextName(as)); err != nil {
					return err
				}
			}
			t, _, err := c.Send(as, identity.TypePatientRotate, identity.RotateBody{SignKey: next.SignPub, EncKey: next.EncPub})
			if err != nil {
				if refused(err) {
					ks.DiscardNext(as)
				} else {
					err = cmdline.Hint(err, "the chain may or may not have taken your new key: run medledger patient rotate --as %s again, it finishes or retries", as)
				}
				return err
			}
			retired, err := ks.Promote(as)
			if err != nil {
				return cmdline.Hint(err, "your new key is in force on the chain and waits in %s: run medledger patient rotate --as %s again to finish", keystore.NextName(as), as)
			}
			r := rotation{Sent: t, Patient: f.ID, KeyID: next.KeyID, OldKeyID: f.KeyID, Retired: retired, Resumed: resumed}
			return c.Print(r, func(w io.Writer) { r.text(w) })
		},
	}
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}

func (r rotation) text(w io.Writer) {
	if r.Resumed && r.Hash == "" {
		fmt.Fprintf(w, "finished the rotation you started: the chain had your new key already\n")
	}
	fmt.Fprintf(w, "your new key %s is in force: you are still %s\n", r.KeyID, r.Patient)
	fmt.Fprintf(w, "  your old key %s signs nothing any more; it is kept as %s to open documents you read before\n", r.OldKeyID, r.Retired)
	if r.Hash != "" {
		r.Sent.Text(w)
	}
}

func (c *cmds) guardiansCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "guardians",
		Short: "Name who can help you get your identity back if you lose your key",
		Long: `Guardians are the people and organizations you trust to help you if you
lose your key: the hospital that enrolled you, a relative with a patient key
of their own, a clinician you know. When enough of them agree (your
threshold, 2 or more: no one of them alone), they can move your identity to
a new key after a waiting period, during which your old key, if you still
have it, can stop them; or freeze your identity at once if your key is
stolen.`,
		Example: `  medledger patient guardians set --guardians northside-hospital,pat-...,lakeside-clinic/dr-patel --threshold 2 --as patient/alice`,
	}
	cmd.AddCommand(c.guardiansSetCmd())
	return cmd
}

// guardiansOutcome is what guardians set prints.
type guardiansOutcome struct {
	cmdline.Sent
	Patient   string   `json:"patient"`
	Guardians []string `json:"guardians"`
	Threshold int      `json:"threshold"`
}

func (c *cmds) guardiansSetCmd() *cobra.Command {
	var as, list string
	var threshold int
	cmd := &cobra.Command{
		Use:   "set --guardians ID,ID,ID --threshold N --as patient/NAME",
		Short: "Name your guardians and how many of them must agree (2 or more)",
		Long: `Name your guardians, 2 to 7, and how many of them must agree (--threshold,
at least 2, so that no one of them can act alone).

A guardian is an organization (northside-hospital: its administrators, and a
hospital's or clinic's clinicians, act for it), one member of an
organization named personally (lakeside-clinic/dr-patel), or another patient
(pat-..., or a patient key patient/NAME on this machine, such as a
relative's). Each must be a different organization or person.

Naming guardians again replaces them, and cancels any recovery your old
guardians had asked for. Your guardians are listed on the chain by their
ids: a relative named by their patient id is seen to be connected to you.`,
		Example: `  medledger patient guardians set --guardians northside-hospital,patient/dana --threshold 2 --as patient/alice
  medledger patient guardians set --guardians northside-hospital,pat-...,lakeside-clinic/dr-patel --threshold 2 --as patient/alice -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := c.patientKey(as)
			if err != nil {
				return err
			}
			if list == "" {
				return usage("name 2 to 7 guardians, e.g. --guardians northside-hospital,patient/dana", "--guardians is required")
			}
			if threshold == 0 {
				return usage("say how many guardians must agree, e.g. --threshold 2", "--threshold is required")
			}
			var ids []string
			for _, g := range strings.Split(list, ",") {
				g = strings.TrimSpace(g)
				if err := checkName("guardian", g, "a guardian is an organization id, a member org/name or a patient pat-..."); err != nil {
					return err
				}
				if strings.HasPrefix(g, "patient/") {
					if g, err = c.patientIDOf(g); err != nil {
						return err
					}
				}
				ids = append(ids, g)
			}
			t, _, err := c.Send(as, identity.TypePatientGuardians, identity.GuardiansBody{Guardians: ids, Threshold: threshold})
			if err != nil {
				return err
			}
			o := guardiansOutcome{Sent: t, Patient: f.ID, Guardians: ids, Threshold: threshold}
			return c.Print(o, func(w io.Writer) {
				fmt.Fprintf(w, "your guardians are %s\n", strings.Join(ids, ", "))
				fmt.Fprintf(w, "  any %d of them together can move your identity to a new key if you lose yours (after a waiting period in which your key can stop it), or freeze it\n", threshold)
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&list, "guardians", "", "your guardians, comma-separated: organization ids, members org/name, patients pat-... or patient/NAME")
	cmd.Flags().IntVar(&threshold, "threshold", 0, "how many guardians must agree (2 or more)")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}

func (c *cmds) recoverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recover",
		Short: "Move a patient's identity to a new key, with the agreement of their guardians",
		Long: `Move a patient who lost their key to a new one, with the agreement of their
guardians.

The patient makes a new key on their new device for the id they had
(medledger keys add patient/NAME --id pat-...) and gives its public part
(medledger keys show patient/NAME -o json > new-key.json) to one of their
guardians, who asks for the recovery (request). Other guardians approve it
(approve). Once enough have (the patient's threshold), a waiting period
starts: 72 hours of block time on a real network. During it the patient's
old key, if they still have it, can cancel the recovery (cancel), and so can
the guardian who asked. When it is over, the new key is in force, from the
end of the first block past it; the old key is refused.`,
		Example: `  medledger patient recover request --patient pat-... --new-key new-key.json --as northside-hospital/admin
  medledger patient recover approve rcv-1 --as patient/dana
  medledger patient recover cancel rcv-1 --as patient/alice`,
	}
	cmd.AddCommand(c.recoverRequestCmd(), c.recoverVerbCmd("approve"), c.recoverVerbCmd("cancel"))
	return cmd
}

// recoveryOutcome is what the recover commands print: the recovery after
// the transaction.
type recoveryOutcome struct {
	cmdline.Sent
	Recovery  string    `json:"recovery"`
	Patient   string    `json:"patient"`
	KeyID     string    `json:"key_id"`
	Status    string    `json:"status"`
	Approvals []string  `json:"approvals"`
	Threshold int       `json:"threshold"`
	Due       time.Time `json:"due,omitzero"`
}

// recoveryOutcome reads recovery id after t, signed as as (who sent t: a
// guardian, or the patient).
func (c *cmds) recoveryOutcome(t cmdline.Sent, as, id string) recoveryOutcome {
	o := recoveryOutcome{Sent: t, Recovery: id}
	s, err := c.Signer(as)
	if err != nil {
		return o
	}
	if r, err := c.Client().Recovery(c.Ctx, s, id); err == nil {
		o.Patient, o.KeyID, o.Status, o.Approvals, o.Threshold, o.Due = r.Patient, r.KeyID, r.Status, r.Approvals, r.Threshold, r.Due
	}
	return o
}

func (o recoveryOutcome) text(w io.Writer) {
	fmt.Fprintf(w, "recovery %s of %s to key %s: %s, %d of %d guardians agreed\n", o.Recovery, o.Patient, o.KeyID, o.Status, len(o.Approvals), o.Threshold)
	switch o.Status {
	case identity.RecoveryOpen:
		fmt.Fprintf(w, "  the patient's other guardians approve it with: medledger patient recover approve %s --as GUARDIAN\n", o.Recovery)
	case identity.RecoveryWaiting:
		fmt.Fprintf(w, "  it takes effect at %s, unless the patient cancels it with their key before then:\n  medledger patient recover cancel %s --as patient/NAME\n", o.Due.Format(cmdline.TimeFormat), o.Recovery)
	case identity.RecoveryCancelled:
		fmt.Fprintln(w, "  cancelled: the patient's key stays as it was")
	}
	o.Sent.Text(w)
}

// newKeyFile is the public part of a key, as medledger keys show -o json
// prints it.
type newKeyFile struct {
	ID      string `json:"id"`
	KeyID   string `json:"key_id"`
	SignPub []byte `json:"sign_pub"`
	EncPub  []byte `json:"enc_pub"`
}

func readNewKey(path, patient string) (newKeyFile, error) {
	var k newKeyFile
	b, err := os.ReadFile(path)
	if err != nil {
		return k, cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "read --new-key: %v", err), "give the file the patient made with medledger keys show patient/NAME -o json > new-key.json")
	}
	if err := json.Unmarshal(b, &k); err != nil || len(k.SignPub) != 32 || len(k.EncPub) != 32 {
		return k, cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "--new-key %s holds no public key", cmdline.Short(path)),
			"the file is what medledger keys show patient/NAME -o json prints: sign_pub and enc_pub, base64")
	}
	if k.ID != "" && k.ID != patient {
		return k, cmdline.Hint(cmdline.Usage("the new key was made for %s, not for %s", cmdline.Short(k.ID), patient),
			"the patient makes it with medledger keys add patient/NAME --id %s", patient)
	}
	return k, nil
}

func (c *cmds) recoverRequestCmd() *cobra.Command {
	var as, patient, keyFile string
	cmd := &cobra.Command{
		Use:   "request --patient PATIENT_ID --new-key FILE --as GUARDIAN",
		Short: "As a guardian, ask to move a patient who lost their key to a new one",
		Long: `As one of the patient's guardians, ask the chain to move the patient's
identity to the new key in FILE (the public part of the key the patient made
on their new device: medledger keys show patient/NAME -o json). Asking
counts as your approval; the patient's other guardians approve it with
medledger patient recover approve. Check with the patient, in person, that
the new key is theirs: whoever holds it will act as the patient.`,
		Example: `  medledger patient recover request --patient pat-... --new-key new-key.json --as northside-hospital/admin
  medledger patient recover request --patient pat-... --new-key new-key.json --as patient/dana -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if patient == "" {
				return usage("name the patient by their id, e.g. --patient pat-...", "--patient is required")
			}
			if keyFile == "" {
				return usage("give the patient's new public key, e.g. --new-key new-key.json (medledger keys show patient/NAME -o json makes it)", "--new-key is required")
			}
			pid, err := c.patientIDOf(patient)
			if err != nil {
				return err
			}
			k, err := readNewKey(keyFile, pid)
			if err != nil {
				return err
			}
			t, res, err := c.Send(as, identity.TypeRecoveryRequest, identity.RecoveryRequestBody{Patient: pid, SignKey: k.SignPub, EncKey: k.EncPub})
			if err != nil {
				return err
			}
			o := c.recoveryOutcome(t, as, cmdline.EventAttr(res, identity.EventRecoveryRequested, "recovery"))
			return c.Print(o, func(w io.Writer) {
				fmt.Fprintf(w, "asked to move %s to a new key\n", pid)
				o.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "the patient, by id pat-...")
	cmd.Flags().StringVar(&keyFile, "new-key", "", "the patient's new public key: a file of medledger keys show -o json")
	cmdline.AsFlag(cmd, &as, "northside-hospital/admin")
	return cmd
}

// recoverVerbCmd is recover approve and recover cancel.
func (c *cmds) recoverVerbCmd(verb string) *cobra.Command {
	var as string
	typ, done := identity.TypeRecoveryApprove, "approved"
	short := "As a guardian, approve a patient's recovery to a new key"
	long := `As one of the patient's guardians, approve recovery ID (the request printed
it; medledger query patient PATIENT --as GUARDIAN lists the open ones). Each
guardian approves once, an organization once whichever of its members signs.
Once enough guardians have approved, the waiting period starts.`
	example := `  medledger patient recover approve rcv-1 --as patient/dana
  medledger patient recover approve rcv-1 --as lakeside-clinic/dr-patel -o json`
	if verb == "cancel" {
		typ, done = identity.TypeRecoveryCancel, "cancelled"
		short = "Stop a recovery of your identity (with your key), or one you asked for as a guardian"
		long = `Stop recovery ID before it takes effect. If you are the patient and still
have your key, this is how you say "this is not me": the recovery is
cancelled and your key stays. The guardian who asked for it may cancel it
too. A recovery you did not expect means someone tried to take your
identity: consider rotating your key (medledger patient rotate) and naming
guardians you trust.`
		example = `  medledger patient recover cancel rcv-1 --as patient/alice
  medledger patient recover cancel rcv-1 --as northside-hospital/admin -o json`
	}
	cmd := &cobra.Command{
		Use:     verb + " ID --as " + map[string]string{"approve": "GUARDIAN", "cancel": "patient/NAME"}[verb],
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if _, err := strconv.ParseUint(strings.TrimPrefix(id, "rcv-"), 10, 64); err != nil || !strings.HasPrefix(id, "rcv-") {
				return usage("a recovery id is rcv-N, as medledger patient recover request printed it", "%q is not a recovery id", cmdline.Short(id))
			}
			t, _, err := c.Send(as, typ, identity.RecoveryRef{Recovery: id})
			if err != nil {
				return err
			}
			o := c.recoveryOutcome(t, as, id)
			return c.Print(o, func(w io.Writer) {
				fmt.Fprintf(w, "%s recovery %s\n", done, id)
				o.text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, map[string]string{"approve": "patient/dana", "cancel": "patient/alice"}[verb])
	return cmd
}

// freezeOutcome is what patient freeze prints.
type freezeOutcome struct {
	cmdline.Sent
	Patient   string `json:"patient"`
	Frozen    bool   `json:"frozen"`
	By        string `json:"by,omitempty"`    // patient or guardians, once frozen
	Votes     int    `json:"votes,omitempty"` // guardians who asked so far, when not yet frozen
	Threshold int    `json:"threshold,omitempty"`
}

func (c *cmds) freezeCmd() *cobra.Command {
	var as, patient string
	cmd := &cobra.Command{
		Use:   "freeze --as patient/NAME | --patient PATIENT_ID --as GUARDIAN",
		Short: "Freeze your identity at once if your key may be in other hands (or, as a guardian, a patient's)",
		Long: `Freeze an identity at once: until a new key is in force, no one can grant
access in the patient's name, read under their consents, read as them or
erase their records. Care in an emergency (break-glass) and the patient's
own hospital treating them go on.

A patient freezes their own identity with their key (--as patient/NAME), and
lifts it by rotating to a new key (medledger patient rotate). Guardians
freeze a patient's identity (--patient) when enough of them ask (the
patient's threshold); then the patient's key can no longer rotate or cancel
a recovery, since it may be in a thief's hands: only a recovery the
guardians approve lifts it.`,
		Example: `  medledger patient freeze --as patient/alice
  medledger patient freeze --patient pat-... --as northside-hospital/admin -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var body identity.FreezeBody
			pid := ""
			if patient != "" {
				var err error
				if pid, err = c.patientIDOf(patient); err != nil {
					return err
				}
				body.Patient = pid
			} else {
				f, err := c.patientKey(as)
				if err != nil {
					return cmdline.Hint(err, "to freeze your own identity, sign with your patient key; a guardian names the patient with --patient pat-...")
				}
				pid = f.ID
			}
			t, res, err := c.Send(as, identity.TypePatientFreeze, body)
			if err != nil {
				return err
			}
			o := freezeOutcome{Sent: t, Patient: pid}
			if by := cmdline.EventAttr(res, identity.EventPatientFrozen, "by"); by != "" {
				o.Frozen, o.By = true, by
			} else {
				o.Votes, _ = strconv.Atoi(cmdline.EventAttr(res, identity.EventFreezeRequested, "votes"))
				o.Threshold, _ = strconv.Atoi(cmdline.EventAttr(res, identity.EventFreezeRequested, "threshold"))
			}
			return c.Print(o, func(w io.Writer) {
				if o.Frozen {
					fmt.Fprintf(w, "%s is frozen (by the %s): no new access, no reads under consent, no erasure until a new key is in force\n", pid, o.By)
					if o.By == identity.FrozenByPatient {
						fmt.Fprintf(w, "  lift it with a new key: medledger patient rotate --as %s\n", as)
					} else {
						fmt.Fprintln(w, "  only a recovery the guardians approve lifts it: medledger patient recover request --patient "+pid+" --new-key FILE --as GUARDIAN")
					}
				} else {
					fmt.Fprintf(w, "asked to freeze %s: %d of the %d guardians needed have asked\n", pid, o.Votes, o.Threshold)
				}
				t.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "as a guardian: the patient to freeze, by id pat-...")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}
