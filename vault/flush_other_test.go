//go:build !unix

package vault_test

import "time"

func flushDisk() {}

func cpuTime() time.Duration { return 0 }
