package records_test

import (
	"context"
	"strings"
	"testing"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/credentials"
	"github.com/medledger/medledger/credentials/credentialstest"
	"github.com/medledger/medledger/daemon"
	"github.com/medledger/medledger/daemon/daemontest"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/records"
)

// TestBreakGlassLicence: with licence checks switched on for records by a
// vote, on a real node, a clinician whose licence is suspended breaks the
// glass and is refused; the refusal is logged as every refused read is (a
// disclosure the patient lists, with what was missing) and on the
// organization's break-glass review list. Reinstated, the same read is
// granted.
func TestBreakGlassLicence(t *testing.T) {
	n := daemontest.Start(t, credentialstest.Options(daemontest.Options{Plugins: append(daemontest.Core(),
		daemon.Plugin{Module: records.Module{}, Routes: records.HTTPRoutes, Codes: records.Codes})}))
	ctx := context.Background()
	const patel, registrar = "lakeside-clinic/dr-patel", "state-medical-board/registrar"
	alice := n.Keys["patient/alice"].ID
	send := func(as, typ string, body any) client.Signer {
		t.Helper()
		if _, err := n.Client.Send(ctx, n.Signer(as), typ, body, "commit"); err != nil {
			t.Fatalf("%s by %s: %v", typ, as, err)
		}
		return n.Signer(as)
	}
	send("northside-hospital/dr-chen", records.TypeAdd, records.AddBody{Patient: alice, ResourceTypes: []string{"Observation"},
		Category: "laboratory", Digest: chaintest.Digest("alice's potassium"), Ref: "doc-1"})
	rec := records.PatientRecords(n.Store.Latest(), alice)[0].ID
	breakGlass := records.AccessBody{Record: rec, Purpose: records.PurposeEmergencyTreatment, BreakGlass: "unconscious-patient"}
	last := func() records.Disclosure {
		ds := records.PatientDisclosures(n.Store.Latest(), alice)
		return ds[len(ds)-1]
	}

	// Off by default: break-glass needs no licence.
	send(patel, records.TypeAccess, breakGlass)
	if d := last(); d.Outcome != records.OutcomeGranted {
		t.Fatalf("break-glass with licence checks off: %+v", d)
	}

	credentialstest.Vote(t, n, credentialstest.Authorize("state-medical-board", credentials.MedicalLicense), credentialstest.Enforce("records"))
	lic := credentialstest.Issue(t, n, registrar, credentials.MedicalLicense, patel)
	send(patel, records.TypeAccess, breakGlass)
	if d := last(); d.Outcome != records.OutcomeGranted || d.Ground != records.GroundBreakGlass {
		t.Fatalf("break-glass by a licensed clinician: %+v", d)
	}

	credentialstest.SetStatus(t, n, registrar, credentials.TypeSuspend, lic.Body.ID, "under-investigation")
	send(patel, records.TypeAccess, breakGlass)
	d := last()
	if d.Outcome != records.OutcomeRefused || !d.BreakGlass || d.Reader != patel || !strings.Contains(d.Missing, "licence") || !strings.Contains(d.Missing, "suspended") {
		t.Fatalf("break-glass by a clinician whose licence is suspended: %+v", d)
	}
	if bg := records.BreakGlass(n.Store.Latest(), "lakeside-clinic"); len(bg) != 3 || bg[2].Seq != d.Seq {
		t.Fatalf("the refused break-glass is not on the review list: %+v", bg)
	}
	// A clinician with no licence at all: refused too.
	send("northside-hospital/dr-chen", records.TypeAccess, breakGlass)
	if d := last(); d.Outcome != records.OutcomeRefused || !strings.Contains(d.Missing, "holds no medical-license") {
		t.Fatalf("break-glass by an unlicensed clinician: %+v", d)
	}

	credentialstest.SetStatus(t, n, registrar, credentials.TypeReinstate, lic.Body.ID, "investigation-closed")
	send(patel, records.TypeAccess, breakGlass)
	if d := last(); d.Outcome != records.OutcomeGranted {
		t.Fatalf("reinstated: %+v", d)
	}
}
