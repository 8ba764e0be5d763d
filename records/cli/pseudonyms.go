package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

// A patient may appear to each custodian under a different pseudonym
// (records/pseudonyms.go): they write an enrolment request (records join),
// the custodian checks it and enrolls the pseudonym (records enroll), and
// the patient then acts under it with --at CUSTODIAN.

// EnrolmentFormat names the enrolment request's format.
const EnrolmentFormat = "medledger-records-enrolment/v1"

// LinkFormat names the link proof file's format.
const LinkFormat = "medledger-pseudonym-link/v1"

// maxProofFile bounds an enrolment request or a link proof.
const maxProofFile = 64 << 10

// Enrolment is a patient's request to a custodian: their pseudonym there
// (its public keys) and a proof, signed with their own key and the
// pseudonym's, that it is theirs, for that custodian only. It names the
// patient: it is for the custodian's eyes only.
type Enrolment struct {
	Format    string              `json:"format"`
	Custodian string              `json:"custodian"`
	Pseudonym string              `json:"pseudonym"`
	SignKey   []byte              `json:"sign_key"`
	EncKey    []byte              `json:"enc_key"`
	Ownership pseudonym.Ownership `json:"ownership"`
}

// NewEnrolment makes the request of the patient whose master key and id
// are master and patient, to custodian.
func NewEnrolment(master ed25519.PrivateKey, patient, custodian, nonce string) (Enrolment, error) {
	k, err := pseudonym.Derive(master, records.Context(custodian))
	if err != nil {
		return Enrolment{}, err
	}
	o, err := pseudonym.Own(master, patient, k, custodian, nonce)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Format: EnrolmentFormat, Custodian: custodian, Pseudonym: k.ID(), SignKey: k.SignPub(), EncKey: k.EncPub(), Ownership: o}, nil
}

// strictJSON decodes one JSON value of at most maxProofFile bytes, with no
// unknown fields.
func strictJSON(b []byte, v any) error {
	if len(b) > maxProofFile {
		return fmt.Errorf("%d bytes, over %d", len(b), maxProofFile)
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// ParseEnrolment reads an enrolment request and checks that it is whole
// and consistent. It does not check the proof's signatures: Verify does,
// with the patient's key from the chain.
func ParseEnrolment(b []byte) (Enrolment, error) {
	var e Enrolment
	if err := strictJSON(b, &e); err != nil {
		return e, err
	}
	if e.Format != EnrolmentFormat {
		return e, fmt.Errorf("format %.60q is not %s", e.Format, EnrolmentFormat)
	}
	return e, pseudonym.CheckRequest(e.Pseudonym, e.SignKey, e.EncKey, e.Ownership, records.Context(e.Custodian), e.Custodian)
}

// Verify checks the request's proof against the patient's signing key as
// the chain holds it, for custodian.
func (e Enrolment) Verify(patientKey ed25519.PublicKey, custodian string) error {
	if e.Custodian != custodian {
		return fmt.Errorf("the request is for %.60q, not %s", e.Custodian, custodian)
	}
	return e.Ownership.Verify(patientKey, e.SignKey, custodian, e.Ownership.Nonce)
}

// LinkProof is a patient's proof to Audience that two pseudonyms are one
// holder's. It carries their public keys, from which their ids are made,
// so that it is checked without asking anyone.
type LinkProof struct {
	Format string         `json:"format"`
	Link   pseudonym.Link `json:"link"`
	KeyA   []byte         `json:"key_a"`
	KeyB   []byte         `json:"key_b"`
}

// ParseLink reads a link proof and checks it for audience and, when not
// empty, nonce.
func ParseLink(b []byte, audience, nonce string) (LinkProof, error) {
	var l LinkProof
	if err := strictJSON(b, &l); err != nil {
		return l, err
	}
	if l.Format != LinkFormat {
		return l, fmt.Errorf("format %.60q is not %s", l.Format, LinkFormat)
	}
	if nonce == "" {
		nonce = l.Link.Nonce
	}
	if err := l.Link.Verify(l.KeyA, l.KeyB, audience, nonce); err != nil {
		return l, err
	}
	return l, nil
}

// atFlag adds --at: act as the patient's pseudonym at a custodian.
func (c *cmds) atFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.at, "at", "", "act under your pseudonym at this custodian (an organization that enrolled it: medledger records join)")
}

