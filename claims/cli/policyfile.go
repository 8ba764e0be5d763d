package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/claims"
	"github.com/medledger/medledger/cmdline"
)

// policyFile is a policy read from a file (YAML or JSON: JSON is YAML),
// with where each part of it is.
type policyFile struct {
	path  string
	json  []byte
	lines map[string]int // "rules[3]", "rules[3].allowed" -> line in the file
}

// maxPolicyFile bounds a policy file.
const maxPolicyFile = 1 << 20

// readPolicyFile reads and converts a policy file to JSON, keeping the
// line of every element and field.
func readPolicyFile(path string) (*policyFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, cmdline.FileErr(path, err, "")
	}
	return parsePolicy(path, b)
}

// parsePolicy converts policy document b (YAML or JSON), read from path,
// to JSON.
func parsePolicy(path string, b []byte) (*policyFile, error) {
	if len(b) > maxPolicyFile {
		return nil, usage("a policy file is at most 1 MiB", "%s is %d bytes", cmdline.Short(path), len(b))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, usage("a policy is a YAML or JSON document; docs/claims.md shows one", "%s does not parse: %s", cmdline.Short(path), cmdline.Short(err.Error()))
	}
	if len(doc.Content) == 0 {
		return nil, usage("a policy is a YAML or JSON document; docs/claims.md shows one", "%s is empty", cmdline.Short(path))
	}
	pf := &policyFile{path: path, lines: map[string]int{}}
	var buf bytes.Buffer
	if err := pf.write(&buf, doc.Content[0], ""); err != nil {
		return nil, usage("docs/claims.md shows a policy's form", "%s: %v", cmdline.Short(path), err)
	}
	pf.json = buf.Bytes()
	return pf, nil
}

// write writes node n (at path p) as JSON.
func (pf *policyFile) write(w *bytes.Buffer, n *yaml.Node, p string) error {
	if p != "" {
		if _, ok := pf.lines[p]; !ok {
			pf.lines[p] = n.Line
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return pf.write(w, n.Alias, p)
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a key must be a plain word", k.Line)
			}
			if i > 0 {
				w.WriteByte(',')
			}
			kb, _ := json.Marshal(k.Value)
			w.Write(kb)
			w.WriteByte(':')
			child := k.Value
			if p != "" {
				child = p + "." + k.Value
			}
			pf.lines[child] = k.Line
			if err := pf.write(w, v, child); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := pf.write(w, c, fmt.Sprintf("%s[%d]", p, i)); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return fmt.Errorf("line %d: %q is not true or false", n.Line, n.Value)
			}
			w.WriteString(strconv.FormatBool(b))
		case "!!int":
			v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
			if err != nil {
				return fmt.Errorf("line %d: %q is not a whole number", n.Line, cmdline.Short(n.Value))
			}
			w.WriteString(strconv.FormatInt(v, 10))
		case "!!float":
			return fmt.Errorf("line %d: %q is a fraction: amounts are whole cents and percentages whole numbers", n.Line, cmdline.Short(n.Value))
		default:
			b, _ := json.Marshal(n.Value)
			w.Write(b)
		}
	default:
		return fmt.Errorf("line %d: unexpected YAML", n.Line)
	}
	return nil
}

// pathRE finds the part of a policy error that names where: "rules[3]
// (office-visit) allowed", "edits[0] (x) when", "plans[1]".
var pathRE = regexp.MustCompile(`^((?:rules|edits|plans|timed_codes|unbundle)\[\d+\])(?: \([^)]*\))?(?: ([a-z_]+))?`)

// where adds to a policy error the file and line it points at.
func (pf *policyFile) where(err error) error {
	var me *medledger.Error
	if !errors.As(err, &me) || me.Codespace != claims.Codespace {
		return err
	}
	m := pathRE.FindStringSubmatch(me.Detail)
	line := 0
	if m != nil {
		line = pf.lines[m[1]]
		if m[2] != "" {
			if l, ok := pf.lines[m[1]+"."+m[2]]; ok {
				line = l
			}
		}
	} else if f := strings.SplitN(me.Detail, " ", 2)[0]; pf.lines[f] > 0 {
		line = pf.lines[f]
	}
	if line == 0 {
		return cmdline.Hint(err, "fix the policy; docs/claims.md says what each field takes")
	}
	cp := *me
	cp.Detail = fmt.Sprintf("%s:%d: %s", pf.path, line, me.Detail)
	return cmdline.Hint(&cp, "fix %s at line %d; docs/claims.md says what each field takes", pf.path, line)
}
