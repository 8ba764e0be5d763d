package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
	"github.com/spf13/cobra"
)

// --- EPCIS import ---

// opRef names a transaction of an EPCIS import: event N, and with K > 0
// its K-th transaction (an event may map to several).
type opRef struct{ event, k int }

func parseOpRef(s string) (opRef, error) {
	ev, k, hasK := strings.Cut(s, ".")
	var r opRef
	var err error
	if r.event, err = strconv.Atoi(ev); err != nil || r.event < 0 {
		return r, fmt.Errorf("%q is not an event index", cmdline.Short(s))
	}
	if hasK {
		if r.k, err = strconv.Atoi(k); err != nil || r.k < 1 {
			return r, fmt.Errorf("%q: the transaction of an event counts from 1", cmdline.Short(s))
		}
	}
	return r, nil
}

func (r opRef) String() string {
	if r.k > 0 {
		return fmt.Sprintf("%d.%d", r.event, r.k)
	}
	return strconv.Itoa(r.event)
}

// importOp is one transaction of an import: the k-th of n of its event.
type importOp struct {
	supply.Op
	k, n int
}

func (o importOp) ref() opRef { return opRef{o.Event, o.k} }

// where names the op in a message: eventList[41], or eventList[41]
// (transaction 2 of 3).
func (o importOp) where() string {
	if o.n > 1 {
		return fmt.Sprintf("eventList[%d] (transaction %d of %d)", o.Event, o.k, o.n)
	}
	return fmt.Sprintf("eventList[%d]", o.Event)
}

