package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// CLI holds what every command shares.
type CLI struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer

	home    string
	nodeURL string
	output  string
}

func (c *CLI) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "medledger",
		Short:         "medledger: a permissioned blockchain for healthcare",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Refuse a bad -o before any command acts: a transaction must not be
		// sent, nor a home created, only for its output to be refused.
		PersistentPreRunE: func(*cobra.Command, []string) error { return c.checkOutput() },
	}
	root.PersistentFlags().StringVar(&c.home, "home", "", "home folder of the node and keystore (default: "+defaultHome()+")")
	root.PersistentFlags().StringVar(&c.nodeURL, "node", client.DefaultNode, "API address of the node to talk to")
	root.PersistentFlags().StringVarP(&c.output, "output", "o", "text", "output format: text or json")
	root.AddCommand(c.devCmd(), c.initCmd(), c.startCmd())
	for _, add := range extraCommands {
		root.AddCommand(add(c))
	}
	return root
}

// extraCommands are added by the other files of this package (one file per
// verb), so that adding a verb touches only its own file.
var extraCommands []func(*CLI) *cobra.Command

func defaultHome() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "medledger")
	}
	return filepath.Join(os.TempDir(), "medledger")
}

func (c *CLI) homeDir() node.Home {
	if c.home != "" {
		return node.Home(c.home)
	}
	return node.Home(defaultHome())
}

func (c *CLI) keystore() keystore.Store { return keystore.Store{Dir: c.homeDir().KeysDir()} }

func (c *CLI) client() *client.Client { return client.New(c.apiURL()) }

// apiURL is --node when given, else the API address in the home's
// config/medledger.json (so that --home reaches a node started with it),
// else client.DefaultNode.
func (c *CLI) apiURL() string {
	if c.nodeURL != client.DefaultNode {
		return c.nodeURL
	}
	b, err := os.ReadFile(c.homeDir().AppConfigFile())
	if err != nil {
		return c.nodeURL
	}
	var ac node.AppConfig
	if json.Unmarshal(b, &ac) != nil || ac.APIListen == "" {
		return c.nodeURL
	}
	host, port, err := net.SplitHostPort(ac.APIListen)
	if err != nil {
		return c.nodeURL
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// checkOutput refuses an unknown -o value.
func (c *CLI) checkOutput() error {
	switch c.output {
	case "json", "text", "":
		return nil
	}
	return withHint(fmt.Errorf("unknown output format %q", c.output), "use -o text or -o json")
}

// print writes v as JSON with -o json, else calls text.
func (c *CLI) print(v any, text func(w io.Writer)) error {
	switch c.output {
	case "json":
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "text", "":
		text(c.stdout)
		return nil
	}
	return withHint(fmt.Errorf("unknown output format %q", c.output), "use -o text or -o json")
}

func (c *CLI) logf(format string, args ...any) {
	if c.output != "json" {
		fmt.Fprintf(c.stdout, format, args...)
	}
}

func keystoreOf(h node.Home) keystore.Store { return keystore.Store{Dir: h.KeysDir()} }
