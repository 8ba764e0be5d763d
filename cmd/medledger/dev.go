package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// Where a new dev node listens unless told: the API and peers. Variables
// so that a test can make them taken.
var (
	defaultAPIListen = node.DefaultAPIListen
	defaultP2PListen = "127.0.0.1:26656"
)

func (c *CLI) devCmd() *cobra.Command {
	var listen, p2p string
	var blockTime time.Duration
	cmd := &cobra.Command{
		Use:         "dev",
		Annotations: map[string]string{cmdline.CreatesHome: "yes"},
		Short:       "Run a single-validator chain with the demo consortium (created on first run, reopened after)",
		Long: `Run a single-validator chain with the demo consortium: nine organizations of
every kind, their members and three patients, with unencrypted demo keys in the
home's keys folder. The first run creates the home (default ` + cmdline.DefaultHome() + `)
and stores each module's demo data; later runs reopen the same chain.

--listen, --p2p and --block-time apply to this run and are kept in the home
for the next. When they are not given and a port is taken (another dev node
runs on this machine), dev picks a free one and says which.`,
		Example: `  medledger dev
  medledger dev --home ./second-dev                       # beside another: free ports are picked
  medledger dev --home ./dev2 --listen 127.0.0.1:36680 --p2p 127.0.0.1:36656 --block-time 200ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.checkRunFlags(cmd, listen, p2p, blockTime)
			if err != nil {
				return err
			}
			h := c.HomeDir()
			if !h.Exists() {
				if err := node.Create(h, func() error { return c.initDev(h, s) }); err != nil {
					return err
				}
				c.Logf("medledger: created the demo consortium in %s\n", h)
			} else if err := c.settle(h, &s, true); err != nil {
				return err
			}
			return c.runNode(h, "", true, c.seedDemo)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "API address host:port (default "+node.DefaultAPIListen+", or a free port if it is taken)")
	cmd.Flags().StringVar(&p2p, "p2p", "", "peer-to-peer address host:port (default "+defaultP2PListen+", or a free port if it is taken)")
	cmd.Flags().DurationVar(&blockTime, "block-time", node.DefaultBlockTime, "pause between blocks")
	return cmd
}

// checkRunFlags checks dev's and start's flags before anything is
// created or started, and returns the settings given (empty fields for
// flags not given).
func (c *CLI) checkRunFlags(cmd *cobra.Command, listen, p2p string, blockTime time.Duration) (node.Settings, error) {
	var s node.Settings
	if listen != "" {
		if err := node.CheckAddr(listen); err != nil {
			return s, cmdline.Hint(cmdline.Usage("--listen %s", cmdline.Short(err.Error())), "give the API address as host:port, e.g. --listen 127.0.0.1:26680")
		}
		s.APIListen = listen
	}
	if p2p != "" {
		if err := node.CheckAddr(p2p); err != nil {
			return s, cmdline.Hint(cmdline.Usage("--p2p %s", cmdline.Short(err.Error())), "give the peer-to-peer address as host:port, e.g. --p2p 127.0.0.1:26656")
		}
		s.P2PListen = p2p
	}
	if f := cmd.Flags().Lookup("block-time"); f != nil && f.Changed {
		if err := node.CheckBlockTime(blockTime); err != nil {
			return s, cmdline.Hint(cmdline.Usage("--block-time: %v", err), "e.g. --block-time 500ms")
		}
		s.BlockTime = blockTime
	}
	return s, nil
}

// settle makes the addresses a node in h will listen on free to use: an
// address given by flag must be free (the error names the flag); one not
// given that is taken is, for a dev node (pick), replaced by a free one,
// else refused. What changed is written to the home.
func (c *CLI) settle(h node.Home, s *node.Settings, pick bool) error {
	cc, ac, err := node.LoadConfig(h)
	if err != nil {
		return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%v", err), "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
	}
	api, err := c.freeAddr("--listen", s.APIListen, ac.APIListen, pick)
	if err != nil {
		return err
	}
	if api != ac.APIListen {
		s.APIListen = api
	}
	p2p, err := c.freeAddr("--p2p", s.P2PListen, node.P2PListen(cc), pick)
	if err != nil {
		return err
	}
	if p2p != node.P2PListen(cc) {
		s.P2PListen = p2p
	}
	if *s == (node.Settings{}) {
		return nil
	}
	return node.Update(h, *s)
}

// freeAddr is the address to listen on for flag: given (which must be
// free), else current; a current address that is taken is replaced by a
// free port on the same host when pick, else refused.
func (c *CLI) freeAddr(flag, given, current string, pick bool) (string, error) {
	if given != "" {
		if err := node.CheckFree(given); err != nil {
			return "", cmdline.Hint(cmdline.Usage("%s %s: %v", flag, given, err), "choose another address with %s host:port", flag)
		}
		return given, nil
	}
	err := node.CheckFree(current)
	if err == nil {
		return current, nil
	}
	if !pick || !errors.Is(err, node.ErrInUse) {
		return "", cmdline.Hint(cmdline.Usage("%v", err), "stop what listens there, or choose another address with %s host:port", flag)
	}
	host, _, _ := net.SplitHostPort(current)
	free, ferr := node.FreeAddr(host)
	if ferr != nil {
		return "", cmdline.Hint(cmdline.Usage("%v", err), "choose another address with %s host:port", flag)
	}
	c.Logf("medledger: %s is taken; using %s instead (%s to choose)\n", current, free, flag)
	return free, nil
}

// initDev creates a dev home: the demo consortium's genesis and keys, and
// free addresses for what s does not set (the defaults when free).
func (c *CLI) initDev(h node.Home, s node.Settings) error {
	api, p2p := s.APIListen, s.P2PListen
	for _, a := range []struct {
		addr *string
		def  string
		flag string
	}{{&api, defaultAPIListen, "--listen"}, {&p2p, defaultP2PListen, "--p2p"}} {
		if *a.addr != "" {
			if err := node.CheckFree(*a.addr); err != nil {
				return cmdline.Hint(cmdline.Usage("%s: %v", a.flag, err), "choose another address with %s host:port", a.flag)
			}
			continue
		}
		*a.addr = a.def
		if node.CheckFree(a.def) != nil {
			host, _, _ := net.SplitHostPort(a.def)
			free, err := node.FreeAddr(host)
			if err != nil {
				return err
			}
			*a.addr = free
			c.Logf("medledger: %s is taken; using %s instead (%s to choose)\n", a.def, free, a.flag)
		}
	}
	keys, err := demo.NewKeys(nil)
	if err != nil {
		return err
	}
	if err := node.Init(h, node.Options{ChainID: demo.ChainID, Moniker: "northside-hospital", AppState: keys.AppState(), APIListen: api, P2PListen: p2p, BlockTime: s.BlockTime}); err != nil {
		return err
	}
	return keys.Save(keystore.Store{Dir: h.KeysDir()})
}

// runNode starts the node in h and serves until the context ends. listen,
// if set, overrides the home's API address for this run.
func (c *CLI) runNode(h node.Home, listen string, dev bool, after ...func(h node.Home, d *daemon.Daemon) error) error {
	cfg := daemonConfig()
	cfg.Home, cfg.APIListen = h, listen
	cc, ac, err := node.LoadConfig(h)
	if err != nil {
		return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%v", err), "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
	}
	svcs, protected, err := c.services(h, ac)
	if err != nil {
		if ac.Vault.Driver == "s3" {
			return cmdline.Hint(err, "check vault.s3 in %s and MEDLEDGER_S3_ACCESS_KEY, MEDLEDGER_S3_SECRET_KEY", h.AppConfigFile())
		}
		return cmdline.Hint(err, "the vault in %s/data/vault could not be opened; is another node running from this home?", h)
	}
	cfg.Services = svcs
	if os.Getenv("MEDLEDGER_COMET_LOG") != "" {
		cfg.CometLog = os.Stderr
	}
	d, err := daemon.Start(cfg)
	if err != nil {
		for _, s := range svcs {
			s.Close()
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return cmdline.Hint(cmdline.Usage("%v", err), "another program listens there: choose other addresses with --listen (API, now %s) or --p2p (peers, now %s)", ac.APIListen, node.P2PListen(cc))
		}
		var ne *os.PathError
		if errors.As(err, &ne) {
			return cmdline.Hint(err, "check that %s is a medledger home and readable", h)
		}
		return cmdline.Hint(cmdline.Fail(cmdline.ErrHome, "%v", err), "if the home is damaged, restore it from a backup (docs/operators.md) or start over with a new --home")
	}
	c.Logf("medledger: chain %s, node %s\n", d.App.ChainID(), d.Node.CMT.NodeInfo().ID())
	c.Logf("medledger: home      %s\n", h)
	c.Logf("medledger: API       %s\n", d.URL())
	c.Logf("medledger: web app   %s/ (explorer; verify a pack; patient, clinician and supply pages)\n", d.URL())
	c.Logf("medledger: peers     %s\n", node.P2PListen(cc))
	if dev {
		c.Logf("medledger: demo keys %s (unencrypted: for development only)\n", h.KeysDir())
	}
	if !protected {
		c.Logf("medledger: vault key %s is not passphrase-protected (set MEDLEDGER_VAULT_PASSPHRASE on a real node)\n", h.ConfigDir()+"/vault_key.json")
	}
	for _, fn := range after {
		// A seed cut short by Ctrl-C is no warning: the next run finishes it.
		if err := fn(h, d); err != nil && c.Ctx.Err() == nil {
			c.Logf("medledger: warning: %v\n", err)
		}
	}
	if inv := c.invocation(); inv != "medledger" {
		c.Logf("medledger: reach this node with: %s status\n", inv)
	}
	c.Logf("medledger: press Ctrl-C to stop\n")
	if c.JSON() {
		c.Print(map[string]string{"chain_id": d.App.ChainID(), "home": string(h), "api": d.URL(), "p2p": node.P2PListen(cc), "keys": h.KeysDir()}, func(io.Writer) {})
	}
	<-c.Ctx.Done()
	c.Logf("medledger: stopping at height %d\n", d.Store.Version())
	if err := d.Stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}
