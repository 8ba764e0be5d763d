package cmdline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// CreatesHome is the annotation of a command that may create its --home;
// for the others a --home that does not exist is an error.
const CreatesHome = "medledger-creates-home"

// TimeFormat is how commands print instants in text output.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Env is what every command shares. cmd/medledger fills it in from the
// flags every command takes before a command runs; commands read it only
// when they run.
type Env struct {
	Ctx    context.Context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Home is --home as given; "" means DefaultHome.
	Home string
	// Node is --node as given; "" or client.DefaultNode means the API
	// address in the home's config, else client.DefaultNode.
	Node string
	// Output is -o: "text" (or "") or "json".
	Output string

	// Modules are the modules wired in: their hints and transaction
	// policies word the CLI's advice.
	Modules []Module
}

// DefaultHome is the home folder without --home: medledger under the
// user's configuration folder.
func DefaultHome() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "medledger")
	}
	return filepath.Join(os.TempDir(), "medledger")
}

// HomeDir is the home folder: --home, else DefaultHome.
func (e *Env) HomeDir() node.Home {
	if e.Home != "" {
		return node.Home(e.Home)
	}
	return node.Home(DefaultHome())
}

// Keystore is the home's keystore.
func (e *Env) Keystore() keystore.Store { return keystore.Store{Dir: e.HomeDir().KeysDir()} }

// Client is a client of the node at APIURL.
func (e *Env) Client() *client.Client { return client.New(e.APIURL()) }

// APIURL is --node when given, else the API address in the home's
// config/medledger.json (so that --home reaches a node started with it),
// else client.DefaultNode.
func (e *Env) APIURL() string {
	if e.Node != "" && e.Node != client.DefaultNode {
		return e.Node
	}
	if url := homeAPI(e.HomeDir()); url != "" {
		return url
	}
	return client.DefaultNode
}

// homeAPI is the API URL configured in home h, or "".
func homeAPI(h node.Home) string {
	b, err := os.ReadFile(h.AppConfigFile())
	if err != nil {
		return ""
	}
	var ac node.AppConfig
	if json.Unmarshal(b, &ac) != nil || ac.APIListen == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(ac.APIListen)
	if err != nil {
		return ""
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// JSON reports whether output is JSON (-o json).
func (e *Env) JSON() bool { return e.Output == "json" }

// CheckOutput refuses an unknown -o value.
func (e *Env) CheckOutput() error {
	switch e.Output {
	case "json", "text", "":
		return nil
	}
	return Hint(Usage("unknown output format %q", Short(e.Output)), "use -o text or -o json")
}

// Print writes v as JSON with -o json, else calls text.
func (e *Env) Print(v any, text func(w io.Writer)) error {
	if err := e.CheckOutput(); err != nil {
		return err
	}
	if e.JSON() {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(e.Stdout)
	return nil
}

// Logf writes a line of progress for a person; nothing with -o json.
func (e *Env) Logf(format string, args ...any) {
	if !e.JSON() {
		fmt.Fprintf(e.Stdout, format, args...)
	}
}

// Table writes rows under header, in aligned columns (tab-separated input).
func Table(w io.Writer, header string, rows func(tw io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

// FileExists reports whether p exists.
func FileExists(p string) bool { _, err := os.Stat(p); return err == nil }
