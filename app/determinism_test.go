package app_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/medledger/medledger/app"
	"github.com/medledger/medledger/identity"
	"github.com/medledger/medledger/internal/chaintest"
	"github.com/medledger/medledger/notary"
	"github.com/medledger/medledger/state"
	"github.com/medledger/medledger/tx"
)

// txGen makes random transactions, valid and invalid, for the determinism
// test. It signs on chain a; the same bytes go to every instance.
type txGen struct {
	r       *rand.Rand
	ch      *chaintest.Chain
	c       *chaintest.Consortium
	members []string // every member id ever named, in order
	sent    [][]byte // every transaction made, for replays
	serial  int
	props   int // proposals made (not all of them applied)
}

func (g *txGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *txGen) admin() string {
	if g.r.IntN(10) == 0 {
		return g.pick(g.orgs()) + "/admin" // perhaps of an organization not (yet) added
	}
	return g.pick(g.orgs()[:len(g.c.Orgs)]) + "/admin"
}

// adminOf is mostly the admin of member's organization, sometimes another.
func (g *txGen) adminOf(member string) string {
	if org, _, _ := strings.Cut(member, "/"); g.r.IntN(4) != 0 {
		return org + "/admin"
	}
	return g.admin()
}

func (g *txGen) orgs() []string {
	out := make([]string, len(g.c.Orgs))
	for i, o := range g.c.Orgs {
		out[i] = o.ID
	}
	return append(out, "riverside-clinic", "hilltop-clinic")
}

func (g *txGen) key() chaintest.Key {
	g.serial++
	return chaintest.NewKey(fmt.Sprintf("gen-key-%d", g.serial))
}

// next returns one random transaction.
func (g *txGen) next() []byte {
	ch, r := g.ch, g.r
	var raw []byte
	switch n := r.IntN(100); {
	case n < 20:
		g.serial++
		raw = ch.Sign(g.pick(g.members), notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest(fmt.Sprint(r.IntN(40))), Kind: "lab-report"})
	case n < 30:
		k := g.key()
		name := fmt.Sprintf("m%d", r.IntN(6))
		roles := []string{identity.RoleAdmin, identity.RoleClinician, identity.RolePharmacist, identity.RoleInspector}
		signer := g.admin()
		org, _, _ := strings.Cut(signer, "/")
		if id := org + "/" + name; !slices.Contains(g.members, id) {
			ch.SetKey(id, k.Sign)
			g.members = append(g.members, id)
		}
		raw = ch.Sign(signer, identity.TypeAddMember, identity.MemberBody{Member: name, Role: g.pick(roles), SignKey: k.Public(), EncKey: k.Enc})
	case n < 40:
		typ := identity.TypeSuspendMember
		if r.IntN(2) == 0 {
			typ = identity.TypeReinstateMember
		}
		target := g.pick(g.members)
		raw = ch.Sign(g.adminOf(target), typ, identity.MemberBody{Member: target})
	case n < 45:
		k := g.key()
		target := g.pick(g.members)
		raw = ch.Sign(g.adminOf(target), identity.TypeRotateKey, identity.MemberBody{Member: target, SignKey: k.Public(), EncKey: k.Enc})
		if r.IntN(2) == 0 {
			ch.SetKey(target, k.Sign) // sometimes sign with it later, whether or not the rotation applied
		}
	case n < 52:
		var body identity.ProposeBody
		switch r.IntN(3) {
		case 0:
			id := g.pick([]string{"riverside-clinic", "hilltop-clinic"})
			k := chaintest.NewKey(id + "/admin")
			body = identity.ProposeBody{Action: identity.ActionAddOrg,
				Org:   &identity.Org{ID: id, Name: id, Kind: identity.KindClinic, Jurisdiction: "US-CA"},
				Admin: &identity.GenesisMember{ID: "admin", SignKey: k.Public(), EncKey: k.Enc}}
		case 1:
			body = identity.ProposeBody{Action: identity.ActionSuspendOrg, Target: g.pick(g.orgs())}
		default:
			body = identity.ProposeBody{Action: identity.ActionReinstateOrg, Target: g.pick(g.orgs())}
		}
		g.props++
		raw = ch.Sign(g.admin(), identity.TypePropose, body)
	case n < 75:
		p := 1 + r.IntN(g.props+1) // sometimes one that does not exist
		var open []uint64
		for _, pr := range identity.ListProposals(ch.Latest()) {
			if pr.Status == identity.ProposalOpen {
				open = append(open, pr.ID)
			}
		}
		if len(open) > 0 && r.IntN(5) != 0 {
			p = int(open[r.IntN(len(open))])
		}
		raw = ch.Sign(g.admin(), identity.TypeVote, identity.VoteBody{Proposal: uint64(p), Approve: r.IntN(5) != 0})
	case n < 80:
		k := g.key()
		raw = ch.Sign(g.pick(g.members), identity.TypeEnrollPatient, identity.EnrollBody{SignKey: k.Public(), EncKey: k.Enc})
	case n < 85 && len(g.sent) > 0:
		return g.sent[r.IntN(len(g.sent))] // a replay
	case n < 90:
		raw = ch.Sign(g.pick(g.members), notary.TypeAnchor, notary.AnchorBody{Digest: "00", Kind: "lab-report"},
			func(p *tx.Payload) { p.Expires = ch.Height + 1 + int64(r.IntN(5)) - 3 }) // often expired
	case n < 95:
		raw = ch.Sign(g.pick(g.members), notary.TypeAnchor, notary.AnchorBody{Digest: chaintest.Digest("x"), Kind: "x1"})
		raw[1+r.IntN(len(raw)-1)] ^= byte(1 + r.IntN(255)) // corrupt
	default:
		raw = ch.Sign(g.c.Patients[g.r.IntN(len(g.c.Patients))].ID(), identity.TypeVote, identity.VoteBody{Proposal: 1})
	}
	g.sent = append(g.sent, raw)
	return raw
}

