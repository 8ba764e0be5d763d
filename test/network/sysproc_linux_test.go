//go:build linux

package network_test

import "syscall"

// sysProcAttr kills a node if the test binary dies without cleaning up
// (a panic, a timeout, a kill).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
