package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
)

// CheckView is what credentials check prints: a subject's whole file.
type CheckView struct {
	Subject     string              `json:"subject"`
	Credentials []credentials.Facts `json:"credentials"`
}

func writeFacts(w io.Writer, list []credentials.Facts, withSubject bool) {
	head := "ID\tTYPE\tISSUER\tSTATUS\tVALID UNTIL"
	if withSubject {
		head = "ID\tTYPE\tSUBJECT\tISSUER\tSTATUS\tVALID UNTIL"
	}
	cmdline.Table(w, head, func(tw io.Writer) {
		for _, f := range list {
			if withSubject {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Type, f.Subject, f.Issuer, f.EffectiveStatus, f.ValidUntil.Format("2006-01-02"))
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.Type, f.Issuer, f.EffectiveStatus, f.ValidUntil.Format("2006-01-02"))
			}
		}
	})
}

func (c *cmds) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check SUBJECT",
		Short: "A clinician's or organization's whole file: every credential with its status and expiry",
		Long: `List every credential issued to SUBJECT, a member ORG/NAME (a clinician, a
pharmacist) or an organization (a pharmacy, a distributor), with its status
now (active, suspended, revoked, expired), its issuer and the day it expires:
onboarding's primary-source check in one call.`,
		Example: `  medledger credentials check northside-hospital/dr-chen
  medledger credentials check medsupply-dist -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkParty("SUBJECT", args[0]); err != nil {
				return err
			}
			list, err := c.Client().Credentials(c.Ctx, client.CredentialFilter{Subject: args[0]})
			if err != nil {
				return c.ReadFail(err, "")
			}
			if len(list) == 0 { // none, or no such party: say which
				var err error
				if strings.Contains(args[0], "/") {
					_, err = c.Client().Member(c.Ctx, args[0])
				} else {
					_, err = c.Client().Org(c.Ctx, args[0])
				}
				if err != nil {
					return c.ReadFail(err, "SUBJECT is a member ORG/NAME or an organization of this chain: medledger query orgs lists them")
				}
			}
			return c.Print(CheckView{Subject: args[0], Credentials: list}, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintf(w, "%s holds no credential on this chain\n", args[0])
					return
				}
				valid := 0
				for _, f := range list {
					if f.EffectiveStatus == credentials.StatusActive {
						valid++
					}
				}
				fmt.Fprintf(w, "%s: %d credential(s), %d valid now\n", args[0], len(list), valid)
				writeFacts(w, list, false)
			})
		},
	}
}

func (c *cmds) expiringCmd() *cobra.Command {
	var within, issuer, subject string
	cmd := &cobra.Command{
		Use:   "expiring --within DURATION [--issuer ORG] [--subject ID]",
		Short: "Credentials that expire within a period: what needs renewal",
		Long: `List the credentials, neither revoked nor suspended, whose validity ends within
--within of now, soonest first: what their holders must renew. A period is N
days (60d), N weeks (8w) or hours (720h).`,
		Example: `  medledger credentials expiring --within 60d
  medledger credentials expiring --within 8w --issuer state-medical-board`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := credentials.ParseWithin(within); err != nil {
				return usage("give N days (60d), N weeks (8w) or hours (720h), up to 10 years", "--within %q is not a period", cmdline.Short(within))
			}
			for _, p := range []struct{ flag, v string }{{"--issuer", issuer}, {"--subject", subject}} {
				if p.v != "" {
					if err := checkParty(p.flag, p.v); err != nil {
						return err
					}
				}
			}
			list, err := c.Client().ExpiringCredentials(c.Ctx, within, issuer, subject)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintf(w, "nothing expires within %s\n", within)
					return
				}
				fmt.Fprintf(w, "%d credential(s) expire within %s:\n", len(list), within)
				writeFacts(w, list, true)
			})
		},
	}
	cmd.Flags().StringVar(&within, "within", "60d", "period from now: N days (60d), N weeks (8w) or hours (720h)")
	cmd.Flags().StringVar(&issuer, "issuer", "", "only those of this issuing organization")
	cmd.Flags().StringVar(&subject, "subject", "", "only those of this member or organization")
	return cmd
}

// IssuersView is what credentials issuers prints: the registry and whether
// licence checks are on.
type IssuersView struct {
	Authorizations []credentials.Authorization `json:"authorizations"`
	Enforcement    []credentials.Enforcement   `json:"enforcement"`
}

func (c *cmds) issuersCmd() *cobra.Command {
	var issuer string
	cmd := &cobra.Command{
		Use:   "issuers [--issuer ORG]",
		Short: "The issuer registry: who may issue which credential in which jurisdiction, and the licence checks in force",
		Long: `The issuer registry: which organization may issue which type of credential in
