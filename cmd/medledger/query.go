package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/tx"
)

func init() {
	extraCommands = append(extraCommands, (*CLI).queryCmd)
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func (c *CLI) queryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Read the chain through the node's API (--node): organizations, members, patients, proposals, transactions, blocks, state",
		Long: `Read the chain through the node's API (--node).

These answers are the node's word. To check them against the validators'
signatures instead, use query state KEY --prove, or medledger verify FILE
for an anchored file.`,
	}
	cmd.AddCommand(c.queryOrgsCmd(), c.queryOrgCmd(), c.queryMemberCmd(), c.queryPatientCmd(), c.queryProposalsCmd(),
		c.queryProposalCmd(), c.queryTxCmd(), c.queryBlockCmd(), c.queryStateCmd(), c.queryAnchorCmd())
	return cmd
}

// queryError adds a hint to a failed read: notFound when the node has no
// such object, else how to reach a node.
func (c *CLI) queryError(err error, notFound string) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return withHint(err, "is the node running? start one with medledger dev, or pass --node URL")
	}
	if e.Status == http.StatusNotFound && notFound != "" {
		return withHint(err, "%s", notFound)
	}
	if e.Status == http.StatusBadRequest {
		return withHint(err, "see medledger query --help")
	}
	return err
}

// getAll reads every page of a list endpoint.
func getAll[T any](c *CLI, path string) ([]T, error) {
	all := []T{}
	cursor := ""
	for {
		q := fmt.Sprintf("%s?limit=%d", path, api.MaxPageSize)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var p api.Page[T]
		if err := c.client().Get(c.ctx, q, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		cursor = p.NextCursor
	}
}

func table(w io.Writer, header string, rows func(tw io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

func (c *CLI) queryOrgsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "orgs",
		Short: "List the consortium's organizations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			orgs, err := getAll[identity.Org](c, "/v1/orgs")
			if err != nil {
				return c.queryError(err, "")
			}
			return c.print(orgs, func(w io.Writer) {
				table(w, "ID\tKIND\tJURISDICTION\tSTATUS\tSINCE\tNAME", func(tw io.Writer) {
					for _, o := range orgs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", o.ID, o.Kind, o.Jurisdiction, o.Status, o.Since, o.Name)
					}
				})
			})
		},
	}
}

func (c *CLI) queryOrgCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "org ID",
		Short: "Show an organization and its members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var o struct {
				identity.Org
				Members []identity.Member `json:"members"`
			}
			if err := c.client().Get(c.ctx, "/v1/orgs/"+url.PathEscape(args[0]), &o); err != nil {
				return c.queryError(err, "medledger query orgs lists the organizations")
			}
			return c.print(o, func(w io.Writer) {
				fmt.Fprintf(w, "id           %s\nname         %s\nkind         %s\njurisdiction %s\nstatus       %s (since height %d)\nmembers      %d\n",
					o.ID, o.Name, o.Kind, o.Jurisdiction, o.Status, o.Since, len(o.Members))
				if len(o.Members) > 0 {
					fmt.Fprintln(w)
					table(w, "MEMBER\tROLE\tSTATUS\tSINCE\tKEY ID", func(tw io.Writer) {
						for _, m := range o.Members {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", m.ID, m.Role, m.Status, m.Since, m.KeyID)
						}
					})
				}
			})
		},
	}
}

func (c *CLI) queryMemberCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "member ORG/NAME",
		Short: "Show a member: role, status and public keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			org, name, ok := strings.Cut(args[0], "/")
			if !ok || org == "" || name == "" || strings.Contains(name, "/") {
				return withHint(fmt.Errorf("member %q is not ORG/NAME", args[0]), "e.g. medledger query member northside-hospital/dr-chen")
			}
			var m identity.Member
			if err := c.client().Get(c.ctx, "/v1/members/"+url.PathEscape(org)+"/"+url.PathEscape(name), &m); err != nil {
				return c.queryError(err, fmt.Sprintf("medledger query org %s lists its members", org))
			}
			return c.print(m, func(w io.Writer) {
				fmt.Fprintf(w, "id       %s\norg      %s\nrole     %s\nstatus   %s (since height %d)\nkey id   %s\nsign key %s\nenc key  %s\n",
					m.ID, m.Org, m.Role, m.Status, m.Since, m.KeyID, b64(m.SignKey), b64(m.EncKey))
			})
		},
	}
}

