package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/vc"
)

// maxClaims bounds a --claims file.
const maxClaims = 16 << 10

// readClaims reads a --claims file: a JSON object of what the credential
// says of its subject beyond the chain's record.
func readClaims(path string) (map[string]json.RawMessage, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, cmdline.FileErr(path, err, "")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxClaims+1))
	if err != nil {
		return nil, cmdline.FileErr(path, err, "")
	}
	if len(b) > maxClaims {
		return nil, usage("keep the claims short: a licence number, a specialty, a name", "--claims %s is over %d bytes", cmdline.Short(path), maxClaims)
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(b, &claims); err != nil || claims == nil {
		return nil, usage(`the file holds one JSON object, e.g. {"licenseNumber": "MD-204-118", "specialty": "internal medicine"}`, "--claims %s is not a JSON object", cmdline.Short(path))
	}
	for _, k := range vc.ReservedClaims {
		if _, ok := claims[k]; ok {
			return nil, usage("leave "+strings.Join(vc.ReservedClaims, " and ")+" out: medledger writes them from --subject and the issuer", "--claims %s sets %q", cmdline.Short(path), k)
		}
	}
	return claims, nil
}

// IssueView is what credentials issue prints.
type IssueView struct {
	cmdline.Sent
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Jurisdiction string    `json:"jurisdiction"`
	ValidFrom    time.Time `json:"valid_from"`
	ValidUntil   time.Time `json:"valid_until"`
	Digest       string    `json:"digest"`
	StatusList   uint32    `json:"status_list"`
	StatusIndex  uint32    `json:"status_index"`
	File         string    `json:"file"`
}

