package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/dataset"
	"github.com/medledger/medledger/trials/site"
)

// uploadBytes is the most bytes of records one upload carries: well under
// the node's limits (site.MaxUploadBytes, and site.MaxBatchDocBytes for the
// records with their salts).
const uploadBytes = 16 << 20

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// split cuts records (as JSON lines) into batches of at most maxRecords
// records, maxSubjects distinct subjects and maxBytes bytes each.
func split(lines [][]byte, subjects []string, maxRecords, maxSubjects, maxBytes int) [][2]int {
	var out [][2]int
	start, size := 0, 0
	seen := map[string]bool{}
	for i, l := range lines {
		n := len(l) + 1
		newSubject := !seen[subjects[i]]
		if i > start && (i-start >= maxRecords || size+n > maxBytes || (newSubject && len(seen) >= maxSubjects)) {
			out = append(out, [2]int{start, i})
			start, size = i, 0
			clear(seen)
		}
		size += n
		seen[subjects[i]] = true
	}
	if start < len(lines) {
		out = append(out, [2]int{start, len(lines)})
	}
	return out
}

// anchoredBatch is one batch data add anchored.
type anchoredBatch struct {
	Batch    uint64   `json:"batch"`
	Root     string   `json:"root"`
	Count    int      `json:"count"`
	Ref      string   `json:"ref"`
	Subjects []string `json:"subjects"`
	Hash     string   `json:"tx_hash"`
	Height   int64    `json:"height"`
}

func (c *cmds) dataAddCmd() *cobra.Command {
	var as, subject, file, batch string
	cmd := &cobra.Command{
		Use:   "add T (--subject S --file FILE | --batch FILE) --as ORG/MEMBER",
		Short: "Add case-report records of a trial's subjects at your site: stored in your node's vault, anchored on the chain",
		Long: `Add case-report records, as a member of one of the trial's sites (a clinician,
coordinator or admin). A record is one subject's visit:

  {"subject": "psn-...", "visit": "week-12", "data": {"hba1c": 7.1}}

where subject is the participant's subject id (their pseudonym for this trial),
visit a label of 1 to 64 printable characters, and data the case-report
form's fields as a JSON object.

--subject S --file FILE adds one subject's records: FILE holds one record, a
JSON array or JSON lines, and a record without "subject" is S's.
--batch FILE adds the records of many subjects, a JSON array or JSON lines,
each naming its subject. A large file is sent in batches of at most
` + cmdline.Thousands(trials.MaxBatchRecords) + ` records, with progress on stderr.

Your node stores each batch encrypted in its vault, each record with a fresh
random salt, and answers the batch's Merkle root (RFC 6962); the command then
anchors the root, the count and the subjects on the chain (trials/data). The
chain refuses a batch with a subject who has not consented to the version the
trial requires, or who withdrew, and says why: then nothing of that batch is
anchored, and the copy stored at the node is an orphan that nothing refers to
(encrypted, harmless); fix the records and add them again.`,
		Example: `  medledger trials data add NCT09990001 --subject psn-... --file visit.json --as northside-hospital/dr-chen
  medledger trials data add NCT09990001 --batch crf-week12.jsonl --as northside-hospital/dr-chen`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			path := file
			switch {
			case file != "" && batch != "":
				return usage("--subject S --file FILE adds one subject's records, --batch FILE many subjects'", "give --file or --batch, not both")
			case file == "" && batch == "":
				return usage("--subject S --file FILE adds one subject's records, --batch FILE many subjects'", "no records given")
			case file != "" && subject == "":
				return usage("name the subject whose records FILE holds: --subject psn-... (medledger trials show lists the subjects)", "--file needs --subject")
			case batch != "" && subject != "":
				return usage("in a --batch file each record names its subject; --subject goes with --file", "--subject is for --file")
			case batch != "":
				path = batch
			}
			if subject != "" && !pseudonym.IsID(subject) {
				return usage("a subject id is the participant's pseudonym for the trial, psn- and 24 letters and digits", "subject %q is not a subject id", cmdline.Short(subject))
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return cmdline.FileErr(path, err, "")
			}
			recs, err := dataset.ParseRecords(b, subject)
			if err != nil {
				return cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(path), err),
					`each record is {"subject": "psn-...", "visit": "week-12", "data": {...}}, in a JSON array or one a line; see medledger trials data add --help`)
			}
			lines := make([][]byte, len(recs))
			subjects := make([]string, len(recs))
			for i, r := range recs {
				if subject != "" && r.Subject != subject {
					return usage("--file holds one subject's records; add several subjects' with --batch FILE", "record %d is of %s, not %s", i+1, r.Subject, subject)
				}
				if lines[i], err = json.Marshal(r); err != nil {
					return err
				}
				subjects[i] = r.Subject
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			return c.addData(s, as, trial, lines, subjects)
		},
	}
	cmd.Flags().StringVar(&subject, "subject", "", "the subject whose records --file holds (their pseudonym, psn-...)")
	cmd.Flags().StringVar(&file, "file", "", "one subject's records: a record, a JSON array or JSON lines")
	cmd.Flags().StringVar(&batch, "batch", "", "many subjects' records: a JSON array or JSON lines, each with its subject")
	cmdline.AsFlag(cmd, &as, "northside-hospital/dr-chen")
	return cmd
}