func (c *CLI) queryPatientCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "patient ID",
		Short: "Show a patient's pseudonymous record (ID is pat-..., or a local key name patient/NAME)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if strings.HasPrefix(id, "patient/") {
				f, err := c.keyInfo(id)
				if err != nil {
					return err
				}
				id = f.ID
			}
			if !strings.HasPrefix(id, identity.PatientPrefix) {
				return withHint(fmt.Errorf("%q is not a patient id", id), "a patient id starts with %s; medledger keys show patient/NAME prints a local patient key's id", identity.PatientPrefix)
			}
			var p identity.Patient
			if err := c.client().Get(c.ctx, "/v1/patients/"+url.PathEscape(id), &p); err != nil {
				return c.queryError(err, "the patient is not enrolled: medledger tx identity enroll-patient enrolls them")
			}
			return c.print(p, func(w io.Writer) {
				fmt.Fprintf(w, "id          %s\nstatus      %s (since height %d)\nenrolled by %s\nkey id      %s\nsign key    %s\nenc key     %s\n",
					p.ID, p.Status, p.Since, p.EnrolledBy, p.KeyID, b64(p.SignKey), b64(p.EncKey))
			})
		},
	}
}

func (c *CLI) queryProposalsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "proposals",
		Short: "List the governance proposals and their tallies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := getAll[identity.Proposal](c, "/v1/proposals")
			if err != nil {
				return c.queryError(err, "")
			}
			return c.print(ps, func(w io.Writer) {
				if len(ps) == 0 {
					fmt.Fprintln(w, "no proposals")
					return
				}
				table(w, "ID\tACTION\tTARGET\tSTATUS\tYES\tNO\tPROPOSER\tDEADLINE", func(tw io.Writer) {
					for _, p := range ps {
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", p.ID, p.Action, p.Target, p.Status, p.Yes, p.No, p.Proposer, p.Deadline.Format(time.RFC3339))
					}
				})
			})
		},
	}
}

func (c *CLI) queryProposalCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "proposal N",
		Short: "Show a governance proposal and its tally",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return withHint(fmt.Errorf("proposal %q is not a number", args[0]), "medledger query proposals lists them")
			}
			var p identity.Proposal
			if err := c.client().Get(c.ctx, fmt.Sprintf("/v1/proposals/%d", id), &p); err != nil {
				return c.queryError(err, "medledger query proposals lists them")
			}
			return c.print(p, func(w io.Writer) {
				fmt.Fprintf(w, "proposal %d\naction   %s\ntarget   %s\nstatus   %s\nyes      %d\nno       %d\nproposer %s (height %d)\ndeadline %s\n",
					p.ID, p.Action, p.Target, p.Status, p.Yes, p.No, p.Proposer, p.Height, p.Deadline.Format(time.RFC3339))
				if p.Org != nil {
					fmt.Fprintf(w, "org      %s (%s, %s, %q)\n", p.Org.ID, p.Org.Kind, p.Org.Jurisdiction, p.Org.Name)
				}
				if p.Admin != nil {
					fmt.Fprintf(w, "admin    %s (key %s)\n", identity.MemberID(p.Target, p.Admin.ID), tx.KeyID(p.Admin.SignKey))
				}
			})
		},
	}
}

// txView is a committed transaction with its payload decoded.
type txView struct {
	api.TxResponse
	Payload *tx.Payload `json:"payload,omitempty"`
}

