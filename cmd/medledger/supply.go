package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

func init() {
	extraCommands = append(extraCommands, (*CLI).supplyCmd)
}

func (c *CLI) supplyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "supply",
		Short: "The drug supply chain: products, lots, serialized packs and cases, shipments, dispensing, recalls, EPCIS import",
		Long: `The drug supply chain.

A manufacturer registers a product (GTIN) and commissions serialized packs in
lots; packs go into cases (SSCC), are shipped and received from one trading
partner to the next, and leave the chain when a pharmacy dispenses them or a
holder decommissions them. A recall is written once, on the lot or the
product, and reaches every pack. medledger verify-pack CODE answers at the
counter whether a pack is genuine and saleable.

Packs and cases are named by their GS1 element strings, bracketed as printed
under the barcode ((01)00312345678906(21)SN1 for a pack, (00)003123450000000011
for a case) or raw as a scanner sends them (with the GS separator, ASCII 29).`,
	}
	product := &cobra.Command{Use: "product", Short: "Drug products: register one (its manufacturer's admin)"}
	product.AddCommand(c.supplyProductAddCmd())
	lot := &cobra.Command{Use: "lot", Short: "Production lots: register one with its expiry"}
	lot.AddCommand(c.supplyLotAddCmd())
	cmd.AddCommand(product, lot, c.supplyCommissionCmd(), c.supplyPackCmd(), c.supplyUnpackCmd(),
		c.supplyShipCmd(), c.supplyReceiveCmd(), c.supplyReturnCmd(), c.supplyShipmentsCmd(),
		c.supplyDispenseCmd(), c.supplyDecommissionCmd(), c.supplyRecallCmd(), c.supplyReportCmd(), c.supplyReportsCmd(),
		c.supplyHistoryCmd(), c.supplyImportCmd())
	return cmd
}

// --- codes, GTINs, items ---

const codeHint = "give a GS1 element string: (01)GTIN(21)SERIAL for a pack, (00)SSCC for a case, bracketed as printed or raw as a scanner sends it"

// codeReason is why a code does not parse, in the parser's words.
func codeReason(err error) string {
	var ge *gs1.Error
	if errors.As(err, &ge) {
		return strings.TrimPrefix(ge.Error(), "gs1: ")
	}
	var me *medledger.Error
	if errors.As(err, &me) {
		return me.Detail
	}
	return err.Error()
}

func badCode(code string, err error) error {
	return withHint(fmt.Errorf("code %q does not parse: %s", code, codeReason(err)), codeHint)
}

// itemOf parses the code of a pack or case given on the command line.
func itemOf(code string) (supply.Item, error) {
	c, err := supply.ParseCode(code)
	if err != nil {
		return supply.Item{}, badCode(code, err)
	}
	switch {
	case c.SSCC != "" && c.GTIN != "":
		return supply.Item{}, withHint(fmt.Errorf("code %q names both a case (00) and a pack (01)", code), codeHint)
	case c.SSCC != "":
		return supply.Case(c.SSCC), nil
	}
	return supply.Pack(c.GTIN, c.Serial), nil
}

// packOf parses the code of a pack.
func packOf(code string) (supply.Item, error) {
	it, err := itemOf(code)
	if err == nil && it.IsCase() {
		return it, withHint(fmt.Errorf("code %q names a case, not a pack", code), "give the pack's code, (01)GTIN(21)SERIAL")
	}
	return it, err
}

// ssccOf reads --sscc: 18 digits, or a case's element string.
func ssccOf(s string) (string, error) {
	if s == "" {
		return "", withHint(errors.New("--sscc is required"), "name the case or pallet by its SSCC, e.g. --sscc 003123450000000011 or --sscc '(00)003123450000000011'")
	}
	if gs1.ValidSSCC(s) {
		return s, nil
	}
	if len(s) == 18 && strings.Trim(s, "0123456789") == "" {
		_, err := gs1.Parse("(00)" + s)
		return "", withHint(fmt.Errorf("--sscc %s: %s", s, codeReason(err)), "an SSCC is 18 digits, the last a GS1 check digit")
	}
	it, err := itemOf(s)
	if err != nil {
		return "", err
	}
	if !it.IsCase() {
		return "", withHint(fmt.Errorf("--sscc %q names a pack, not a case", s), "an SSCC is 18 digits, the last a GS1 check digit")
	}
	return it.SSCC, nil
}

// gtinOf reads --gtin, a GTIN-8, -12, -13 or -14, as the GTIN-14 the chain
// keys products by.
func gtinOf(s string) (string, error) {
	if s == "" {
		return "", withHint(errors.New("--gtin is required"), "give the product's GTIN (8, 12, 13 or 14 digits), e.g. --gtin 00312345678906")
	}
	g, err := gs1.GTIN14(s)
	if err != nil {
		return "", withHint(fmt.Errorf("--gtin %s: %s", s, codeReason(err)), "a GTIN has 8, 12, 13 or 14 digits, the last a GS1 check digit")
	}
	return g, nil
}

// checkLot refuses a lot name the chain would refuse.
func checkLot(gtin, lot string) error {
	if lot == "" {
		return withHint(errors.New("--lot is required"), "name the production lot, e.g. --lot A100")
	}
	if err := (gs1.Code{GTIN: gtin, Lot: lot}).Validate(); err != nil || strings.Contains(lot, "/") {
		reason := "'/' is not allowed"
		if err != nil {
			reason = codeReason(err)
		}
		return withHint(fmt.Errorf("--lot %q: %s", lot, reason), "a lot is 1 to 20 characters of GS1 character set 82 (letters, digits and !\"%%&'()*+,-.:;<=>?_), without '/'")
	}
	return nil
}

// checkExpiry refuses an expiry that is not YYMMDD.
func checkExpiry(expiry string) error {
	if _, err := supply.ParseExpiry(expiry); err != nil {
		return withHint(fmt.Errorf("--expiry %q is not a date YYMMDD", expiry), "give the expiry as printed in AI (17), e.g. --expiry 271231 (DD 00 for the month's end)")
	}
	return nil
}

// itemsFlag is the --items and --items-file flags of a command that names
// packs and cases.
type itemsFlag struct {
	codes []string
	file  string
}

func (f *itemsFlag) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringSliceVar(&f.codes, "items", nil, what+": codes of packs ((01)...(21)...) and cases ((00)...), comma-separated or repeated")
	cmd.Flags().StringVar(&f.file, "items-file", "", "read the items' codes from FILE, one a line (blank lines and # comments skipped)")
}

// items parses the codes given; with required, at least one.
func (f *itemsFlag) items(required bool) ([]supply.Item, error) {
	codes := slices.Clone(f.codes)
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return nil, err
		}
		for line := range strings.Lines(string(b)) {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				codes = append(codes, line)
			}
		}
	}
	if len(codes) == 0 {
		if required {
			return nil, withHint(errors.New("--items is required"), "list the packs and cases, e.g. --items '(01)00312345678906(21)SN1,(00)003123450000000011', or --items-file FILE")
		}
		return nil, nil
	}
	if len(codes) > supply.MaxItems {
		return nil, withHint(fmt.Errorf("%d items, over the %d one transaction may name", len(codes), supply.MaxItems), "pack them into cases and name the cases, or split the list")
	}
	items := make([]supply.Item, 0, len(codes))
	for _, code := range codes {
		it, err := itemOf(code)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func codesOf(items []supply.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.String()
	}
	return out
}

