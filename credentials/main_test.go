package credentials_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain makes the property test run 30 random sequences, not rapid's
// default 100: each starts a chain on disk, and the whole repository's
// suite shares two cores. -rapid.checks=N asks for more.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if f := flag.Lookup("rapid.checks"); f != nil && !set {
		f.Value.Set("30")
	}
	os.Exit(m.Run())
}
