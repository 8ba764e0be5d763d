// Package gs1 parses and formats the GS1 element strings printed and encoded
// on drug packs and logistic units: the GTIN (01), serial number (21),
// batch/lot (10), expiry date (17), production date (11) and SSCC (00).
//
// It owns the syntax of those element strings and nothing else: the two
// input forms, the AI table it accepts, the GS1 mod-10 check digit, the
// YYMMDD dates with their century window, and the round trip back to text.
//
// # Input forms
//
// Parse accepts
//
//   - the human-readable (bracketed) form, as printed under a barcode:
//     (01)00312345678906(21)SN1234(10)LOT42(17)271231. A literal '(' inside
//     a serial or lot is written \( (the escape used by the GS1 Barcode
//     Syntax Engine); no other escape exists, and ')' needs none;
//   - the raw form a scanner sends: the AIs concatenated, each
//     variable-length field (21, 10) ended by a GS (ASCII 29, the FNC1
//     separator) unless it is the last. An optional symbology identifier
//     ]d2, ]C1, ]Q3 or ]e0 (GS1 DataMatrix, GS1-128, GS1 QR Code, GS1
//     DataBar) and one leading GS are skipped, and so is one redundant GS
//     after a fixed-length field.
//
// Input longer than MaxLen bytes is refused before any other work.
//
// An unknown AI is refused, never skipped: a pack whose code carries data
// this package does not understand must not pass as if it carried less.
// Each AI may appear once, and (21), (10), (17) and (11) need a (01) beside
// them (the GS1 Barcode Syntax Dictionary's "req" rules).
//
// # Dates and the century
//
// A YYMMDD date carries no century. GS1 General Specifications section
// 7.12 resolves it with a sliding window around the current year: the
// year is the one ending in YY that lies from 49 years before to 50 years
// after the current year. ParseAt(s, now) applies that rule with now's
// year, and a state transition MUST call it with the block time, never the
// wall clock. Parse uses the fixed reference year FixedReferenceYear
// (2000), so YY 00 to 50 is 2000 to 2050 and YY 51 to 99 is 1951 to 1999;
// it needs no clock and suits tests and tools, but it disagrees with the
// GS1 rule for years after 2050.
//
// DD = 00 means "the month, day unspecified"; Date.Day is then resolved to
// the month's last day, and Date.Raw keeps the 00.
//
// # Errors
//
// Every error is an *Error. Match it by kind with errors.Is(err,
// gs1.ErrCheckDigit), never by its text; the text says which element is
// wrong and why, for the person holding the pack.
//
// # What it must not do
//
// The package is pure: no state, no I/O, no clock (the caller passes the
// time to ParseAt), no randomness, no goroutines. The same input gives the
// same result on every machine, so a state transition may call it.
package gs1
