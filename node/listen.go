package node

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	cfg "github.com/cometbft/cometbft/config"
)

// Block times a node accepts: below MinBlockTime a chain spends its time
// committing empty blocks; above MaxBlockTime a transaction waits too long.
const (
	MinBlockTime = 10 * time.Millisecond
	MaxBlockTime = time.Minute
)

// ErrInUse is an address another program listens on.
var ErrInUse = errors.New("address already in use")

// CheckAddr checks that addr is host:port with a numeric port from 1 to
// 65535, as the node's listeners need it. It says what is wrong.
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:26680)", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 1 to 65535", addr)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("%q: %q is not an IP address or host name", addr, host)
	}
	return nil
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return false
		}
	}
	return true
}

// CheckFree checks that addr can be listened on now: it listens and lets
// go at once. An address in use wraps ErrInUse.
func CheckFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s: %w (is another node running?)", addr, ErrInUse)
		}
		return err
	}
	return l.Close()
}

// FreeAddr is an address on host whose port is free now (chosen by the
// system).
func FreeAddr(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Validate checks the options Init takes, before anything is created; the
// error names the option.
func (o Options) Validate() error {
	if err := validChainID(o.ChainID); err != nil {
		return err
	}
	if err := o.Storage.Validate(); err != nil {
		return err
	}
	if o.APIListen != "" {
		if err := CheckAddr(o.APIListen); err != nil {
			return fmt.Errorf("API address %w", err)
		}
	}
	if o.P2PListen != "" {
		if err := CheckAddr(o.P2PListen); err != nil {
			return fmt.Errorf("peer-to-peer address %w", err)
		}
	}
	if o.BlockTime != 0 {
		if err := CheckBlockTime(o.BlockTime); err != nil {
			return err
		}
	}
	return nil
}

// CheckBlockTime checks a pause between blocks.
func CheckBlockTime(d time.Duration) error {
	if d < MinBlockTime || d > MaxBlockTime {
		return fmt.Errorf("block time %s is outside %s to %s", d, MinBlockTime, MaxBlockTime)
	}
	return nil
}

// P2PListen is the peer-to-peer address in the home's config, host:port.
func P2PListen(c *cfg.Config) string {
	return strings.TrimPrefix(c.P2P.ListenAddress, "tcp://")
}

// Settings are the parts of an existing home's configuration that may
// change between runs; empty fields are left as they are.
type Settings struct {
	APIListen string
	P2PListen string
	BlockTime time.Duration
}

// Update writes s into the home's configuration (config/medledger.json and
// config/config.toml), after checking every field.
func Update(h Home, s Settings) error {
	if s.APIListen != "" {
		if err := CheckAddr(s.APIListen); err != nil {
			return fmt.Errorf("API address %w", err)
		}
	}
	if s.P2PListen != "" {
		if err := CheckAddr(s.P2PListen); err != nil {
			return fmt.Errorf("peer-to-peer address %w", err)
		}
	}
	if s.BlockTime != 0 {
		if err := CheckBlockTime(s.BlockTime); err != nil {
			return err
		}
	}
	c, ac, err := LoadConfig(h)
	if err != nil {
		return err
	}
	if s.P2PListen != "" || s.BlockTime != 0 {
		if s.P2PListen != "" {
			c.P2P.ListenAddress = "tcp://" + s.P2PListen
		}
		if s.BlockTime != 0 {
			c.Consensus.TimeoutCommit = s.BlockTime
		}
		cfg.WriteConfigFile(filepath.Join(h.ConfigDir(), "config.toml"), c)
	}
	if s.APIListen != "" && s.APIListen != ac.APIListen {
		ac.APIListen = s.APIListen
		if err := writeAppConfig(h, ac); err != nil {
			return err
		}
	}
	return nil
}

// Create runs create, which makes a new home h, and removes what it made
// if it fails, so that no half-made home is left behind: h itself if it
// did not exist, else the entries create added to it.
func Create(h Home, create func() error) error {
	_, statErr := os.Stat(string(h))
	existed := statErr == nil
	var before map[string]bool
	if existed {
		entries, err := os.ReadDir(string(h))
		if err != nil {
			return err
		}
		before = map[string]bool{}
		for _, e := range entries {
			before[e.Name()] = true
		}
	}
	err := create()
	if err == nil {
		return nil
	}
	if !existed {
		os.RemoveAll(string(h))
	} else if entries, rerr := os.ReadDir(string(h)); rerr == nil {
		for _, e := range entries {
			if !before[e.Name()] {
				os.RemoveAll(filepath.Join(string(h), e.Name()))
			}
		}
	}
	return err
}
