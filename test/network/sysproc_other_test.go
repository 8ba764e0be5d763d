//go:build unix && !linux

package network_test

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
