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

func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (c *cmds) anchorCmd() *cobra.Command {
	var as, kind string
	cmd := &cobra.Command{
		Use:   "anchor FILE",
		Short: "Anchor a file's SHA-256 digest on the chain",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest, err := fileDigest(args[0])
			if err != nil {
				return err
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			res, err := c.Client().Send(c.Ctx, s, notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: kind}, "commit")
			if err != nil {
				return c.Explain(err, notary.TypeAnchor, as)
			}
			return c.Print(map[string]any{"digest": digest, "kind": kind, "signer": s.Key.ID, "height": res.Height, "tx_hash": res.Hash}, func(w io.Writer) {
				fmt.Fprintf(w, "anchored %s\n  digest %s\n  by     %s\n  height %d\n  tx     %s\n", args[0], digest, s.Key.ID, res.Height, res.Hash)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "identity to sign as (org/member)")
	cmd.Flags().StringVar(&kind, "kind", "document", "kind of document (lab-report, discharge-summary, ...)")
	return cmd
}

func (c *cmds) verifyCmd() *cobra.Command {
	var genesis string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Prove who anchored a file and when; exit 1 if it was never anchored or was changed",
		Long: `Prove who anchored a file and when.

verify computes the file's SHA-256 and checks, against block headers signed by
the genesis validators, that the anchor record is in the chain's state
(ICS-23 proof against the app hash) and that the anchoring transaction is in
its block (Merkle proof against the data hash). The validators are taken from
--genesis (default: the home's config/genesis.json, if any; else the node's
own genesis, which means trusting that node).`,
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
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(fmt.Errorf("%s was never anchored, or was changed since", args[0]), "a changed file has a different digest; compare with the original")}
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
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest := strings.ToLower(args[0])
			if b, err := hex.DecodeString(digest); err != nil || len(b) != 32 {
				if !cmdline.FileExists(args[0]) {
					return cmdline.Hint(fmt.Errorf("%q is neither a SHA-256 digest nor a file", args[0]), "give 64 hex characters, or a file's path")
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
