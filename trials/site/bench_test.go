package site_test

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
	"github.com/medledger/medledger/trials/dataset"
)

// benchRecords is how many records BenchmarkTrials1M anchors, exports and
// audits; MEDLEDGER_BENCH_RECORDS overrides it (for a quick run).
func benchRecords(b *testing.B) int {
	if v := os.Getenv("MEDLEDGER_BENCH_RECORDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("MEDLEDGER_BENCH_RECORDS=%q", v)
		}
		return n
	}
	return 1_000_000
}

// benchSubjects enrols and consents n participants of trial at
// northside-hospital, through bulk submission.
func benchSubjects(b *testing.B, n *node, trial string, count int) []string {
	var enrol, consent []client.BulkTx
	ids := make([]string, count)
	for i := range ids {
		_, master, _ := ed25519.GenerateKey(rand.Reader)
		k, err := pseudonym.Derive(master, trials.Context(trial))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = k.ID()
		enrol = append(enrol, client.BulkTx{Signer: n.Signer("northside-hospital/dr-chen"), Type: trials.TypeEnroll, Body: trials.EnrollBody{Trial: trial, SignKey: k.SignPub(), EncKey: k.EncPub()}})
		consent = append(consent, client.BulkTx{Signer: client.Signer{Key: &keystore.Key{Name: "p", ID: k.ID(), Sign: k.Sign, Enc: k.Enc}}, Type: trials.TypeConsent,
			Body: trials.ConsentBody{Trial: trial, Site: "northside-hospital"}})
	}
	for _, txs := range [][]client.BulkTx{enrol, consent} {
		res, err := n.Client.SendAll(n.ctx, txs, client.BulkOptions{Pipeline: true})
		if err != nil || res.Failed >= 0 {
			b.Fatalf("setup: %v %+v", err, res.Problem)
		}
	}
	return ids
}

// BenchmarkTrials1M anchors a million case-report records through the
// node's trials service and the chain, as `medledger trials data add
// --batch` does (batches of trials.MaxBatchRecords: each stored in the
// vault, then every batch's trials/data sent in one bulk submission), then
// writes the trial's export through the client and audits it:
//
//	go test -run '^$' -bench Trials1M -benchtime 1x -timeout 30m ./trials/site
//
// It reports anchored records/s, and the seconds of the export and of
// the audit (dataset.Audit of the export file against the chain), and
// the CPU time of anchoring per record and of the audit.
func BenchmarkTrials1M(b *testing.B) {
	n := startNode(b)
	const trial = "NCT09990099"
	n.register(b, trial)
	total := benchRecords(b)
	subjects := benchSubjects(b, n, trial, 1000)
	chen, coord := n.Signer("northside-hospital/dr-chen"), n.Signer("heartwell-trials/coordinator")

	// The records, as JSON lines, cut as the command line cuts them.
	var chunks [][]byte
	for start := 0; start < total; start += trials.MaxBatchRecords {
		var buf []byte
		for i := start; i < min(start+trials.MaxBatchRecords, total); i++ {
			buf = fmt.Appendf(buf, `{"subject":%q,"visit":"week-%d","data":{"hba1c":%d.%d,"weight_kg":%d.%d,"hypo_episodes":%d}}`+"\n",
				subjects[i%len(subjects)], i/len(subjects)%52, 6+i%4, i%10, 70+i%40, i%10, i%3)
		}
		chunks = append(chunks, buf)
	}

	export := filepath.Join(b.TempDir(), "export.jsonl")
	var anchorSecs, exportSecs, auditSecs float64
	var anchorCPU, auditCPU time.Duration
	for b.Loop() {
		began, cpu := time.Now(), cpuTime()
		txs := make([]client.BulkTx, len(chunks))
		for i, c := range chunks {
			up, err := n.Client.UploadTrialData(n.ctx, chen, trial, c, "")
			if err != nil {
				b.Fatal(err)
			}
			txs[i] = client.BulkTx{Signer: chen, Type: trials.TypeData, Body: client.TrialDataBody(up)}
		}
		res, err := n.Client.SendAll(n.ctx, txs, client.BulkOptions{})
		if err != nil || res.Failed >= 0 {
			b.Fatalf("anchor: %v %+v", err, res.Problem)
		}
		anchorSecs += time.Since(began).Seconds()
		anchorCPU += cpuTime() - cpu

		began = time.Now()
		f, err := os.Create(export)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		sum, err := n.Client.ExportTrial(n.ctx, coord, trial, w, nil)
		if err == nil {
			err = w.Flush()
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		exportSecs += time.Since(began).Seconds()

		ch, err := n.Client.TrialAuditChain(n.ctx, coord, trial)
		if err != nil {
			b.Fatal(err)
		}
		began, cpu = time.Now(), cpuTime()
		f, err = os.Open(export)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := dataset.Audit(f, ch)
		f.Close()
		auditSecs += time.Since(began).Seconds()
		auditCPU += cpuTime() - cpu
		if err != nil || !rep.OK || rep.Records != sum.Records {
			b.Fatalf("audit: %v ok=%v records %d of %d", err, rep.OK, rep.Records, sum.Records)
		}
	}
	iters := float64(b.N)
	b.ReportMetric(float64(total)*iters/anchorSecs, "anchored-records/s")
	b.ReportMetric(exportSecs/iters, "export-s")
	b.ReportMetric(auditSecs/iters, "audit-s")
	// CPU time, which other jobs on a shared machine inflate far less than
	// wall time: of the whole process for anchoring (client, service, node),
	// mostly the audit's for the audit (the idle node ticks beside it).
	b.ReportMetric(float64(anchorCPU.Microseconds())/(float64(total)*iters), "anchor-cpu-µs/record")
	b.ReportMetric(auditCPU.Seconds()/iters, "audit-cpu-s")
	if fi, err := os.Stat(export); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "export-MiB")
	}
}

// BenchmarkStoreBatch is the service's side of one batch of
// trials.MaxBatchRecords records alone (parse, leaves, tree, encrypt,
// store), through its route, without the chain.
func BenchmarkStoreBatch(b *testing.B) {
	n := startNode(b)
	const trial = "NCT09990098"
	n.register(b, trial)
	subjects := benchSubjects(b, n, trial, 100)
	var buf []byte
	for i := range trials.MaxBatchRecords {
		buf = fmt.Appendf(buf, `{"subject":%q,"visit":"week-%d","data":{"hba1c":%d.%d}}`+"\n", subjects[i%len(subjects)], i%52, 6+i%4, i%10)
	}
	chen := n.Signer("northside-hospital/dr-chen")
	var once sync.Once
	for b.Loop() {
		if _, err := n.Client.UploadTrialData(n.ctx, chen, trial, buf, ""); err != nil {
			once.Do(func() { b.Fatal(err) })
		}
	}
	b.ReportMetric(float64(trials.MaxBatchRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}
