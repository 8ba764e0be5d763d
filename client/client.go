// Package client is the Go client of a medledger node's REST API, used by
// the CLI and the tests. Besides calls it builds signed transactions and
// checks the proofs the node returns against block headers signed by the
// validators, so a caller who trusts only the genesis need not trust the
// node it talks to.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/api"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/records"
	"github.com/medledger/medledger/tx"
)

// DefaultNode is the API address of `medledger dev`.
const DefaultNode = "http://127.0.0.1:26680"

// DefaultTimeout bounds each call of a client, unless its context ends
// sooner: a node that stopped answering (paused, overloaded, a network
// that drops packets) does not hang its caller. A commit request
// (mode=commit) is given api.DefaultCommitTimeout more, which the node
// waits for the block.
const DefaultTimeout = 20 * time.Second

// MaxResponseBytes bounds what a client reads of one answer: the largest a
// node sends is a vault document (fhir.MaxDocumentSize) in base64 with its
// wrapped key, or a page of a list. A larger answer is refused, so that a
// node (or anything between) cannot make its client exhaust memory.
const MaxResponseBytes = 32 << 20

// Client talks to one node.
type Client struct {
	Base string // e.g. http://127.0.0.1:26680
	HTTP *http.Client
	// Timeout bounds each call (DefaultTimeout when 0); a context with an
	// earlier deadline wins.
	Timeout time.Duration
	// LookupPurpose is the purpose of use (records.Purposes) that this
	// client's reads of a patient's metadata declare in their
	// records/lookup; "" for treatment (TREAT).
	LookupPurpose string
}

// New returns a client for base.
func New(base string) *Client {
	// NOTE: the http.Client's own timeout is a backstop for code that
	// calls c.HTTP directly; the client's calls are bounded by Timeout.
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: DefaultTimeout + api.DefaultCommitTimeout}, Timeout: DefaultTimeout}
}

// bounded returns ctx with the client's per-call deadline, plus extra.
func (c *Client) bounded(ctx context.Context, extra time.Duration) (context.Context, context.CancelFunc) {
	d := c.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	return context.WithTimeout(ctx, d+extra)
}

// Error is a problem document returned by the node: a refusal or a
// failure the node reports, with its stable code.
type Error struct{ api.Problem }

// Error is "CODE (codespace/N, HTTP n): detail", the one form in which
// medledger shows a node's error; the parts the problem lacks are left out.
func (e *Error) Error() string {
	var where []string
	if e.Codespace != "" {
		where = append(where, fmt.Sprintf("%s/%d", e.Codespace, e.Code))
	}
	if e.Status != 0 {
		where = append(where, fmt.Sprintf("HTTP %d", e.Status))
	}
	s := e.Title
	if len(where) > 0 {
		s += " (" + strings.Join(where, ", ") + ")"
	}
	return s + ": " + e.Detail
}

