package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/tx"
)

func (c *CLI) queryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use: "query",
		Example: `  medledger query orgs
  medledger query tx 3F2A...   # a hash the tx commands print
  medledger query state identity/org/northside-hospital --prove`,
		Short: "Read the chain through the node's API (--node): organizations, members, patients, proposals, transactions, blocks, state",
		Long: `Read the chain through the node's API (--node).

These answers are the node's word. To check them against the validators'
signatures instead, use query state KEY --prove, or medledger verify FILE
for an anchored file.`,
	}
	for _, m := range c.Modules {
		if m.Query != nil {
			cmd.AddCommand(m.Query(c.Env)...)
		}
	}
	cmd.AddCommand(c.queryTxCmd(), c.queryBlockCmd(), c.queryStateCmd())
	return cmd
}

// txView is a committed transaction with its payload decoded.
type txView struct {
	api.TxResponse
	Payload *tx.Payload `json:"payload,omitempty"`
}

func (c *CLI) queryTxCmd() *cobra.Command {
	var prove bool
	var as string
	cmd := &cobra.Command{
		Use:     "tx HASH",
		Example: `  medledger query tx 3F2A9C...E1 --prove`,
		Short:   "Show a committed transaction: its result, events and decoded payload",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash := strings.ToUpper(args[0])
			if b, err := hex.DecodeString(hash); err != nil || len(b) != 32 {
				return cmdline.Hint(cmdline.Usage("%q is not a transaction hash", cmdline.Short(args[0])), "a hash is 64 hex characters, as the tx commands print it")
			}
			var res api.TxResponse
			var err error
			if as == "" {
				res, err = c.Client().Tx(c.Ctx, hash, prove)
			} else if s, serr := c.Signer(as); serr != nil {
				return serr
			} else {
				res, err = c.Client().TxAs(c.Ctx, s, hash, prove)
			}
			if err != nil {
				return c.ReadFail(err, "check the hash; a transaction the node refused before its block is not stored")
			}
			v := txView{TxResponse: res}
			if t, err := tx.Decode(res.Tx); err == nil {
				v.Payload = &t.Payload
			}
			return c.Print(v, func(w io.Writer) {
				result := "ok"
				if res.Code != 0 {
					result = fmt.Sprintf("refused: %s/%s (code %d): %s", res.Codespace, res.Slug, res.Code, res.Log)
				}
				fmt.Fprintf(w, "tx       %s\nheight   %d (index %d)\nresult   %s\n", res.Hash, res.Height, res.Index, result)
				if res.Redacted {
					fmt.Fprintln(w, "redacted its body and events are about a patient: shown to its signer and auditors (--as)")
				}
				if p := v.Payload; p != nil {
					fmt.Fprintf(w, "type     %s\nsigner   %s (key %s)\nchain    %s\nexpires  %d\nbody     %s\n", p.Type, p.Signer, p.KeyID, p.ChainID, p.Expires, cmdline.IndentJSON(p.Body, "         "))
				}
				for _, e := range res.Events {
					fmt.Fprintf(w, "event    %s", e.Type)
					for _, a := range e.Attributes {
						fmt.Fprintf(w, " %s=%s", a.Key, a.Value)
					}
					fmt.Fprintln(w)
				}
				if prove {
					fmt.Fprintf(w, "proof    %d bytes of Merkle proof against the block's data hash (see -o json)\n", len(res.Proof))
				}
			})
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "include the Merkle proof of inclusion in its block")
	cmd.Flags().StringVar(&as, "as", "", "sign the read (a transaction about a patient shows its body only to its signer and auditors)")
	return cmd
}

func (c *CLI) queryBlockCmd() *cobra.Command {
	return &cobra.Command{
		Use: "block [HEIGHT]",
		Example: `  medledger query block
  medledger query block 42 -o json`,
		Short: "Show a block (default: the latest): header, hashes and transactions",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64
			if len(args) == 1 {
				var err error
				if h, err = strconv.ParseInt(args[0], 10, 64); err != nil || h < 1 {
					return cmdline.Hint(cmdline.Usage("%q is not a block height", cmdline.Short(args[0])), "give a height from 1, or none for the latest block")
				}
			}
			b, err := c.Client().Block(c.Ctx, h)
			if err != nil {
				return c.ReadFail(err, "medledger status shows the latest height")
			}
			return c.Print(b, func(w io.Writer) {
				fmt.Fprintf(w, "height   %d\ntime     %s\nhash     %s\napp hash %s\nproposer %s\ntxs      %d\n", b.Height, b.Time.Format(cmdline.TimeFormat), b.Hash, b.AppHash, b.Proposer, len(b.Txs))
				for _, t := range b.Txs {
					fmt.Fprintf(w, "  %s\n", t)
				}
			})
		},
	}
}

