// Package supply is the drug supply chain module: products and lots,
// serialized packs and the cases and pallets (SSCC) that hold them, and the
// events that move them (commission, aggregate, disaggregate, ship,
// receive, return, dispense, decommission, recall), with the verification a
// pharmacist asks for at the counter and the chain of custody of each pack.
//
// Custody is held by the outermost container: shipping or receiving a case
// writes the case, and every pack inside it follows because a pack's
// custodian, transit and theft are read through its containers. A recall is
// written once, on the lot or the product, and reaches every pack and every
// case holding one the same way. This keeps an event's cost proportional to
// what it names, not to what it contains.
//
// The package owns the state under "supply/". It must not hold personal
// data: products, lots, serials, organizations and codes only.
package supply
