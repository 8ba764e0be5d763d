// The commit feed: GET /v1/stream/commits, server-sent events: a "commit"
// event per block, and a "dropped" event when the mempool drops a
// transaction that no block will hold.

package api

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// CommitEvent is the data of one "commit" event of GET /v1/stream/commits:
// a committed block's transactions, in block order. An event with Dropped
// is a "dropped" event instead: transactions that a recheck after block
// Height refused, so that the mempool dropped them and no block will hold
// them (its Txs are empty; a reader that knows only "commit" events skips
// it).
type CommitEvent struct {
	Height  int64       `json:"height"`
	Txs     []CommitTx  `json:"txs"`
	Dropped []DroppedTx `json:"dropped,omitempty"`
}

// DroppedTx is a transaction the mempool dropped, and why: the problem a
// submission would have been answered with.
type DroppedTx struct {
	Hash    string  `json:"hash"` // upper-case hex
	Problem Problem `json:"problem"`
}

// CommitTx is one transaction of a CommitEvent.
type CommitTx struct {
	Hash      string `json:"hash"` // upper-case hex, as GET /v1/tx/{hash} prints it
	Code      uint32 `json:"code"` // 0: applied; else refused, with Codespace
	Codespace string `json:"codespace,omitempty"`
}

// FeedBuffer is how many blocks a commit-stream subscriber may fall behind
// before it is disconnected.
const FeedBuffer = 64

// MaxStreams is how many commit streams a node serves at once unless its
// feed says otherwise (CommitFeed.Max): each holds a connection and a
// buffer, and a stream has no write deadline, so without a bound idle
// subscribers could exhaust the node. One more is refused with 503.
const MaxStreams = 256

// CommitFeed fans committed blocks out to server-sent-event subscribers.
// Publish never blocks the chain: a subscriber that falls FeedBuffer
// blocks behind is disconnected (its stream ends) and must reconnect and
// look up what it missed with GET /v1/tx/{hash}. The zero value is ready.
//
// A stream never ends by itself, so a server that shuts down MUST Close
// the feed (http.Server.RegisterOnShutdown), or its graceful shutdown waits
// for every stream until it times out.
type CommitFeed struct {
	// Max bounds the streams served at once; 0 means MaxStreams.
	Max int

	mu     sync.Mutex
	subs   map[chan []byte]struct{}
	closed chan struct{} // closed by Close; made on first use, under mu
}

// closing returns the channel that Close closes. The caller holds f.mu.
func (f *CommitFeed) closing() chan struct{} {
	if f.closed == nil {
		f.closed = make(chan struct{})
	}
	return f.closed
}

// Close ends every open stream at once and refuses new ones (503): the
// server is shutting down. Close is idempotent.
func (f *CommitFeed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.closing()
	select {
	case <-c:
	default:
		close(c)
	}
}

// Subscribed reports whether anyone listens, so a publisher can skip the
// work of building an event.
func (f *CommitFeed) Subscribed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs) > 0
}

// Publish sends ev to every subscriber without waiting: a "commit" event,
// or a "dropped" one when ev has Dropped.
func (f *CommitFeed) Publish(ev CommitEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.subs) == 0 {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return // NOTE: plain strings and integers always encode
	}
	name := "commit"
	if len(ev.Dropped) > 0 {
		name = "dropped"
	}
	frame := make([]byte, 0, len(b)+32)
	frame = append(append(append(append(frame, "event: "...), name...), "\ndata: "...), b...)
	frame = append(frame, "\n\n"...)
	for ch := range f.subs {
		select {
		case ch <- frame:
		default:
			close(ch)
			delete(f.subs, ch)
		}
	}
}

// ServeHTTP streams "commit" and "dropped" events (text/event-stream)
// until the client goes away, falls behind, or the feed is closed.
func (f *CommitFeed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		WriteProblem(w, r, ErrUnavailable.New("this connection cannot stream"))
		return
	}
	ch := make(chan []byte, FeedBuffer)
	f.mu.Lock()
	closed := f.closing()
	select {
	case <-closed:
		f.mu.Unlock()
		WriteProblem(w, r, ErrUnavailable.New("the node is shutting down; reconnect when it is back"))
		return
	default:
	}
	if f.subs == nil {
		f.subs = map[chan []byte]struct{}{}
	}
	limit := f.Max
	if limit <= 0 {
		limit = MaxStreams
	}
	if len(f.subs) >= limit {
		f.mu.Unlock()
		WriteProblem(w, r, ErrUnavailable.New("this node serves %d commit streams already, its limit; retry later, or follow another node", limit))
		return
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	// A stream lasts as long as the subscriber listens: the server's read
	// and write deadlines (HTTPServer) are lifted for it.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, ": subscribed\n\n")
	fl.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case b, ok := <-ch:
			if !ok {
				io.WriteString(w, "event: overflow\ndata: {}\n\n")
				fl.Flush()
				return
			}
			w.Write(b)
			fl.Flush()
		case <-keepalive.C:
			io.WriteString(w, ": keepalive\n\n")
			fl.Flush()
		case <-r.Context().Done():
			return
		case <-closed:
			return
		}
	}
}
