// Package cli is the records module's part of the command line: add a
// patient's FHIR document at its custodian, list records, read one under
// consent or by breaking glass, erase; grant, revoke and list consents;
// the accounting of disclosures. Its demo seed stores synthetic records
// for the demo patients.
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/records/custodian"
)

// Module is the records module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		c := &cmds{Env: e}
		return []*cobra.Command{c.recordsCmd(), c.consentCmd(), c.disclosuresCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-seeded", Run: seed},
	// Every node holds the documents of the organization that runs it.
	Services: func(n cmdline.NodeEnv) ([]daemon.Service, error) {
		key, err := custodian.LoadNodeKey(n.Home)
		if err != nil {
			return nil, err
		}
		return []daemon.Service{&custodian.Service{Org: n.Operator, Vault: n.Vault, IDs: n.Identities, Receipts: custodian.ReceiptsDir(n.Home), NodeKey: key}}, nil
	},
}

// cmds builds the module's commands on the shared environment.
type cmds struct {
	*cmdline.Env
	// at is --at: the patient acts under their pseudonym at this
	// custodian (pseudonyms.go). One command runs per process.
	at string
}

// patientPrefix starts every patient's pseudonymous id.
//
// NOTE: the id's form is the identity module's; the CLI only tells an id
// from a key name with it, and the node checks the id itself.
const patientPrefix = "pat-"

// defaultConsentTerm is how long a consent runs without --until.
const defaultConsentTerm = 90 * 24 * time.Hour

// maxID bounds the ids and names the command line passes on (patient and
// member ids, organization ids, resource types): longer ones are refused
// here, so that no refusal repeats a huge value.
const maxID = 128

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// checkID refuses an id that is not PREFIX-N (rec-12, con-3), the form the
// records module gives its records and consents.
func checkID(what, prefix, id, hint string) error {
	n, ok := strings.CutPrefix(id, prefix)
	if !ok || n == "" || len(n) > 20 || strings.Trim(n, "0123456789") != "" {
		return usage(hint, "%s id %q is not %sN", what, cmdline.Short(id), prefix)
	}
	return nil
}

func checkRecord(id string) error {
	return checkID("record", "rec-", id, "a record id is rec-N, as medledger records list --as patient/NAME shows it")
}

func checkConsent(id string) error {
	return checkID("consent", "con-", id, "a consent id is con-N, as medledger consent list --as patient/NAME shows it")
}

// patientID resolves a patient given on the command line: a raw id
// (pat-...), or a local keystore key name patient/NAME (or just NAME), whose
// on-chain id is the key's id.
func (c *cmds) patientID(name string) (string, error) {
	if name == "" {
		return "", usage("name the patient with --patient patient/NAME (a local key) or --patient pat-... (an id)", "no patient given")
	}
	if len(name) > maxID {
		return "", usage("a patient is patient/NAME (a local key) or an id pat-...", "patient %q is too long", cmdline.Short(name))
	}
	if strings.HasPrefix(name, patientPrefix) || pseudonym.IsID(name) {
		return name, nil
	}
	if !strings.Contains(name, "/") {
		name = "patient/" + name
	}
	if !strings.HasPrefix(name, "patient/") {
		return "", usage("a patient is patient/NAME (a local key) or an id pat-...", "%s is not a patient", name)
	}
	f, err := c.KeyInfo(name)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(f.ID, patientPrefix) {
		return "", usage("make a patient key with medledger keys add patient/NAME", "key %s signs as %s, not as a patient", name, f.ID)
	}
	return f.ID, nil
}

// patientOf is the patient of a list command: --patient, else --as.
func (c *cmds) patientOf(patient, as string) (string, error) {
	if patient == "" {
		patient = as
	}
	if patient == "" {
		return "", usage("name the patient, e.g. --as patient/alice or --patient pat-...", "--patient or --as is required")
	}
	return c.patientID(patient)
}

