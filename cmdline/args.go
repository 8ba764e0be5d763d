package cmdline

import (
	"reflect"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger"
)

// ExplainArgs makes the commands below root say what a newcomer's stray
// word means:
//
//   - A verb group (a command with subcommands and no action of its own)
//     given an unknown verb fails with a usage error and cobra's
//     suggestions: cobra itself checks unknown verbs only below the root,
//     and for `medledger records lsit` printed the group's help and exited 0.
//   - cobra.NoArgs on a command without subcommands is replaced by a check
//     that says the value belongs in a flag: cobra's own error, `unknown
//     command "patient/alice" for "medledger records list"`, reads as if
//     the verb were wrong.
func ExplainArgs(root *cobra.Command) {
	noArgs := reflect.ValueOf(cobra.NoArgs).Pointer()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.HasSubCommands() && !c.Runnable() && c.HasParent() {
			c.RunE = unknownVerb
			return
		}
		if c.HasSubCommands() || c.Args == nil || reflect.ValueOf(c.Args).Pointer() != noArgs {
			return
		}
		c.Args = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			err := Usage("%s takes no arguments, only flags; it was given %s", cmd.CommandPath(), medledger.Quote(args[0]))
			if ex := firstExample(cmd); ex != "" {
				return Hint(err, "for example: %s (more in %s --help)", ex, cmd.CommandPath())
			}
			return Hint(err, "see %s --help for its flags", cmd.CommandPath())
		}
	}
	walk(root)
}

// unknownVerb is the action of a verb group: its help without a word, a
// usage error naming the nearest verbs with one.
func unknownVerb(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	err := Usage("%s has no verb %s", cmd.CommandPath(), medledger.Quote(args[0]))
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only where it suggests itself
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return Hint(err, "did you mean %s %s?", cmd.CommandPath(), strings.Join(s, " or "))
	}
	return Hint(err, "%s --help lists its verbs", cmd.CommandPath())
}

// firstExample is the first line of cmd's examples, without its comment.
func firstExample(cmd *cobra.Command) string {
	for _, l := range strings.Split(cmd.Example, "\n") {
		l, _, _ = strings.Cut(l, "  #")
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