// TestDeterminism feeds two independent instances (separate stores in
// separate folders) the same random blocks and checks that they agree on
// every result and app hash; one instance crashes before a Commit and
// restarts mid-way, and they still agree.
func TestDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			const blocks = 120
			c := chaintest.Demo()
			a, b := chaintest.New(t, c), chaintest.New(t, c)
			g := &txGen{r: rand.New(rand.NewPCG(seed, 0x6d65646c)), ch: a, c: c}
			for _, m := range c.Members {
				g.members = append(g.members, m.ID)
			}
			g.members = append(g.members, "riverside-clinic/admin", "ghost-org/admin")

			accepted := 0
			kinds := map[string]int{} // results by code, events of accepted transactions by type
			for h := 1; h <= blocks; h++ {
				var txs [][]byte
				for range g.r.IntN(9) {
					txs = append(txs, g.next())
				}
				step := time.Duration(1+g.r.IntN(10)) * time.Second
				if g.r.IntN(30) == 0 {
					step = time.Duration(1+g.r.IntN(4)) * 48 * time.Hour // let proposals expire
				}
				at := a.Time.Add(step)

				if h == blocks/3 { // b crashes after FinalizeBlock, before Commit
					b.Finalize(at, txs...)
					b.Crash()
				}
				ra, rb := a.Finalize(at, txs...), b.Finalize(at, txs...)
				if !bytes.Equal(ra.AppHash, rb.AppHash) {
					t.Fatalf("block %d: app hash %X vs %X", h, ra.AppHash, rb.AppHash)
				}
				for i := range ra.TxResults {
					x, y := ra.TxResults[i], rb.TxResults[i]
					if x.Code != y.Code || x.Codespace != y.Codespace || x.Log != y.Log || len(x.Events) != len(y.Events) {
						t.Fatalf("block %d tx %d: %s vs %s", h, i, chaintest.Describe(x), chaintest.Describe(y))
					}
					kinds[fmt.Sprintf("code %s/%d", x.Codespace, x.Code)]++
					if x.Code == 0 {
						accepted++
						for _, e := range x.Events {
							if e.Type != "tx" {
								kinds[e.Type]++
							}
						}
					}
				}
				a.Commit(ra.AppHash)
				b.Commit(rb.AppHash)
				if h == blocks/2 {
					b.Restart()
				}
			}
			if accepted < blocks/2 || kinds["identity.proposal_passed"] == 0 || kinds["identity.key_rotated"] == 0 {
				t.Fatalf("the generator exercises too little: %d accepted, events %v", accepted, kinds)
			}
			t.Logf("%d blocks, %d transactions sent, %d accepted; results and events: %v", blocks, len(g.sent), accepted, kinds)
		})
	}
}

// TestInitialHeight: the store numbers versions from 1 and Info reports the
// version as the last block height, so a genesis whose initial_height is
// not 1 MUST be refused rather than leave Info reporting wrong heights.
func TestInitialHeight(t *testing.T) {
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := app.New(st, chaintest.ChainID, identity.Module{}, identity.Module{}, notary.Module{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := &abci.RequestInitChain{ChainId: chaintest.ChainID, InitialHeight: 5, Time: chaintest.GenesisTime, AppStateBytes: chaintest.Demo().AppState()}
	if _, err := a.InitChain(ctx, req); err == nil {
		t.Fatal("InitChain accepted initial_height 5")
	}

	ch := chaintest.New(t, chaintest.Demo())
	ch.Block()
	ch.Block()
	info, err := ch.App.Info(ctx, &abci.RequestInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if info.LastBlockHeight != 2 || !bytes.Equal(info.LastBlockAppHash, ch.Store.Hash()) {
		t.Fatalf("Info after two blocks: height %d hash %X, want 2 %X", info.LastBlockHeight, info.LastBlockAppHash, ch.Store.Hash())
	}
}