func (c *cmds) supplyImportCmd() *cobra.Command {
	var as, from string
	var skip []string
	cmd := &cobra.Command{
		Use:   "import FILE.json --as ORG/MEMBER [--from N] [--skip N,...]",
		Short: "Import a trading partner's EPCIS 2.0 JSON document: each event becomes supply transactions, sent in order",
		Long: `Import an EPCIS 2.0 JSON(-LD) document. EPCIS is GS1's standard format
for supply-chain events (commissioning, packing, shipping, receiving, ...),
which trading partners and their packaging lines exchange.

Each event of the document's eventList maps to one or more supply
transactions (commissioning, packing and unpacking, shipping, receiving,
dispensing, decommissioning; see docs/supply.md), signed --as one identity and
sent in order, in batches, each batch committed before the next is sent. A
document the mapping refuses is refused whole, before anything is sent.

On the first transaction the chain refuses, the import stops and says which
event failed, why, and how many events committed before it. Committed events
stay committed: fix the event and resume with --from N (event N of the
eventList, counting from 0; N.K resumes at the K-th transaction of event N).
The node sends nothing of a batch after a transaction it refuses; one that
fails only in its block may be followed by later events that committed: the
message names them, and --skip N,... leaves them out when resuming.`,
		Example: `  medledger supply import events.json --as acme-pharma/packager
  medledger supply import events.json --as acme-pharma/packager --from 41
  medledger supply import events.json --as acme-pharma/packager --from 41 --skip 43,45`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			fromRef, err := parseOpRef(from)
			if err != nil {
				return usage("give the index of the eventList entry to resume at, as the failed import said, e.g. --from 41", "--from %s", err)
			}
			skips := map[opRef]bool{}
			for _, s := range skip {
				r, err := parseOpRef(s)
				if err != nil {
					return usage("give eventList indexes, e.g. --skip 43,45", "--skip %s", err)
				}
				skips[r] = true
			}
			f, err := os.Open(file)
			if err != nil {
				return cmdline.FileErr(file, err, "")
			}
			ops, err := supply.ImportEPCIS(f)
			f.Close()
			if err != nil {
				return usage("fix the document; nothing was sent", "%s: %s", cmdline.Short(file), codeReason(err))
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			var plan []importOp
			n := map[int]int{}
			for _, op := range ops {
				n[op.Event]++
				plan = append(plan, importOp{Op: op, k: n[op.Event]})
			}
			lastEvent := -1
			if len(ops) > 0 {
				lastEvent = ops[len(ops)-1].Event
			}
			var todo []importOp
			events := map[int]bool{}
			for _, o := range plan {
				o.n = n[o.Event]
				if o.Event < fromRef.event || o.Event == fromRef.event && o.k < fromRef.k || skips[opRef{o.Event, 0}] || skips[o.ref()] {
					continue
				}
				todo = append(todo, o)
				events[o.Event] = true
			}
			if len(todo) == 0 {
				return usage(fmt.Sprintf("the document's eventList has entries 0 to %d", lastEvent), "%s: nothing to import from event %s", cmdline.Short(file), fromRef)
			}
			// eventsDone[i] is how many events are whole once the first i
			// transactions committed.
			eventsDone := make([]int, len(todo)+1)
			for i, o := range todo {
				eventsDone[i+1] = eventsDone[i]
				if i+1 == len(todo) || todo[i+1].Event != o.Event {
					eventsDone[i+1]++
				}
			}
			txs := make([]client.BulkTx, len(todo))
			for i, o := range todo {
				txs[i] = client.BulkTx{Signer: s, Type: o.Type, Body: o.Body}
			}
			m := c.NewMeter(len(events), "events", len(txs) > 200)
			began := time.Now()
			res, err := c.Client().SendAll(c.Ctx, txs, client.BulkOptions{Progress: func(done int) { m.Set(eventsDone[done]) }})
			m.Finish()
			took := time.Since(began)
			type importedTx struct {
				Event       int    `json:"event"`
				Transaction int    `json:"transaction"`
				Type        string `json:"type"`
				Hash        string `json:"tx_hash"`
				Height      int64  `json:"height"`
			}
			type refusal struct {
				Event       int         `json:"event"`
				Transaction int         `json:"transaction"`
				Type        string      `json:"type"`
				Problem     api.Problem `json:"problem"`
			}
			view := struct {
				File         string       `json:"file"`
				Signer       string       `json:"signer"`
				From         string       `json:"from"`
				Events       int          `json:"events"`
				Committed    int          `json:"events_committed"`
				Transactions []importedTx `json:"transactions"`
				Seconds      float64      `json:"seconds"`
				Rate         float64      `json:"events_per_second"`
				Refused      *refusal     `json:"refused,omitempty"`
				Resume       []string     `json:"resume,omitempty"`
			}{File: file, Signer: s.Key.ID, From: fromRef.String(), Events: len(events), Committed: eventsDone[res.Committed],
				Transactions: []importedTx{}, Seconds: took.Seconds(), Rate: cmdline.PerSecond(eventsDone[res.Committed], took)}
			for i, o := range todo {
				if res.Heights[i] > 0 {
					view.Transactions = append(view.Transactions, importedTx{o.Event, o.k, o.Type, res.Hashes[i], res.Heights[i]})
				}
			}
			if err != nil {
				return cmdline.Hint(fmt.Errorf("%s: the import stopped after %d of %d events committed: %w", cmdline.Short(file), view.Committed, len(events), err),
					"transactions sent may still commit; medledger supply history CODE shows where an item stands before you resume with --from")
			}
			if res.Failed < 0 {
				return c.Print(view, func(w io.Writer) {
					fmt.Fprintf(w, "imported %s (%s) from %s in %.1f s (%s events/s)\n  signer %s\n", plural(len(events), "EPCIS event"),
						plural(len(txs), "transaction"), file, took.Seconds(), cmdline.Thousands(int(view.Rate)), s.Key.ID)
					if len(view.Transactions) > 0 {
						fmt.Fprintf(w, "  height %d to %d\n", view.Transactions[0].Height, view.Transactions[len(view.Transactions)-1].Height)
					}
				})
			}
			bad := todo[res.Failed]
			view.Refused = &refusal{bad.Event, bad.k, bad.Type, res.Problem}
			resume := []string{"--from", bad.ref().String()}
			if bad.k == 1 {
				resume[1] = strconv.Itoa(bad.Event)
			}
			var skipped []string
			for _, i := range res.After {
				o := todo[i]
				whole := true
				for j := range todo {
					if todo[j].Event == o.Event && res.Heights[j] == 0 {
						whole = false
					}
				}
				ref := o.ref().String()
				if whole {
					ref = strconv.Itoa(o.Event)
				}
				if !slices.Contains(skipped, ref) {
					skipped = append(skipped, ref)
				}
			}
			newSkips := len(skipped)
			for _, sk := range skip {
				if r, _ := parseOpRef(sk); r.event > bad.Event && !slices.Contains(skipped, sk) {
					skipped = append(skipped, sk)
				}
			}
			if len(skipped) > 0 {
				resume = append(resume, "--skip", strings.Join(skipped, ","))
			}
			view.Resume = resume
			e := fmt.Errorf("%s: %s (%s) refused: %w", cmdline.Short(file), bad.where(), bad.Type, res.Err())
			hint := fmt.Sprintf("%s committed before it and stay committed", plural(view.Committed, "event"))
			if bad.k > 1 {
				hint += fmt.Sprintf(", and the first %s of eventList[%d]", plural(bad.k-1, "transaction"), bad.Event)
			}
			if newSkips > 0 {
				hint += fmt.Sprintf("; events %s, sent in the same batch, committed too", strings.Join(skipped[:newSkips], ", "))
			}
			hint += fmt.Sprintf("; fix eventList[%d] and resume with medledger supply import %s --as %s %s", bad.Event, file, as, strings.Join(resume, " "))
			if h := c.Advice(res.Err(), bad.Type, as); h != "" {
				hint += " (" + h + ")"
			}
			if c.JSON() {
				c.Print(view, nil)
			}
			return cmdline.Hint(e, "%s", hint)
		},
	}
	cmd.Flags().StringVar(&from, "from", "0", "resume at event N of the eventList (N.K: at its K-th transaction)")
	cmd.Flags().StringSliceVar(&skip, "skip", nil, "leave out these events (N or N.K), committed already")
	cmdline.AsFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}
