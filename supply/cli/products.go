package cli

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
	"github.com/spf13/cobra"
)

// --- products and lots ---

func (c *cmds) supplyProductAddCmd() *cobra.Command {
	var as string
	var b supply.ProductBody
	cmd := &cobra.Command{
		Use:   "add --gtin GTIN --name NAME [--national-code C --strength S --form F] --as ORG/admin",
		Short: "Register a drug product by its GTIN (a manufacturer's admin)",
		Long: `Register a drug product by its GTIN (Global Trade Item Number: the number
under its barcode, one per product and pack size; a GTIN-8, -12 or -13 is
stored as the GTIN-14 it stands for). The signer's organization, a
manufacturer, owns the product: only it commissions and recalls its packs.`,
		Example: `  medledger supply product add --gtin 00312345678906 --name 'Amoxicillin 500 mg capsules' --strength '500 mg' --form capsule --as acme-pharma/admin`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(b.GTIN)
			if err != nil {
				return err
			}
			b.GTIN = g
			if strings.TrimSpace(b.Name) == "" {
				return usage("give the product's name, e.g. --name 'Amoxicillin 500 mg capsules'", "--name is required")
			}
			t, _, err := c.Send(as, supply.TypeProduct, b)
			if err != nil {
				return err
			}
			org, _, _ := strings.Cut(t.Signer, "/")
			return c.Print(struct {
				cmdline.Sent
				supply.ProductBody
				Manufacturer string `json:"manufacturer"`
			}{t, b, org}, func(w io.Writer) {
				fmt.Fprintf(w, "registered product %s, %s, by %s\n", b.GTIN, b.Name, org)
				t.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.GTIN, "gtin", "", "the product's GTIN-8, -12, -13 or -14 (stored as GTIN-14)")
	f.StringVar(&b.Name, "name", "", "the product's name")
	f.StringVar(&b.NationalCode, "national-code", "", "its NDC or national drug code")
	f.StringVar(&b.Strength, "strength", "", "its strength, e.g. 500 mg")
	f.StringVar(&b.Form, "form", "", "its dosage form, e.g. capsule")
	cmdline.AsFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

func (c *cmds) supplyLotAddCmd() *cobra.Command {
	var as string
	var b supply.LotBody
	cmd := &cobra.Command{
		Use:   "add --gtin GTIN --lot LOT --expiry YYMMDD --as ORG/MEMBER",
		Short: "Register a production lot of your product with its expiry (commission also registers a new lot)",
		Long: `Register a production lot (a batch, AI 10 on the label) of your product with
its expiry date (AI 17, YYMMDD). supply commission --expiry registers a new lot
as it commissions its first packs, so this is needed only to register a lot
ahead.`,
		Example: `  medledger supply lot add --gtin 00312345678906 --lot A102 --expiry 301231 --as acme-pharma/packager`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(b.GTIN)
			if err != nil {
				return err
			}
			b.GTIN = g
			if err := checkLot(g, b.Lot); err != nil {
				return err
			}
			if err := checkExpiry(b.Expiry); err != nil {
				return err
			}
			t, _, err := c.Send(as, supply.TypeLot, b)
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				supply.LotBody
			}{t, b}, func(w io.Writer) {
				fmt.Fprintf(w, "registered lot %s of %s, expiry %s\n", b.Lot, b.GTIN, b.Expiry)
				t.Text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.GTIN, "gtin", "", "the product's GTIN (the number under its barcode)")
	f.StringVar(&b.Lot, "lot", "", "the lot, the production batch (AI 10)")
	f.StringVar(&b.Expiry, "expiry", "", "the lot's expiry, YYMMDD as in AI 17 (DD 00: the month's end)")
	cmdline.AsFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

// --- commissioning ---

// maxCount bounds commission --count.
const maxCount = 10_000_000

// SerialAlphabet is what --count draws serials from.
const SerialAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// SerialLen is the length of a drawn serial: 36^12 is about 4.7e18, so
// that a guessed serial is almost never a real one.
const SerialLen = 12

// randomSerials draws n distinct serials from crypto/rand.
func randomSerials(n int) ([]string, error) {
	out := make([]string, 0, n)
	seen := make(map[string]struct{}, n)
	buf := make([]byte, 4096)
	pos := len(buf)
	next := func() (byte, error) {
		for {
			if pos == len(buf) {
				if _, err := rand.Read(buf); err != nil {
					return 0, err
				}
				pos = 0
			}
			b := buf[pos]
			pos++
			// 252 = 7*36: drop the top values so every character is as likely.
			if b < 252 {
				return SerialAlphabet[b%36], nil
			}
		}
	}
	s := make([]byte, SerialLen)
	for len(out) < n {
		for i := range s {
			ch, err := next()
			if err != nil {
				return nil, err
			}
			s[i] = ch
		}
		if _, dup := seen[string(s)]; dup {
			continue
		}
		seen[string(s)] = struct{}{}
		out = append(out, string(s))
	}
	return out, nil
}

func (c *cmds) supplyCommissionCmd() *cobra.Command {
	var as, gtin, lot, expiry, out string
	var serials []string
	var count int
	cmd := &cobra.Command{
		Use:   "commission --gtin GTIN --lot LOT [--expiry YYMMDD] (--serials S1,S2,... | --count N) --as ORG/MEMBER",
		Short: "Commission serialized packs of a lot (its manufacturer's admin or packager)",
		Long: `Commission serialized packs of a lot: give them their serial numbers on the
chain when they are made. From then on each pack verifies as genuine
(medledger verify-pack), and its manufacturer holds it until it is shipped.

--serials lists the serials; --count N draws N random serials instead (12
characters of 0-9 and A-Z, from crypto/rand). --expiry registers the lot if
it is new, and must match it if not. A large lot is sent in transactions of
at most ` + cmdline.Thousands(supply.MaxSerials) + ` serials, in batches, and the command waits until all
have committed; a progress bar shows on a terminal. --out FILE writes the
packs' codes, one a line, as a label printer or supply pack --items-file
reads them; -o json lists the serials committed.`,
		Example: `  medledger supply commission --gtin 00312345678906 --lot A102 --expiry 301231 --count 1000 --out codes.txt --as acme-pharma/packager
  medledger supply commission --gtin 00312345678906 --lot A102 --serials S1,S2,S3 --as acme-pharma/packager`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(gtin)
			if err != nil {
				return err
			}
			if err := checkLot(g, lot); err != nil {
				return err
			}
			if expiry != "" {
				if err := checkExpiry(expiry); err != nil {
					return err
				}
			}
			switch {
			case len(serials) > 0 && count != 0:
				return usage("--serials lists serials you chose; --count N draws N random ones", "give --serials or --count, not both")
			case count < 0 || count > maxCount:
				return usage("commission 1 to "+cmdline.Thousands(maxCount)+" packs at once", "--count %d is out of range", count)
			case count > 0:
				if serials, err = randomSerials(count); err != nil {
					return err
				}
			case len(serials) == 0:
				return usage("list them with --serials S1,S2,... or draw N random ones with --count N", "no serials given")
			default:
				seen := map[string]struct{}{}
				for _, s := range serials {
					if err := (gs1.Code{GTIN: g, Serial: s}).Validate(); err != nil {
						return usage("a serial is 1 to 20 characters of GS1 character set 82 (letters, digits and !\"%&'()*+,-./:;<=>?_)", "serial %q: %s", cmdline.Short(s), reason(err))
					}
					if _, dup := seen[s]; dup {
						return usage("list each serial once", "serial %q is listed twice", cmdline.Short(s))
					}
					seen[s] = struct{}{}
				}
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			// The codes file is opened before anything is sent, so that a lot
			// is not committed only for its codes to be lost.
			var codesFile *cmdline.OutFile
			if out != "" {
				if codesFile, err = cmdline.CreateOut("--out", out, 0o644); err != nil {
					return err
				}
				defer codesFile.Abort()
			}
			var txs []client.BulkTx
			for start := 0; start < len(serials); start += supply.MaxSerials {
				end := min(start+supply.MaxSerials, len(serials))
				txs = append(txs, client.BulkTx{Signer: s, Type: supply.TypeCommission,
					Body: supply.CommissionBody{GTIN: g, Lot: lot, Expiry: expiry, Serials: serials[start:end:end]}})
			}
			m := c.NewMeter(len(serials), "serials", len(txs) > 1)
			began := time.Now()
			// The transactions of a lot do not depend on each other (the first
			// registers a new lot before the others are checked), so the
			// next batch goes out while the previous one commits.
			res, err := c.Client().SendAll(c.Ctx, txs, client.BulkOptions{Batch: 2, Pipeline: true,
				Progress: func(done int) { m.Set(min(done*supply.MaxSerials, len(serials))) }})
			m.Finish()
			took := time.Since(began)
			if err != nil && res.Committed == 0 && len(res.After) == 0 {
				return c.Explain(err, supply.TypeCommission, "")
			}
			var done []string
			var refs []cmdline.TxRef
			for i := range txs {
				if res.Heights[i] == 0 {
					continue
				}
				done = append(done, txs[i].Body.(supply.CommissionBody).Serials...)
				refs = append(refs, cmdline.TxRef{Hash: res.Hashes[i], Height: res.Heights[i]})
			}
			if out != "" && len(done) > 0 {
				exp := expiry
				if exp == "" {
					if l, err := c.Client().Lot(c.Ctx, g, lot); err == nil {
						exp = l.Expiry
					}
				}
				if werr := codesFile.Commit(codes(g, lot, exp, done)); werr != nil {
					return cmdline.Hint(werr, "%s committed, but their codes were not written: -o json lists the serials", plural(len(done), "pack"))
				}
			}
			view := struct {
				GTIN         string          `json:"gtin"`
				Lot          string          `json:"lot"`
				Expiry       string          `json:"expiry,omitempty"`
				Signer       string          `json:"signer"`
				Count        int             `json:"count"`
				Requested    int             `json:"requested"`
				Transactions []cmdline.TxRef `json:"transactions"`
				Seconds      float64         `json:"seconds"`
				Rate         float64         `json:"serials_per_second"`
				Out          string          `json:"out,omitempty"`
				Serials      []string        `json:"serials"`
			}{g, lot, expiry, s.Key.ID, len(done), len(serials), refs, took.Seconds(), cmdline.PerSecond(len(done), took), out, done}
			failed := err != nil || res.Failed >= 0
			if failed && !c.JSON() {
				return c.commissionFailed(err, res, txs, len(done), len(serials))
			}
			perr := c.Print(view, func(w io.Writer) {
				fmt.Fprintf(w, "commissioned %s of %s, lot %s, in %.1f s (%s serials/s)\n", plural(len(done), "pack"), g, lot, took.Seconds(), cmdline.Thousands(int(view.Rate)))
				fmt.Fprintf(w, "  signer %s\n  txs    %d", s.Key.ID, len(refs))
				if len(refs) > 0 {
					fmt.Fprintf(w, " (heights %d to %d)", refs[0].Height, refs[len(refs)-1].Height)
				}
				fmt.Fprintln(w)
				switch {
				case out != "":
					fmt.Fprintf(w, "  codes  %s\n", out)
				case len(done) <= 20:
					for _, sn := range done {
						fmt.Fprintf(w, "  %s\n", gs1.Format(gs1.Code{GTIN: g, Serial: sn}))
					}
				default:
					fmt.Fprintln(w, "  (--out FILE writes the packs' codes, -o json lists the serials)")
				}
			})
			if failed {
				return c.commissionFailed(err, res, txs, len(done), len(serials))
			}
			return perr
		},
	}
	f := cmd.Flags()
	f.StringVar(&gtin, "gtin", "", "the product's GTIN (the number under its barcode)")
	f.StringVar(&lot, "lot", "", "the lot, the production batch (AI 10)")
	f.StringVar(&expiry, "expiry", "", "the lot's expiry YYMMDD (registers a new lot; must match a registered one)")
	f.StringSliceVar(&serials, "serials", nil, "the serials to commission, comma-separated or repeated")
	f.IntVar(&count, "count", 0, "draw this many random serials instead of --serials")
	f.StringVar(&out, "out", "", "write the committed packs' codes to FILE, one a line")
	cmdline.AsFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

// commissionFailed is the error of a commissioning that stopped.
func (c *cmds) commissionFailed(err error, res client.BulkResult, txs []client.BulkTx, done, total int) error {
	if err != nil {
		return cmdline.Hint(fmt.Errorf("%s of %s serials committed, then: %w", cmdline.Thousands(done), cmdline.Thousands(total), err),
			"the transactions sent may still commit: medledger verify-pack '(01)GTIN(21)SERIAL' checks a pack")
	}
	first := res.Failed * supply.MaxSerials
	last := first + len(txs[res.Failed].Body.(supply.CommissionBody).Serials)
	e := fmt.Errorf("serials %s to %s (transaction %d of %d) refused: %w; %s of %s serials committed",
		cmdline.Thousands(first+1), cmdline.Thousands(last), res.Failed+1, len(txs), res.Err(), cmdline.Thousands(done), cmdline.Thousands(total))
	if hint := c.Advice(res.Err(), supply.TypeCommission, ""); hint != "" {
		return cmdline.Hint(e, "%s", hint)
	}
	return cmdline.Hint(e, "-o json lists the serials committed; commission the others again once the cause is fixed")
}

// codes are the codes of packs of a lot, one a line.
func codes(gtin, lot, expiry string, serials []string) []byte {
	var b strings.Builder
	code := gs1.Code{GTIN: gtin, Lot: lot}
	if expiry != "" {
		if d, err := supply.ParseExpiry(expiry); err == nil {
			code.Expiry, code.HasExpiry = d, true
		}
	}
	for _, s := range serials {
		code.Serial = s
		b.WriteString(gs1.Format(code))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
