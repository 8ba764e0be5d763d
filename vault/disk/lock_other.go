//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package disk

import "os"

// lockFile does nothing where flock is unavailable: there, running two
// processes on one folder is the operator's to prevent.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