// UnreachableError is a node that did not answer: not running, another
// address, or the network between.
type UnreachableError struct {
	Node string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("node %s unreachable: %v", e.Node, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err is a node that did not answer.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

// IsCode reports whether err is a node error of codespace and slug.
func IsCode(err error, codespace, slug string) bool {
	var e *Error
	return errors.As(err, &e) && e.Codespace == codespace && e.Title == slug
}

// IsProblem reports whether err is the node's answer (a problem document),
// not a failure to reach it.
func IsProblem(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

// send performs req within the client's timeout and decodes the answer
// into out (a *json.RawMessage takes it as it is; nil discards it), or
// returns the node's problem document as an *Error.
func (c *Client) send(req *http.Request, out any) error {
	extra := time.Duration(0)
	if req.URL.Query().Get("mode") == "commit" || req.Header.Get(records.LookupHeader) != "" {
		// NOTE: a read that carries a records/lookup waits for it to commit.
		extra = api.DefaultCommitTimeout
	}
	parent := req.Context()
	ctx, cancel := c.bounded(parent, extra)
	defer cancel()
	req = req.WithContext(ctx)
	res, err := c.HTTP.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return parent.Err()
		}
		if ctx.Err() == context.DeadlineExceeded {
			return &UnreachableError{Node: c.Base, Err: fmt.Errorf("no answer within %s: %w", c.timeout()+extra, err)}
		}
		return &UnreachableError{Node: c.Base, Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBytes+1))
	if err != nil {
		return &UnreachableError{Node: c.Base, Err: fmt.Errorf("the answer broke off: %w", err)}
	}
	if len(b) > MaxResponseBytes {
		return fmt.Errorf("%s %s: the node's answer is over %d bytes, more than any answer a node sends; refused", req.Method, req.URL.Path, MaxResponseBytes)
	}
	if res.StatusCode >= 300 {
		var p api.Problem
		if json.Unmarshal(b, &p) == nil && p.Title != "" {
			return &Error{p}
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, res.StatusCode, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = b
		return nil
	}
	return json.Unmarshal(b, out)
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// Get fetches path (e.g. "/v1/orgs") into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}

// Status of the node.
func (c *Client) Status(ctx context.Context) (api.StatusResponse, error) {
	var s api.StatusResponse
	return s, c.Get(ctx, "/v1/status", &s)
}

// Submit sends a signed transaction with mode async, sync or commit.
func (c *Client) Submit(ctx context.Context, raw []byte, mode string) (api.TxResponse, error) {
	var r api.TxResponse
	return r, c.do(ctx, http.MethodPost, "/v1/tx?mode="+url.QueryEscape(mode), api.TxRequest{Tx: raw}, &r)
}

// SubmitRaw sends one signed transaction as application/octet-stream, the
// cheapest form for the node to read; mode as in Submit.
func (c *Client) SubmitRaw(ctx context.Context, raw []byte, mode string) (api.TxResponse, error) {
	var r api.TxResponse
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/v1/tx?mode="+url.QueryEscape(mode), bytes.NewReader(raw))
	if err != nil {
		return r, err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	return r, c.send(req, &r)
}

// SubmitBatch sends signed transactions with POST /v1/txs: one result per
// transaction, in order.
func (c *Client) SubmitBatch(ctx context.Context, req api.BatchRequest) (api.BatchResponse, error) {
	var r api.BatchResponse
	return r, c.do(ctx, http.MethodPost, "/v1/txs", req, &r)
}

// Tx looks up a committed transaction by hex hash.
func (c *Client) Tx(ctx context.Context, hash string, prove bool) (api.TxResponse, error) {
	var r api.TxResponse
	return r, c.Get(ctx, fmt.Sprintf("/v1/tx/%s?prove=%t", hash, prove), &r)
}

// Block fetches a block (0: latest).
func (c *Client) Block(ctx context.Context, height int64) (api.BlockResponse, error) {
	var r api.BlockResponse
	h := "latest"
	if height > 0 {
		h = fmt.Sprint(height)
	}
	return r, c.Get(ctx, "/v1/blocks/"+h, &r)
}

// State reads a raw state key, optionally with a proof, at a height (0: latest).
func (c *Client) State(ctx context.Context, key string, prove bool, height int64) (api.StateResponse, error) {
	var r api.StateResponse
	q := fmt.Sprintf("?prove=%t", prove)
	if height > 0 {
		q += fmt.Sprintf("&height=%d", height)
	}
	return r, c.Get(ctx, "/v1/state/"+escapeKey(key)+q, &r)
}

func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// Signer signs transactions as one identity for one chain.
type Signer struct {
	Key     *keystore.Key
	ChainID string
	// TTL is how many blocks past the current height a transaction stays
	// valid; default 600.
	TTL int64
}

// Build signs a transaction of type typ with body, expiring TTL blocks after
// height.
func (s Signer) Build(typ string, body any, height int64) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = 600
	}
	var n [12]byte
	if _, err := rand.Read(n[:]); err != nil {
		return nil, err
	}
	return tx.Sign(s.Key.Sign, tx.Payload{ChainID: s.ChainID, Type: typ, Signer: s.Key.ID, KeyID: s.Key.KeyID(),
		Nonce: hex.EncodeToString(n[:]), Expires: height + ttl, Body: b})
}

// Send builds, signs and submits a transaction, reading the chain's height
// first; mode as in Submit. A commit request whose answer never came
// (the node stopped, or the connection broke) is looked up by its hash
// (Settle): its outcome is reported as committed when it was, else as an
// *OutcomeUnknownError.
func (c *Client) Send(ctx context.Context, s Signer, typ string, body any, mode string) (api.TxResponse, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return api.TxResponse{}, err
	}
	if s.ChainID == "" {
		s.ChainID = st.ChainID
	}
	raw, err := s.Build(typ, body, st.LatestHeight)
	if err != nil {
		return api.TxResponse{}, err
	}
	res, err := c.Submit(ctx, raw, mode)
	if err != nil && mode == "commit" && !IsProblem(err) && ctx.Err() == nil {
		return c.settle(ctx, &s, raw, err)
	}
	return res, err
}

// OutcomeUnknownError is a transaction sent whose outcome the client could
// not learn: the node did not answer the submission, and a lookup by hash
// found it neither committed nor refused. It may still commit: look it up
// later by Hash.
type OutcomeUnknownError struct {
	Hash string
	Err  error // why the submission got no answer
	// Lookup is why the lookup did not settle it (nil: the node answered
	// that it is not committed, as of now).
	Lookup error
}

func (e *OutcomeUnknownError) Error() string {
	s := fmt.Sprintf("outcome unknown: transaction %s was sent but the node did not answer (%v); ", e.Hash, e.Err)
	if e.Lookup != nil {
		return s + fmt.Sprintf("looking it up failed too (%v)", e.Lookup)
	}
	return s + "it is not committed as of now, and may still be"
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// SettleWait is how long Settle looks for a transaction whose commit
// request got no answer.
const SettleWait = 10 * time.Second

// Settle learns the outcome of raw, whose submission failed with sendErr
// before the node answered: it looks the transaction up by hash (GET
// /v1/tx/{hash}) for up to SettleWait. A committed transaction returns its
// result (a refusal in its block as an *Error, as Submit would); else an
// *OutcomeUnknownError.
func (c *Client) Settle(ctx context.Context, raw []byte, sendErr error) (api.TxResponse, error) {
	return c.settle(ctx, nil, raw, sendErr)
}

// settle is Settle, with the look-ups signed by s when it is not nil: a
// transaction about a patient shows its events (the ids it made) only to
// its signer (api.Private), and its sender wants them.
func (c *Client) settle(ctx context.Context, s *Signer, raw []byte, sendErr error) (api.TxResponse, error) {
	hash := fmt.Sprintf("%X", tx.Hash(raw))
	ctx, cancel := context.WithTimeout(ctx, SettleWait)
	defer cancel()
	var lookupErr error
	for {
		var r api.TxResponse
		var err error
		if s != nil {
			r, err = c.TxAs(ctx, *s, hash, false)
		}
		if s == nil || err != nil && !IsCode(err, "api", "not-found") {
			// Unsigned too: a signature a proxy broke (another Host)
			// still learns the outcome, if not the events.
			r, err = c.Tx(ctx, hash, false)
		}
		switch {
		case err == nil && r.Code == 0:
			r.Committed, r.Mode = true, "commit"
			return r, nil
		case err == nil:
			return r, &Error{api.Problem{Title: r.Slug, Codespace: r.Codespace, Code: r.Code, Detail: r.Log, Hash: r.Hash, Height: r.Height}}
		case IsCode(err, "api", "not-found"):
			lookupErr = nil
		default:
			lookupErr = err
		}
		select {
		case <-ctx.Done():
			return api.TxResponse{Hash: hash}, &OutcomeUnknownError{Hash: hash, Err: sendErr, Lookup: lookupErr}
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// HasCode reports whether err is a node error of code c (its codespace and
// number; the slug is not compared).
func HasCode(err error, c medledger.Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Codespace == c.Codespace && e.Code == c.Code
}