func (c *cmds) issueCmd() *cobra.Command {
	var as, typ, subject, from, until, claimsPath, out string
	cmd := &cobra.Command{
		Use:   "issue --type TYPE --subject ID --valid-until DATE [--valid-from DATE] [--claims FILE] --out FILE --as ORG/MEMBER",
		Short: "Issue a credential: sign it as the issuer's member, record it on the chain, write the file for the holder",
		Long: `Issue a credential to a subject: a member ORG/NAME (a clinician's licence) or an
organization (a pharmacy's dispenser licence). You sign the file as a member of
the issuing organization, with your key; the chain records its digest, type,
subject, issuer, validity and status slot, and refuses it unless the registry
authorizes your organization for the type in its jurisdiction (medledger
credentials issuers). The file (a W3C Verifiable Credential, VC-JOSE) is written
to --out for the holder; nothing of --claims reaches the chain.

--type is one of (medledger credentials types says what each is):
  ` + strings.Join(credentials.TypeNames(), ", ") + `
--valid-until DATE: a date YYYY-MM-DD is valid through the end of that day
(UTC); --valid-from defaults to now (the latest block's time). A credential runs at most 10 years.
--claims FILE: a JSON object of the holder's details the file carries, e.g.
{"licenseNumber": "MD-204-118", "specialty": "internal medicine"}.`,
		Example: `  medledger credentials issue --type medical-license --subject northside-hospital/dr-chen --valid-until 2028-06-30 --claims chen.json --out dr-chen.vc.jwt --as state-medical-board/registrar
  medledger credentials issue --type dispenser-license --subject cityrx-pharmacy --valid-until 2027-12-31 --out cityrx.vc.jwt --as drug-regulator/inspector`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkType(typ); err != nil {
				return err
			}
			if err := checkParty("--subject", subject); err != nil {
				return err
			}
			if until == "" {
				return usage("give the last day it is valid, e.g. --valid-until 2028-06-30", "--valid-until is required")
			}
			validUntil, err := parseDate("--valid-until", until, true)
			if err != nil {
				return err
			}
			validFrom := time.Now()
			if from != "" {
				if validFrom, err = parseDate("--valid-from", from, false); err != nil {
					return err
				}
			}
			if !validUntil.After(validFrom) || !validUntil.After(time.Now()) {
				return usage("a credential is issued for a period that has not ended: give a later --valid-until", "--valid-until %s is not after %s", until, validFrom.Format("2006-01-02"))
			}
			claims, err := readClaims(claimsPath)
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			of, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			iss, err := c.Client().IssueCredential(c.Ctx, s, client.Issuance{Type: typ, Subject: subject, ValidFrom: validFrom, ValidUntil: validUntil, Claims: claims})
			if err != nil {
				of.Abort()
				return c.Explain(err, credentials.TypeIssue, as)
			}
			if err := of.Commit([]byte(iss.File + "\n")); err != nil {
				return cmdline.Hint(cmdline.FileErr(out, err, ""), "the credential %s is recorded on the chain, but its file was not written: its holder cannot show it; revoke it (medledger credentials revoke %s --reason issued-in-error) and issue it again", iss.Body.ID, iss.Body.ID)
			}
			b := iss.Body
			org, _, _ := strings.Cut(s.Key.ID, "/")
			v := IssueView{Sent: cmdline.Sent{Type: credentials.TypeIssue, Signer: s.Key.ID, Hash: iss.Tx.Hash, Height: iss.Tx.Height},
				ID: b.ID, Type: b.Type, Subject: b.Subject, Issuer: org, Jurisdiction: b.Jurisdiction, ValidFrom: b.ValidFrom, ValidUntil: b.ValidUntil,
				Digest: b.Digest, StatusList: b.StatusList, StatusIndex: b.StatusIndex, File: out}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "issued %s: %s of %s, by %s in %s\n  valid  %s to %s\n  file   %s (give it to the holder)\n  digest %s\n",
					b.ID, b.Type, b.Subject, org, b.Jurisdiction, b.ValidFrom.Format(time.RFC3339), b.ValidUntil.Format(time.RFC3339), out, b.Digest)
				v.Sent.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "credential type ("+strings.Join(credentials.TypeNames(), ", ")+")")
	f.StringVar(&subject, "subject", "", "whom it is about: a member ORG/NAME or an organization")
	f.StringVar(&from, "valid-from", "", "first day (or instant) it is valid (default now)")
	f.StringVar(&until, "valid-until", "", "last day it is valid, YYYY-MM-DD, or an instant (RFC 3339)")
	f.StringVar(&claimsPath, "claims", "", "JSON file of the holder's details the file carries (off-chain)")
	f.StringVar(&out, "out", "", "file to write the credential to (for its holder)")
	cmdline.AsFlag(cmd, &as, "state-medical-board/registrar")
	return cmd
}

// maxFile bounds a credential or presentation file read.
const maxFile = vc.MaxFile

func readFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", cmdline.FileErr(path, err, "")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return "", cmdline.FileErr(path, err, "")
	}
	if len(b) > maxFile {
		return "", usage("give a credential file (.vc.jwt) or a presentation file (.vp.jwt)", "%s is over %d bytes: not a credential file", cmdline.Short(path), maxFile)
	}
	return strings.TrimSpace(string(b)), nil
}

