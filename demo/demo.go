// Package demo defines the demo consortium that `medledger dev` creates and
// the tests use as their fixture: nine organizations of every kind, each
// with an admin and a member in its working role, and three patients.
//
// Its keys are generated (or derived from a seed, for tests) and saved to a
// keystore; only public keys reach the genesis.
package demo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/keystore"
)

// ChainID of the dev chain.
const ChainID = "medledger-dev"

// Orgs of the demo consortium.
var Orgs = []identity.Org{
	{ID: "northside-hospital", Name: "Northside Hospital", Kind: identity.KindHospital, Jurisdiction: "US"},
	{ID: "lakeside-clinic", Name: "Lakeside Clinic", Kind: identity.KindClinic, Jurisdiction: "US"},
	{ID: "cityrx-pharmacy", Name: "CityRx Pharmacy", Kind: identity.KindPharmacy, Jurisdiction: "US"},
	{ID: "acme-pharma", Name: "Acme Pharma", Kind: identity.KindManufacturer, Jurisdiction: "US"},
	{ID: "medsupply-dist", Name: "MedSupply Distribution", Kind: identity.KindDistributor, Jurisdiction: "US"},
	{ID: "unity-health-plan", Name: "Unity Health Plan", Kind: identity.KindPayer, Jurisdiction: "US"},
	{ID: "heartwell-trials", Name: "Heartwell Trials", Kind: identity.KindTrialSponsor, Jurisdiction: "US"},
	{ID: "state-medical-board", Name: "State Medical Board", Kind: identity.KindLicensingBoard, Jurisdiction: "US"},
	{ID: "drug-regulator", Name: "Drug Regulator", Kind: identity.KindRegulator, Jurisdiction: "US"},
}

// Member is a demo member: its id and role.
type Member struct{ ID, Role string }

// Members of the demo consortium: every org's admin, then the working roles.
var Members = func() []Member {
	var out []Member
	for _, o := range Orgs {
		out = append(out, Member{identity.MemberID(o.ID, "admin"), identity.RoleAdmin})
	}
	return append(out,
		Member{"northside-hospital/dr-chen", identity.RoleClinician},
		// The hospital's pharmacy: receives drugs and dispenses them. (Before
		// the other working members: a hint's example prefers the last.)
		Member{"northside-hospital/pharmacist", identity.RolePharmacist},
		Member{"lakeside-clinic/dr-patel", identity.RoleClinician},
		Member{"cityrx-pharmacy/pharmacist", identity.RolePharmacist},
		Member{"acme-pharma/packager", identity.RolePackager},
		Member{"medsupply-dist/warehouse", identity.RoleWarehouse},
		Member{"unity-health-plan/adjudicator", identity.RoleAdjudicator},
		Member{"heartwell-trials/coordinator", identity.RoleCoordinator},
		Member{"state-medical-board/registrar", identity.RoleRegistrar},
		Member{"drug-regulator/inspector", identity.RoleInspector},
		Member{"northside-hospital/biller", identity.RoleBiller},
	)
}()

// Patients are the local key names of the demo patients. On chain they are
// known only by their pseudonymous ids. Dana is Alice's relative, one of
// her guardians (identity/cli's seed).
var Patients = []string{"patient/alice", "patient/bob", "patient/dana"}

// RecoveryWait is the waiting period of a patient's recovery on the dev
// chain: minutes, so that a recovery can be followed to its end in a demo
// (a real network's genesis keeps identity's default, 72 hours).
const RecoveryWait = 5 * time.Minute

// Keys is the demo consortium's key set by local name.
type Keys map[string]*keystore.Key

// NewKeys generates fresh keys for every demo identity. With a non-nil seed
// the keys are derived from it instead (reproducible, for tests only).
func NewKeys(seed []byte) (Keys, error) {
	ks := Keys{}
	names := make([]string, 0, len(Members)+len(Patients))
	for _, m := range Members {
		names = append(names, m.ID)
	}
	names = append(names, Patients...)
	for _, n := range names {
		var k *keystore.Key
		if seed != nil {
			k = keystore.FromSeed(n, append(append([]byte{}, seed...), n...))
		} else {
			var err error
			if k, err = keystore.Generate(n); err != nil {
				return nil, err
			}
		}
		ks[n] = k
	}
	for _, p := range Patients {
		ks[p].ID = identity.PatientID(ks[p].SignPub())
	}
	return ks, nil
}

// Save writes every key, unencrypted, to the keystore.
func (ks Keys) Save(s keystore.Store) error {
	for _, n := range ks.names() {
		if err := s.Save(ks[n], nil); err != nil {
			return fmt.Errorf("save demo key %s: %w", n, err)
		}
	}
	return nil
}

func (ks Keys) names() []string {
	var out []string
	for _, m := range Members {
		out = append(out, m.ID)
	}
	return append(out, Patients...)
}

// Genesis is the identity genesis of the demo consortium with these keys.
func (ks Keys) Genesis() identity.Genesis {
	g := identity.Genesis{Orgs: append([]identity.Org(nil), Orgs...), RecoveryWaitSeconds: int64(RecoveryWait / time.Second)}
	for _, m := range Members {
		k := ks[m.ID]
		g.Members = append(g.Members, identity.GenesisMember{ID: m.ID, Role: m.Role, SignKey: k.SignPub(), EncKey: k.EncPub()})
	}
	for _, p := range Patients {
		k := ks[p]
		g.Patients = append(g.Patients, identity.GenesisKeys{SignKey: k.SignPub(), EncKey: k.EncPub(), EnrolledBy: "northside-hospital"})
	}
	return g
}

// AppState is the genesis app_state for these keys.
func (ks Keys) AppState() json.RawMessage { return AppStateOf(ks.Genesis()) }

// AppStateOf is the genesis app_state with identity genesis ig (a test's
// variant of Keys.Genesis).
func AppStateOf(ig identity.Genesis) json.RawMessage {
	g, err := json.Marshal(ig)
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(app.Genesis{Modules: map[string]json.RawMessage{"identity": g}})
	if err != nil {
		panic(err)
	}
	return b
}