// reader is who reads a patient's metadata and whose it is: --as signs
// (the patient, or a member: a custodian, a grantee, an inspector), and
// --patient names the patient, by default --as. With --patient
// patient/NAME alone, the patient's own local key signs. The node serves
// these reads only signed, and logs a read by anyone but the patient on
// the patient's log (records/lookup, sent by the client).
func (c *cmds) reader(patient, as string) (client.Signer, string, error) {
	if c.at != "" {
		if patient != "" {
			return client.Signer{}, "", usage("--at is the patient's own: --as patient/NAME --at ORG, without --patient", "--at and --patient together")
		}
		s, err := c.signer(as)
		if err != nil {
			return s, "", err
		}
		return s, s.Key.ID, nil
	}
	if as == "" && patient != "" && !strings.HasPrefix(patient, patientPrefix) {
		as = patient
		if !strings.Contains(as, "/") {
			as = "patient/" + as
		}
	}
	pid, err := c.patientOf(patient, as)
	if err != nil {
		return client.Signer{}, "", err
	}
	if as == "" {
		return client.Signer{}, "", usage("e.g. --as patient/alice, or --as northside-hospital/dr-chen --patient "+cmdline.Short(patient)+" (a member's read is on the patient's log)",
			"a read of a patient's records is signed: --as is required with --patient %s", cmdline.Short(patient))
	}
	s, err := c.Signer(as)
	if err != nil {
		return client.Signer{}, "", err
	}
	return s, pid, nil
}

func (c *cmds) recordsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "records",
		Short: "Patients' health records: add a FHIR document, list, read under consent or break glass, erase",
		Long: `Patients' health records.

A record's document (FHIR R4 JSON) is kept encrypted in the vault of the
organization that added it, its custodian; the chain holds only its
fingerprint, the patient's consents (medledger consent) and every request to
read it, granted or refused (a disclosure: who, which record, when, why;
medledger disclosures lists them for the patient). Send records add and get
to the custodian's node (--node).

A read says why it is made, by a purpose-of-use code; the patient's consent
names the purposes it allows:
` + purposeTable + `

In an emergency a clinician of a hospital or clinic may break glass: read
without consent, giving one of these reasons; the read is logged as such, for
the organization to review and the patient to see:
` + breakGlassTable + `

docs/records.md has the whole story.`,
		Example: `  medledger records list --as patient/alice
  medledger records get rec-2 --as lakeside-clinic/dr-patel
  medledger disclosures --as patient/alice`,
	}
	cmd.AddCommand(c.recordsAddCmd(), c.recordsListCmd(), c.recordsGetCmd(), c.recordsEraseCmd(), c.joinCmd(), c.enrollCmd(), c.linkCmd())
	return cmd
}

func (c *cmds) recordsAddCmd() *cobra.Command {
	var as, patient, sensitivity string
	cmd := &cobra.Command{
		Use:   "add FILE --patient patient/NAME --as ORG/CLINICIAN [--sensitivity CODE]",
		Short: "Store a FHIR document in the custodian's vault and record its fingerprint for a patient",
		Long: `Store a patient's FHIR R4 document (a JSON resource or Bundle) encrypted in
the vault of your organization's node, and record its fingerprint on the chain
for the patient: its resource types, its category (` + strings.Join(records.Categories, ", ") + `),
and a salted digest. Your organization becomes the record's custodian. A
clinician of a hospital or clinic adds records, on their own organization's
node; the patient must be enrolled (medledger tx identity enroll-patient).
It prints the record's id (rec-N).

` + sensitivityHelp + `.`,
		Example: `  medledger records add potassium.json --patient patient/alice --as northside-hospital/dr-chen
  medledger records add counselling-note.json --patient patient/alice --sensitivity PSY --as northside-hospital/dr-chen`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if patient == "" {
				return usage("name the patient, e.g. --patient patient/alice (a local key) or --patient pat-...", "--patient is required")
			}
			pid, err := c.patientID(patient)
			if err != nil {
				return err
			}
			doc, err := os.ReadFile(args[0])
			if err != nil {
				return cmdline.FileErr(args[0], err, "")
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			if sensitivity != "" && !records.ValidSensitivity(sensitivity) {
				return usage("a sensitivity is an HL7 ActCode: "+strings.Join(records.Sensitivities, ", "), "--sensitivity %q is not one", cmdline.Short(sensitivity))
			}
			id, err := c.Client().AddSensitiveRecord(c.Ctx, s, pid, doc, sensitivity)
			if err != nil {
				return c.Explain(err, records.TypeAdd, as)
			}
			return c.Print(struct {
				ID      string `json:"id"`
				Patient string `json:"patient"`
				Author  string `json:"author"`
				File    string `json:"file"`
			}{id, pid, s.Key.ID, args[0]}, func(w io.Writer) {
				fmt.Fprintln(w, id)
			})
		},
	}
	cmd.Flags().StringVar(&patient, "patient", "", "the patient: a local key patient/NAME or an id pat-...")
	cmd.Flags().StringVar(&sensitivity, "sensitivity", "", "a sensitive record's HL7 ActCode ("+strings.Join(records.Sensitivities, ", ")+"; default: none, or the document's meta.security)")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}

