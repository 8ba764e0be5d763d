// Package cli is the notary module's part of the command line: anchor a
// file's digest, verify a file against the validators' signatures, and
// read an anchor.
package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/notary"
)

// Module is the notary module as cmd/medledger wires it.
var Module = cmdline.Module{
	Plugin: daemon.Plugin{Module: notary.Module{}, Routes: notary.HTTPRoutes, Codes: notary.Codes},
	Commands: func(e *cmdline.Env) []*cobra.Command {
		c := &cmds{e}
		return []*cobra.Command{c.anchorCmd(), c.verifyCmd()}
	},
	Query: func(e *cmdline.Env) []*cobra.Command { return []*cobra.Command{(&cmds{e}).queryAnchorCmd()} },
	Hints: []cmdline.CodeHint{
		{Code: notary.ErrAlreadyAnchored, Text: "the file is anchored already: medledger verify FILE shows by whom"},
		{Code: notary.ErrInvalid, Text: "fix the value the error names; see --help"},
	},
}

// cmds builds the module's commands on the shared environment.
type cmds struct{ *cmdline.Env }

// usage is a mistake in the command line, with the hint that fixes it.
func usage(hint, format string, args ...any) error {
	return cmdline.Hint(cmdline.Usage(format, args...), "%s", hint)
}

// fileDigest is the SHA-256 of the file at path, in hex.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", cmdline.FileErr(path, err, "")
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", cmdline.FileErr(path, err, "")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (c *cmds) anchorCmd() *cobra.Command {
	var as, kind string
	cmd := &cobra.Command{
		Use:   "anchor FILE --as ORG/MEMBER [--kind KIND]",
		Short: "Anchor a file's SHA-256 digest on the chain",
		Long: `Anchor a file: record its SHA-256 digest on the chain, signed by you, with the
kind of document it is. The file itself stays with you: only the digest goes
on the chain, so anchor nothing whose digest could be guessed from a short
list. From then on anyone holding the file can prove with medledger verify
FILE that it existed, unchanged, when it was anchored, and who anchored it.
A digest is anchored once. Any member may anchor; a patient may not.`,
		Example: `  medledger anchor lab-report.pdf --kind lab-report --as northside-hospital/dr-chen
  medledger anchor discharge.pdf --kind discharge-summary --as lakeside-clinic/dr-patel`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest, err := fileDigest(args[0])
			if err != nil {
				return err
			}
			body := notary.AnchorBody{Digest: digest, Kind: kind}
			if err := body.Validate(); err != nil {
				return usage("name the kind of document in 2 to 64 lowercase letters, digits and '-', e.g. --kind lab-report", "--kind %q is not a kind of document", cmdline.Short(kind))
			}
			t, _, err := c.Send(as, notary.TypeAnchor, body)
			if err != nil {
				return err
			}
			return c.Print(struct {
				cmdline.Sent
				Digest string `json:"digest"`
				Kind   string `json:"kind"`
			}{t, digest, kind}, func(w io.Writer) {
				fmt.Fprintf(w, "anchored %s\n  digest %s\n  by     %s\n  height %d\n  tx     %s\n", args[0], digest, t.Signer, t.Height, t.Hash)
			})
		},
	}
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	cmd.Flags().StringVar(&kind, "kind", "document", "kind of document (lab-report, discharge-summary, consent-form, ...)")
	return cmd
}

func (c *cmds) verifyCmd() *cobra.Command {
	var genesis string
	cmd := &cobra.Command{
		Use:   "verify FILE [--genesis FILE]",
		Short: "Prove who anchored a file and when; exit 1 if it was never anchored or was changed",
		Long: `Prove who anchored a file and when, without taking the node's word for it.

verify computes the file's SHA-256 and checks, against block headers signed by
the genesis validators, that the anchor record is in the chain's state
(ICS-23 proof against the app hash) and that the anchoring transaction is in
its block (Merkle proof against the data hash). The validators are taken from
--genesis (default: the home's config/genesis.json, if any; else the node's
own genesis, which means trusting that node).

VERIFIED (exit 0) names who anchored the file, the kind, the height and block
time, and the transaction. NOT ANCHORED (exit 1) means this exact file was
never anchored: a file changed by a single byte has another digest. An answer
that does not check out against the validators' signatures is an error: do not
trust that node.`,
		Example: `  medledger verify lab-report.pdf
  medledger verify lab-report.pdf --genesis genesis.json
  medledger verify lab-report.pdf -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest, err := fileDigest(args[0])
			if err != nil {
				return err
			}
			cl := c.Client()
			trust, source, err := c.Trust(genesis)
			if err != nil {
				return err
			}
			rep, err := cl.VerifyAnchor(c.Ctx, trust, digest)
			if errors.Is(err, client.ErrNotAnchored) {
				c.Print(map[string]any{"digest": digest, "anchored": false}, func(w io.Writer) {
					fmt.Fprintf(w, "NOT ANCHORED %s\n  digest %s\n", args[0], digest)
				})
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "%s was never anchored, or was changed since", cmdline.Short(args[0])), "a changed file has a different digest; compare with the original")}
			}
			if err != nil {
				return cmdline.Hint(err, "the node's answer did not check out against the validators' signatures; do not trust it")
			}
			a := rep.Anchor
			return c.Print(map[string]any{"digest": digest, "anchored": true, "anchor": a, "state_height": rep.StateHeight, "block_hash": rep.BlockHash, "trusted_validators": rep.Validators, "trust": source}, func(w io.Writer) {
				fmt.Fprintf(w, "VERIFIED %s\n  digest   %s\n  kind     %s\n  by       %s\n  height   %d\n  time     %s\n  tx       %s\n  proof    state at height %d and block inclusion, signed by %d genesis validator(s) (%s)\n",
					args[0], digest, a.Kind, a.Signer, a.Height, a.Time.Format("2006-01-02T15:04:05Z07:00"), a.TxHash, rep.StateHeight, rep.Validators, source)
			})
		},
	}
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis file whose validators to trust")
	return cmd
}

func (c *cmds) queryAnchorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "anchor DIGEST|FILE",
		Short: "Show who anchored a SHA-256 digest (or a file's), at which height and time",
		Long: `Show who anchored a SHA-256 digest, or a file's, at which height and block
time, as the node says. medledger verify FILE checks the same against the
validators' signatures instead of taking the node's word.`,
		Example: `  medledger query anchor lab-report.pdf
  medledger query anchor f52471fa5280015d7c5acad86599f76ff99af4bb699325f2a451e2f432715fdd`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest := strings.ToLower(args[0])
			if b, err := hex.DecodeString(digest); err != nil || len(b) != 32 {
				if !cmdline.FileExists(args[0]) {
					return usage("give 64 hex characters, or a file's path", "%q is neither a SHA-256 digest nor a file", cmdline.Short(args[0]))
				}
				if digest, err = fileDigest(args[0]); err != nil {
					return err
				}
			}
			a, err := c.Client().Anchor(c.Ctx, digest)
			if err != nil {
				return c.ReadFail(err, "this digest was never anchored on this chain (a changed file has another digest)")
			}
			return c.Print(a, func(w io.Writer) {
				fmt.Fprintf(w, "digest %s\nkind   %s\nby     %s (%s)\nheight %d\ntime   %s\ntx     %s\n(the node's word: medledger verify FILE checks it against the validators' signatures)\n",
					a.Digest, a.Kind, a.Signer, a.Org, a.Height, a.Time.Format(cmdline.TimeFormat), a.TxHash)
			})
		},
	}
}
