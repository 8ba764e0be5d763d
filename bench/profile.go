package bench

import (
	"os"
	"runtime/pprof"
)

// WriteAllocProfile writes this process's allocation profile to path (for
// medledger bench --memprofile: with --local, node and client).
func WriteAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}
