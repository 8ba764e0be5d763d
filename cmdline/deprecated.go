package cmdline

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// deprecatedKey is the command annotation that lists its flags kept under
// an old name, as old=new pairs separated by commas.
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
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	if cmd.Annotations[deprecatedKey] != "" {
		cmd.Annotations[deprecatedKey] += ","
	}
	cmd.Annotations[deprecatedKey] += old + "=" + new
}

// WarnDeprecated writes to w a warning for each deprecated flag cmd was
// given; the root command calls it before any command runs.
func WarnDeprecated(cmd *cobra.Command, w io.Writer) {
	list := cmd.Annotations[deprecatedKey]
	if list == "" {
		return
	}
	for _, pair := range strings.Split(list, ",") {
		old, new, _ := strings.Cut(pair, "=")
		if cmd.Flags().Changed(old) {
			fmt.Fprintf(w, "medledger: warning: --%s is deprecated and will go in a later release: use --%s\n", old, new)
		}
	}
}
