package metrics

import (
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StorageParts are the folders of a home's data/ that Storage measures,
// by the part label they get.
var StorageParts = map[string]string{
	"state":    "app",           // the application's authenticated state
	"blocks":   "blockstore.db", // CometBFT's blocks
	"cometbft": "state.db",      // CometBFT's state (validators, results)
	"txindex":  "txindex.db",    // the node's transaction index
	"vault":    "vault",         // the vault's documents (disk driver)
}

// storageEvery bounds how often a scrape walks the folders (a scrape
// within it answers the last walk's sizes).
const storageEvery = 2 * time.Second

// Storage measures the home's data folder dataDir on scrape:
// medledger_storage_bytes by part (and "total", all of data/),
// medledger_vault_bytes, and medledger_storage_bytes_per_tx, the growth of
// data/ since the node started over the transactions committed since.
func (m *Metrics) Storage(dataDir string) {
	m.reg.MustRegister(&storage{m: m, dir: dataDir,
		bytes: prometheus.NewDesc(Namespace+"_storage_bytes", "Bytes on disk of the node's data folder, by part (total: all of data/).", []string{"part"}, nil),
		vault: prometheus.NewDesc(Namespace+"_vault_bytes", "Bytes of encrypted documents in the node's vault folder (0 with the S3 driver: watch the bucket).", nil, nil),
		perTx: prometheus.NewDesc(Namespace+"_storage_bytes_per_tx", "Growth of data/ since the node started, per transaction committed since.", nil, nil),
		start: DirBytes(dataDir)})
}

type storage struct {
	m                   *Metrics
	dir                 string
	bytes, vault, perTx *prometheus.Desc

	mu    sync.Mutex
	at    time.Time
	sizes map[string]int64
	start int64 // data/ when the node started
}

func (s *storage) Describe(ch chan<- *prometheus.Desc) { ch <- s.bytes; ch <- s.vault; ch <- s.perTx }

func (s *storage) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sizes == nil || time.Since(s.at) > storageEvery {
		s.sizes, s.at = map[string]int64{}, time.Now()
		for part, sub := range StorageParts {
			s.sizes[part] = DirBytes(filepath.Join(s.dir, sub))
		}
		s.sizes["total"] = DirBytes(s.dir)
	}
	for part, n := range s.sizes {
		ch <- prometheus.MustNewConstMetric(s.bytes, prometheus.GaugeValue, float64(n), part)
	}
	ch <- prometheus.MustNewConstMetric(s.vault, prometheus.GaugeValue, float64(s.sizes["vault"]))
	if txs := s.m.committed.Load(); txs > 0 {
		ch <- prometheus.MustNewConstMetric(s.perTx, prometheus.GaugeValue, float64(s.sizes["total"]-s.start)/float64(txs))
	}
}

// DirBytes is the bytes of the regular files under dir (0 if it is
// missing).
func DirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking (a compaction)
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
