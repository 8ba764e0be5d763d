package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/keystore"
	"github.com/medledger/medledger/node"
)

// seedDemo stores each module's demo data on the dev chain in h, once per
// home: a module's marker file under data/ records that its seed ran, so
// a home made before a module existed gets that module's data on its next
// run. A seed that fails is reported; the others still run.
func (c *CLI) seedDemo(h node.Home, d *daemon.Daemon) error {
	if err := c.awaitGenesis(d); err != nil {
		return err
	}
	s := cmdline.SeedEnv{Client: client.New(d.URL()), Keys: keystore.Store{Dir: h.KeysDir()}, Logf: c.Logf, Invocation: c.invocation()}
	var errs []error
	for _, m := range c.Modules {
		if m.Seed == nil {
			continue
		}
		marker := filepath.Join(string(h), "data", m.Seed.Marker)
		if cmdline.FileExists(marker) {
			continue
		}
		note, err := m.Seed.Run(c.Ctx, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.WriteFile(marker, []byte(note+"\n"), 0o600); err != nil {
			errs = append(errs, fmt.Errorf("seed marker: %w", err))
		}
	}
	return errors.Join(errs...)
}

// invocation is how to call medledger to reach this home's node.
func (c *CLI) invocation() string {
	if c.Home == "" || filepath.Clean(c.Home) == filepath.Clean(cmdline.DefaultHome()) {
		return "medledger"
	}
	return "medledger --home " + shellQuote(c.Home)
}

// awaitGenesis waits until block 1 has committed: the genesis state is
// visible to transactions only then (CheckTx reads the last committed
// state).
func (c *CLI) awaitGenesis(d *daemon.Daemon) error {
	for d.Store.Version() < 1 {
		select {
		case <-c.Ctx.Done():
			return c.Ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
