package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/credentials"
)

// DemoIssuers are the demo's issuer registry: the state medical board
// licenses physicians and pharmacists; the drug regulator licenses
// manufacturers, wholesale distributors and dispensers and registers
// controlled-substance handlers; hospitals and clinics grant clinical
// privileges to their own staff.
var DemoIssuers = []credentials.Change{
	{Action: credentials.ActionAuthorize, Issuer: "state-medical-board", Type: credentials.MedicalLicense, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "state-medical-board", Type: credentials.PharmacistLicense, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "drug-regulator", Type: credentials.ManufacturerLicense, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "drug-regulator", Type: credentials.WholesaleDistributorLicense, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "drug-regulator", Type: credentials.DispenserLicense, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "drug-regulator", Type: credentials.ControlledSubstanceRegistration, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "northside-hospital", Type: credentials.ClinicalPrivileges, Jurisdiction: "US"},
	{Action: credentials.ActionAuthorize, Issuer: "lakeside-clinic", Type: credentials.ClinicalPrivileges, Jurisdiction: "US"},
}

// DemoFolder is where, in a dev home, the seed writes the demo's credential
// files (as their holders would keep them).
const DemoFolder = "credentials"

// DemoRevoked is the file of the demo's revoked licence, in DemoFolder.
const DemoRevoked = "heartwell-trials-coordinator-medical-license.vc.jwt"

// demoLicence is one credential of the demo.
type demoLicence struct {
	file, as, typ, subject string
	until                  time.Time
	claims                 string
}

