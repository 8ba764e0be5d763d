package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/notary"
)

func init() {
	extraCommands = append(extraCommands, (*CLI).anchorCmd, (*CLI).verifyCmd, (*CLI).statusCmd)
}

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

// signer loads the key of identity name from the keystore.
func (c *CLI) signer(name string) (client.Signer, error) {
	if name == "" {
		return client.Signer{}, withHint(errors.New("--as is required"), "name the identity to sign as, e.g. --as northside-hospital/dr-chen (medledger keys list shows them)")
	}
	k, err := c.keystore().Load(name, c.passphrase(name))
	if errors.Is(err, keystore.ErrNotFound) {
		return client.Signer{}, withHint(err, "medledger keys list shows the keys in %s; use --home to pick another keystore", c.keystore().Dir)
	}
	if err != nil {
		return client.Signer{}, err
	}
	return client.Signer{Key: k}, nil
}

// passphrase reads an encrypted key's passphrase from MEDLEDGER_PASSPHRASE.
func (c *CLI) passphrase(name string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if p := os.Getenv("MEDLEDGER_PASSPHRASE"); p != "" {
			return []byte(p), nil
		}
		return nil, withHint(fmt.Errorf("key %s is encrypted", name), "set MEDLEDGER_PASSPHRASE to its passphrase")
	}
}

func (c *CLI) anchorCmd() *cobra.Command {
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
			s, err := c.signer(as)
			if err != nil {
				return err
			}
			res, err := c.client().Send(c.ctx, s, notary.TypeAnchor, notary.AnchorBody{Digest: digest, Kind: kind}, "commit")
			if err != nil {
				return c.txError(err)
			}
			return c.print(map[string]any{"digest": digest, "kind": kind, "signer": s.Key.ID, "height": res.Height, "tx_hash": res.Hash}, func(w io.Writer) {
				fmt.Fprintf(w, "anchored %s\n  digest %s\n  by     %s\n  height %d\n  tx     %s\n", args[0], digest, s.Key.ID, res.Height, res.Hash)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "identity to sign as (org/member)")
	cmd.Flags().StringVar(&kind, "kind", "document", "kind of document (lab-report, discharge-summary, ...)")
	return cmd
}

// txError adds hints to the node's refusals.
func (c *CLI) txError(err error) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return withHint(err, "is the node running? start one with medledger dev, or pass --node URL")
	}
	switch e.Title {
	case "unauthorized":
		return withHint(err, "sign as an identity whose role may do this (see docs/transactions.md)")
	case "unknown-signer", "key-mismatch":
		return withHint(err, "the keystore in %s may belong to another chain; pass the --home of this chain's keys", c.keystore().Dir)
	case "already-anchored":
		return withHint(err, "the file is anchored already: medledger verify FILE shows by whom")
	}
	return err
}

func (c *CLI) verifyCmd() *cobra.Command {
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
			cl := c.client()
			trust, source, err := c.trust(genesis)
			if err != nil {
				return err
			}
			rep, err := cl.VerifyAnchor(c.ctx, trust, digest)
			if errors.Is(err, client.ErrNotAnchored) {
				c.print(map[string]any{"digest": digest, "anchored": false}, func(w io.Writer) {
					fmt.Fprintf(w, "NOT ANCHORED %s\n  digest %s\n", args[0], digest)
				})
				return &exitError{code: 1, err: withHint(fmt.Errorf("%s was never anchored, or was changed since", args[0]), "a changed file has a different digest; compare with the original")}
			}
			if err != nil {
				return withHint(err, "the node's answer did not check out against the validators' signatures; do not trust it")
			}
			a := rep.Anchor
			return c.print(map[string]any{"digest": digest, "anchored": true, "anchor": a, "state_height": rep.StateHeight, "block_hash": rep.BlockHash, "trusted_validators": rep.Validators, "trust": source}, func(w io.Writer) {
				fmt.Fprintf(w, "VERIFIED %s\n  digest   %s\n  kind     %s\n  by       %s\n  height   %d\n  time     %s\n  tx       %s\n  proof    state at height %d and block inclusion, signed by %d genesis validator(s) (%s)\n",
					args[0], digest, a.Kind, a.Signer, a.Height, a.Time.Format("2006-01-02T15:04:05Z07:00"), a.TxHash, rep.StateHeight, rep.Validators, source)
			})
		},
	}
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis file whose validators to trust")
	return cmd
}

func (c *CLI) trust(genesis string) (client.Trust, string, error) {
	if genesis == "" {
		if p := c.homeDir().GenesisFile(); fileExists(p) {
			genesis = p
		}
	}
	if genesis != "" {
		t, err := client.TrustGenesisFile(genesis)
		return t, genesis, err
	}
	doc, err := c.client().FetchGenesis(c.ctx)
	if err != nil {
		return client.Trust{}, "", withHint(err, "is the node running? or pass --genesis FILE")
	}
	t, err := client.TrustGenesis(doc)
	return t, "the node's own genesis", err
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (c *CLI) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the node's chain, height, app hash and validators",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := c.client().Status(c.ctx)
			if err != nil {
				return withHint(err, "start a node with medledger dev, or pass --node URL")
			}
			return c.print(st, func(w io.Writer) {
				fmt.Fprintf(w, "chain      %s\nheight     %d\ntime       %s\napp hash   %s\nnode       %s (%s)\nvalidators %d\n",
					st.ChainID, st.LatestHeight, st.LatestTime.Format("2006-01-02T15:04:05.000Z07:00"), st.AppHash, st.Moniker, st.NodeID, len(st.Validators))
			})
		},
	}
}
