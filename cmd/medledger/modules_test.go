package main

import (
	"encoding/base64"
	"os"

	"github.com/medledger/medledger/cmdline"
	keystorecli "github.com/medledger/medledger/keystore/cli"
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
	keyView      = keystorecli.KeyView
)

const (
	demoGTIN = supplycli.DemoGTIN
	demoSSCC = supplycli.DemoSSCC

	serialAlphabet = supplycli.SerialAlphabet
	serialLen      = supplycli.SerialLen
)

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