// seed votes the demo's issuers in (proposed by state-medical-board,
// approved by four more organizations: a majority of nine), issues
// licences to the demo's clinicians, pharmacist and trading partners,
// clinical privileges (dr-patel's expire within 60 days) and a medical
// licence that is revoked at once, to try, then votes licence checks on for
// supply, records and claims: in that order, so that nothing of the other
// demos is refused meanwhile. Everything goes in one batch, each
// transaction checked against the state the ones before it left, so the
// chain is seeded in a block or two. The files go to the home's
// credentials folder.
func seed(ctx context.Context, s cmdline.SeedEnv) (string, error) {
	fail := func(err error) (string, error) { return "", fmt.Errorf("demo credentials not seeded: %w", err) }
	// A registry voted already (a seeding cut short, or by hand): the
	// seeding is done, or the chain is the user's.
	if reg, err := s.Client.CredentialIssuers(ctx, ""); err != nil {
		return fail(err)
	} else if len(reg) > 0 {
		return "registry voted before", nil
	}
	props, err := s.Client.CredentialProposals(ctx)
	if err != nil {
		return fail(err)
	}
	next := uint64(len(props)) + 1
	var txs []client.BulkTx
	if txs, err = proposal(s, txs, next, DemoIssuers); err != nil {
		return fail(err)
	}

	now := time.Now()
	long, soon := now.AddDate(2, 0, 0), now.AddDate(0, 0, 45)
	const registrar, inspector = "state-medical-board/registrar", "drug-regulator/inspector"
	licences := []demoLicence{
		{"dr-chen-medical-license.vc.jwt", registrar, credentials.MedicalLicense, "northside-hospital/dr-chen", long, `{"licenseNumber":"MD-204-118","specialty":"internal medicine"}`},
		{"dr-patel-medical-license.vc.jwt", registrar, credentials.MedicalLicense, "lakeside-clinic/dr-patel", long, `{"licenseNumber":"MD-311-542","specialty":"family medicine"}`},
		{"cityrx-pharmacist-license.vc.jwt", registrar, credentials.PharmacistLicense, "cityrx-pharmacy/pharmacist", long, `{"licenseNumber":"RPH-77-0931"}`},
		{"dr-chen-clinical-privileges.vc.jwt", "northside-hospital/admin", credentials.ClinicalPrivileges, "northside-hospital/dr-chen", long, `{"privileges":["admit","prescribe","central-line"]}`},
		{"dr-patel-clinical-privileges.vc.jwt", "lakeside-clinic/admin", credentials.ClinicalPrivileges, "lakeside-clinic/dr-patel", soon, `{"privileges":["prescribe"]}`},
		{"dr-chen-controlled-substance-registration.vc.jwt", inspector, credentials.ControlledSubstanceRegistration, "northside-hospital/dr-chen", long, `{"registrationNumber":"BC1234563","schedules":["2","3","4","5"]}`},
		{"acme-pharma-manufacturer-license.vc.jwt", inspector, credentials.ManufacturerLicense, "acme-pharma", long, `{"registrationNumber":"FEI-3004-2291"}`},
		{"medsupply-dist-wholesale-distributor-license.vc.jwt", inspector, credentials.WholesaleDistributorLicense, "medsupply-dist", long, `{"licenseNumber":"WD-10442"}`},
		{"cityrx-pharmacy-dispenser-license.vc.jwt", inspector, credentials.DispenserLicense, "cityrx-pharmacy", long, `{"permitNumber":"PHY-55812"}`},
		{"northside-hospital-dispenser-license.vc.jwt", inspector, credentials.DispenserLicense, "northside-hospital", long, `{"permitNumber":"PHY-55890"}`},
		{DemoRevoked, registrar, credentials.MedicalLicense, "heartwell-trials/coordinator", long, `{"licenseNumber":"MD-118-007"}`},
	}
	files := map[string]string{}
	var revokedID string
	for _, l := range licences {
		k, err := s.Signer(l.as)
		if err != nil {
			return fail(err)
		}
		var claims map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l.claims), &claims); err != nil {
			return fail(err)
		}
		file, body, err := s.Client.PrepareCredential(ctx, k, client.Issuance{Type: l.typ, Subject: l.subject, ValidFrom: now.AddDate(-1, 0, 0), ValidUntil: l.until, Claims: claims})
		if err != nil {
			return fail(err)
		}
		files[l.file] = file
		txs = append(txs, client.BulkTx{Signer: k, Type: credentials.TypeIssue, Body: body})
		if l.file == DemoRevoked {
			revokedID = body.ID
			txs = append(txs, client.BulkTx{Signer: k, Type: credentials.TypeRevoke, Body: credentials.StatusBody{Credential: body.ID, Reason: "disciplinary-action"}})
		}
	}
	enforce := []credentials.Change{{Action: credentials.ActionEnforce, Scope: "supply"},
		{Action: credentials.ActionEnforce, Scope: "records"}, {Action: credentials.ActionEnforce, Scope: "claims"}}
	if txs, err = proposal(s, txs, next+1, enforce); err != nil {
		return fail(err)
	}
	r, err := s.Client.SendAll(ctx, txs, client.BulkOptions{})
	if err == nil && r.Failed >= 0 {
		err = fmt.Errorf("%s refused: %w", txs[r.Failed].Type, r.Err())
	}
	if err != nil {
		return fail(err)
	}
	dir := filepath.Join(filepath.Dir(s.Keys.Dir), DemoFolder)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	for name, file := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(file+"\n"), 0o600); err != nil {
			return fail(err)
		}
	}
	var orgs []string
	for _, a := range DemoIssuers {
		orgs = append(orgs, a.Issuer+":"+a.Type)
	}
	s.Logf("medledger: voted the demo's credential issuers in (%s) and licence checks on for supply, records and claims\n", strings.Join(orgs, ", "))
	s.Logf("medledger: issued %d credentials (the clinicians', the pharmacist's, the trading partners' licences); heartwell-trials/coordinator's medical licence %s is revoked; files in %s\n",
		len(licences), revokedID, dir)
	s.Try("credentials check northside-hospital/dr-chen")
	s.Try("credentials verify " + shellQuote(filepath.Join(dir, DemoRevoked)) + "   # revoked: NOT VALID")
	return r.Hashes[len(r.Hashes)-1], nil
}

// proposal appends to txs a proposal of changes, number id, proposed by
// state-medical-board's admin and approved by four more organizations (a
// majority of the demo's nine).
func proposal(s cmdline.SeedEnv, txs []client.BulkTx, id uint64, changes []credentials.Change) ([]client.BulkTx, error) {
	board, err := s.Signer("state-medical-board/admin")
	if err != nil {
		return nil, err
	}
	txs = append(txs, client.BulkTx{Signer: board, Type: credentials.TypePropose, Body: credentials.ProposeBody{Changes: changes}})
	for _, org := range []string{"northside-hospital", "lakeside-clinic", "cityrx-pharmacy", "acme-pharma"} {
		k, err := s.Signer(org + "/admin")
		if err != nil {
			return nil, err
		}
		txs = append(txs, client.BulkTx{Signer: k, Type: credentials.TypeVote, Body: credentials.VoteBody{Proposal: id, Approve: true}})
	}
	return txs, nil
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"\\$`!*?&;|<>()") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
