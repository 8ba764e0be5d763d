package tx_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/tx"
)

// docFile is the normative description of the envelope for integrators.
var docFile = filepath.Join("..", "docs", "transactions.md")

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the text under the heading line that contains title, up
// to the next heading.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") && strings.Contains(l, title) {
			var out []string
			for _, m := range lines[i+1:] {
				if strings.HasPrefix(m, "#") {
					break
				}
				out = append(out, m)
			}
			return strings.Join(out, "\n")
		}
	}
	t.Fatalf("%s has no heading with %q", docFile, title)
	return ""
}

var kindNames = map[medledger.Kind]string{
	medledger.KindInvalid: "invalid", medledger.KindUnauthorized: "unauthorized", medledger.KindNotFound: "not found",
	medledger.KindConflict: "conflict", medledger.KindTooLarge: "too large", medledger.KindGone: "gone",
	medledger.KindUnavailable: "unavailable",
}

// TestDocCodes fails when a code of tx.Codes is missing from the error
// table of docs/transactions.md, or is documented with another slug or kind,
// or when the table lists a code that does not exist.
func TestDocCodes(t *testing.T) {
	sec := section(t, readDoc(t), "(codespace `tx`)")
	for _, c := range tx.Codes {
		row := fmt.Sprintf("| %d | `%s` | %s |", c.Code, c.Slug, kindNames[c.Kind])
		if !strings.Contains(sec, "\n"+row) {
			t.Errorf("the tx error table has no row starting %q", row)
		}
	}
	rows := 0
	for _, l := range strings.Split(sec, "\n") {
		if len(l) > 2 && l[0] == '|' && l[2] >= '0' && l[2] <= '9' {
			rows++
		}
	}
	if rows != len(tx.Codes) {
		t.Errorf("the tx error table has %d rows, tx.Codes has %d codes", rows, len(tx.Codes))
	}
}

// TestDocLimits checks the envelope's constants as the page states them.
func TestDocLimits(t *testing.T) {
	doc := readDoc(t)
	for _, want := range []string{
		fmt.Sprintf("**%d bytes**", tx.MaxBytes),
		fmt.Sprintf("over %d bytes", tx.MaxBytes),
		fmt.Sprintf("version   = 1 byte, 0x%02x", tx.Version),
		fmt.Sprintf("shorter than %d bytes", 1+64+2),
		fmt.Sprintf("1 to %d characters of `A-Z a-z 0-9 - _`", tx.MaxNonceLen),
		fmt.Sprintf("(hex `%s`)", hex.EncodeToString([]byte(tx.SignaturePrefix))),
		`"` + strings.ReplaceAll(tx.SignaturePrefix, "\n", `\n`) + `" || payload`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s does not say %q", docFile, want)
		}
	}
}

// TestDocWorkedExample checks that the worked example is the first test
// vector, value for value.
func TestDocWorkedExample(t *testing.T) {
	sec := section(t, readDoc(t), "Worked example")
	v := readVectors(t)[0]
	raw, err := hex.DecodeString(v.Tx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"seed `" + v.Seed + "`",
		"public key `" + v.PublicKey + "`",
		"key id `" + v.KeyID + "`",
		"\n" + v.Payload + "\n",
		fmt.Sprintf("The payload, %d bytes", len(v.Payload)),
		"\n" + v.Signature + "\n",
		fmt.Sprintf("then the payload: %d bytes", len(raw)),
		fmt.Sprintf("beginning `%s…` and ending `…%s`", v.Tx[:14], v.Tx[len(v.Tx)-8:]),
		"\n" + v.TxHash + "\n",
		fmt.Sprintf("included at a height of\n%d or below", mustDecode(t, raw).Expires),
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the worked example does not contain %q", want)
		}
	}
}

func mustDecode(t *testing.T, raw []byte) *tx.Tx {
	t.Helper()
	got, err := tx.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