// addData stores the records at the node in batches, then anchors them.
func (c *cmds) addData(s client.Signer, as, trial string, lines [][]byte, subjects []string) error {
	cl := c.Client()
	parts := split(lines, subjects, trials.MaxBatchRecords, trials.MaxBatchSubjects, uploadBytes)
	many := len(parts) > 1
	began := time.Now()
	stored := c.NewMeter(len(lines), "records stored", many)
	var ups []site.DataUpload
	done := 0
	for _, p := range parts {
		var body []byte
		for _, l := range lines[p[0]:p[1]] {
			body = append(append(body, l...), '\n')
		}
		up, err := cl.UploadTrialData(c.Ctx, s, trial, body, "")
		if err != nil {
			stored.Finish()
			err = c.Explain(err, trials.TypeData, as)
			if len(ups) > 0 {
				err = cmdline.Hint(err, "nothing was anchored: add the file again once this is fixed")
			}
			return err
		}
		ups = append(ups, up)
		done += up.Count
		stored.Set(done)
	}
	stored.Finish()
	txs := make([]client.BulkTx, len(ups))
	for i, up := range ups {
		txs[i] = client.BulkTx{Signer: s, Type: trials.TypeData, Body: client.TrialDataBody(up)}
	}
	anchored := c.NewMeter(len(lines), "records anchored", many)
	res, err := cl.SendAll(c.Ctx, txs, client.BulkOptions{Progress: func(n int) {
		sum := 0
		for _, up := range ups[:n] {
			sum += up.Count
		}
		anchored.Set(sum)
	}})
	anchored.Finish()
	took := time.Since(began)
	var out []anchoredBatch
	count := 0
	for i, up := range ups {
		if res.Heights[i] == 0 {
			continue
		}
		ab := anchoredBatch{Root: up.Root, Count: up.Count, Ref: up.Ref, Subjects: up.Subjects, Hash: res.Hashes[i], Height: res.Heights[i]}
		if r, err := cl.TxAs(c.Ctx, s, res.Hashes[i], false); err == nil {
			ab.Batch, _ = strconv.ParseUint(cmdline.EventAttr(r, trials.EventData, "batch"), 10, 64)
		}
		out = append(out, ab)
		count += up.Count
	}
	if err == nil && res.Failed >= 0 {
		err = res.Err()
	}
	if err != nil {
		err = c.Explain(err, trials.TypeData, as)
		if len(out) > 0 {
			return cmdline.Hint(err, "%d of %d batches (%s records) were anchored; nothing of batch %d on was, and its copy at the node is an orphan nothing refers to: fix the records and add those again",
				len(out), len(ups), cmdline.Thousands(count), res.Failed+1)
		}
		if cmdline.HintOf(err) == "" {
			err = cmdline.Hint(err, "nothing was anchored; the copy stored at the node is an orphan nothing refers to (encrypted, harmless): fix the records and add them again")
		}
		return err
	}
	root := ""
	if len(out) > 0 {
		root = out[len(out)-1].Root
	}
	return c.Print(struct {
		Trial   string          `json:"trial"`
		Signer  string          `json:"signer"`
		Count   int             `json:"count"`
		Root    string          `json:"root"` // the last batch's; batches lists each
		Batches []anchoredBatch `json:"batches"`
		Seconds float64         `json:"seconds"`
		Rate    float64         `json:"records_per_second"`
	}{trial, s.Key.ID, count, root, out, took.Seconds(), cmdline.PerSecond(count, took)}, func(w io.Writer) {
		fmt.Fprintf(w, "anchored %s record(s) of trial %s in %d batch(es)\n", cmdline.Thousands(count), trial, len(out))
		for _, b := range out {
			fmt.Fprintf(w, "  batch %d  %s record(s)  root %s  height %d\n", b.Batch, cmdline.Thousands(b.Count), b.Root, b.Height)
		}
		fmt.Fprintf(w, "  signer %s\n", s.Key.ID)
	})
}

