//go:build linux

package bench

import "syscall"

// sysProcAttr stops a testnet's validator if the bench dies without
// stopping it (a kill), so that no node is left holding its ports.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
