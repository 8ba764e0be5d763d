// Package cli is the notary module's part of the command line: anchor a
// file's digest, verify a file against the validators' signatures, and
// read an anchor.
package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

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
	var trustNode bool
	var maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "verify FILE [--genesis FILE] [--max-age 5m] [--trust-node]",
		Short: "Prove who anchored a file and when; exit 1 if it was never anchored or was changed, 2 if it cannot be verified",
		Long: `Prove who anchored a file and when, without taking the node's word for it.

verify computes the file's SHA-256 and checks, against block headers signed by
the genesis validators, that the anchor record is in the chain's state
(ICS-23 proof against the app hash) and that the anchoring transaction is in
its block (Merkle proof against the data hash). The validators are taken from
--genesis, else the home's config/genesis.json. Without either it refuses:
the node's own genesis would make any chain with this chain id "verify";
--trust-node takes it anyway, and the answer is then only as good as the
node.

Every answer says the height and block time it is proven at. An absence is
only true as of its height: a proof of one older than --max-age (by this
machine's clock) is refused, since a node that reports an old height could
otherwise prove a recent anchor absent.

Exit codes: 0 VERIFIED (who anchored the file, the kind, the height and block
time, the transaction); 1 NOT ANCHORED (this exact file was never anchored: a
file changed by a single byte has another digest); 2 cannot verify (no
trusted genesis, a stale view, the node unreachable, or an answer the
validators did not sign: do not trust that node). -o json carries the same
answer with "result" and "exit_code".`,
		Example: `  medledger verify lab-report.pdf
  medledger verify lab-report.pdf --genesis genesis.json --max-age 1m -o json
  medledger verify lab-report.pdf --node http://203.0.113.7:26680 --trust-node`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest, err := fileDigest(args[0])
			if err != nil {
				return err
			}
			out := verifyOut{File: args[0], Digest: digest}
			trust, source, err := c.Trust(genesis, trustNode)
			if err != nil {
				return c.cannotVerify(out, err)
			}
			trust.MaxAge = maxAge
			out.Trust, out.TrustedValidators = source, trust.Validators.Size()
			rep, err := c.Client().VerifyAnchor(c.Ctx, trust, digest)
			var na *client.NotAnchoredError
			switch {
			case errors.As(err, &na):
				no := false
				out.Result, out.ExitCode, out.Anchored = "not-anchored", 1, &no
				out.ProvenHeight, out.ProvenTime, out.StateHeight = na.ProvenHeight, na.ProvenTime, na.StateHeight
				c.Print(out, func(w io.Writer) {
					fmt.Fprintf(w, "NOT ANCHORED %s\n  digest %s\n  proven at height %d, block time %s: no anchor of this digest, signed by %d genesis validator(s) (%s)\n",
						args[0], digest, na.ProvenHeight, na.ProvenTime.UTC().Format(cmdline.TimeFormat), out.TrustedValidators, source)
				})
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "%s was never anchored, or was changed since (proven at height %d)", cmdline.Short(args[0]), na.ProvenHeight), "a changed file has a different digest; compare with the original")}
			case errors.Is(err, client.ErrStale):
				return c.cannotVerify(out, cmdline.Hint(cmdline.Fail(cmdline.ErrCannotVerify, "cannot verify: %v", err), "ask a node that follows the chain, or allow an older view with --max-age"))
			case client.IsUnreachable(err) || errors.Is(err, context.DeadlineExceeded):
				return c.cannotVerify(out, cmdline.Hint(err, "start the node, or pass --node URL of another"))
			case err != nil:
				return c.cannotVerify(out, cmdline.Hint(cmdline.Fail(cmdline.ErrCannotVerify, "cannot verify: %v", err), "the node's answer did not check out against the validators' signatures; do not trust that node"))
			}
			a := rep.Anchor
			yes := true
			out.Result, out.Anchored, out.Anchor = "verified", &yes, &a
			out.ProvenHeight, out.ProvenTime, out.StateHeight, out.BlockHash = rep.ProvenHeight, rep.ProvenTime, rep.StateHeight, rep.BlockHash
			return c.Print(out, func(w io.Writer) {
				fmt.Fprintf(w, "VERIFIED %s\n  digest   %s\n  kind     %s\n  by       %s\n  height   %d\n  time     %s\n  tx       %s\n  proven   at height %d, block time %s: state and block inclusion, signed by %d genesis validator(s) (%s)\n",
					args[0], digest, a.Kind, a.Signer, a.Height, a.Time.Format("2006-01-02T15:04:05Z07:00"), a.TxHash, rep.ProvenHeight, rep.ProvenTime.UTC().Format(cmdline.TimeFormat), rep.Validators, source)
			})
		},
	}
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis file whose validators to trust (default: the home's config/genesis.json)")
	cmd.Flags().BoolVar(&trustNode, "trust-node", false, "without a genesis, trust the node's own (the answer is then only as good as the node)")
	cmd.Flags().DurationVar(&maxAge, "max-age", client.DefaultMaxAge, "refuse a proof of absence at a header older than this (0: any age)")
	return cmd
}

// verifyOut is verify's answer, with -o json.
type verifyOut struct {
	File     string `json:"file"`
	Digest   string `json:"digest"`
	Result   string `json:"result"` // verified, not-anchored or cannot-verify
	ExitCode int    `json:"exit_code"`
	// Anchored is true or false when proven, absent when it cannot be.
	Anchored          *bool          `json:"anchored,omitempty"`
	Anchor            *notary.Anchor `json:"anchor,omitempty"`
	ProvenHeight      int64          `json:"proven_height,omitempty"`
	ProvenTime        time.Time      `json:"proven_time,omitzero"`
	StateHeight       int64          `json:"state_height,omitempty"`
	BlockHash         string         `json:"block_hash,omitempty"`
	TrustedValidators int            `json:"trusted_validators,omitempty"`
	Trust             string         `json:"trust,omitempty"`
	Reason            string         `json:"reason,omitempty"` // why it cannot be verified
}

// cannotVerify answers that the file cannot be verified (exit 2): with
// -o json as a document like the others, besides the error on stderr.
func (c *cmds) cannotVerify(out verifyOut, err error) error {
	out.Result, out.ExitCode, out.Reason = "cannot-verify", 2, err.Error()
	if c.JSON() {
		c.Print(out, func(io.Writer) {})
	}
	return &cmdline.ExitError{Code: 2, Err: err}
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
