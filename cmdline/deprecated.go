package cmdline

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// deprecatedKey marks a flag kept under an old name; its value is the new
// name.
const deprecatedKey = "medledger-deprecated"

// Deprecate keeps flag old of cmd working for a release under its new
// name: old is hidden from help, and using it prints a warning on stderr
// (WarnDeprecated). Both names MUST be registered on cmd, bound to the
// same variable.
//
// NOTE: cobra's own MarkDeprecated prints its notice to the command's
// output, stdout here, where it would spoil -o json.
func Deprecate(cmd *cobra.Command, old, new string) {
	f := cmd.Flags().Lookup(old)
	if f == nil {
		panic("cmdline.Deprecate: no flag --" + old)
	}
	f.Hidden = true
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[deprecatedKey] = []string{new}
}

// WarnDeprecated writes to w a warning for each deprecated flag cmd was
// given; the root command calls it before any command runs.
func WarnDeprecated(cmd *cobra.Command, w io.Writer) {
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if to := f.Annotations[deprecatedKey]; len(to) == 1 {
			fmt.Fprintf(w, "medledger: warning: --%s is deprecated and will go in a later release: use --%s\n", f.Name, to[0])
		}
	})
}
