package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/supply"
)

func init() {
	extraCommands = append(extraCommands, (*CLI).verifyPackCmd)
}

func (c *CLI) verifyPackCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify-pack CODE",
		Short: "Verify a drug pack (or case) by its barcode: genuine and saleable, or why not",
		Long: `Verify a drug pack, or a case, by the GS1 element string of its barcode:
bracketed as printed ((01)00312345678906(21)SN1(10)A100(17)271231) or raw as a
scanner sends it, the variable-length fields ended by the GS separator
(ASCII 29).

The answer is one of ` + strings.Join(supply.Results, ", ") + `,
with the reason, the product, lot and expiry, who holds the pack and the cases
it is in. A lot or expiry in the code that differ from those the serial was
commissioned with answer mismatch. Every answer exits 0; a code that does not
parse exits 1 with the parser's reason. A suspect answer is worth a report:
medledger supply report CODE --as ORG/MEMBER.

This is the node's answer, read from its latest state.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := args[0]
			if _, err := supply.ParseCode(code); err != nil {
				return badCode(code, err)
			}
			var raw json.RawMessage
			if err := c.client().Get(c.ctx, "/v1/verify/pack?code="+url.QueryEscape(code), &raw); err != nil {
				var e *client.Error
				if errors.As(err, &e) && e.Codespace == supply.Codespace && e.Title == "bad-code" {
					return withHint(fmt.Errorf("code %q does not parse: %s", code, e.Detail), codeHint)
				}
				return c.queryError(err, "")
			}
			if c.output == "json" {
				return c.print(raw, nil)
			}
			var v supply.Verification
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("the node's answer is not a verification: %w", err)
			}
			return c.print(v, func(w io.Writer) { verificationText(w, v, code) })
		},
	}
}

// verificationText prints a verification for the person at the counter.
func verificationText(w io.Writer, v supply.Verification, code string) {
	fmt.Fprintf(w, "%s: %s\n", strings.ToUpper(v.Result), v.Reason)
	line := func(k, format string, args ...any) {
		fmt.Fprintf(w, "  %-11s "+format+"\n", append([]any{k}, args...)...)
	}
	line("code", "%s", v.Code)
	switch {
	case v.Product != "":
		line("product", "%s (GTIN %s, by %s)", v.Product, v.GTIN, v.Manufacturer)
	case v.GTIN != "":
		line("product", "GTIN %s: not registered", v.GTIN)
	}
	if v.Lot != "" || v.Expiry != "" {
		exp := v.Expiry
		if d, err := supply.ParseExpiry(v.Expiry); err == nil {
			exp = fmt.Sprintf("%s (%s)", v.Expiry, d)
		}
		if exp == "" {
			exp = "-"
		}
		line("lot", "%s, expiry %s", v.Lot, exp)
	}
	if v.Packs > 0 {
		line("packs", "%d inside", v.Packs)
	}
	if v.Status != "" {
		line("status", "%s", v.Status)
	}
	if v.Custodian != "" {
		line("custodian", "%s", v.Custodian)
	}
	if v.InTransitTo != "" {
		line("in transit", "to %s (shipment %s)", v.InTransitTo, v.Shipment)
	}
	if len(v.Containers) > 0 {
		var cs []string
		for _, s := range v.Containers {
			cs = append(cs, supply.Case(s).String())
		}
		line("in case", "%s", strings.Join(cs, " in "))
	}
	if v.Recall != "" {
		line("recall", "%s: %s", v.Recall, v.RecallReason)
	}
	if v.Height > 0 {
		at := fmt.Sprintf("height %d", v.Height)
		if v.BlockTime != "" {
			at += ", " + v.BlockTime
		}
		line("as of", "%s", at)
	}
	if v.Suspect {
		if v.Code != "" {
			code = v.Code
		}
		fmt.Fprintf(w, "  suspect: do not sell it; report it with medledger supply report '%s' --as ORG/MEMBER\n", code)
	}
}
