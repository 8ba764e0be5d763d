package gs1_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/medledger/medledger/supply/gs1"
)

func ExampleParse() {
	c, err := gs1.Parse("(01)00312345678906(21)SN1234(10)LOT42(17)271231")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.GTIN, c.Serial, c.Lot, c.Expiry)
	// Output: 00312345678906 SN1234 LOT42 2027-12-31
}

func ExampleParseAt() {
	// The raw form from a GS1 DataMatrix scanner: symbology identifier ]d2,
	// then the fixed-length AIs, then lot and serial separated by GS.
	scan := "]d2010031234567890617280200" + "10LOT42\x1d21SN1234"
	blockTime := time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)
	c, err := gs1.ParseAt(scan, blockTime)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Expiry, c.Expiry.Raw, c.Expiry.DayUnspecified())
	fmt.Println(gs1.Format(c))
	// Output:
	// 2028-02-29 280200 true
	// (01)00312345678906(21)SN1234(10)LOT42(17)280200
}

func ExampleFormatRaw() {
	c := gs1.Code{GTIN: "00312345678906", Serial: "SN1234", Lot: "LOT42"}
	fmt.Printf("%q\n", gs1.FormatRaw(c))
	// Output: "010031234567890610LOT42\x1d21SN1234"
}

func ExampleError() {
	_, err := gs1.Parse("(01)00312345678907(21)SN1234")
	fmt.Println(err)
	fmt.Println(errors.Is(err, gs1.ErrCheckDigit))
	// Output:
	// gs1: (01) 00312345678907: check digit is 7, want 6
	// true
}

func ExampleCheckDigit() {
	cd, _ := gs1.CheckDigit("629104150021")
	fmt.Printf("%c\n", cd)
	// Output: 3
}