func (c *cmds) exportCmd() *cobra.Command {
	var as, out string
	cmd := &cobra.Command{
		Use:   "export T --out FILE --as ORG/MEMBER",
		Short: "Write a trial's full data export, each record with its proof, as its sponsor or a site",
		Long: `Write a trial's full data export, as a member of its sponsor or of one of its
sites: every batch anchored on the chain, read from the node that holds it
(its key wrapped for you) and checked against its anchored root, then written
as JSON lines:

  {"format": "` + dataset.Format + `", "trial": ..., "height": ..., "outcomes": [...], "batches": [...]}
  {"batch": 1, "index": 0, "leaf": {"salt": ..., "subject": ..., "visit": ..., "data": {...}}, "proof": "<base64>"}

Each record carries its inclusion proof in its batch's Merkle tree, so one
record can be proven on its own. A record of a participant who withdrew and
asked for their data to be removed keeps only its fingerprint ("excluded").
The file is written whole or not at all. The sponsor, a site or a
regulator's inspector checks it with medledger trials audit.`,
		Example: `  medledger trials export NCT09990001 --out export.jsonl --as heartwell-trials/coordinator
  medledger trials export NCT09990001 --out site-export.jsonl --as lakeside-clinic/dr-patel`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			f, err := cmdline.CreateOut("--out", out, 0o600)
			if err != nil {
				return err
			}
			defer f.Abort()
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			cl := c.Client()
			v, err := cl.Trial(c.Ctx, trial, 0)
			if err != nil {
				return c.ReadFail(err, "medledger trials list shows the registered trials")
			}
			m := c.NewMeter(int(v.Records), "records exported", v.Records > 100_000)
			sum, err := cl.ExportTrial(c.Ctx, s, trial, f, m.Set)
			m.Finish()
			if err != nil {
				var ce *client.Error
				if errors.As(err, &ce) && ce.Status == 404 && ce.Codespace == api.ErrNotFound.Codespace {
					return cmdline.Hint(err, "the batch is held by another node: send the export to the node of the site that stored it with --node URL")
				}
				return c.Explain(err, "", as)
			}
			if err := f.Commit(nil); err != nil {
				return err
			}
			return c.Print(struct {
				client.ExportSummary
				Out string `json:"out"`
			}{sum, out}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: trial %s at height %d\n", out, trial, sum.Height)
				fmt.Fprintf(w, "  records  %s in %d batch(es)\n", cmdline.Thousands(sum.Records), sum.Batches)
				if sum.Excluded > 0 {
					fmt.Fprintf(w, "  excluded %s (participants who withdrew and asked for their data to be removed: fingerprints only)\n", cmdline.Thousands(sum.Excluded))
				}
				fmt.Fprintf(w, "check it with: medledger trials audit %s --export %s --as %s\n", trial, out, as)
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the export to FILE")
	cmdline.AsFlag(cmd, &as, "heartwell-trials/coordinator")
	return cmd
}

func (c *cmds) auditCmd() *cobra.Command {
	var export, as string
	cmd := &cobra.Command{
		Use:   "audit T --export FILE --as ORG/MEMBER",
		Short: "Check a trial's data export against the chain: every record missing, changed or added, without consent, every outcome switch",
		Long: `Check a trial's data export (as medledger trials export writes it) against the
chain. A regulator's inspector, the sponsor or a site runs it (--as): it
needs only the file and a node's API, and sends no transaction, but reads the
trial's anchored batches (which subjects' records each holds) and its subjects
(their consents and withdrawals), which the node serves to them only, on a
signed request. It re-hashes every record and compares each
batch with the Merkle root the chain anchored, and reports:

  missing              records anchored on the chain but not in the export
  changed              records that do not hash to what was anchored
  added                records the chain never anchored
  without_consent      records of a subject who had no valid consent when the
                       batch was anchored, or who withdrew asking for removal
  outcome_switches     every outcome switch the chain recorded, and every
                       difference between the export's outcomes and the
                       declared ones (a switch without an amendment)
  unreported_outcomes  declared outcomes with no result posted

"ok" means the export is the anchored data, whole and unchanged (records of
participants who asked for removal left out, as they must be), nothing else,
every record's subject had consented, and the analysis uses the declared
outcomes. Declared switches and unreported outcomes are reported for the
reader to weigh; they do not make an export wrong. It exits 0 when ok, 1 when
not.`,
		Example: `  medledger trials audit NCT09990001 --export export.jsonl --as drug-regulator/inspector
  medledger trials audit NCT09990001 --export export.jsonl --as heartwell-trials/coordinator -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trial := args[0]
			if err := checkTrial(trial); err != nil {
				return err
			}
			if export == "" {
				return usage("give the export file, e.g. --export export.jsonl (medledger trials export writes one)", "--export is required")
			}
			s, err := c.Signer(as)
			if err != nil {
				return err
			}
			f, err := os.Open(export)
			if err != nil {
				return cmdline.FileErr(export, err, "")
			}
			defer f.Close()
			rep, err := c.Client().AuditTrial(c.Ctx, s, trial, f)
			if err != nil {
				if client.IsProblem(err) || client.IsUnreachable(err) {
					return c.ReadFail(err, "medledger trials list shows the registered trials")
				}
				return cmdline.Hint(cmdline.Fail(cmdline.ErrFile, "%s: %v", cmdline.Short(export), err), "give the file medledger trials export wrote for this trial")
			}
			if err := c.Print(rep, func(w io.Writer) { writeReport(w, rep) }); err != nil {
				return err
			}
			if !rep.OK {
				return &cmdline.ExitError{Code: 1, Err: cmdline.Hint(cmdline.Fail(cmdline.ErrNotVerified, "the export of trial %s does not match the chain: %s", trial, faults(rep)),
					"the findings name each record by batch and index; an honest export is one medledger trials export wrote, unchanged")}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&export, "export", "", "the export file to check (medledger trials export wrote it)")
	cmdline.AsFlag(cmd, &as, "drug-regulator/inspector")
	return cmd
}

// faults summarizes what makes a report not ok.
func faults(r dataset.Report) string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(len(r.Missing), "missing")
	add(len(r.Changed), "changed")
	add(len(r.Added), "added")
	add(len(r.WithoutConsent), "without consent")
	undeclared := 0
	for _, s := range r.OutcomeSwitches {
		if !s.Declared {
			undeclared++
		}
	}
	add(undeclared, "outcome(s) changed without an amendment")
	return strings.Join(parts, ", ")
}

func writeReport(w io.Writer, r dataset.Report) {
	verdict := "OK"
	if !r.OK {
		verdict = "NOT OK"
	}
	fmt.Fprintf(w, "%s: the export of trial %s (height %d) against the chain\n", verdict, r.Trial, r.Height)
	fmt.Fprintf(w, "  records   %s in %d batch(es)\n", cmdline.Thousands(r.Records), r.Batches)
	if len(r.Excluded) > 0 {
		fmt.Fprintf(w, "  excluded  %d (participants who withdrew and asked for their data to be removed)\n", len(r.Excluded))
	}
	list := func(title string, fs []dataset.Finding) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(fs))
		for i, f := range fs {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more (-o json lists them all)\n", len(fs)-20)
				break
			}
			subj := ""
			if f.Subject != "" {
				subj = " subject " + f.Subject
			}
			fmt.Fprintf(w, "  batch %d index %d%s: %s\n", f.Batch, f.Index, subj, f.Reason)
		}
	}
	list("missing", r.Missing)
	list("changed", r.Changed)
	list("added", r.Added)
	list("without consent", r.WithoutConsent)
	if len(r.OutcomeSwitches) > 0 {
		fmt.Fprintf(w, "outcome switches (%d):\n", len(r.OutcomeSwitches))
		for _, s := range r.OutcomeSwitches {
			how := "not declared: the export's outcomes differ from the chain's"
			if s.Declared {
				how = fmt.Sprintf("declared by version %d at height %d", s.Version, s.Height)
			}
			fmt.Fprintf(w, "  %s %s, %s\n", s.Outcome, s.Change, how)
		}
	}
	if len(r.UnreportedOutcomes) > 0 {
		fmt.Fprintf(w, "declared outcomes without a result: %s\n", strings.Join(r.UnreportedOutcomes, ", "))
	}
}