// stateView is a state value as query state prints it.
type stateView struct {
	Key    string `json:"key"`
	Exists bool   `json:"exists"`
	Value  []byte `json:"value"` // base64
	Height int64  `json:"height"`
	// With --prove: the proof was checked against the app hash of the header
	// at Height+1, signed by the validators of Trust.
	Proven  bool   `json:"proven"`
	AppHash string `json:"app_hash,omitempty"`
	Trust   string `json:"trust,omitempty"`
}

func (c *CLI) queryStateCmd() *cobra.Command {
	var prove bool
	var height int64
	var genesis string
	var trustNode bool
	cmd := &cobra.Command{
		Use: "state KEY",
		Example: `  medledger query state identity/org/northside-hospital
  medledger query state supply/product/00312345678906 --prove --height 20`,
		Short: "Show a raw state value (e.g. identity/org/northside-hospital); --prove checks it against the validators' signatures",
		Long: `Show a raw state value.

With --prove the value (or its absence) is checked with its ICS-23 proof
against the app hash of a block header signed by the genesis validators
(--genesis, default the home's config/genesis.json; --trust-node takes the
node's own genesis, which means trusting that node), so the answer need not
be taken on the node's word.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key := args[0]
			if height < 0 {
				return cmdline.Hint(cmdline.Usage("--height %d is not a block height", height), "give a height from 1, or 0 for the latest")
			}
			var v stateView
			if prove {
				trust, source, err := c.Trust(genesis, trustNode)
				if err != nil {
					return err
				}
				var pv client.ProvenValue
				if height > 0 {
					pv, err = c.Client().VerifyStateAt(c.Ctx, trust, key, height)
				} else {
					pv, err = c.Client().VerifyState(c.Ctx, trust, key)
				}
				var ce *client.Error
				if errors.As(err, &ce) {
					return c.ReadFail(err, "no proof at that height yet: try again, or give a lower --height")
				}
				if err != nil {
					return cmdline.Hint(err, "the node's answer did not check out against the validators' signatures; do not trust it")
				}
				v = stateView{Key: key, Exists: pv.Value != nil, Value: pv.Value, Height: pv.Height, Proven: true, AppHash: pv.Header.AppHash.String(), Trust: source}
			} else {
				res, err := c.Client().State(c.Ctx, key, false, height)
				if err != nil {
					return c.ReadFail(err, "medledger status shows the latest height")
				}
				v = stateView{Key: res.Key, Exists: res.Exists, Value: res.Value, Height: res.Height}
			}
			return c.Print(v, func(w io.Writer) {
				fmt.Fprintf(w, "key    %s\nheight %d\n", v.Key, v.Height)
				switch {
				case !v.Exists:
					fmt.Fprintln(w, "value  (absent)")
				case json.Valid(v.Value):
					fmt.Fprintf(w, "value  %s\n", cmdline.IndentJSON(v.Value, "       "))
				default:
					fmt.Fprintf(w, "value  %s (base64)\n", base64.StdEncoding.EncodeToString(v.Value))
				}
				if v.Proven {
					fmt.Fprintf(w, "proof  checked against app hash %s of block %d, signed by the validators of %s\n", v.AppHash, v.Height+1, v.Trust)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "check the value's proof against headers signed by the validators")
	cmd.Flags().Int64Var(&height, "height", 0, "state version (block height); 0 for the latest")
	cmd.Flags().StringVar(&genesis, "genesis", "", "genesis file whose validators to trust, with --prove")
	cmd.Flags().BoolVar(&trustNode, "trust-node", false, "with --prove and no genesis: trust the node's own genesis (the answer is only as good as the node)")
	return cmd
}