// plural is "1 pack", "2 packs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

// --- sending and hints ---

// sendSupply signs and sends a supply transaction as as and waits until its
// block commits; refusals come back with hints.
func (c *CLI) sendSupply(as, typ string, body any) (sent, api.TxResponse, error) {
	s, err := c.signer(as)
	if err != nil {
		return sent{}, api.TxResponse{}, err
	}
	res, err := c.client().Send(c.ctx, s, typ, body, "commit")
	if err != nil {
		return sent{}, res, c.supplyError(err, typ)
	}
	return sent{Type: typ, Signer: s.Key.ID, Hash: res.Hash, Height: res.Height}, res, nil
}

// supplyError adds hints to the supply module's refusals; others get
// CLI.sendError's hints.
func (c *CLI) supplyError(err error, typ string) error {
	var e *client.Error
	if errors.As(err, &e) {
		if hint := supplyHint(e.Codespace, e.Title, typ); hint != "" {
			return withHint(err, "%s", hint)
		}
	}
	return c.sendError(err)
}

// supplyHint names the fix for a refusal of a supply transaction of type
// typ, or "".
func supplyHint(codespace, slug, typ string) string {
	if codespace == "tx" && slug == "unauthorized" {
		return whoMay(typ)
	}
	if codespace != supply.Codespace {
		return ""
	}
	switch slug {
	case "invalid":
		return "fix the value the error names; see --help"
	case "bad-code":
		return codeHint
	case "product-not-found":
		return "its manufacturer registers it first: medledger supply product add --gtin GTIN --name NAME --as ORG/admin"
	case "lot-not-found":
		return "give the lot's --expiry YYMMDD to register it as you commission, or register it with medledger supply lot add"
	case "pack-not-found":
		return "check the code: medledger verify-pack CODE says what the chain knows of it"
	case "case-not-found":
		return "a case comes to be when it is packed: medledger supply pack --sscc SSCC --items ..."
	case "already-exists":
		if typ == supply.TypeCommission {
			return "a serial is commissioned once per GTIN: commission other serials (--count N draws new ones)"
		}
		return "nothing to do: it is on the chain already"
	case "not-custodian":
		return "only the organization holding an item moves it: medledger verify-pack CODE shows who holds it"
	case "not-manufacturer":
		return "only the product's manufacturer does this (a recall: or a regulator): sign --as one of its members"
	case "wrong-state":
		return "medledger verify-pack CODE shows its status; medledger supply history CODE how it got there"
	case "in-transit":
		return "the addressee receives it first: medledger supply shipments --org ORG lists the open shipments"
	case "inside-container":
		return "move the case that holds it, or take it out first: medledger supply unpack --sscc SSCC --items CODE"
	case "shipment-not-found":
		return "medledger supply shipments --org ORG lists an organization's open shipments"
	case "wrong-partner":
		return "the shipment's addressee receives it: sign --as one of its members"
	case "receipt-mismatch":
		return "list exactly the items shipped, or give only --shipment ID to receive what was shipped"
	case "recalled":
		return "a recalled pack must not be dispensed, nor a recalled lot commissioned: take the packs out with medledger supply decommission --reason destroyed --items ..."
	case "expired":
		return "an expired pack must not be dispensed: medledger supply decommission --reason expired --items CODE"
	case "not-trading-partner":
		return "ship to an active manufacturer, distributor, pharmacy or hospital: medledger query orgs lists them"
	case "not-suspect":
		return "the pack verifies as genuine (medledger verify-pack CODE): there is nothing to report"
	case "recall-not-found", "report-not-found":
		return "check the id; medledger supply reports lists the suspect-product reports"
	}
	return ""
}

// demoSigners are examples of who may send a supply transaction, in the
// demo consortium.
var demoSigners = map[string]string{
	supply.TypeProduct: "acme-pharma/admin", supply.TypeLot: "acme-pharma/packager", supply.TypeCommission: "acme-pharma/packager",
	supply.TypeDispense: "cityrx-pharmacy/pharmacist", supply.TypeRecall: "acme-pharma/admin", supply.TypeReport: "cityrx-pharmacy/pharmacist",
}

// whoMay says which roles may send typ, from the supply module's policy.
func whoMay(typ string) string {
	p, ok := supply.Policies[typ]
	if !ok {
		return ""
	}
	var kinds []string
	roles := map[string][]string{}
	for _, g := range p.Grants {
		if _, seen := roles[g.OrgKind]; !seen {
			kinds = append(kinds, g.OrgKind)
		}
		roles[g.OrgKind] = append(roles[g.OrgKind], g.Role)
	}
	var who []string
	for _, k := range kinds {
		who = append(who, "a "+k+"'s "+strings.Join(roles[k], " or "))
	}
	hint := fmt.Sprintf("%s is sent by %s: sign --as such a member", typ, strings.Join(who, ", "))
	if ex := demoSigners[typ]; ex != "" {
		hint += " (in the demo, " + ex + ")"
	}
	return hint
}

// --- bulk submission ---

// bulkTx is one transaction of a bulk submission.
type bulkTx struct {
	signer client.Signer
	typ    string
	body   any
}

// bulkOptions tune sendBulk.
type bulkOptions struct {
	// Batch is the most transactions one POST /v1/txs carries; default
	// api.MaxBatch (fewer when they are large).
	Batch int
	// Pipeline sends the next batch without waiting for the previous one
	// to commit. Without it, each batch commits before the next is sent.
	Pipeline bool
	// Progress, if set, is told how many transactions have committed, as
	// they commit.
	Progress func(committed int)
}

// bulkResult is how a bulk submission ended. Transactions are numbered by
// their index in the list sent.
type bulkResult struct {
	// Committed is how many transactions committed, in order, before the
	// first that did not (all of them when Failed is -1).
	Committed int
	// Failed is the first transaction refused or not committed, or -1.
	Failed  int
	Problem api.Problem // why Failed failed
	// After lists the transactions after Failed that committed all the
	// same: the node checks each transaction of a batch on its own.
	After   []int
	Hashes  []string // of every transaction sent
	Heights []int64  // of every transaction committed, else 0
}

// bulkBatchBytes bounds the base64 transactions of one POST /v1/txs.
const bulkBatchBytes = api.MaxBatchBodyBytes / 2

// bulkCommitWait is how long accepted transactions may stay uncommitted
// while no block includes any of them, before the node is asked whether
// they were dropped.
const bulkCommitWait = 30 * time.Second