func (c *cmds) recordsListCmd() *cobra.Command {
	var as, patient string
	cmd := &cobra.Command{
		Use:   "list --as patient/NAME | --as ORG/MEMBER --patient ID",
		Short: "List a patient's records (fingerprints only), oldest first",
		Long: `List a patient's records, oldest first: id, category, FHIR resource types,
custodian, author and status. Only fingerprints: the documents stay in the
custodians' vaults (medledger records get reads one).

The read is signed with --as. The patient sees all of theirs; a member sees
those their organization holds and those a consent in force covers, and
their read is on the patient's log (medledger disclosures).`,
		Example: `  medledger records list --as patient/alice
  medledger records list --patient patient/bob
  medledger records list --as lakeside-clinic/dr-patel --patient patient/alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, pid, err := c.reader(patient, as)
			if err != nil {
				return err
			}
			recs, err := c.Client().PatientRecords(c.Ctx, s, pid)
			if err != nil {
				return c.readFail(err, as)
			}
			return c.Print(recs, func(w io.Writer) {
				if len(recs) == 0 {
					fmt.Fprintf(w, "no records for %s\n", pid)
					return
				}
				cmdline.Table(w, "ID\tCATEGORY\tTYPES\tCUSTODIAN\tAUTHOR\tSTATUS\tTIME", func(tw io.Writer) {
					for _, r := range recs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Category, strings.Join(r.ResourceTypes, ","), r.Custodian, r.Author, r.Status, r.Time.Format(time.RFC3339))
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

func (c *cmds) recordsGetCmd() *cobra.Command {
	var as, purpose, breakGlass, out string
	cmd := &cobra.Command{
		Use:   "get ID --as ORG/MEMBER|patient/NAME [--purpose TREAT] [--break-glass REASON] [--out FILE]",
		Short: "Read a record's document: under the patient's consent, as the patient, or by breaking glass",
		Long: `Read a record's document.

The request is a signed records/access transaction, which the custodian's node
commits; the node returns the document, encrypted for the reader, only if the
disclosure it logs is granted. Every read, refused or granted, shows in the
patient's accounting (medledger disclosures). A read is granted under an
active consent of the patient's that covers the reader, the record and the
purpose; to the patient; to a clinician of the custodian; or by breaking
glass. A refusal exits 1 and says which consent is missing.

The document goes to stdout, or to --out FILE. The file is checked (and
opened) before the request is signed, so that a read is never logged whose
document could not be saved; a failed write leaves no partial file.

--purpose says why you read (HL7 purpose-of-use codes); the consent must allow
it:
` + purposeTable + `

--break-glass REASON reads without consent in an emergency (clinicians of
hospitals and clinics only), for purpose ETREAT unless --purpose says
otherwise; the read is flagged for review (medledger disclosures --org ORG
--break-glass) and shown to the patient. Reasons:
` + breakGlassTable,
		Example: `  medledger records get rec-2 --as lakeside-clinic/dr-patel
  medledger records get rec-2 --as lakeside-clinic/dr-patel --out rec-2.json
  medledger records get rec-1 --as lakeside-clinic/dr-patel --break-glass unconscious-patient`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("purpose") && breakGlass != "" {
				purpose = records.PurposeEmergencyTreatment
			}
			if err := checkPurpose("--purpose", purpose); err != nil {
				return err
			}
			if breakGlass != "" && !slices.Contains(records.BreakGlassReasons, breakGlass) {
				return usage("give --break-glass one of "+strings.Join(records.BreakGlassReasons, ", ")+" (see --help)", "break-glass reason %q is not known", cmdline.Short(breakGlass))
			}
			if err := checkRecord(args[0]); err != nil {
				return err
			}
			s, err := c.signer(as)
			if err != nil {
				return err
			}
			// --out is opened before the read is signed: a read is logged
			// as a disclosure when it commits, so one whose document could
			// not then be written would be logged for a document its reader
			// never saw.
			var outFile *cmdline.OutFile
			if out != "" {
				if outFile, err = cmdline.CreateOut("--out", out, 0o600); err != nil {
					return err
				}
				defer outFile.Abort()
			}
			res, err := c.Client().ReadRecord(c.Ctx, s, args[0], purpose, breakGlass)
			if err != nil {
				return c.notEnrolled(err, as, func(err error) error { return c.Explain(err, records.TypeAccess, as) })
			}
			if outFile != nil {
				if err := outFile.Commit(res.Document); err != nil {
					return cmdline.Hint(err, "the read is logged as disclosure %d; read the record again with another --out", res.Disclosure)
				}
			}
			view := struct {
				Record     string          `json:"record"`
				Reader     string          `json:"reader"`
				Purpose    string          `json:"purpose"`
				Disclosure uint64          `json:"disclosure"`
				Ground     string          `json:"ground"`
				BreakGlass bool            `json:"break_glass"`
				Height     int64           `json:"height"`
				Out        string          `json:"out,omitempty"`
				Size       int             `json:"size"`
				Document   json.RawMessage `json:"document,omitempty"`
			}{Record: res.Record, Reader: s.Key.ID, Purpose: purpose, Disclosure: res.Disclosure, Ground: res.Ground, BreakGlass: res.BreakGlass,
				Height: res.Height, Out: out, Size: len(res.Document)}
			if out == "" && json.Valid(res.Document) {
				view.Document = res.Document
			}
			if c.JSON() {
				if out == "" && view.Document == nil {
					return cmdline.Hint(errors.New("the document is not JSON"), "pass --out FILE to save it")
				}
				return c.Print(view, nil)
			}
			if res.BreakGlass {
				fmt.Fprintf(c.Stderr, "medledger: break-glass read of %s logged as disclosure %d, for review\n", res.Record, res.Disclosure)
			}
			if out == "" {
				_, err := c.Stdout.Write(res.Document)
				return err
			}
			fmt.Fprintf(c.Stdout, "wrote %s (%d bytes)\n  record     %s\n  disclosure %d (%s)\n  height     %d\n", out, len(res.Document), res.Record, res.Disclosure, res.Ground, res.Height)
			return nil
		},
	}
	cmd.Flags().StringVar(&purpose, "purpose", records.PurposeTreatment, "why you read, a purpose-of-use code: "+purposeList()+"; default ETREAT with --break-glass")
	cmd.Flags().StringVar(&breakGlass, "break-glass", "", "read without consent in an emergency, for this reason: "+strings.Join(records.BreakGlassReasons, ", "))
	cmd.Flags().StringVar(&out, "out", "", "write the document to FILE instead of stdout")
	cmdline.AsFlag(cmd, &as, "lakeside-clinic/dr-patel")
	c.atFlag(cmd)
	return cmd
}

func (c *cmds) recordsEraseCmd() *cobra.Command {
	var as, receipt string
	cmd := &cobra.Command{
		Use:   "erase ID --as patient/NAME [--receipt FILE]",
		Short: "Erase one of your records: the custodian destroys its document and signs you a receipt; the fingerprint stays as a tombstone",
		Long: `Erase one of your records, as its patient: the custodian destroys its
document for good (its key is shredded), and no one can read it again, even
if its node stops at the wrong moment (it finishes at its next start). The
fingerprint stays on the chain, marked erased, as do the disclosures of past
reads.

The custodian's node then signs a receipt (what was destroyed, when, by
which node, signed with its node key): erase waits for it, checks its
signature, and with --receipt saves it to keep.`,
		Example: `  medledger records erase rec-2 --as patient/alice
  medledger records erase rec-2 --as patient/alice --receipt rec-2-erased.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRecord(args[0]); err != nil {
				return err
			}
			t, _, err := c.send(as, records.TypeErase, records.RecordRef{Record: args[0]})
			if err != nil {
				return err
			}
			out := struct {
				cmdline.Sent
				Record       string                  `json:"record"`
				Status       string                  `json:"status"`
				Receipt      *records.ErasureReceipt `json:"receipt,omitempty"`
				ReceiptError string                  `json:"receipt_error,omitempty"`
			}{Sent: t, Record: args[0], Status: records.StatusErased}
			s, err := c.signer(as)
			if err != nil {
				return err
			}
			r, rerr := c.Client().ErasureReceipt(c.Ctx, s, args[0], 20*time.Second)
			if rerr == nil {
				out.Receipt = &r
				if receipt != "" {
					b, _ := json.MarshalIndent(r, "", "  ")
					if err := os.WriteFile(receipt, append(b, '\n'), 0o600); err != nil {
						return cmdline.FileErr(receipt, err, "")
					}
				}
			} else {
				out.ReceiptError = rerr.Error()
			}
			return c.Print(out, func(w io.Writer) {
				fmt.Fprintf(w, "erased %s\n", args[0])
				t.Text(w)
				if rerr != nil {
					fmt.Fprintf(w, "  receipt not received (%v): ask the custodian's node for it later\n", rerr)
					return
				}
				fmt.Fprintf(w, "  destroyed %s by node %s of %s (signed receipt checked)\n", r.Destroyed.Format(cmdline.TimeFormat), r.Node, r.Custodian)
				if receipt != "" {
					fmt.Fprintf(w, "  receipt   %s\n", receipt)
				}
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "patient/alice")
	c.atFlag(cmd)
	cmd.Flags().StringVar(&receipt, "receipt", "", "save the custodian's signed erasure receipt to FILE")
	return cmd
}

func (c *cmds) consentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "A patient's consents: grant an organization or member access to records, revoke, list",
		Long: `A patient's consents. A consent lets an organization, or one of its members,
read the patient's records for the purposes it names (purpose-of-use codes),
until a date; it may be narrowed to FHIR resource types, record categories or
records. The patient grants and revokes it, signing as themselves; every read
under it is logged (medledger disclosures).

Purposes:
` + purposeTable,
		Example: `  medledger consent grant --to lakeside-clinic --purpose TREAT --until 2027-12-31 --as patient/alice
  medledger consent list --as patient/alice
  medledger consent revoke con-1 --as patient/alice`,
	}
	cmd.AddCommand(c.consentGrantCmd(), c.consentRevokeCmd(), c.consentListCmd())
	return cmd
}