func (c *cmds) presentCmd() *cobra.Command {
	var as, audience, nonce, out string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "present FILE --audience ORG --nonce N --out FILE --as HOLDER",
		Short: "Present a credential to one verifier: sign it over the verifier's nonce, for it alone",
		Long: `Present a credential you hold to a verifier. The verifier (an organization:
--audience) hands you a one-time challenge (--nonce); you sign a presentation
of the credential file over both with your key, as its subject (or as a member
of the subject organization). The verifier checks it with medledger
credentials verify FILE --presentation --audience ORG --nonce N: a presentation
made for someone else, over another nonce, shown a second time, or older than
--ttl is refused, so a copied file is worth nothing to whoever copied it.`,
		Example: `  medledger credentials present dr-chen.vc.jwt --audience cityrx-pharmacy --nonce 7c1e2a --out dr-chen.vp.jwt --as northside-hospital/dr-chen`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkParty("--audience", audience); err != nil {
				return err
			}
			if nonce == "" || len(nonce) > 256 {
				return usage("give the challenge the verifier handed you, e.g. --nonce 7c1e2a", "--nonce must be 1 to 256 characters")
			}
			if ttl < time.Minute || ttl > time.Hour {
				return usage("e.g. --ttl 5m", "--ttl %s must be from a minute to an hour", ttl)
			}
			file, err := readFile(args[0])
			if err != nil {
				return err
			}
			if _, err := vc.Parse(file); err != nil {
				return usage("give a credential file (.vc.jwt), as medledger credentials issue writes it", "%s is not a credential file: %s", cmdline.Short(args[0]), strings.TrimPrefix(err.Error(), vc.ErrFormat.Error()+": "))
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			of, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			now := time.Now()
			vp, err := vc.Present(file, s.Key.ID, s.Key.Sign, audience, nonce, now, ttl)
			if err != nil {
				of.Abort()
				return err
			}
			if err := of.Commit([]byte(vp + "\n")); err != nil {
				return cmdline.FileErr(out, err, "")
			}
			view := map[string]any{"file": out, "holder": s.Key.ID, "audience": audience, "nonce": nonce, "expires": now.Add(ttl).UTC().Truncate(time.Second)}
			return c.Print(view, func(w io.Writer) {
				fmt.Fprintf(w, "presented %s to %s as %s\n  nonce   %s\n  expires %s\n  file    %s (give it to %s)\n", args[0], audience, s.Key.ID, nonce,
					now.Add(ttl).UTC().Format(time.RFC3339), out, audience)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&audience, "audience", "", "the verifier: the organization you present to")
	f.StringVar(&nonce, "nonce", "", "the one-time challenge the verifier handed you")
	f.StringVar(&out, "out", "", "file to write the presentation to (for the verifier)")
	f.DurationVar(&ttl, "ttl", credentials.DefaultPresentTTL, "how long the presentation is good for")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}

func (c *cmds) verifyCmd() *cobra.Command {
	var presentation bool
	var audience, nonce string
	cmd := &cobra.Command{
		Use:   "verify FILE [--presentation --audience ORG --nonce N]",
		Short: "Verify a credential file (or a holder's presentation) against the chain; exit 1 if it is not valid",
		Long: `Verify a credential file against the chain, and list every check with its
outcome:
  format             a W3C Verifiable Credential secured as VC-JOSE (vc+jwt)
  recorded           the chain holds a credential of this id with this file's
                     digest (an altered or never-issued file is not)
  signature          signed (EdDSA) with the key the issuer's member had when
                     it issued
  matches-record     the file says what the chain recorded
  issuer-authorized  the registry authorized the issuer for the type and
                     jurisdiction when it issued
  status             neither revoked nor suspended now
  validity           now is inside its validity period
With --presentation, FILE is a holder's presentation, and these come first:
  holder-signature   signed with the holder's current key
  holder             the holder is the subject (or a member of the subject
                     organization)
  audience, nonce    made for --audience (your organization) over --nonce
                     (the challenge you handed the holder)
  fresh              made within its time to live, not expired
  not-replayed       this nonce was not accepted before (kept in the home's
                     data/credentials-nonces.json)
VALID exits 0; NOT VALID exits 1, naming what failed. status is active,
revoked, suspended or expired (unknown when the chain has no record).`,
		Example: `  medledger credentials verify dr-chen.vc.jwt
  medledger credentials verify dr-chen.vc.jwt -o json
  medledger credentials verify dr-chen.vp.jwt --presentation --audience cityrx-pharmacy --nonce 7c1e2a`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if presentation {
				if err := checkParty("--audience", audience); err != nil {
					return cmdline.Hint(err, "with --presentation, name your organization, the presentation's audience: --audience ORG")
				}
				if nonce == "" {
					return usage("with --presentation, give the challenge you handed the holder: --nonce N", "--nonce is required")
				}
			} else if audience != "" || nonce != "" {
				return usage("--audience and --nonce check a presentation: add --presentation", "--audience and --nonce need --presentation")
			}
			file, err := readFile(args[0])
			if err != nil {
				return err
			}
			cl := c.Client()
			var v credentials.Verification
			if presentation {
				guard := nonceFile{path: c.nonceFile()}
				v, err = cl.VerifyPresentation(c.Ctx, file, client.VerifyOptions{Audience: audience, Nonce: nonce, Replay: guard.use})
			} else {
				if _, perr := vc.ParsePresentation(file); perr == nil {
					return usage("verify a presentation with --presentation --audience ORG --nonce N", "%s is a presentation, not a credential file", cmdline.Short(args[0]))
				}
				v, err = cl.VerifyCredential(c.Ctx, file, client.VerifyOptions{})
			}
			if err != nil {
				return c.ReadFail(err, "")
			}
			if err := c.Print(v, func(w io.Writer) { writeVerification(w, args[0], v) }); err != nil {
				return err
			}
			if !v.Valid {
				f := v.Failed()
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "%s is not valid: %s: %s", cmdline.Short(args[0]), f.Name, f.Detail), "%s", failHint(f.Name))}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&presentation, "presentation", false, "FILE is a holder's presentation (credentials present)")
	f.StringVar(&audience, "audience", "", "with --presentation: your organization, whom it must be made for")
	f.StringVar(&nonce, "nonce", "", "with --presentation: the challenge you handed the holder")
	return cmd
}

