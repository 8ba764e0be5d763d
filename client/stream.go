package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/medledger/medledger/api"
)

// ErrStreamOverflow ends a commit stream whose reader fell api.FeedBuffer
// blocks behind: the node disconnected it. Reconnect, and look up what was
// missed with Tx.
var ErrStreamOverflow = errors.New("the node disconnected this commit stream for falling behind")

// CommitStream is the node's commit stream (GET /v1/stream/commits): one
// event per committed block, with its transactions' hashes and results,
// and one for each transaction the mempool dropped without committing (its
// Dropped set, its Txs empty).
type CommitStream struct {
	// C delivers the events in the order the node sent them (blocks in
	// order; a drop after the block whose recheck refused it). It is
	// closed when the stream ends; Err then says why.
	C    <-chan api.CommitEvent
	err  error
	done chan struct{}
}

// Err is why the stream ended: nil when its context ended,
// ErrStreamOverflow, or the connection's failure. It blocks until C is
// closed.
func (s *CommitStream) Err() error {
	<-s.done
	return s.err
}

// Commits opens the commit stream. Events are buffered (1,024 blocks); the
// stream ends when ctx ends, when the node stops, or when the reader falls
// behind (ErrStreamOverflow).
func (c *Client) Commits(ctx context.Context) (*CommitStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+"/v1/stream/commits", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	// The stream lives as long as ctx: no overall timeout, only the
	// client's transport.
	hc := &http.Client{Transport: c.HTTP.Transport}
	res, err := hc.Do(req)
	if err != nil {
		return nil, &UnreachableError{Node: c.Base, Err: err}
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		return nil, fmt.Errorf("GET %s/v1/stream/commits: HTTP %d %s: the node does not stream commits (is it older than this client?)",
			c.Base, res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := make(chan api.CommitEvent, 1024)
	s := &CommitStream{C: events, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(events)
		defer res.Body.Close()
		s.err = readCommits(ctx, res.Body, events)
	}()
	return s, nil
}

// readCommits reads server-sent events from r until it ends, sending each
// "commit" and "dropped" event's data to events.
func readCommits(ctx context.Context, r io.Reader, events chan<- api.CommitEvent) error {
	sc := bufio.NewScanner(r)
	// A block's event lists every transaction: up to ~70 bytes each.
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	var event string
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			event = ""
		case bytes.HasPrefix(line, []byte("event: ")):
			event = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")) && (event == "commit" || event == "dropped"):
			var ev api.CommitEvent
			if err := json.Unmarshal(line[len("data: "):], &ev); err != nil {
				return fmt.Errorf("bad commit event: %w", err)
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return nil
			}
		case event == "overflow":
			return ErrStreamOverflow
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}