// parseUntil reads --until: a date (the consent runs through that day, UTC)
// or an RFC 3339 time.
func parseUntil(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.Add(defaultConsentTerm), nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24 * time.Hour), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usage("give YYYY-MM-DD (through that day, UTC) or an RFC 3339 time such as 2027-01-31T18:00:00Z", "--until %q is not a date", cmdline.Short(s))
	}
	return t, nil
}

// checkPurpose refuses a purpose of use that is not known.
func checkPurpose(flag, p string) error {
	if !slices.Contains(records.Purposes, p) {
		return usage("give "+flag+" one of "+strings.Join(records.Purposes, ", ")+" (see --help for what each means)", "purpose %q is not known", cmdline.Short(p))
	}
	return nil
}

// checkScope refuses, before anything is sent, what the node would refuse
// in a consent's scope and jurisdictions.
func checkScope(sc records.Scope, jurisdictions []string) error {
	for _, t := range sc.ResourceTypes {
		if len(t) < 2 || len(t) > 64 || t[0] < 'A' || t[0] > 'Z' || strings.Trim(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return usage("give FHIR resource type names, e.g. --types Observation,DiagnosticReport", "resource type %q is not a FHIR resource type name", cmdline.Short(t))
		}
	}
	for _, k := range sc.Categories {
		if !slices.Contains(records.Categories, k) {
			return usage("give --categories one or more of "+strings.Join(records.Categories, ", "), "category %q is not known", cmdline.Short(k))
		}
	}
	for _, r := range sc.Records {
		if err := checkRecord(r); err != nil {
			return err
		}
	}
	for _, j := range jurisdictions {
		cc, sub, hasSub := strings.Cut(j, "-")
		if len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || hasSub && (sub == "" || len(sub) > 3) {
			return usage("give ISO 3166 codes, e.g. --jurisdictions DE,FR or US-CA", "jurisdiction %q is not an ISO 3166 code", cmdline.Short(j))
		}
	}
	return nil
}

