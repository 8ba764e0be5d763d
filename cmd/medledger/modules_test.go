package main

import (
	"os"

	"github.com/medledger/medledger/cmdline"
	recordscli "github.com/medledger/medledger/records/cli"
	supplycli "github.com/medledger/medledger/supply/cli"
)

// What the tests know of the modules' demo data.
var (
	seedMarker       = recordscli.Module.Seed.Marker
	supplySeedMarker = supplycli.Module.Seed.Marker
)

type (
	txRef        = cmdline.TxRef
	shipmentView = supplycli.ShipmentView
)

const (
	demoGTIN = supplycli.DemoGTIN
	demoSSCC = supplycli.DemoSSCC

	serialAlphabet = supplycli.SerialAlphabet
	serialLen      = supplycli.SerialLen
)

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
