package tx_test

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger/internal/doctest"
	"github.com/medledger/medledger/tx"
)

// docFile is the normative description of the envelope for integrators.
var docFile = doctest.TxDoc

// TestDocCodes fails when a code of tx.Codes is missing from the error
// table of docs/transactions.md, or is documented with another slug or kind,
// or when the table lists a code that does not exist.
func TestDocCodes(t *testing.T) {
	sec := doctest.Section(t, doctest.Read(t, docFile), "(codespace `tx`)")
	for _, c := range tx.Codes {
		row := fmt.Sprintf("| %d | `%s` | %s |", c.Code, c.Slug, doctest.KindNames[c.Kind])
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
	doc := doctest.Read(t, docFile)
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
	sec := doctest.Section(t, doctest.Read(t, docFile), "Worked example")
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