func (c *cmds) consentGrantCmd() *cobra.Command {
	var as, to, until string
	var types, categories, recs, purposes, jurisdictions, sensitive []string
	cmd := &cobra.Command{
		Use:   "grant --to ORG[/MEMBER] [--purpose TREAT,...] [--until DATE] --as patient/NAME",
		Short: "Grant an organization (or one of its members) access to your records",
		Long: `Grant an organization, or one of its members (ORG/NAME), access to your
records for the given purposes until --until (default 90 days from now). It
prints the consent's id (con-N); medledger consent revoke ID ends it.

--purpose lists why the grantee may read (purpose-of-use codes, default
TREAT):
` + purposeTable + `

Without --types, --categories and --records the consent covers all your
records; each narrows it: FHIR resource types (Observation, ...), record
categories (` + strings.Join(records.Categories, ", ") + `), or
record ids (rec-N). Reading from another jurisdiction than the record's
custodian's needs --jurisdictions. --scope is the former name of --types and
still works for this release.

A restricted record (of a sensitive category) is never covered by a general
consent: --sensitive names the categories it opens (` + strings.Join(records.Sensitivities, ", ") + `), at
the custodian whose node --node is; the consent holds only their opaque
tags.`,
		Example: `  medledger consent grant --to lakeside-clinic --as patient/alice
  medledger consent grant --to lakeside-clinic/dr-patel --purpose TREAT,HOPERAT --types Observation --until 2027-12-31 --as patient/alice
  medledger consent grant --to unity-health-plan --purpose HPAYMT --categories laboratory --as patient/alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return usage("name the organization (or ORG/MEMBER) to grant access to, e.g. --to lakeside-clinic", "--to is required")
			}
			if len(to) > maxID {
				return usage("name an organization (medledger query orgs lists them) or one of its members, ORG/NAME", "--to %q is too long", cmdline.Short(to))
			}
			notAfter, err := parseUntil(until, time.Now())
			if err != nil {
				return err
			}
			for _, p := range purposes {
				if err := checkPurpose("--purpose", p); err != nil {
					return err
				}
			}
			body := records.GrantBody{Grantee: to, Scope: records.Scope{ResourceTypes: types, Categories: categories, Records: recs},
				Purposes: purposes, NotAfter: notAfter.UTC(), Jurisdictions: jurisdictions}
			if err := checkScope(body.Scope, jurisdictions); err != nil {
				return err
			}
			if body.Scope.Sensitivities, err = c.sensitivityTags(as, sensitive); err != nil {
				return err
			}
			t, res, err := c.send(as, records.TypeGrant, body)
			if err != nil {
				return err
			}
			id := cmdline.EventAttr(res, records.EventGranted, "consent")
			return c.Print(struct {
				cmdline.Sent
				ID       string        `json:"id"`
				Grantee  string        `json:"grantee"`
				Scope    records.Scope `json:"scope"`
				Purposes []string      `json:"purposes"`
				NotAfter time.Time     `json:"not_after"`
			}{t, id, to, body.Scope, purposes, body.NotAfter}, func(w io.Writer) {
				fmt.Fprintln(w, id)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the grantee: an organization id, or a member ORG/NAME")
	f.StringSliceVar(&types, "types", nil, "FHIR resource types covered, comma-separated, e.g. Observation (default: all)")
	f.StringSliceVar(&categories, "categories", nil, "record categories covered, comma-separated ("+strings.Join(records.Categories, ", ")+"; default: all)")
	f.StringSliceVar(&recs, "records", nil, "only these record ids (rec-N), comma-separated (default: all)")
	f.StringSliceVar(&purposes, "purpose", []string{records.PurposeTreatment}, "purposes of use allowed, repeatable or comma-separated: "+purposeList())
	f.StringVar(&until, "until", "", "last day (YYYY-MM-DD, UTC) or RFC 3339 end time (default: 90 days from now)")
	f.StringSliceVar(&jurisdictions, "jurisdictions", nil, "jurisdictions besides the custodian's where the records may be read, ISO 3166 codes, e.g. DE,FR")
	f.StringSliceVar(&sensitive, "sensitive", nil, "sensitive categories opened, HL7 ActCodes, comma-separated ("+strings.Join(records.Sensitivities, ", ")+"; default: none)")
	f.StringSliceVar(&types, "scope", nil, "former name of --types")
	cmdline.Deprecate(cmd, "scope", "types")
	cmdline.AsFlag(cmd, &as, "patient/alice")
	c.atFlag(cmd)
	return cmd
}

func (c *cmds) consentRevokeCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:     "revoke ID --as patient/NAME",
		Short:   "Revoke one of your consents; reads under it are refused from the next block",
		Example: `  medledger consent revoke con-1 --as patient/alice`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConsent(args[0]); err != nil {
				return err
			}
			t, _, err := c.send(as, records.TypeRevoke, records.ConsentRef{Consent: args[0]})
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Consent string `json:"consent"`
				Status  string `json:"status"`
			}{t, args[0], records.ConsentRevoked}, func(w io.Writer) {
				fmt.Fprintf(w, "revoked %s\n", args[0])
				t.Text(w)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "patient/alice")
	c.atFlag(cmd)
	return cmd
}