// patientKey is the local patient key as.
func (c *cmds) patientKey(as string) (client.Signer, error) {
	if as == "" || !strings.HasPrefix(as, "patient/") {
		return client.Signer{}, usage("sign as the patient, e.g. --as patient/alice", "a pseudonym is a patient's: --as patient/NAME")
	}
	s, err := c.Signer(as)
	if err != nil {
		return s, err
	}
	if !strings.HasPrefix(s.Key.ID, patientPrefix) {
		return s, usage("a pseudonym is a patient's: --as patient/NAME", "key %s signs as %s, not as a patient", as, s.Key.ID)
	}
	return s, nil
}

// pseudonymAt is the signer of patient key as under their pseudonym at
// custodian.
func (c *cmds) pseudonymAt(as, custodian string) (client.Signer, error) {
	if len(custodian) > maxID || custodian == "" || strings.ContainsAny(custodian, "/ ") {
		return client.Signer{}, usage("name the custodian by its organization id, e.g. --at northside-hospital", "--at %q is not an organization id", cmdline.Short(custodian))
	}
	s, err := c.patientKey(as)
	if err != nil {
		return s, err
	}
	k, err := pseudonym.Derive(s.Key.Sign, records.Context(custodian))
	if err != nil {
		return s, err
	}
	return client.Signer{Key: &keystore.Key{Name: as + "@" + custodian, ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}, nil
}

// signer is who signs as: the key as, or with --at its pseudonym there.
// A patient who rotated their key (medledger patient rotate) was enrolled
// under the pseudonym their old key gives: when the chain does not know
// the current key's, the retired keys' are tried, newest first.
func (c *cmds) signer(as string) (client.Signer, error) {
	if c.at == "" {
		return c.Signer(as)
	}
	s, err := c.pseudonymAt(as, c.at)
	if err != nil || c.knows(s) {
		return s, err
	}
	files, err := c.Keystore().List()
	if err != nil {
		return s, nil
	}
	for i := len(files) - 1; i >= 0; i-- {
		f := files[i]
		if !f.Retired || !strings.HasPrefix(f.Name, as+"~retired-") {
			continue
		}
		if old, err := c.pseudonymAt(f.Name, c.at); err == nil && c.knows(old) {
			old.Key.Name = as
			return old, nil
		}
	}
	return s, nil
}

// knows reports whether the chain knows pseudonym s: its own signed read
// of its records (not logged) is not refused as an unknown signer.
func (c *cmds) knows(s client.Signer) bool {
	_, err := c.Client().PatientRecords(c.Ctx, s, s.Key.ID)
	return !client.HasCode(err, tx.ErrUnknownSigner)
}

// notEnrolled explains a pseudonym the chain does not know; other errors
// get the hint explain gives them.
func (c *cmds) notEnrolled(err error, as string, explain func(error) error) error {
	if c.at != "" && client.HasCode(err, tx.ErrUnknownSigner) {
		return cmdline.Hint(err, "your pseudonym at %s is not enrolled: write a request with medledger records join --at %s --out req.json --as %s, and give it to %s, who runs medledger records enroll --request req.json", c.at, c.at, as, c.at)
	}
	return explain(err)
}

// readFail is ReadFail for a read signed as as.
func (c *cmds) readFail(err error, as string) error {
	return c.notEnrolled(err, as, func(err error) error { return c.ReadFail(err, "") })
}

// send signs and sends a records transaction as as (with --at, as the
// patient's pseudonym there) and waits for its block.
func (c *cmds) send(as, typ string, body any) (cmdline.Sent, api.TxResponse, error) {
	if c.at == "" {
		return c.Send(as, typ, body)
	}
	s, err := c.signer(as)
	if err != nil {
		return cmdline.Sent{}, api.TxResponse{}, err
	}
	res, err := c.Client().Send(c.Ctx, s, typ, body, "commit")
	if err != nil {
		return cmdline.Sent{}, res, c.notEnrolled(err, as, func(err error) error { return c.Explain(err, typ, as) })
	}
	return cmdline.Sent{Type: typ, Signer: s.Key.ID, Hash: res.Hash, Height: res.Height}, res, nil
}

func (c *cmds) joinCmd() *cobra.Command {
	var as, out string
	cmd := &cobra.Command{
		Use:   "join --at ORG --out FILE --as patient/NAME",
		Short: "As a patient, write a request to a custodian to hold your records under a pseudonym for it alone",
		Long: `Write a request to an organization that holds (or will hold) your records,
its custodian, to know you there under a pseudonym of your own (psn-...).

Your key gives you a different pseudonym for each custodian: no member can
tell that two of them are one patient, or that either is your patient id.
The request holds the pseudonym's public keys and a proof, signed with your
key and the pseudonym's, that it is yours, made for that custodian alone. It
names you: give it to the custodian only. The custodian checks it and
enrolls the pseudonym (medledger records enroll); the chain never learns
whose it is. Your records there are then added for the pseudonym, and you
act on them with --at ORG (records list, get, erase; consent grant, revoke,
list; disclosures). medledger records link proves two of your pseudonyms
are yours, to whom you choose.`,
		Example: `  medledger records join --at northside-hospital --out req.json --as patient/alice`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.pseudonymAt(as, c.at)
			if err != nil {
				return err
			}
			master, err := c.patientKey(as)
			if err != nil {
				return err
			}
			o, err := c.Client().Org(c.Ctx, c.at)
			if err != nil {
				return c.ReadFail(err, "name an organization that holds records, a hospital or clinic (medledger query orgs lists them)")
			}
			if o.Kind != "hospital" && o.Kind != "clinic" {
				return usage("a custodian is a hospital or clinic (medledger query orgs lists them)", "%s is a %s: it holds no records", c.at, o.Kind)
			}
			f, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			defer f.Abort()
			var nonce [16]byte
			rand.Read(nonce[:])
			e, err := NewEnrolment(master.Key.Sign, master.Key.ID, c.at, hex.EncodeToString(nonce[:]))
			if err != nil {
				return err
			}
			b, _ := json.MarshalIndent(e, "", "  ")
			if err := f.Commit(append(b, '\n')); err != nil {
				return err
			}
			return c.Print(struct {
				Custodian string `json:"custodian"`
				Pseudonym string `json:"pseudonym"`
				Out       string `json:"out"`
			}{c.at, s.Key.ID, out}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: your request to %s\n  pseudonym %s (you, to %s only)\n", out, c.at, e.Pseudonym, c.at)
				fmt.Fprintf(w, "give the file to %s only; they run: medledger records enroll --request %s --as %s/MEMBER\n", c.at, out, c.at)
			})
		},
	}
	c.atFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "write the enrolment request to FILE")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}

