package identity_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger"
	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/doctest"
	"github.com/medledger/medledger/notary"
)

// The envelope's part of docs/transactions.md is checked by tx/docs_test.go;
// this file checks the part that belongs to the modules: identity's and the
// notary's transaction types, policies and codes (the notary has no docs
// test of its own), and the app's expiry bound.

var txDocFile = doctest.TxDoc

// TestDocCodes fails when a code is missing from its codespace's error table,
// documented with another slug or kind, or when a table lists a code that
// does not exist.
func TestDocCodes(t *testing.T) {
	doc := doctest.Read(t, txDocFile)
	for codespace, codes := range map[string][]medledger.Code{identity.Codespace: identity.Codes, notary.Codespace: notary.Codes} {
		sec := doctest.Section(t, doc, "(codespace `"+codespace+"`)")
		for _, c := range codes {
			if c.Codespace != codespace {
				t.Errorf("%s is listed among the %s codes", c.Slug, codespace)
			}
			row := fmt.Sprintf("| %d | `%s` | %s |", c.Code, c.Slug, doctest.KindNames[c.Kind])
			if !strings.Contains(sec, "\n"+row) {
				t.Errorf("the %s error table has no row starting %q", codespace, row)
			}
		}
		rows := 0
		for _, l := range strings.Split(sec, "\n") {
			if len(l) > 2 && l[0] == '|' && l[2] >= '0' && l[2] <= '9' {
				rows++
			}
		}
		if rows != len(codes) {
			t.Errorf("the %s error table has %d rows, the code has %d codes", codespace, rows, len(codes))
		}
	}
}

// policyRow renders a route's policy as the authorization table writes it.
func policyRow(r app.Route) string {
	var kinds []string
	roles := map[string][]string{}
	for _, g := range r.Policy.Grants {
		k, role := g.OrgKind, g.Role
		if k == "*" {
			k = "any organization"
		}
		if role == "*" {
			role = "any role"
		}
		if _, ok := roles[k]; !ok {
			kinds = append(kinds, k)
		}
		roles[k] = append(roles[k], role)
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, k+": "+strings.Join(roles[k], ", "))
	}
	who := strings.Join(parts, "; ")
	if who == "" {
		who = "nobody"
	}
	patients := "no"
	if r.Policy.Patients {
		patients = "yes"
	}
	return fmt.Sprintf("| `%s` | %s | %s |", r.Type, who, patients)
}

// TestDocTypes fails when a transaction type has no section of its own or
// its row in the authorization table does not match its policy.
func TestDocTypes(t *testing.T) {
	doc := doctest.Read(t, txDocFile)
	sec := doctest.Section(t, doc, "Transaction types")
	routes := append(notary.Module{}.Routes(), identity.Module{}.Routes()...)
	for _, r := range routes {
		if row := policyRow(r); !strings.Contains(sec, "\n"+row+"\n") {
			t.Errorf("the authorization table has no row %q", row)
		}
		heading := false
		for _, l := range strings.Split(doc, "\n") {
			if strings.HasPrefix(l, "### ") && strings.Contains(l, "`"+r.Type+"`") {
				heading = true
			}
		}
		if !heading {
			t.Errorf("%s has no ### heading for %s", txDocFile, r.Type)
		}
	}
	rows := strings.Count(sec, "\n| `")
	if rows != len(routes) {
		t.Errorf("the authorization table has %d rows, the modules have %d types", rows, len(routes))
	}
}

// TestDocRoles checks the table of roles by organization kind.
func TestDocRoles(t *testing.T) {
	sec := doctest.Section(t, doctest.Read(t, txDocFile), "`identity/add-member`")
	for _, k := range identity.Kinds {
		row := fmt.Sprintf("| %s | %s |", k, strings.Join(identity.RolesByKind[k], ", "))
		if !strings.Contains(sec, "\n"+row+"\n") {
			t.Errorf("the role table has no row %q", row)
		}
	}
	if len(identity.Kinds) != len(identity.RolesByKind) {
		t.Errorf("identity.Kinds and identity.RolesByKind list different kinds")
	}
}

// TestDocConstants checks the numbers and derivations the page states.
func TestDocConstants(t *testing.T) {
	doc := doctest.Read(t, txDocFile)
	days := int(identity.ProposalTTL.Hours() / 24)
	if identity.ProposalTTL.Hours() != float64(days*24) {
		t.Fatalf("ProposalTTL %s is not whole days; the page says days", identity.ProposalTTL)
	}
	for _, want := range []string{
		fmt.Sprintf("h <= expires <= h + %d", app.MaxTTL),
		fmt.Sprintf("`app.MaxTTL` = %d blocks", app.MaxTTL),
		fmt.Sprintf("plus %d days", days),
		fmt.Sprintf("(%d days after it was made)", days),
		`"` + identity.PatientPrefix + `" || lowercase( base32-no-padding( SHA-256("medledger/patient/v1\n" || public key)[0:15] ) )`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s does not say %q", txDocFile, want)
		}
	}
	// The patient id formula as the page states it.
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x05}, 32)).Public().(ed25519.PublicKey)
	h := sha256.Sum256(append([]byte("medledger/patient/v1\n"), pub...))
	want := identity.PatientPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:15]))
	if got := identity.PatientID(pub); got != want {
		t.Errorf("PatientID: got %s, the documented formula gives %s", got, want)
	}
}
