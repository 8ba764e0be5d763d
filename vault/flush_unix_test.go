//go:build unix

package vault_test

import "syscall"

// flushDisk writes back every dirty page, so that a durable benchmark does
// not pay, in its fsyncs, for what an earlier no-sync benchmark left dirty.
func flushDisk() { syscall.Sync() }
