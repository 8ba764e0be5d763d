//go:build unix

package network_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// operatorsDoc is the operators' manual; its commands MUST match the binary.
var operatorsDoc = filepath.Join("..", "..", "docs", "operators.md")

// TestOperatorsDocCommands checks every medledger command line in the code
// blocks of docs/operators.md against the binary: each subcommand exists,
// and each flag is one that subcommand takes.
func TestOperatorsDocCommands(t *testing.T) {
	setUp(t)
	b, err := os.ReadFile(operatorsDoc)
	if err != nil {
		t.Fatal(err)
	}
	cmds := docCommands(string(b))
	if len(cmds) < 10 {
		t.Fatalf("found %d medledger commands in %s; the parser is broken", len(cmds), operatorsDoc)
	}
	helps := map[string]string{}
	help := func(path []string) string {
		key := strings.Join(path, " ")
		if h, ok := helps[key]; ok {
			return h
		}
		stdout, stderr, err := runCLI(t, 20*time.Second, append(path, "--help")...)
		if err != nil {
			t.Fatalf("medledger %s --help: %v\n%s", key, err, stderr)
		}
		helps[key] = stdout
		return stdout
	}
	seen := map[string]bool{}
	for _, args := range cmds {
		line := "medledger " + strings.Join(args, " ")
		var path []string
		for _, a := range args {
			if strings.HasPrefix(a, "-") || !slices.Contains(subcommands(help(path)), a) {
				break
			}
			path = append(path, a)
		}
		if len(path) == 0 {
			t.Errorf("%s: %q is no medledger command", line, args[0])
			continue
		}
		seen[path[0]] = true
		h := help(path)
		if next := len(path); next < len(args) && !strings.HasPrefix(args[next], "-") && len(subcommands(h)) > 0 {
			t.Errorf("%s: medledger %s has no subcommand %q", line, strings.Join(path, " "), args[next])
		}
		for _, a := range args {
			if !strings.HasPrefix(a, "-") {
				continue
			}
			name, _, _ := strings.Cut(a, "=")
			var re *regexp.Regexp
			if strings.HasPrefix(name, "--") {
				re = regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(name) + `\b`)
			} else {
				re = regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `, `)
			}
			if !re.MatchString(h) {
				t.Errorf("%s: medledger %s has no flag %s", line, strings.Join(path, " "), name)
			}
		}
	}
	for _, verb := range []string{"dev", "init", "start", "testnet", "keys"} {
		if !seen[verb] {
			t.Errorf("%s shows no medledger %s command", operatorsDoc, verb)
		}
	}
}

// docCommands returns the arguments of each medledger command line in the
// indented code blocks of a markdown page, with continuation lines joined,
// environment assignments and comments dropped.
func docCommands(doc string) [][]string {
	var out [][]string
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "    ") {
			continue
		}
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, "\\") + " " + strings.TrimSpace(lines[i])
		}
		words := shellWords(l)
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
			words = words[1:] // VAR=value
		}
		if len(words) < 2 || words[0] != "medledger" {
			continue
		}
		if k := slices.IndexFunc(words, func(w string) bool { return strings.HasPrefix(w, "#") }); k >= 0 {
			words = words[:k]
		}
		out = append(out, words[1:])
	}
	return out
}

// shellWords splits a command line on blanks, honouring quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// subcommands lists the "Available Commands" of a cobra help text.
func subcommands(help string) []string {
	_, rest, ok := strings.Cut(help, "Available Commands:\n")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(rest, "\n") {
		if strings.TrimSpace(l) == "" {
			break
		}
		out = append(out, strings.Fields(l)[0])
	}
	return out
}
