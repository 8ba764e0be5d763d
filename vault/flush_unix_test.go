//go:build unix

package vault_test

import (
	"syscall"
	"time"
)

// flushDisk writes back every dirty page, so that a durable benchmark does
// not pay, in its fsyncs, for what an earlier no-sync benchmark left dirty.
func flushDisk() { syscall.Sync() }

// cpuTime is the CPU time (user and system) the process has used. Unlike
// wall time it hardly moves when other processes load the machine, so the
// benchmarks report it beside MB/s.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