which jurisdiction (a jurisdiction covers its subdivisions: US covers US-CA),
since which height, and entries withdrawn, as the consortium voted them
(medledger credentials propose). Then whether licence checks are on for supply,
records and claims.`,
		Example: `  medledger credentials issuers
  medledger credentials issuers --issuer drug-regulator -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if issuer != "" {
				if err := checkParty("--issuer", issuer); err != nil {
					return err
				}
			}
			cl := c.Client()
			reg, err := cl.CredentialIssuers(c.Ctx, issuer)
			if err != nil {
				return c.ReadFail(err, "")
			}
			enf, err := cl.CredentialEnforcement(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(IssuersView{Authorizations: reg, Enforcement: enf}, func(w io.Writer) {
				if len(reg) == 0 {
					fmt.Fprintln(w, "no issuer is authorized: propose one with medledger credentials propose --authorize ORG:TYPE")
				} else {
					cmdline.Table(w, "ISSUER\tTYPE\tJURISDICTION\tAUTHORIZED", func(tw io.Writer) {
						for _, a := range reg {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Issuer, a.Type, a.Jurisdiction, periods(a))
						}
					})
				}
				var parts []string
				for _, e := range enf {
					parts = append(parts, e.Scope+" "+onOff(e.On))
				}
				fmt.Fprintf(w, "licence checks: %s\n", strings.Join(parts, ", "))
			})
		},
	}
	cmd.Flags().StringVar(&issuer, "issuer", "", "only this organization's entries")
	return cmd
}

func periods(a credentials.Authorization) string {
	var out []string
	for _, p := range a.Periods {
		s := fmt.Sprintf("since height %d", p.From)
		if p.Until != 0 {
			s = fmt.Sprintf("heights %d to %d (withdrawn)", p.From, p.Until-1)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func (c *cmds) typesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "types",
		Short: "The credential types, what each is and whom it is issued to; reason codes; licence check scopes",
		Long: `The credential types the chain knows, what each is and what it may be issued
to; the reason codes of revocations, suspensions and reinstatements; and the
scopes governance may switch licence checks on for.`,
		Example: `  medledger credentials types
  medledger credentials types -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := c.Client().CredentialTypes(c.Ctx)
			if err != nil {
				return c.ReadFail(err, "")
			}
			return c.Print(t, func(w io.Writer) {
				cmdline.Table(w, "TYPE\tISSUED TO\tWHAT IT IS", func(tw io.Writer) {
					for _, ty := range t.Types {
						to := "a member ORG/NAME"
						switch ty.Subject {
						case credentials.SubjectOwnMember:
							to = "a member of the issuer"
						case credentials.SubjectOrg:
							to = "a " + strings.Join(ty.OrgKinds, " or ")
						case credentials.SubjectEither:
							to = "a member, or a " + strings.Join(ty.OrgKinds, ", ")
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\n", ty.Name, to, ty.Words)
					}
				})
				fmt.Fprintf(w, "\nissuers are organizations of kind %s\n", strings.Join(t.IssuerKinds, ", "))
				fmt.Fprintf(w, "\nrevoke reasons:\n%s\nsuspend reasons:\n%s\nreinstate reasons:\n%s\n", reasonList(t.RevokeReasons), reasonList(t.SuspendReasons), reasonList(t.ReinstateReasons))
				fmt.Fprintln(w, "\nlicence check scopes:")
				for _, s := range t.Scopes {
					fmt.Fprintf(w, "  %-8s %s\n", s, credentials.ScopeWords[s])
				}
			})
		},
	}
}

var _ = time.Second
