package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// storageMetric is the node's metric of its data folder's size on disk.
const storageMetric = `medledger_storage_bytes{part="total"}`

// StorageBytes reads the bytes of the node's data folder on disk from its
// GET /metrics (medledger_storage_bytes, part "total"). It returns false
// when the node serves no such metric (an older node, or the kvstore
// baseline).
func StorageBytes(ctx context.Context, hc *http.Client, node string) (int64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(node, "/")+"/metrics", nil)
	if err != nil {
		return 0, false, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, false, nil
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || name != storageMetric {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return 0, false, fmt.Errorf("GET /metrics: %s %q: %w", storageMetric, value, err)
		}
		return int64(f), true, nil
	}
	return 0, false, sc.Err()
}
