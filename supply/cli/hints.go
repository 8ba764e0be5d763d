package cli

import (
	"github.com/medledger/medledger/cmdline"
	"github.com/medledger/medledger/supply"
)

// hints name the fix for the supply module's refusals. Who may send a
// transaction (tx/unauthorized) is worded from the module's policies.
var hints = []cmdline.CodeHint{
	{Code: supply.ErrInvalid, Text: "fix the value the error names; see --help"},
	{Code: supply.ErrBadCode, Text: codeHint},
	{Code: supply.ErrProductNotFound, Text: "its manufacturer registers it first: medledger supply product add --gtin GTIN --name NAME --as ORG/admin"},
	{Code: supply.ErrLotNotFound, Text: "give the lot's --expiry YYMMDD to register it as you commission, or register it with medledger supply lot add"},
	{Code: supply.ErrPackNotFound, Text: "check the code: medledger verify-pack CODE says what the chain knows of it"},
	{Code: supply.ErrCaseNotFound, Text: "a case comes to be when it is packed: medledger supply pack --sscc SSCC --items ..."},
	{Code: supply.ErrExists, Type: supply.TypeCommission, Text: "a serial is commissioned once per GTIN: commission other serials (--count N draws new ones)"},
	{Code: supply.ErrExists, Text: "nothing to do: it is on the chain already"},
	{Code: supply.ErrNotCustodian, Text: "only the organization holding an item moves it: medledger verify-pack CODE shows who holds it"},
	{Code: supply.ErrNotOwner, Text: "only the product's manufacturer does this (a recall: or a regulator): sign --as one of its members"},
	{Code: supply.ErrState, Text: "medledger verify-pack CODE shows its status; medledger supply history CODE how it got there"},
	{Code: supply.ErrInTransit, Text: "the addressee receives it first: medledger supply shipments --org ORG lists the open shipments"},
	{Code: supply.ErrContained, Text: "move the case that holds it, or take it out first: medledger supply unpack --sscc SSCC --items CODE"},
	{Code: supply.ErrShipmentNotFound, Text: "medledger supply shipments --org ORG lists an organization's open shipments"},
	{Code: supply.ErrWrongPartner, Text: "the shipment's addressee receives it: sign --as one of its members"},
	{Code: supply.ErrReceiptMismatch, Text: "list exactly the items shipped, or give only --shipment ID to receive what was shipped"},
	{Code: supply.ErrRecalled, Text: "a recalled pack must not be dispensed, nor a recalled lot commissioned: take the packs out with medledger supply decommission --reason destroyed --items ..."},
	{Code: supply.ErrExpired, Text: "an expired pack must not be dispensed: medledger supply decommission --reason expired --items CODE"},
	{Code: supply.ErrNotPartner, Text: "ship to an active manufacturer, distributor, pharmacy, hospital or clinic: medledger query orgs lists them"},
	{Code: supply.ErrNotSuspect, Text: "the pack verifies as genuine (medledger verify-pack CODE): there is nothing to report"},
	{Code: supply.ErrNotCustodian, Type: supply.TypeReport, Text: "a pack that verifies is reported by the partner holding it (medledger verify-pack CODE shows who), or by a regulator"},
	{Code: supply.ErrNotCustodian, Type: supply.TypeVerifyReturn, Text: "the partner the items were returned to verifies them: sign --as one of its members"},
	{Code: supply.ErrQuarantined, Text: "it waits for its investigation: medledger supply notifications lists it; the manufacturer or the holder records the outcome with medledger supply investigate ID --cleared|--illegitimate; a case holding a quarantined pack moves once it is taken out (medledger supply unpack)"},
	{Code: supply.ErrIllegitimate, Text: "it is out of trade for good: destroy it with medledger supply decommission --reason destroyed --items CODE, or keep it for the regulator"},
	{Code: supply.ErrUnverifiedReturn, Text: "scan its whole label and verify it: medledger supply verify-return '(01)GTIN(10)LOT(17)YYMMDD(21)SERIAL' --as ORG/MEMBER"},
	{Code: supply.ErrLabelMismatch, Text: "the label does not match what the manufacturer commissioned: set the pack apart and report it with medledger supply report CODE --reason TEXT"},
	{Code: supply.ErrNotInvestigator, Text: "the product's manufacturer, or the partner holding it, records the outcome; the manufacturer terminates a notification: sign --as one of their members"},
	{Code: supply.ErrState, Type: supply.TypeInvestigate, Text: "medledger supply notifications lists the open reports; a determined one is not determined again"},
	{Code: supply.ErrRecallNotFound, Text: "check the id; medledger supply reports lists the suspect-product reports"},
	{Code: supply.ErrReportNotFound, Text: "check the id; medledger supply notifications lists the open reports, medledger supply reports every one"},
	{Code: supply.ErrTooLarge, Text: "split the work: name cases instead of their packs, or send fewer items at a time"},
	{Code: supply.ErrUnlicensed, Text: "licence checks are on for supply: medledger credentials check ORG shows the partner's licences; the drug regulator issues one (medledger credentials issue), or the consortium votes the checks off (medledger credentials propose --relax supply)"},
}
