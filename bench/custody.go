package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medledger/medledger/client"
	"github.com/medledger/medledger/supply"
	"github.com/medledger/medledger/supply/gs1"
)

// The custody load moves packs that exist already between two trading
// partners, so that the state it leaves is what DSCSA keeps of each move (an
// event record and a history entry, and for a shipment its record), not new
// objects. Before the window, PrepareCustody registers the bench product
// (once per chain) and commissions a pool of packs at the manufacturer; in
// the window, the i-th transaction moves pack i mod N one step round the
// cycle
//
//	ship manufacturer -> distributor, receive at the distributor,
//	ship distributor -> manufacturer, receive at the manufacturer
//
// (step i / N of the pack), so each step of a pack comes N transactions
// after its previous one: with N above the in-flight cap, the previous step
// has been admitted (CheckTx applies it to the mempool's view) and most
// often committed before its next is sent. Receipts name no shipment: the
// node takes the pack's open one.

// CustodyMembers are the demo members the custody load signs as: the
// manufacturer's admin (registers the product), its packager (commissions,
// ships and receives) and the distributor's warehouse (receives and ships
// back).
var CustodyMembers = [3]string{"acme-pharma/admin", "acme-pharma/packager", "medsupply-dist/warehouse"}

// CustodyGTIN is the bench product's GTIN-14 (not the demo seed's).
var CustodyGTIN = func() string {
	const digits = "0031234599999"
	c, err := gs1.CheckDigit(digits)
	if err != nil {
		panic(err)
	}
	return digits + string(c)
}()

// custodyExpirySpread is how many transactions of the custody load share
// an expiry (and so a replay-guard bucket, app/replay.go): clients that
// sign at the current height put each block's transactions in a bucket of
// their own, which the block writes once; a pool signed at one height
// would put every transaction in one bucket, rewritten whole by every
// block (and kept whole in every state version a node keeps).
const custodyExpirySpread = 1_000

// commissionChunk is how many serials one commissioning transaction names
// (supply.MaxSerials at most; smaller keeps each block short).
const commissionChunk = 5_000

// Custody is a prepared custody load: its Source and what it moves.
type Custody struct {
	Source Source
	GTIN   string
	Lot    string
	// Serials of the pool's packs, all commissioned at From's organization.
	Serials  []string
	From, To string // the two organizations
}

// PrepareCustody registers the bench product if the chain lacks it and
// commissions packs packs at the manufacturer, each transaction committed
// before it returns, and returns the load. signer gives the signer of a
// member of CustodyMembers (chain id and TTL set); height is the height the
// load's transactions are signed at. run names the lot and prefixes the
// serials (its first 8 characters), so runs on one chain never collide.
func PrepareCustody(ctx context.Context, cl *client.Client, signer func(member string) (client.Signer, error), packs int, run string, height int64) (*Custody, error) {
	if packs < 1 {
		return nil, errors.New("bench: the custody load needs at least one pack")
	}
	var s [3]client.Signer
	for i, m := range CustodyMembers {
		var err error
		if s[i], err = signer(m); err != nil {
			return nil, err
		}
	}
	admin, maker, partner := s[0], s[1], s[2]
	tag := run[:min(len(run), 8)]
	c := &Custody{GTIN: CustodyGTIN, Lot: "B" + tag, From: org(maker), To: org(partner), Serials: make([]string, packs)}
	for i := range c.Serials {
		c.Serials[i] = fmt.Sprintf("%s-%d", tag, i)
	}
	if _, err := cl.Product(ctx, c.GTIN); err != nil {
		if !client.IsProblem(err) {
			return nil, err
		}
		body := supply.ProductBody{GTIN: c.GTIN, Name: "Bench custody product", Form: "capsule"}
		if _, err := cl.Send(ctx, admin, supply.TypeProduct, body, "commit"); err != nil {
			return nil, fmt.Errorf("register the bench product %s: %w", c.GTIN, err)
		}
	}
	expiry := time.Now().UTC().AddDate(2, 0, 0).Format("060102")
	for lo := 0; lo < packs; lo += commissionChunk {
		body := supply.CommissionBody{GTIN: c.GTIN, Lot: c.Lot, Expiry: expiry, Serials: c.Serials[lo:min(lo+commissionChunk, packs)]}
		if _, err := cl.Send(ctx, maker, supply.TypeCommission, body, "commit"); err != nil {
			return nil, fmt.Errorf("commission packs %d to %d of the custody load: %w", lo, lo+len(body.Serials)-1, err)
		}
	}
	n := packs
	c.Source = func(i int) ([]byte, error) {
		i = max(i, 0) // -1: a sample
		step, it := i/n, []supply.Item{supply.Pack(c.GTIN, c.Serials[i%n])}
		// NOTE: expiry = h + TTL must stay within app.MaxTTL of the
		// height it is checked at, which is at least height.
		h := height + int64(min(i/custodyExpirySpread, 4_000))
		switch step % 4 {
		case 0:
			return maker.Build(supply.TypeShip, supply.ShipBody{To: c.To, Items: it}, h)
		case 1:
			return partner.Build(supply.TypeReceive, supply.ReceiveBody{Items: it}, h)
		case 2:
			return partner.Build(supply.TypeShip, supply.ShipBody{To: c.From, Items: it}, h)
		default:
			return maker.Build(supply.TypeReceive, supply.ReceiveBody{Items: it}, h)
		}
	}
	return c, nil
}

// org is the organization of a member's signer ("org/member").
func org(s client.Signer) string {
	o, _, _ := strings.Cut(s.Key.ID, "/")
	return o
}

// Load names a load of medledger bench and what it needs.
type Load struct {
	Name string // "anchors" or "custody"
	// As and Kind: the anchors load's signer and document kind.
	As, Kind string
	// Packs: the custody load's pool; 0 is twice what may be in flight.
	Packs int
	// Run names the run (RunID); Height is the height to sign at.
	Run    string
	Height int64
}

// Prepare sets cfg.Source to load l: for the custody load, after
// commissioning its packs on the node cl talks to (PrepareCustody).
// signer gives a member's signer, chain id and TTL set.
func Prepare(ctx context.Context, cfg *Config, cl *client.Client, signer func(member string) (client.Signer, error), l Load) error {
	switch l.Name {
	case "anchors":
		s, err := signer(l.As)
		if err != nil {
			return err
		}
		cfg.Source = AnchorSource(s, l.Kind, l.Run, l.Height)
		return nil
	case "custody":
		c := *cfg
		c.defaults()
		if l.Packs <= 0 {
			l.Packs = 2 * (c.MaxInflight + c.Concurrency*c.Batch)
		}
		cu, err := PrepareCustody(ctx, cl, signer, l.Packs, l.Run, l.Height)
		if err != nil {
			return err
		}
		cfg.Source = cu.Source
		return nil
	}
	return fmt.Errorf("bench: unknown load %q (anchors or custody)", l.Name)
}
