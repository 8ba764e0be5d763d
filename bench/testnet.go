package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/demo"
	"github.com/medledger/medledger/node"
)

// Testnet is an N-validator network on loopback whose validators are
// processes of the medledger binary, each with its own home: what
// `medledger bench --testnet N` drives, so that the network's throughput,
// and what each validator pays for a transaction, are one command away.
type Testnet struct {
	Dir  string
	Keys demo.Keys // the demo consortium's keys, which its genesis holds
	URLs []string  // each validator's API
	cmds []*exec.Cmd
	done []chan error
}

// StartTestnet writes an n-validator network in dir (node.Testnet, on
// free loopback ports), starts `exe start --home dir/nodeK` for each
// validator (exe "" is this program), and waits until every one has
// committed a block. Each node's output goes to dir/nodeK.log.
func StartTestnet(ctx context.Context, exe, dir string, n int, blockTime time.Duration) (*Testnet, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	keys, err := demo.NewKeys(nil)
	if err != nil {
		return nil, err
	}
	ports := make([]node.TestnetPorts, n)
	for k := range ports {
		if ports[k].P2P, err = freePort(); err != nil {
			return nil, err
		}
		if ports[k].API, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := node.Testnet(dir, node.TestnetOptions{Validators: n, Ports: ports, BlockTime: blockTime, Keys: keys}); err != nil {
		return nil, err
	}
	t := &Testnet{Dir: dir, Keys: keys}
	for k := range n {
		log, err := os.Create(filepath.Join(dir, "node"+strconv.Itoa(k)+".log"))
		if err != nil {
			t.Stop()
			return nil, err
		}
		cmd := exec.Command(exe, "start", "--home", node.TestnetNodeDir(dir, k))
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = sysProcAttr()
		if err := cmd.Start(); err != nil {
			log.Close()
			t.Stop()
			return nil, fmt.Errorf("start validator %d: %w", k, err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait(); log.Close() }()
		t.cmds, t.done = append(t.cmds, cmd), append(t.done, done)
		t.URLs = append(t.URLs, "http://127.0.0.1:"+strconv.Itoa(ports[k].API))
	}
	deadline := time.Now().Add(90 * time.Second)
	for k, u := range t.URLs {
		for {
			st, err := client.New(u).Status(ctx)
			if err == nil && st.LatestHeight >= 2 {
				break
			}
			select {
			case err := <-t.done[k]:
				t.Stop()
				return nil, fmt.Errorf("validator %d exited while starting (%v): %s", k, err, tail(filepath.Join(dir, "node"+strconv.Itoa(k)+".log")))
			default:
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				t.Stop()
				return nil, fmt.Errorf("validator %d at %s made no block within 90 s (last: %v): %s", k, u, err, tail(filepath.Join(dir, "node"+strconv.Itoa(k)+".log")))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return t, nil
}

// Name says what the network is, for a result's target.
func (t *Testnet) Name() string {
	return fmt.Sprintf("testnet of %d validators (processes), sent to %s", len(t.URLs), t.URLs[0])
}

// PIDs are the validators' process ids, in order.
func (t *Testnet) PIDs() []int {
	var out []int
	for _, c := range t.cmds {
		out = append(out, c.Process.Pid)
	}
	return out
}

// Stop stops every validator (SIGTERM, then SIGKILL after 15 s) and
// reports the first that did not exit cleanly.
func (t *Testnet) Stop() error {
	for _, c := range t.cmds {
		c.Process.Signal(syscall.SIGTERM)
	}
	var first error
	for k, c := range t.cmds {
		select {
		case err := <-t.done[k]:
			if err != nil && first == nil {
				first = fmt.Errorf("validator %d: %w", k, err)
			}
		case <-time.After(15 * time.Second):
			c.Process.Kill()
			<-t.done[k]
			if first == nil {
				first = fmt.Errorf("validator %d did not stop within 15 s of SIGTERM: killed", k)
			}
		}
	}
	t.cmds, t.done = nil, nil
	return first
}

// PIDCPU is the CPU time (user and system) process pid has used, from
// Linux's /proc (an error elsewhere). Its clock ticks are taken as 100 a
// second, USER_HZ on every architecture Linux runs Go on.
func PIDCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis (state is field 3, utime 14, stime 15).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("bench: unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("bench: short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

// freePort is LoopbackAddr's port.
func freePort() (int, error) {
	addr, err := LoopbackAddr()
	if err != nil {
		return 0, err
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}

// tail is the end of a log file, for an error.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return string(b)
}