func (c *CLI) queryTxCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "tx HASH",
		Short: "Show a committed transaction: its result, events and decoded payload",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash := strings.ToUpper(args[0])
			if b, err := hex.DecodeString(hash); err != nil || len(b) != 32 {
				return withHint(fmt.Errorf("%q is not a transaction hash", args[0]), "a hash is 64 hex characters, as the tx commands print it")
			}
			res, err := c.client().Tx(c.ctx, hash, prove)
			if err != nil {
				return c.queryError(err, "check the hash; a transaction the node refused before its block is not stored")
			}
			v := txView{TxResponse: res}
			if t, err := tx.Decode(res.Tx); err == nil {
				v.Payload = &t.Payload
			}
			return c.print(v, func(w io.Writer) {
				result := "ok"
				if res.Code != 0 {
					result = fmt.Sprintf("refused: %s/%s (code %d): %s", res.Codespace, res.Slug, res.Code, res.Log)
				}
				fmt.Fprintf(w, "tx       %s\nheight   %d (index %d)\nresult   %s\n", res.Hash, res.Height, res.Index, result)
				if p := v.Payload; p != nil {
					fmt.Fprintf(w, "type     %s\nsigner   %s (key %s)\nchain    %s\nexpires  %d\nbody     %s\n", p.Type, p.Signer, p.KeyID, p.ChainID, p.Expires, indentJSON(p.Body, "         "))
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
	return cmd
}

// indentJSON pretty-prints a JSON document, continuing lines with prefix.
func indentJSON(b []byte, prefix string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, prefix, "  "); err != nil {
		return string(b)
	}
	return out.String()
}

func (c *CLI) queryBlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "block [HEIGHT]",
		Short: "Show a block (default: the latest): header, hashes and transactions",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var h int64
			if len(args) == 1 {
				var err error
				if h, err = strconv.ParseInt(args[0], 10, 64); err != nil || h < 1 {
					return withHint(fmt.Errorf("%q is not a block height", args[0]), "give a height from 1, or none for the latest block")
				}
			}
			b, err := c.client().Block(c.ctx, h)
			if err != nil {
				return c.queryError(err, "medledger status shows the latest height")
			}
			return c.print(b, func(w io.Writer) {
				fmt.Fprintf(w, "height   %d\ntime     %s\nhash     %s\napp hash %s\nproposer %s\ntxs      %d\n", b.Height, b.Time.Format(timeFormat), b.Hash, b.AppHash, b.Proposer, len(b.Txs))
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
	cmd := &cobra.Command{
		Use:   "state KEY",
		Short: "Show a raw state value (e.g. identity/org/northside-hospital); --prove checks it against the validators' signatures",
		Long: `Show a raw state value.

With --prove the value (or its absence) is checked with its ICS-23 proof
against the app hash of a block header signed by the genesis validators
(--genesis, default the home's config/genesis.json, else the node's own
genesis, which means trusting that node), so the answer need not be taken on
the node's word.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key := args[0]
			if height < 0 {
				return withHint(fmt.Errorf("--height %d is not a block height", height), "give a height from 1, or 0 for the latest")
			}
			var v stateView
			if prove {
				trust, source, err := c.trust(genesis)
				if err != nil {
					return err
				}
				var pv client.ProvenValue
				if height > 0 {
					pv, err = c.client().VerifyStateAt(c.ctx, trust, key, height)
				} else {
					pv, err = c.client().VerifyState(c.ctx, trust, key)
				}
				var ce *client.Error
				if errors.As(err, &ce) {
					return c.queryError(err, "no proof at that height yet: try again, or give a lower --height")
				}
				if err != nil {
					return withHint(err, "the node's answer did not check out against the validators' signatures; do not trust it")
				}
				v = stateView{Key: key, Exists: pv.Value != nil, Value: pv.Value, Height: pv.Height, Proven: true, AppHash: pv.Header.AppHash.String(), Trust: source}
			} else {
				res, err := c.client().State(c.ctx, key, false, height)
				if err != nil {
					return c.queryError(err, "medledger status shows the latest height")
				}
				v = stateView{Key: res.Key, Exists: res.Exists, Value: res.Value, Height: res.Height}
			}
			return c.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "key    %s\nheight %d\n", v.Key, v.Height)
				switch {
				case !v.Exists:
					fmt.Fprintln(w, "value  (absent)")
				case json.Valid(v.Value):
					fmt.Fprintf(w, "value  %s\n", indentJSON(v.Value, "       "))
				default:
					fmt.Fprintf(w, "value  %s (base64)\n", b64(v.Value))
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
	return cmd
}

func (c *CLI) queryAnchorCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "anchor DIGEST|FILE",
		Short: "Show who anchored a SHA-256 digest (or a file's), at which height and time",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			digest := strings.ToLower(args[0])
			if b, err := hex.DecodeString(digest); err != nil || len(b) != 32 {
				if !fileExists(args[0]) {
					return withHint(fmt.Errorf("%q is neither a SHA-256 digest nor a file", args[0]), "give 64 hex characters, or a file's path")
				}
				if digest, err = fileDigest(args[0]); err != nil {
					return err
				}
			}
			var a notary.Anchor
			if err := c.client().Get(c.ctx, "/v1/anchors/"+digest, &a); err != nil {
				return c.queryError(err, "this digest was never anchored on this chain (a changed file has another digest)")
			}
			return c.print(a, func(w io.Writer) {
				fmt.Fprintf(w, "digest %s\nkind   %s\nby     %s (%s)\nheight %d\ntime   %s\ntx     %s\n(the node's word: medledger verify FILE checks it against the validators' signatures)\n",
					a.Digest, a.Kind, a.Signer, a.Org, a.Height, a.Time.Format(timeFormat), a.TxHash)
			})
		},
	}
}