// sendBulk signs and sends txs in order through POST /v1/txs, in batches,
// and waits until every transaction sent has committed. It sends no more
// batches after a transaction is refused (at once, or in its block). The
// error is for a node that cannot be reached or answers nonsense; what
// committed until then is in the result.
func (c *CLI) sendBulk(cl *client.Client, txs []bulkTx, opt bulkOptions) (bulkResult, error) {
	res := bulkResult{Failed: -1, Hashes: make([]string, len(txs)), Heights: make([]int64, len(txs))}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	commits, err := subscribeCommits(ctx, cl.Base)
	if err != nil {
		return res, err
	}
	problems := make([]*api.Problem, len(txs))
	codes := make([]api.CommitTx, len(txs))
	w := &commitWaiter{cl: cl, commits: commits, pending: map[string]int{}, lastProgress: time.Now()}
	ok, stop := 0, false
	w.done = func(i int, height int64, ct api.CommitTx) {
		res.Heights[i], codes[i] = height, ct
		switch {
		case height == 0 || ct.Code != 0:
			stop = true
		default:
			ok++
			if opt.Progress != nil {
				opt.Progress(ok)
			}
		}
	}
	batch := opt.Batch
	if batch <= 0 || batch > api.MaxBatch {
		batch = api.MaxBatch
	}
	var sendErr error
	for start := 0; start < len(txs) && !stop; {
		st, err := cl.Status(ctx)
		if err != nil {
			sendErr = err
			break
		}
		var raws [][]byte
		size := 0
		for end := start; end < len(txs) && len(raws) < batch; end++ {
			s := txs[end].signer
			if s.ChainID == "" {
				s.ChainID = st.ChainID
			}
			raw, err := s.Build(txs[end].typ, txs[end].body, st.LatestHeight)
			if err != nil {
				return res, err
			}
			n := (len(raw)+2)/3*4 + 4
			if len(raws) > 0 && size+n > bulkBatchBytes {
				break
			}
			size += n
			raws = append(raws, raw)
		}
		// Later transactions may depend on earlier ones: the node sends
		// none after the first it refuses.
		br, err := cl.SubmitBatch(ctx, api.BatchRequest{Txs: raws, Mode: "sync", StopOnError: true})
		if err != nil {
			if !client.IsProblem(err) {
				err = withHint(err, "is the node running? start one with medledger dev, or pass --node URL")
			}
			sendErr = err
			break
		}
		if len(br.Results) != len(raws) {
			sendErr = fmt.Errorf("the node answered %d results for %d transactions", len(br.Results), len(raws))
			break
		}
		for i, r := range br.Results {
			res.Hashes[start+i] = r.Hash
			if r.Problem != nil {
				problems[start+i] = r.Problem
				stop = true
				continue
			}
			w.pending[r.Hash] = start + i
		}
		start += len(raws)
		if opt.Pipeline && !stop && start < len(txs) {
			w.drain()
			continue
		}
		if err := w.wait(ctx); err != nil {
			return res, err
		}
	}
	if err := w.wait(ctx); err != nil {
		return res, err
	}
	for i := range txs {
		if res.Hashes[i] == "" {
			break
		}
		p := problems[i]
		switch {
		case p == nil && res.Heights[i] == 0:
			p = &api.Problem{Title: "not-committed", Hash: res.Hashes[i],
				Detail: fmt.Sprintf("the node accepted the transaction, but no block included it within %s (an earlier transaction's failure may have made it invalid; if not, it may still commit: medledger query tx %s)", bulkCommitWait, res.Hashes[i])}
		case p == nil && codes[i].Code != 0:
			p = committedProblem(ctx, cl, res.Hashes[i], res.Heights[i], codes[i])
			res.Heights[i] = 0
		}
		switch {
		case p != nil && res.Failed < 0:
			res.Failed, res.Problem = i, *p
		case p == nil && res.Failed < 0:
			res.Committed++
		case p == nil:
			res.After = append(res.After, i)
		}
	}
	return res, sendErr
}

// problemText is a problem as a message: "supply/recalled: detail".
func problemText(p api.Problem) string {
	slug := p.Title
	if p.Codespace != "" {
		slug = p.Codespace + "/" + p.Title
	}
	return slug + ": " + p.Detail
}

// committedProblem is the problem of a transaction that its block refused.
func committedProblem(ctx context.Context, cl *client.Client, hash string, height int64, ct api.CommitTx) *api.Problem {
	p := &api.Problem{Title: fmt.Sprintf("code-%d", ct.Code), Codespace: ct.Codespace, Code: ct.Code, Hash: hash, Height: height,
		Detail: "refused in block " + strconv.FormatInt(height, 10)}
	if r, err := cl.Tx(ctx, hash, false); err == nil {
		if r.Slug != "" {
			p.Title = r.Slug
		}
		p.Detail = r.Log
	}
	return p
}

// commitWaiter learns from the commit stream when the transactions of
// pending (hash to index) commit, and tells done each one's height and
// result; height 0 for one no block included.
type commitWaiter struct {
	cl           *client.Client
	commits      <-chan api.CommitEvent // nil once the stream ended
	pending      map[string]int
	done         func(i int, height int64, ct api.CommitTx)
	lastProgress time.Time
}

func (w *commitWaiter) take(ev api.CommitEvent) {
	for _, t := range ev.Txs {
		if i, ok := w.pending[t.Hash]; ok {
			delete(w.pending, t.Hash)
			w.lastProgress = time.Now()
			w.done(i, ev.Height, t)
		}
	}
}

// drain takes the commits that arrived, without waiting.
func (w *commitWaiter) drain() {
	for w.commits != nil {
		select {
		case ev, ok := <-w.commits:
			if !ok {
				w.commits = nil
				return
			}
			w.take(ev)
		default:
			return
		}
	}
}

// wait returns once nothing is pending. A transaction that blocks keep
// leaving out for bulkCommitWait (or every one, once the stream ended) is
// looked up with GET /v1/tx/{hash}; one that is still in no block after
// bulkCommitWait without progress is reported with height 0.
func (w *commitWaiter) wait(ctx context.Context) error {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	if len(w.pending) > 0 {
		w.lastProgress = time.Now()
	}
	for len(w.pending) > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.commits:
			if !ok {
				w.commits = nil
				continue
			}
			w.take(ev)
			continue
		case <-tick.C:
		}
		if w.commits != nil && time.Since(w.lastProgress) < bulkCommitWait {
			continue
		}
		for h, i := range w.pending {
			r, err := w.cl.Tx(ctx, h, false)
			if err != nil {
				continue
			}
			delete(w.pending, h)
			w.lastProgress = time.Now()
			w.done(i, r.Height, api.CommitTx{Hash: h, Code: r.Code, Codespace: r.Codespace})
		}
		if time.Since(w.lastProgress) > bulkCommitWait {
			for h, i := range w.pending {
				delete(w.pending, h)
				w.done(i, 0, api.CommitTx{Hash: h})
			}
		}
	}
	return nil
}

