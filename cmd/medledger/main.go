// Command medledger is the medledger node and its command-line client: one
// binary that runs a node (dev, init, start, testnet), signs and sends
// transactions (anchor, tx ...), reads the chain (status, query, verify) and
// measures it (bench).
//
// All wiring lives here: which modules the node runs (plugins.go), flags,
// the home folder and output. Errors go to stderr as
// "medledger: error: ..." followed by "medledger: hint: ..." when there is a
// fix to suggest.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	// A node allocates much short-lived garbage per transaction (JSON,
	// tree nodes); collecting at 4x the live heap instead of 2x bought
	// 5-10% throughput in BENCHMARKS.md. GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Run runs the command line args and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cli := &CLI{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	root := cli.root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		printError(stderr, err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

// hinted is an error with a hint that names the fix.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, format string, args ...any) error {
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// exitError carries a specific exit code (e.g. verify's "not anchored").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "medledger: error: %v\n", err)
	var h *hinted
	if errors.As(err, &h) && h.hint != "" {
		fmt.Fprintf(w, "medledger: hint: %s\n", h.hint)
	}
}
