package cmdline

import (
	"bytes"
	"encoding/json"
)

// IndentJSON pretty-prints a JSON document, continuing lines with prefix;
// what is not JSON comes back as it is.
func IndentJSON(b []byte, prefix string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, prefix, "  "); err != nil {
		return string(b)
	}
	return out.String()
}