func (c *cmds) enrollCmd() *cobra.Command {
	var as, request string
	cmd := &cobra.Command{
		Use:   "enroll --request FILE --as ORG/MEMBER",
		Short: "As a custodian, enroll a patient's pseudonym from their request, to hold their records under it",
		Long: `Enroll a patient's pseudonym at your organization, from the request they
wrote with medledger records join. The command checks the request's proof
against the patient's key on the chain (the patient and the pseudonym both
signed it, for your organization), then sends records/enroll, which carries
only the pseudonym's public keys: the chain never learns whose it is. Keep
the request as your record of whom you enrolled. Then add the patient's
records for the pseudonym: medledger records add FILE --patient psn-...`,
		Example: `  medledger records enroll --request req.json --as northside-hospital/dr-chen`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if request == "" {
				return usage("give the file the patient wrote with medledger records join: --request FILE", "--request is required")
			}
			b, err := os.ReadFile(request)
			if err != nil {
				return cmdline.FileErr(request, err, "")
			}
			e, err := ParseEnrolment(b)
			if err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(request), err), "give the file the patient wrote with medledger records join, unchanged")
			}
			org, err := c.SignerOrg(as)
			if err != nil {
				return err
			}
			if e.Custodian != org {
				return usage(fmt.Sprintf("the request is for %s: a member of %s enrolls it, or the patient writes one with --at %s", e.Custodian, e.Custodian, org), "the request is for %s, not %s", cmdline.Short(e.Custodian), org)
			}
			p, err := c.Client().Patient(c.Ctx, e.Ownership.Patient)
			if err != nil {
				return c.ReadFail(err, "the request names a patient this chain does not know: ask the patient to check their key")
			}
			if err := e.Verify(p.SignKey, org); err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "the request's proof does not verify with the patient's key on the chain: %v", err),
					"ask the patient to write the request again with medledger records join; do not enroll a request that does not verify")
			}
			sent, _, err := c.Send(as, records.TypeEnroll, records.EnrollBody{Pseudonym: e.Pseudonym, SignKey: e.SignKey, EncKey: e.EncKey})
			if client.IsCode(err, "identity", "pseudonym-exists") {
				return cmdline.Hint(err, "it is enrolled already: add the patient's records for it, medledger records add FILE --patient %s --as %s/CLINICIAN", e.Pseudonym, org)
			}
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Pseudonym string `json:"pseudonym"`
				Custodian string `json:"custodian"`
			}{sent, e.Pseudonym, org}, func(w io.Writer) {
				fmt.Fprintf(w, "enrolled %s at %s\n", e.Pseudonym, org)
				fmt.Fprintf(w, "add the patient's records for it: medledger records add FILE --patient %s --as %s/CLINICIAN\n", e.Pseudonym, org)
				sent.Text(w)
			})
		},
	}
	cmd.Flags().StringVar(&request, "request", "", "the patient's enrolment request (medledger records join wrote it)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}

func (c *cmds) linkCmd() *cobra.Command {
	var as, to, nonce, out, check string
	var at []string
	cmd := &cobra.Command{
		Use:   "link --at ORG --at ORG --to ORG --nonce N --out FILE --as patient/NAME | link --check FILE --as ORG/MEMBER [--nonce N]",
		Short: "Prove that two of your pseudonyms are yours (e.g. to merge records), or check such a proof",
		Long: `As a patient, prove to one organization (--to) that your pseudonyms at two
custodians (--at, twice) are one person's: both keys sign it, over the nonce
the organization gave you, so that it convinces that organization only. The
proof names neither you nor your patient id. Give the file to --to.

With --check FILE, as a member of the organization the proof is for, check
it: the pseudonyms' ids are made from the keys it carries, both signed it,
for your organization (and --nonce, if you gave one).`,
		Example: `  medledger records link --at northside-hospital --at lakeside-clinic --to lakeside-clinic --nonce 7f3a --out link.json --as patient/alice
  medledger records link --check link.json --nonce 7f3a --as lakeside-clinic/dr-patel`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if check != "" {
				org, err := c.SignerOrg(as)
				if err != nil {
					return err
				}
				b, err := os.ReadFile(check)
				if err != nil {
					return cmdline.FileErr(check, err, "")
				}
				l, err := ParseLink(b, org, nonce)
				if err != nil {
					return cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "%s: the link proof does not hold for %s: %v", cmdline.Short(check), org, err), "ask the patient for a proof made --to %s with your nonce", org)
				}
				return c.Print(struct {
					Verified bool   `json:"verified"`
					A        string `json:"a"`
					B        string `json:"b"`
					Audience string `json:"audience"`
					Nonce    string `json:"nonce"`
				}{true, l.Link.A, l.Link.B, l.Link.Audience, l.Link.Nonce}, func(w io.Writer) {
					fmt.Fprintf(w, "verified: %s and %s are one patient's (proof for %s, nonce %s)\n", l.Link.A, l.Link.B, org, l.Link.Nonce)
				})
			}
			if len(at) != 2 || at[0] == at[1] {
				return usage("name the two custodians whose pseudonyms you link, e.g. --at northside-hospital --at lakeside-clinic", "--at is needed twice, for two custodians")
			}
			if to == "" || nonce == "" {
				return usage("the organization you prove it to gives you a nonce: --to ORG --nonce N", "--to and --nonce are required")
			}
			a, err := c.pseudonymAt(as, at[0])
			if err != nil {
				return err
			}
			b, err := c.pseudonymAt(as, at[1])
			if err != nil {
				return err
			}
			ka := pseudonym.Key{Sign: a.Key.Sign, Enc: a.Key.Enc}
			kb := pseudonym.Key{Sign: b.Key.Sign, Enc: b.Key.Enc}
			l, err := pseudonym.Prove(ka, kb, to, nonce)
			if err != nil {
				return usage("--to and --nonce are one line of printable text each", "%v", err)
			}
			f, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			defer f.Abort()
			js, _ := json.MarshalIndent(LinkProof{Format: LinkFormat, Link: l, KeyA: ka.SignPub(), KeyB: kb.SignPub()}, "", "  ")
			if err := f.Commit(append(js, '\n')); err != nil {
				return err
			}
			return c.Print(struct {
				A   string `json:"a"`
				B   string `json:"b"`
				To  string `json:"to"`
				Out string `json:"out"`
			}{l.A, l.B, to, out}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: %s (at %s) and %s (at %s) are yours, for %s\n", out, l.A, at[0], l.B, at[1], to)
			})
		},
	}
	cmd.Flags().StringArrayVar(&at, "at", nil, "a custodian whose pseudonym you link (twice)")
	cmd.Flags().StringVar(&to, "to", "", "the organization the proof is for")
	cmd.Flags().StringVar(&nonce, "nonce", "", "the nonce that organization gave you (with --check: the one you gave)")
	cmd.Flags().StringVar(&out, "out", "", "write the proof to FILE")
	cmd.Flags().StringVar(&check, "check", "", "check the link proof in FILE, for the organization of --as")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	return cmd
}