// subscribeCommits opens GET /v1/stream/commits; the channel closes when
// the stream ends.
func subscribeCommits(ctx context.Context, base string) (<-chan api.CommitEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/stream/commits", nil)
	if err != nil {
		return nil, err
	}
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		return nil, withHint(fmt.Errorf("node %s unreachable: %w", base, err), "is the node running? start one with medledger dev, or pass --node URL")
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		return nil, fmt.Errorf("GET %s/v1/stream/commits: HTTP %d: the node does not stream commits", base, res.StatusCode)
	}
	events := make(chan api.CommitEvent, 1024)
	go func() {
		defer res.Body.Close()
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[len("event: "):]
			case strings.HasPrefix(line, "data: ") && event == "commit":
				var ev api.CommitEvent
				if json.Unmarshal([]byte(line[len("data: "):]), &ev) != nil {
					return
				}
				select {
				case events <- ev:
				case <-ctx.Done():
					return
				}
			case event == "overflow":
				return
			}
		}
	}()
	return events, nil
}

// --- progress ---

// meter shows a long job's progress on stderr: a bar redrawn in place when
// stderr is a terminal, else a plain line every meterEvery.
type meter struct {
	w     io.Writer
	tty   bool
	on    bool
	unit  string
	total int
	start time.Time
	last  time.Time
	drawn bool
}

const meterEvery = 10 * time.Second

