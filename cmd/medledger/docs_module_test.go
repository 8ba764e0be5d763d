package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/medledger/medledger/cmdline"
)

// moduleDocs are the modules' docs pages: each names every command its
// module brings.
var moduleDocs = map[string]string{
	"identity":    "../../docs/identity.md",
	"notary":      "../../docs/notary.md",
	"records":     "../../docs/records.md",
	"supply":      "../../docs/supply.md",
	"credentials": "../../docs/credentials.md",
	"claims":      "../../docs/claims.md",
	"trials":      "../../docs/trials.md",
}

// mentionRE finds "medledger" and the lowercase words after it: a command
// named in a docs page.
var mentionRE = regexp.MustCompile("(^|[^A-Za-z/.-])medledger((?: [a-z][a-z-]*)+)")

// TestModuleDocs: each module's docs page names every command the module
// brings (medledger supply commission, medledger consent grant, medledger
// tx identity vote, medledger query orgs, medledger anchor, ...), names no
// command that does not exist, and each command line it shows (an indented
// line "medledger ...") takes only flags its command has, under their
// current names.
func TestModuleDocs(t *testing.T) {
	t.Parallel()
	root := (&CLI{}).root()
	// Every command path of the tree, and which are groups.
	paths := map[string]*cobra.Command{}
	var walk func(path string, c *cobra.Command)
	walk = func(path string, c *cobra.Command) {
		paths[path] = c
		for _, sub := range c.Commands() {
			walk(strings.TrimSpace(path+" "+sub.Name()), sub)
		}
	}
	walk("", root)

	mods := moduleCommands(t, root)
	for name, file := range moduleDocs {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("module %s has no docs page: %v", name, err)
			}
			doc := string(b)
			leaves := map[string]bool{}
			for _, mc := range mods[name] {
				if mc.cmd.Runnable() && !mc.cmd.HasSubCommands() {
					leaves[mc.path] = true
				}
			}
			documented := map[string]bool{}
			for line := range strings.Lines(doc) {
				code := strings.HasPrefix(line, "    ") || strings.Contains(line, "`medledger")
				for _, m := range mentionRE.FindAllStringSubmatch(line, -1) {
					words := strings.Fields(m[2])
					// The longest run of words that names a command.
					n := 0
					for i := len(words); i > 0; i-- {
						if _, ok := paths[strings.Join(words[:i], " ")]; ok {
							n = i
							break
						}
					}
					named := strings.Join(words[:n], " ")
					if leaves[named] {
						documented[named] = true
					}
					// A word after a group, or after medledger itself in a
					// command line, that is no command.
					c := paths[named]
					if n < len(words) && c.HasSubCommands() && (n > 0 || code) {
						t.Errorf("%s names medledger %s, which does not exist", file, strings.Join(words[:n+1], " "))
					}
				}
			}
			for leaf := range leaves {
				if !documented[leaf] {
					t.Errorf("%s does not name medledger %s", file, leaf)
				}
			}
			checkDocLines(t, file, doc)
		})
	}
}

// checkDocLines parses the flags of each command line a docs page shows
// (an indented line starting with medledger; an optional part in brackets
// counts as given), and fails on an unknown or deprecated flag.
func checkDocLines(t *testing.T, file, doc string) {
	t.Helper()
	for line := range strings.Lines(doc) {
		args, ok := strings.CutPrefix(strings.TrimSpace(line), "medledger ")
		if !ok || !strings.HasPrefix(line, "    ") {
			continue
		}
		args, _, _ = strings.Cut(args, " #")
		args = strings.NewReplacer("[", "", "]", "").Replace(args)
		words := shellWords(t, args)
		c, rest, err := (&CLI{}).root().Find(words)
		if err != nil {
			t.Errorf("%s: %q names no command: %v", file, strings.TrimSpace(line), err)
			continue
		}
		if err := c.ParseFlags(rest); err != nil {
			t.Errorf("%s: %q: %v", file, strings.TrimSpace(line), err)
		}
		var notices bytes.Buffer
		cmdline.WarnDeprecated(c, &notices)
		if notices.Len() > 0 {
			t.Errorf("%s: %q uses a deprecated flag: %s", file, strings.TrimSpace(line), notices.String())
		}
	}
}
