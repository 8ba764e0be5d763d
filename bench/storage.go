package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Metrics the bench reads from the node's GET /metrics.
const (
	// storageMetric is the node's metric of its data folder's size on disk.
	storageMetric = `medledger_storage_bytes{part="total"}`
	// The blocks after which the node's view of its mempool was rebased or
	// rechecked in full (app.RecheckStats).
	rebasedMetric   = `medledger_mempool_view_blocks_total{how="rebased"}`
	recheckedMetric = `medledger_mempool_view_blocks_total{how="rechecked"}`
)

// Metrics reads the node's GET /metrics into a map from each sample's
// name with its labels, as the page writes them, to its value. A node
// that serves no metrics gives an empty map.
func Metrics(ctx context.Context, hc *http.Client, node string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(node, "/")+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]float64{}
	if res.StatusCode != http.StatusOK {
		return out, nil
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "medledger_") {
			continue
		}
		// The value is the last field: label values may hold spaces.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, value := line[:i], line[i+1:]
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("GET /metrics: %s %q: %w", name, value, err)
		}
		out[name] = f
	}
	return out, sc.Err()
}