func writeVerification(w io.Writer, name string, v credentials.Verification) {
	word := "VALID"
	if !v.Valid {
		word = "NOT VALID"
	}
	fmt.Fprintf(w, "%s %s\n", word, name)
	if v.Credential != "" {
		fmt.Fprintf(w, "  credential %s: %s of %s, issued by %s (%s) in %s\n", v.Credential, v.Type, v.Subject, v.Issuer, v.IssuedBy, v.Jurisdiction)
	}
	if v.ValidFrom != nil && v.ValidUntil != nil {
		fmt.Fprintf(w, "  valid      %s to %s\n", v.ValidFrom.Format(time.RFC3339), v.ValidUntil.Format(time.RFC3339))
	}
	if v.Holder != "" {
		fmt.Fprintf(w, "  presented  by %s\n", v.Holder)
	}
	fmt.Fprintf(w, "  status     %s\n", v.Status)
	cmdline.Table(w, "  CHECK\tOK\tDETAIL", func(tw io.Writer) {
		for _, ch := range v.Checks {
			ok := "ok"
			if !ch.OK {
				ok = "FAIL"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", ch.Name, ok, ch.Detail)
		}
	})
}

// failHint names what to do about the first failed check.
func failHint(check string) string {
	switch check {
	case credentials.CheckFormat:
		return "give the file as its issuer wrote it (medledger credentials issue --out)"
	case credentials.CheckRecorded, credentials.CheckSignature, credentials.CheckMatches:
		return "do not rely on it: the file was altered or forged, or issued on another chain; ask its holder for the file its issuer wrote"
	case credentials.CheckIssuer:
		return "do not rely on it: the consortium never authorized that issuer for this (medledger credentials issuers lists who may issue what)"
	case credentials.CheckStatus:
		return "do not rely on it: its issuer revoked or suspended it (medledger credentials check SUBJECT shows the subject's file)"
	case credentials.CheckValidity:
		return "do not rely on it: it is outside its validity period; the holder needs a renewed credential"
	case credentials.CheckNotReplay:
		return "a presentation is good once: hand the holder a new nonce and ask for a new presentation"
	}
	return "ask the holder for a new presentation, made for you (--audience) over the nonce you hand them"
}