// newMeter returns a meter of total units; when on is false it shows
// nothing.
func (c *CLI) newMeter(total int, unit string, on bool) *meter {
	return &meter{w: c.stderr, tty: isTerminal(c.stderr), on: on, unit: unit, total: total, start: time.Now(), last: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (m *meter) set(done int) {
	if !m.on {
		return
	}
	el := time.Since(m.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	if m.tty {
		const width = 30
		fill := 0
		if m.total > 0 {
			fill = done * width / m.total
		}
		eta := ""
		if rate > 0 && done < m.total {
			eta = "  ETA " + time.Duration(float64(m.total-done)/rate*float64(time.Second)).Round(time.Second).String()
		}
		fmt.Fprintf(m.w, "\r[%s%s] %s/%s %s  %s/s%s\x1b[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
			thousands(done), thousands(m.total), m.unit, thousands(int(rate)), eta)
		m.drawn = true
		return
	}
	if time.Since(m.last) >= meterEvery && done < m.total {
		m.last = time.Now()
		fmt.Fprintf(m.w, "medledger: %s of %s %s committed (%s/s)\n", thousands(done), thousands(m.total), m.unit, thousands(int(rate)))
	}
}

func (m *meter) finish() {
	if m.on && m.drawn {
		fmt.Fprintln(m.w)
	}
}

// thousands writes n with thousands separators: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// perSecond is n over d, as a rate.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// --- products and lots ---

func (c *CLI) supplyProductAddCmd() *cobra.Command {
	var as string
	var b supply.ProductBody
	cmd := &cobra.Command{
		Use:   "add --gtin GTIN --name NAME [--national-code C --strength S --form F] --as ORG/admin",
		Short: "Register a drug product by its GTIN (a manufacturer's admin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(b.GTIN)
			if err != nil {
				return err
			}
			b.GTIN = g
			if strings.TrimSpace(b.Name) == "" {
				return withHint(errors.New("--name is required"), "give the product's name, e.g. --name 'Amoxicillin 500 mg capsules'")
			}
			t, _, err := c.sendSupply(as, supply.TypeProduct, b)
			if err != nil {
				return err
			}
			org, _, _ := strings.Cut(t.Signer, "/")
			return c.print(struct {
				sent
				supply.ProductBody
				Manufacturer string `json:"manufacturer"`
			}{t, b, org}, func(w io.Writer) {
				fmt.Fprintf(w, "registered product %s, %s, by %s\n", b.GTIN, b.Name, org)
				t.text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.GTIN, "gtin", "", "the product's GTIN-8, -12, -13 or -14 (stored as GTIN-14)")
	f.StringVar(&b.Name, "name", "", "the product's name")
	f.StringVar(&b.NationalCode, "national-code", "", "its NDC or national drug code")
	f.StringVar(&b.Strength, "strength", "", "its strength, e.g. 500 mg")
	f.StringVar(&b.Form, "form", "", "its dosage form, e.g. capsule")
	asFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

func (c *CLI) supplyLotAddCmd() *cobra.Command {
	var as string
	var b supply.LotBody
	cmd := &cobra.Command{
		Use:   "add --gtin GTIN --lot LOT --expiry YYMMDD --as ORG/MEMBER",
		Short: "Register a production lot of your product with its expiry (commission also registers a new lot)",
		Args:  cobra.NoArgs,
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
			t, _, err := c.sendSupply(as, supply.TypeLot, b)
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				supply.LotBody
			}{t, b}, func(w io.Writer) {
				fmt.Fprintf(w, "registered lot %s of %s, expiry %s\n", b.Lot, b.GTIN, b.Expiry)
				t.text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&b.GTIN, "gtin", "", "the product's GTIN")
	f.StringVar(&b.Lot, "lot", "", "the lot (AI 10)")
	f.StringVar(&b.Expiry, "expiry", "", "the lot's expiry, YYMMDD as in AI 17 (DD 00: the month's end)")
	asFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

// --- commissioning ---

// maxCount bounds commission --count.
const maxCount = 10_000_000

// serialAlphabet is what --count draws serials from.
const serialAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// serialLen is the length of a drawn serial: 36^12 is about 4.7e18, so
// that a guessed serial is almost never a real one.
const serialLen = 12

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
				return serialAlphabet[b%36], nil
			}
		}
	}
	s := make([]byte, serialLen)
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

type txRef struct {
	Hash   string `json:"tx_hash"`
	Height int64  `json:"height"`
}

func (c *CLI) supplyCommissionCmd() *cobra.Command {
	var as, gtin, lot, expiry, out string
	var serials []string
	var count int
	cmd := &cobra.Command{
		Use:   "commission --gtin GTIN --lot LOT [--expiry YYMMDD] (--serials S1,S2,... | --count N) --as ORG/MEMBER",
		Short: "Commission serialized packs of a lot (its manufacturer's admin or packager)",
		Long: `Commission serialized packs of a lot.

--serials lists the serials; --count N draws N random serials instead (12
characters of 0-9 and A-Z, from crypto/rand). --expiry registers the lot if
it is new, and must match it if not. A large lot is sent in transactions of
at most ` + thousands(supply.MaxSerials) + ` serials, in batches, and the command waits until all
have committed; a progress bar shows on a terminal. --out FILE writes the
packs' codes, one a line, as a label printer or supply pack --items-file
reads them; -o json lists the serials committed.`,
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
				return withHint(errors.New("give --serials or --count, not both"), "--serials lists serials you chose; --count N draws N random ones")
			case count < 0 || count > maxCount:
				return withHint(fmt.Errorf("--count %d is out of range", count), "commission 1 to %s packs at once", thousands(maxCount))
			case count > 0:
				if serials, err = randomSerials(count); err != nil {
					return err
				}
			case len(serials) == 0:
				return withHint(errors.New("no serials given"), "list them with --serials S1,S2,... or draw N random ones with --count N")
			default:
				seen := map[string]struct{}{}
				for _, s := range serials {
					if err := (gs1.Code{GTIN: g, Serial: s}).Validate(); err != nil {
						return withHint(fmt.Errorf("serial %q: %s", s, codeReason(err)), "a serial is 1 to 20 characters of GS1 character set 82 (letters, digits and !\"%%&'()*+,-./:;<=>?_)")
					}
					if _, dup := seen[s]; dup {
						return withHint(fmt.Errorf("serial %q is listed twice", s), "list each serial once")
					}
					seen[s] = struct{}{}
				}
			}
			s, err := c.signer(as)
			if err != nil {
				return err
			}
			var txs []bulkTx
			for start := 0; start < len(serials); start += supply.MaxSerials {
				end := min(start+supply.MaxSerials, len(serials))
				txs = append(txs, bulkTx{signer: s, typ: supply.TypeCommission,
					body: supply.CommissionBody{GTIN: g, Lot: lot, Expiry: expiry, Serials: serials[start:end:end]}})
			}
			m := c.newMeter(len(serials), "serials", len(txs) > 1)
			began := time.Now()
			// The transactions of a lot do not depend on each other (the first
			// registers a new lot before the others are checked), so the
			// next batch goes out while the previous one commits.
			res, err := c.sendBulk(c.client(), txs, bulkOptions{Batch: 2, Pipeline: true,
				Progress: func(done int) { m.set(min(done*supply.MaxSerials, len(serials))) }})
			m.finish()
			took := time.Since(began)
			if err != nil && res.Committed == 0 && len(res.After) == 0 {
				return c.supplyError(err, supply.TypeCommission)
			}
			var done []string
			var refs []txRef
			for i := range txs {
				if res.Heights[i] == 0 {
					continue
				}
				done = append(done, txs[i].body.(supply.CommissionBody).Serials...)
				refs = append(refs, txRef{res.Hashes[i], res.Heights[i]})
			}
			if out != "" && len(done) > 0 {
				exp := expiry
				var l supply.Lot
				if exp == "" && c.client().Get(c.ctx, "/v1/products/"+url.PathEscape(g)+"/lots/"+url.PathEscape(lot), &l) == nil {
					exp = l.Expiry
				}
				if werr := writeCodes(out, g, lot, exp, done); werr != nil {
					return werr
				}
			}
			view := struct {
				GTIN         string   `json:"gtin"`
				Lot          string   `json:"lot"`
				Expiry       string   `json:"expiry,omitempty"`
				Signer       string   `json:"signer"`
				Count        int      `json:"count"`
				Requested    int      `json:"requested"`
				Transactions []txRef  `json:"transactions"`
				Seconds      float64  `json:"seconds"`
				Rate         float64  `json:"serials_per_second"`
				Out          string   `json:"out,omitempty"`
				Serials      []string `json:"serials"`
			}{g, lot, expiry, s.Key.ID, len(done), len(serials), refs, took.Seconds(), perSecond(len(done), took), out, done}
			failed := err != nil || res.Failed >= 0
			if failed && c.output != "json" {
				return c.commissionFailed(err, res, txs, len(done), len(serials))
			}
			perr := c.print(view, func(w io.Writer) {
				fmt.Fprintf(w, "commissioned %s of %s, lot %s, in %.1f s (%s serials/s)\n", plural(len(done), "pack"), g, lot, took.Seconds(), thousands(int(view.Rate)))
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
	f.StringVar(&gtin, "gtin", "", "the product's GTIN")
	f.StringVar(&lot, "lot", "", "the lot (AI 10)")
	f.StringVar(&expiry, "expiry", "", "the lot's expiry YYMMDD (registers a new lot; must match a registered one)")
	f.StringSliceVar(&serials, "serials", nil, "the serials to commission, comma-separated or repeated")
	f.IntVar(&count, "count", 0, "draw this many random serials instead of --serials")
	f.StringVar(&out, "out", "", "write the committed packs' codes to FILE, one a line")
	asFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

// commissionFailed is the error of a commissioning that stopped.
func (c *CLI) commissionFailed(err error, res bulkResult, txs []bulkTx, done, total int) error {
	if err != nil {
		return withHint(fmt.Errorf("%s of %s serials committed, then: %w", thousands(done), thousands(total), err),
			"the transactions sent may still commit: medledger verify-pack '(01)GTIN(21)SERIAL' checks a pack")
	}
	first := res.Failed * supply.MaxSerials
	last := first + len(txs[res.Failed].body.(supply.CommissionBody).Serials)
	e := fmt.Errorf("serials %s to %s (transaction %d of %d) refused: %s; %s of %s serials committed",
		thousands(first+1), thousands(last), res.Failed+1, len(txs), problemText(res.Problem), thousands(done), thousands(total))
	if hint := supplyHint(res.Problem.Codespace, res.Problem.Title, supply.TypeCommission); hint != "" {
		return withHint(e, "%s", hint)
	}
	return withHint(e, "-o json lists the serials committed; commission the others again once the cause is fixed")
}

// writeCodes writes the codes of packs of a lot, one a line.
func writeCodes(path, gtin, lot, expiry string, serials []string) error {
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
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// --- aggregation ---

func (c *CLI) supplyPackCmd() *cobra.Command {
	var as, sscc string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "pack --sscc SSCC --items CODE,... --as ORG/MEMBER",
		Short: "Pack items (packs or cases) into a case or pallet, created if new",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := ssccOf(sscc)
			if err != nil {
				return err
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, _, err := c.sendSupply(as, supply.TypeAggregate, supply.AggregateBody{SSCC: id, Items: its})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				SSCC  string   `json:"sscc"`
				Items []string `json:"items"`
			}{t, id, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "packed %s into %s\n", plural(len(its), "item"), supply.Case(id))
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&sscc, "sscc", "", "the case or pallet: its SSCC (18 digits) or (00) element string")
	items.register(cmd, "what goes in")
	asFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

func (c *CLI) supplyUnpackCmd() *cobra.Command {
	var as, sscc string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "unpack --sscc SSCC [--items CODE,...] --as ORG/MEMBER",
		Short: "Take items out of a case or pallet (all of them without --items)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := ssccOf(sscc)
			if err != nil {
				return err
			}
			its, err := items.items(false)
			if err != nil {
				return err
			}
			t, res, err := c.sendSupply(as, supply.TypeDisaggregate, supply.DisaggregateBody{SSCC: id, Items: its})
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(eventAttr(res, supply.EventMoved, "items"))
			return c.print(struct {
				sent
				SSCC  string   `json:"sscc"`
				Count int      `json:"count"`
				Items []string `json:"items,omitempty"`
			}{t, id, n, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "took %s out of %s\n", plural(n, "item"), supply.Case(id))
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&sscc, "sscc", "", "the case or pallet: its SSCC (18 digits) or (00) element string")
	items.register(cmd, "what comes out (default: everything)")
	asFlag(cmd, &as, "medsupply-dist/warehouse")
	return cmd
}

// --- shipping ---

// openShipment is the shipment item is in transit in, or "".
func (c *CLI) openShipment(it supply.Item) string {
	q := "/v1/verify/pack?code=" + url.QueryEscape(it.String())
	var v supply.Verification
	if c.client().Get(c.ctx, q, &v) != nil {
		return ""
	}
	return v.Shipment
}

type shipmentView struct {
	sent
	Shipment string   `json:"shipment"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Items    []string `json:"items"`
}

func (c *CLI) supplyShipCmd() *cobra.Command {
	var as, to string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "ship --to ORG --items CODE,... --as ORG/MEMBER",
		Short: "Ship packs and cases you hold to a trading partner; they are in transit until it receives them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return withHint(errors.New("--to is required"), "name the organization to ship to, e.g. --to medsupply-dist (medledger query orgs lists them)")
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, res, err := c.sendSupply(as, supply.TypeShip, supply.ShipBody{To: to, Items: its})
			if err != nil {
				return err
			}
			from, _, _ := strings.Cut(t.Signer, "/")
			v := shipmentView{t, eventAttr(res, supply.EventMoved, "shipment"), from, to, codesOf(its)}
			return c.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "shipped %s to %s", plural(len(its), "item"), to)
				if v.Shipment != "" {
					fmt.Fprintf(w, ": shipment %s\n  %s receives it with medledger supply receive --shipment %s --as %s/MEMBER\n", v.Shipment, to, v.Shipment, to)
				} else {
					fmt.Fprintln(w)
				}
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the organization shipped to")
	items.register(cmd, "what is shipped")
	asFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}

func (c *CLI) supplyReceiveCmd() *cobra.Command {
	var as, id string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "receive [--shipment ID] [--items CODE,...] --as ORG/MEMBER",
		Short: "Receive a shipment addressed to your organization: what was shipped, or exactly the items listed",
		Long: `Receive a shipment addressed to your organization.

With --shipment and no --items, receives exactly what the shipment holds. With
--items, the items must be exactly those shipped (a receipt that does not
match is refused, and says what is missing or extra); without --shipment the
shipment is the one the first item travels in.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			its, err := items.items(false)
			if err != nil {
				return err
			}
			switch {
			case id == "" && len(its) == 0:
				return withHint(errors.New("give --shipment or --items"), "medledger supply shipments --org ORG lists the shipments coming to an organization")
			case len(its) == 0:
				var sh supply.Shipment
				if err := c.client().Get(c.ctx, "/v1/shipments/"+url.PathEscape(id), &sh); err != nil {
					return c.queryError(err, "medledger supply shipments --org ORG lists the shipments coming to an organization")
				}
				its = sh.Items
			case id == "":
				id = c.openShipment(its[0])
			}
			t, _, err := c.sendSupply(as, supply.TypeReceive, supply.ReceiveBody{Shipment: id, Items: its})
			if err != nil {
				return err
			}
			v := shipmentView{sent: t, Shipment: id, Items: codesOf(its)}
			var sh supply.Shipment
			if id != "" && c.client().Get(c.ctx, "/v1/shipments/"+url.PathEscape(id), &sh) == nil {
				v.From, v.To = sh.From, sh.To
			}
			return c.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "received %s", plural(len(its), "item"))
				if id != "" {
					fmt.Fprintf(w, " of shipment %s", id)
				}
				if v.From != "" {
					fmt.Fprintf(w, " from %s", v.From)
				}
				fmt.Fprintln(w)
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&id, "shipment", "", "the shipment id (shp-N)")
	items.register(cmd, "what was received (default: what the shipment holds)")
	asFlag(cmd, &as, "medsupply-dist/warehouse")
	return cmd
}

func (c *CLI) supplyReturnCmd() *cobra.Command {
	var as string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "return --items CODE,... --as ORG/MEMBER",
		Short: "Send items back to the organization that shipped them to you",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, res, err := c.sendSupply(as, supply.TypeReturn, supply.ReturnBody{Items: its})
			if err != nil {
				return err
			}
			from, _, _ := strings.Cut(t.Signer, "/")
			v := shipmentView{sent: t, Shipment: eventAttr(res, supply.EventMoved, "shipment"), From: from, Items: codesOf(its)}
			var sh supply.Shipment
			if v.Shipment != "" && c.client().Get(c.ctx, "/v1/shipments/"+url.PathEscape(v.Shipment), &sh) == nil {
				v.To = sh.To
			}
			return c.print(v, func(w io.Writer) {
				fmt.Fprintf(w, "returned %s", plural(len(its), "item"))
				if v.To != "" {
					fmt.Fprintf(w, " to %s", v.To)
				}
				if v.Shipment != "" {
					fmt.Fprintf(w, ": shipment %s", v.Shipment)
				}
				fmt.Fprintln(w)
				t.text(w)
			})
		},
	}
	items.register(cmd, "what is returned")
	asFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

// getAllQuery reads every page of a list endpoint whose path has a query.
func getAllQuery[T any](c *CLI, path string, q url.Values) ([]T, error) {
	all := []T{}
	for {
		q.Set("limit", strconv.Itoa(api.MaxPageSize))
		var p api.Page[T]
		if err := c.client().Get(c.ctx, path+"?"+q.Encode(), &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(p.Items) == 0 {
			return all, nil
		}
		q.Set("cursor", p.NextCursor)
	}
}

func (c *CLI) supplyShipmentsCmd() *cobra.Command {
	var org, as string
	var outgoing bool
	cmd := &cobra.Command{
		Use:   "shipments --org ORG [--outgoing]",
		Short: "List an organization's open shipments: coming to it, or with --outgoing sent by it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if org == "" && as != "" {
				var err error
				if org, err = c.signerOrg(as); err != nil {
					return err
				}
			}
			if org == "" {
				return withHint(errors.New("--org is required"), "name the organization, e.g. --org medsupply-dist")
			}
			dir := "incoming"
			if outgoing {
				dir = "outgoing"
			}
			list, err := getAllQuery[supply.Shipment](c, "/v1/orgs/"+url.PathEscape(org)+"/shipments", url.Values{"direction": {dir}})
			if err != nil {
				return c.queryError(err, "")
			}
			return c.print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintf(w, "no open %s shipments of %s\n", dir, org)
					return
				}
				table(w, "ID\tFROM\tTO\tITEMS\tSTATUS\tHEIGHT\tTIME", func(tw io.Writer) {
					for _, s := range list {
						status := s.Status
						if s.Return {
							status += " (return)"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", s.ID, s.From, s.To, len(s.Items), status, s.Height, s.Time.Format(time.RFC3339))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "the organization")
	cmd.Flags().StringVar(&as, "as", "", "a local key of the organization's, as an alternative to --org")
	cmd.Flags().BoolVar(&outgoing, "outgoing", false, "list the shipments it sent, still in transit")
	return cmd
}

// --- leaving the chain ---

func (c *CLI) supplyDispenseCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "dispense CODE --as ORG/pharmacist",
		Short: "Dispense a pack to a patient (a pharmacy's pharmacist); the patient is not named",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			it, err := packOf(args[0])
			if err != nil {
				return err
			}
			t, _, err := c.sendSupply(as, supply.TypeDispense, supply.DispenseBody{GTIN: it.GTIN, Serial: it.Serial})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				Code   string `json:"code"`
				Status string `json:"status"`
			}{t, it.String(), supply.StatusDispensed}, func(w io.Writer) {
				fmt.Fprintf(w, "dispensed %s\n", it)
				t.text(w)
			})
		},
	}
	asFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *CLI) supplyDecommissionCmd() *cobra.Command {
	var as, reason string
	var items itemsFlag
	cmd := &cobra.Command{
		Use:   "decommission --reason REASON --items CODE,... --as ORG/MEMBER",
		Short: "Take packs or cases out of the supply chain: " + strings.Join(supply.DecommissionReasons, ", "),
		Long: `Take packs or cases you hold out of the supply chain for a reason: ` + strings.Join(supply.DecommissionReasons, ", ") + `.

A pack decommissioned as stolen answers "stolen" to verify-pack; either end
of a shipment may report its items stolen while they are in transit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(supply.DecommissionReasons, reason) {
				return withHint(fmt.Errorf("reason %q is not known", reason), "give --reason one of %s", strings.Join(supply.DecommissionReasons, ", "))
			}
			its, err := items.items(true)
			if err != nil {
				return err
			}
			t, _, err := c.sendSupply(as, supply.TypeDecommission, supply.DecommissionBody{Items: its, Reason: reason})
			if err != nil {
				return err
			}
			return c.print(struct {
				sent
				Reason string   `json:"reason"`
				Items  []string `json:"items"`
			}{t, reason, codesOf(its)}, func(w io.Writer) {
				fmt.Fprintf(w, "decommissioned %s (%s)\n", plural(len(its), "item"), reason)
				t.text(w)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why: "+strings.Join(supply.DecommissionReasons, ", "))
	items.register(cmd, "what is decommissioned")
	asFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *CLI) supplyRecallCmd() *cobra.Command {
	var as, gtin, lot, reason string
	cmd := &cobra.Command{
		Use:   "recall --gtin GTIN [--lot LOT] --reason TEXT --as ORG/MEMBER",
		Short: "Recall a lot, or every lot of a product (its manufacturer's admin, or a regulator)",
		Long: `Recall a lot, or without --lot every lot of a product.

The recall is written once, on the lot or the product, and reaches every pack
at once, and every case holding one: verify-pack answers "recalled" and
dispensing is refused. --reason is shown to whoever verifies a pack: say what
is wrong with the product, and nothing about any patient.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := gtinOf(gtin)
			if err != nil {
				return err
			}
			if lot != "" {
				if err := checkLot(g, lot); err != nil {
					return err
				}
			}
			if strings.TrimSpace(reason) == "" {
				return withHint(errors.New("--reason is required"), "say what is wrong with the product, e.g. --reason 'potency below specification'")
			}
			t, res, err := c.sendSupply(as, supply.TypeRecall, supply.RecallBody{GTIN: g, Lot: lot, Reason: reason})
			if err != nil {
				return err
			}
			id := eventAttr(res, supply.EventRecalled, "recall")
			return c.print(struct {
				sent
				ID     string `json:"id"`
				GTIN   string `json:"gtin"`
				Lot    string `json:"lot,omitempty"`
				Reason string `json:"reason"`
			}{t, id, g, lot, reason}, func(w io.Writer) {
				what := "every lot of " + g
				if lot != "" {
					what = "lot " + lot + " of " + g
				}
				fmt.Fprintf(w, "recalled %s: %s\n  recall %s\n", what, reason, id)
				t.text(w)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&gtin, "gtin", "", "the product's GTIN")
	f.StringVar(&lot, "lot", "", "the lot recalled (default: every lot)")
	f.StringVar(&reason, "reason", "", "why the product is recalled")
	asFlag(cmd, &as, "acme-pharma/admin")
	return cmd
}

// --- suspect products ---

func (c *CLI) supplyReportCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "report CODE --as ORG/MEMBER",
		Short: "Report a suspect pack (one verify-pack does not answer verified for) to the regulators and its manufacturer",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := supply.ParseCode(args[0]); err != nil {
				return badCode(args[0], err)
			}
			t, res, err := c.sendSupply(as, supply.TypeReport, supply.ReportBody{Code: args[0]})
			if err != nil {
				return err
			}
			id, result := eventAttr(res, supply.EventReported, "report"), eventAttr(res, supply.EventReported, "result")
			manufacturer := eventAttr(res, supply.EventReported, "manufacturer")
			return c.print(struct {
				sent
				ID           string `json:"id"`
				Code         string `json:"code"`
				Result       string `json:"result"`
				Manufacturer string `json:"manufacturer,omitempty"`
			}{t, id, args[0], result, manufacturer}, func(w io.Writer) {
				fmt.Fprintf(w, "reported %s (%s) as %s\n", args[0], result, id)
				t.text(w)
			})
		},
	}
	asFlag(cmd, &as, "cityrx-pharmacy/pharmacist")
	return cmd
}

func (c *CLI) supplyReportsCmd() *cobra.Command {
	var manufacturer string
	cmd := &cobra.Command{
		Use:   "reports [--manufacturer ORG]",
		Short: "List suspect-product reports: all of them, or those about a manufacturer's products",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/v1/supply/reports"
			if manufacturer != "" {
				path = "/v1/orgs/" + url.PathEscape(manufacturer) + "/suspect-reports"
			}
			list, err := getAll[supply.Report](c, path)
			if err != nil {
				return c.queryError(err, "")
			}
			return c.print(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no suspect-product reports")
					return
				}
				table(w, "ID\tRESULT\tCODE\tMANUFACTURER\tREPORTER\tHEIGHT\tTIME", func(tw io.Writer) {
					for _, r := range list {
						m := r.Manufacturer
						if m == "" {
							m = "-"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Result, r.Code, m, r.Reporter, r.Height, r.Time.Format(time.RFC3339))
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&manufacturer, "manufacturer", "", "only reports about this manufacturer's products")
	return cmd
}

// --- history ---

func (c *CLI) supplyHistoryCmd() *cobra.Command {
	var epcis bool
	cmd := &cobra.Command{
		Use:   "history CODE [--epcis]",
		Short: "A pack's or case's chain of custody, the cases it travelled in included",
		Long: `A pack's or case's chain of custody, oldest first: its own events, and
those of the cases and pallets it travelled in while it was inside them
(the VIA column names them). --epcis prints it as an EPCIS 2.0 JSON-LD
document instead.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			it, err := itemOf(args[0])
			if err != nil {
				return err
			}
			path := "/v1/packs/" + url.PathEscape(it.GTIN) + "/" + url.PathEscape(it.Serial) + "/history"
			if it.IsCase() {
				path = "/v1/cases/" + url.PathEscape(it.SSCC) + "/history"
			}
			notFound := "medledger verify-pack " + it.String() + " says what the chain knows of it"
			if epcis {
				var raw json.RawMessage
				if err := c.client().Get(c.ctx, path+"?format=epcis", &raw); err != nil {
					return c.queryError(err, notFound)
				}
				var b bytes.Buffer
				if err := json.Indent(&b, raw, "", "  "); err != nil {
					return err
				}
				b.WriteByte('\n')
				_, err := c.stdout.Write(b.Bytes())
				return err
			}
			var h supply.HistoryResponse
			if err := c.client().Get(c.ctx, path, &h); err != nil {
				return c.queryError(err, notFound)
			}
			return c.print(h, func(w io.Writer) {
				fmt.Fprintf(w, "chain of custody of %s (height %d)\n", h.Code, h.Height)
				table(w, "SEQ\tTIME\tEVENT\tBY\tDETAIL\tVIA", func(tw io.Writer) {
					for _, e := range h.Events {
						via := "-"
						if e.Via != "" {
							via = e.Via
						}
						fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Format(time.RFC3339), e.Type, e.Actor, historyDetail(it, e), via)
					}
				})
			})
		},
	}
	cmd.Flags().BoolVar(&epcis, "epcis", false, "print the history as an EPCIS 2.0 JSON-LD document")
	return cmd
}

// historyDetail says what an event of it's history did.
func historyDetail(it supply.Item, e supply.HistoryEntry) string {
	switch e.Type {
	case supply.EvCommission:
		return fmt.Sprintf("lot %s, expiry %s, %s", e.Lot, e.Expiry, plural(e.ItemCount, "pack"))
	case supply.EvAggregate:
		if it.IsCase() && e.Parent == it.SSCC {
			return fmt.Sprintf("%s packed into it", plural(e.ItemCount, "item"))
		}
		return "packed into " + supply.Case(e.Parent).String()
	case supply.EvDisaggregate:
		if it.IsCase() && e.Parent == it.SSCC {
			return fmt.Sprintf("%s taken out", plural(e.ItemCount, "item"))
		}
		return "taken out of " + supply.Case(e.Parent).String()
	case supply.EvShip:
		return fmt.Sprintf("shipment %s, %s -> %s", e.Shipment, e.From, e.To)
	case supply.EvReturn:
		return fmt.Sprintf("return %s, %s -> %s", e.Shipment, e.From, e.To)
	case supply.EvReceive:
		return fmt.Sprintf("shipment %s from %s, received by %s", e.Shipment, e.From, e.To)
	case supply.EvDispense:
		if e.Parent != "" && it.IsCase() {
			return fmt.Sprintf("%s dispensed from it", e.Items[0])
		}
		return "dispensed"
	case supply.EvDecommission:
		if e.Parent != "" && it.IsCase() && len(e.Items) > 0 {
			return fmt.Sprintf("%s decommissioned (%s)", e.Items[0], e.Reason)
		}
		return "decommissioned: " + e.Reason
	case supply.EvRecall:
		return fmt.Sprintf("recall %s: %s", e.Recall, e.Reason)
	}
	return ""
}

// --- EPCIS import ---

// opRef names a transaction of an EPCIS import: event N, and with K > 0
// its K-th transaction (an event may map to several).
type opRef struct{ event, k int }

func parseOpRef(s string) (opRef, error) {
	ev, k, hasK := strings.Cut(s, ".")
	var r opRef
	var err error
	if r.event, err = strconv.Atoi(ev); err != nil || r.event < 0 {
		return r, fmt.Errorf("%q is not an event index", s)
	}
	if hasK {
		if r.k, err = strconv.Atoi(k); err != nil || r.k < 1 {
			return r, fmt.Errorf("%q: the transaction of an event counts from 1", s)
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

func (c *CLI) supplyImportCmd() *cobra.Command {
	var as, from string
	var skip []string
	cmd := &cobra.Command{
		Use:   "import FILE.json --as ORG/MEMBER [--from N] [--skip N,...]",
		Short: "Import a trading partner's EPCIS 2.0 JSON document: each event becomes supply transactions, sent in order",
		Long: `Import an EPCIS 2.0 JSON(-LD) document.

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
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			fromRef, err := parseOpRef(from)
			if err != nil {
				return withHint(fmt.Errorf("--from %w", err), "give the index of the eventList entry to resume at, as the failed import said, e.g. --from 41")
			}
			skips := map[opRef]bool{}
			for _, s := range skip {
				r, err := parseOpRef(s)
				if err != nil {
					return withHint(fmt.Errorf("--skip %w", err), "give eventList indexes, e.g. --skip 43,45")
				}
				skips[r] = true
			}
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			ops, err := supply.ImportEPCIS(f)
			f.Close()
			if err != nil {
				return withHint(fmt.Errorf("%s: %s", file, codeReason(err)), "fix the document; nothing was sent")
			}
			s, err := c.signer(as)
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
				return withHint(fmt.Errorf("%s: nothing to import from event %s", file, fromRef), "the document's eventList has entries 0 to %d", lastEvent)
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
			txs := make([]bulkTx, len(todo))
			for i, o := range todo {
				txs[i] = bulkTx{signer: s, typ: o.Type, body: o.Body}
			}
			m := c.newMeter(len(events), "events", len(txs) > 200)
			began := time.Now()
			res, err := c.sendBulk(c.client(), txs, bulkOptions{Progress: func(done int) { m.set(eventsDone[done]) }})
			m.finish()
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
				Transactions: []importedTx{}, Seconds: took.Seconds(), Rate: perSecond(eventsDone[res.Committed], took)}
			for i, o := range todo {
				if res.Heights[i] > 0 {
					view.Transactions = append(view.Transactions, importedTx{o.Event, o.k, o.Type, res.Hashes[i], res.Heights[i]})
				}
			}
			if err != nil {
				return withHint(fmt.Errorf("%s: the import stopped after %d of %d events committed: %w", file, view.Committed, len(events), err),
					"transactions sent may still commit; medledger supply history CODE shows where an item stands before you resume with --from")
			}
			if res.Failed < 0 {
				return c.print(view, func(w io.Writer) {
					fmt.Fprintf(w, "imported %s (%s) from %s in %.1f s (%s events/s)\n  signer %s\n", plural(len(events), "EPCIS event"),
						plural(len(txs), "transaction"), file, took.Seconds(), thousands(int(view.Rate)), s.Key.ID)
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
			e := fmt.Errorf("%s: %s (%s) refused: %s", file, bad.where(), bad.Type, problemText(res.Problem))
			hint := fmt.Sprintf("%s committed before it and stay committed", plural(view.Committed, "event"))
			if bad.k > 1 {
				hint += fmt.Sprintf(", and the first %s of eventList[%d]", plural(bad.k-1, "transaction"), bad.Event)
			}
			if newSkips > 0 {
				hint += fmt.Sprintf("; events %s, sent in the same batch, committed too", strings.Join(skipped[:newSkips], ", "))
			}
			hint += fmt.Sprintf("; fix eventList[%d] and resume with medledger supply import %s --as %s %s", bad.Event, file, as, strings.Join(resume, " "))
			if h := supplyHint(res.Problem.Codespace, res.Problem.Title, bad.Type); h != "" {
				hint += " (" + h + ")"
			}
			if c.output == "json" {
				c.print(view, nil)
			}
			return withHint(e, "%s", hint)
		},
	}
	cmd.Flags().StringVar(&from, "from", "0", "resume at event N of the eventList (N.K: at its K-th transaction)")
	cmd.Flags().StringSliceVar(&skip, "skip", nil, "leave out these events (N or N.K), committed already")
	asFlag(cmd, &as, "acme-pharma/packager")
	return cmd
}
