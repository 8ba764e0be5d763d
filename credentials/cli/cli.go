// Package cli is the credentials module's part of the command line:
// issuing, verifying and presenting credentials, revoking, suspending and
// reinstating them, a clinician's or organization's whole file, what
// expires, the issuer registry and its governance (medledger credentials
// ...). Its demo seed authorizes the demo's issuers, switches licence
// checks on and licenses the demo's clinicians, pharmacist and trading
// partners.
package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/daemon"
)

// Module is the credentials module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: credentials.Module{}, Routes: credentials.HTTPRoutes, Codes: credentials.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		return []*cobra.Command{(&cmds{e}).credentialsCmd()}
	},
	Hints: hints,
	Seed:  &cmdline.Seed{Marker: "demo-credentials-seeded", Run: seed},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// glossary says in plain words what the credentials commands' terms mean.
const glossary = `Words these commands use:
  credential    a licence, registration or privilege an issuer grants a
                subject: here a W3C Verifiable Credential, a file signed by
                one of the issuer's members (VC-JOSE: a JWS, .vc.jwt)
  issuer        the organization that grants it (a medical board, the drug
                regulator, a hospital); the consortium votes which may
                issue which type, in which jurisdiction (the registry)
  subject       whom it is about: a member ORG/NAME (a clinician, a
                pharmacist) or an organization (a pharmacy, a distributor)
  holder        who keeps the file and shows it: the subject, or a member
                of the subject organization
  presentation  the holder's signed showing of a credential to one
                verifier (the audience), over that verifier's one-time
                challenge (the nonce), so that a copied file cannot be
                shown again by someone else or a second time
  status        active, suspended (for now), revoked (for good) or expired
                (past its validity period); changes take effect from the
                next block, and each issuer publishes them as W3C status
                lists (bit strings) anyone can check
  jurisdiction  where it is valid: an ISO 3166 code, US or US-CA
  licence checks  governance may switch them on for supply (trading
                partners must be licensed), records (break-glass needs a
                licence) and claims; they are off on a new chain`

func (c *cmds) credentialsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credentials",
		Short: "Licences and registrations as verifiable credentials: issue, verify, present, revoke, a clinician's whole file",
		Long: `Credentials of clinicians, pharmacists and trading partners: licences,
registrations and clinical privileges, issued as W3C Verifiable Credentials by
the organizations the consortium authorized, checked by anyone against the
chain.

An issuer's member signs the credential file; the chain records its digest,
type, subject, issuer, validity and status slot, never its content. The holder
keeps the file and shows it (medledger credentials present); a verifier checks
it (medledger credentials verify): the signature, that the issuer was
authorized when it issued, the status now and the validity period.

` + glossary + `

docs/credentials.md has the whole story.`,
		Example: `  medledger credentials check northside-hospital/dr-chen
  medledger credentials verify dr-chen-medical-license.vc.jwt
  medledger credentials issuers`,
	}
	cmd.AddCommand(c.issueCmd(), c.verifyCmd(), c.presentCmd(),
		c.statusCmd("revoke", credentials.TypeRevoke, credentials.RevokeReasons, "Revoke a credential for good (its issuer)", "disciplinary-action"),
		c.statusCmd("suspend", credentials.TypeSuspend, credentials.SuspendReasons, "Suspend a credential until it is reinstated (its issuer)", "under-investigation"),
		c.statusCmd("reinstate", credentials.TypeReinstate, credentials.ReinstateReasons, "Reinstate a suspended credential (its issuer)", "investigation-closed"),
		c.checkCmd(), c.expiringCmd(), c.issuersCmd(), c.typesCmd(), c.proposeCmd(), c.voteCmd(), c.proposalsCmd())
	return cmd
}

// --- argument checks ---

const maxID = 129

func checkParty(what, s string) error {
	switch {
	case s == "":
		return usage("name a member ORG/NAME (northside-hospital/dr-chen) or an organization (cityrx-pharmacy)", "%s is required", what)
	case len(s) > maxID || strings.Count(s, "/") > 1 || strings.ContainsAny(s, " \t|"):
		return usage("name a member ORG/NAME (northside-hospital/dr-chen) or an organization (cityrx-pharmacy)", "%s %q is not a member or organization id", what, cmdline.Short(s))
	}
	return nil
}

func checkCredentialID(s string) error {
	if !credentials.ValidID(s) {
		return usage("a credential id is crd- and 26 letters and digits, as medledger credentials check SUBJECT lists them", "%q is not a credential id", cmdline.Short(s))
	}
	return nil
}

func checkType(t string) error {
	if _, ok := credentials.TypeOf(t); !ok {
		return usage("medledger credentials types lists them with what each is", "--type %q is not one of %s", cmdline.Short(t), strings.Join(credentials.TypeNames(), ", "))
	}
	return nil
}

// parseDate reads a date YYYY-MM-DD (the whole day counts: valid until the
// end of it, UTC) or an RFC 3339 instant. end says whether a date means
// its end (valid-until) or its start (valid-from).
func parseDate(flag, s string, end bool) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usage("give a date YYYY-MM-DD (the whole day counts) or an instant such as 2027-06-30T17:00:00Z", "%s %q is not a date", flag, cmdline.Short(s))
}

func reasonList(reasons []string) string {
	var b strings.Builder
	for _, r := range reasons {
		fmt.Fprintf(&b, "  %-22s %s\n", r, credentials.ReasonWords[r])
	}
	return strings.TrimRight(b.String(), "\n")
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func (c *cmds) statusCmd(verb, typ string, reasons []string, short, example string) *cobra.Command {
	var as, reason string
	cmd := &cobra.Command{
		Use:   verb + " ID --reason CODE --as ORG/MEMBER",
		Short: short,
		Long: short + `. Only a member of the issuing organization may; it takes
effect from the next block: verifications, licence checks and the issuer's
status lists show it from then on. A revocation is final; a suspension lasts
until a reinstatement.

--reason is a code, never free text (no words about a person reach the chain):
` + reasonList(reasons),
		Example: fmt.Sprintf("  medledger credentials %s crd-... --reason %s --as state-medical-board/registrar", verb, example),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkCredentialID(args[0]); err != nil {
				return err
			}
			if !slices.Contains(reasons, reason) {
				return usage("give one of the codes --help lists: "+strings.Join(reasons, ", "), "--reason %q is not a reason code", cmdline.Short(reason))
			}
			t, _, err := c.Send(as, typ, credentials.StatusBody{Credential: args[0], Reason: reason})
			if err != nil {
				return err
			}
			past := map[string]string{"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}[verb]
			return c.Print(struct {
				cmdline.Sent
				ID     string `json:"id"`
				Status string `json:"status"`
				Reason string `json:"reason"`
			}{t, args[0], map[string]string{"revoke": credentials.StatusRevoked, "suspend": credentials.StatusSuspended, "reinstate": credentials.StatusActive}[verb], reason},
				func(w io.Writer) {
					fmt.Fprintf(w, "%s %s (reason %s), in effect from height %d\n", past, args[0], reason, t.Height)
					t.Text(w)
				})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "reason code: "+strings.Join(reasons, ", "))
	cmdline.AsFlag(cmd, &as, "state-medical-board/registrar")
	return cmd
}
