package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
)

// moduleCommand is a command a module brings, found in the root's tree.
type moduleCommand struct {
	path string // "supply commission", "query orgs", "tx identity vote"
	cmd  *cobra.Command
}

// moduleCommands are the commands the wired modules bring, groups
// included, each with its path under medledger, by the module's name
// (identity, notary, records, supply).
func moduleCommands(t *testing.T, root *cobra.Command) map[string][]moduleCommand {
	t.Helper()
	out := map[string][]moduleCommand{}
	for _, m := range modules() {
		name := m.Plugin.Module.Name()
		var tops []string
		e := &cmdline.Env{}
		if m.Commands != nil {
			for _, c := range m.Commands(e) {
				tops = append(tops, c.Name())
			}
		}
		if m.Query != nil {
			for _, c := range m.Query(e) {
				tops = append(tops, "query "+c.Name())
			}
		}
		if m.Tx != nil {
			for _, c := range m.Tx(e) {
				tops = append(tops, "tx "+c.Name())
			}
		}
		var walk func(path string, c *cobra.Command)
		walk = func(path string, c *cobra.Command) {
			if c.Name() == "help" || c.Name() == "completion" {
				return
			}
			out[name] = append(out[name], moduleCommand{path, c})
			for _, sub := range c.Commands() {
				walk(path+" "+sub.Name(), sub)
			}
		}
		for _, top := range tops {
			c, rest, err := root.Find(strings.Fields(top))
			if err != nil || len(rest) > 0 || c.CommandPath() != "medledger "+top {
				t.Fatalf("module %s: no command medledger %s in the tree (%v)", name, top, err)
			}
			walk(top, c)
		}
	}
	return out
}

// TestModuleHelp: every command a module brings, groups included, has a
// one-line Short and examples; each example line is a medledger command
// line that names an existing command and only flags it takes, and at
// least one line runs the command itself.
func TestModuleHelp(t *testing.T) {
	t.Parallel()
	root := (&CLI{}).root()
	mods := moduleCommands(t, root)
	for _, name := range []string{"identity", "notary", "records", "supply"} {
		if len(mods[name]) == 0 {
			t.Errorf("module %s brings no commands", name)
		}
	}
	for name, cmds := range mods {
		for _, mc := range cmds {
			where := name + ": medledger " + mc.path
			if mc.cmd.Short == "" || strings.Contains(mc.cmd.Short, "\n") {
				t.Errorf("%s: Short is not one line: %q", where, mc.cmd.Short)
			}
			if strings.TrimSpace(mc.cmd.Example) == "" {
				t.Errorf("%s has no Example", where)
				continue
			}
			lines := strings.Split(mc.cmd.Example, "\n")
			if len(lines) > 3 {
				t.Errorf("%s: %d example lines, want 1 to 3", where, len(lines))
			}
			itself := false
			for _, line := range lines {
				args, ok := strings.CutPrefix(line, "  medledger ")
				if !ok {
					t.Errorf("%s: example %q does not start with two spaces and medledger", where, line)
					continue
				}
				words := shellWords(t, args)
				if i := indexOf(words, ">"); i >= 0 {
					words = words[:i]
				}
				c, rest, err := root.Find(words)
				if err != nil || c == root {
					t.Errorf("%s: example %q names no command (%v)", where, line, err)
					continue
				}
				if c == mc.cmd {
					itself = true
				}
				// Parse the example's flags on a fresh tree, so that no
				// value stays behind in root's.
				fc, rest, _ := (&CLI{}).root().Find(words)
				if err := fc.ParseFlags(rest); err != nil {
					t.Errorf("%s: example %q: %v", where, line, err)
					continue
				}
				var notices bytes.Buffer
				cmdline.WarnDeprecated(fc, &notices)
				if notices.Len() > 0 {
					t.Errorf("%s: example %q uses a deprecated flag: %s", where, line, notices.String())
				}
				if fc.Args != nil {
					if err := fc.Args(fc, fc.Flags().Args()); err != nil {
						t.Errorf("%s: example %q: %v", where, line, err)
					}
				}
			}
			if !itself && mc.cmd.Runnable() && !mc.cmd.HasSubCommands() { // a verb group runs only to refuse an unknown verb
				t.Errorf("%s: no example runs the command itself", where)
			}
		}
	}
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}
