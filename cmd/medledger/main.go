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
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/medledger/medledger/cmdline"
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
	env := &cmdline.Env{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, Modules: modules()}
	cli := &CLI{Env: env}
	root := cli.root()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		cmdline.PrintError(stdout, stderr, err, env.JSON())
	}
	stderr.Write(cli.warnings.Bytes())
	if err != nil {
		var ee *cmdline.ExitError
		if errors.As(err, &ee) {
			return ee.Code
		}
		return 1
	}
	return 0
}
