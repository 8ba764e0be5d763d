package statuslist_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/medledger/medledger/credentials/statuslist"
)

// TestW3CExample: the encodedList of the Bitstring Status List
// Recommendation's Example 5 (testdata/bsl-example-5.json, Appendix A.2)
// decodes to 131,072 bits, none set; the status list credential parses;
// and our encoding reads back, with bit 0 the left-most bit of the first
// byte (section 7.1).
func TestW3CExample(t *testing.T) {
	b, err := os.ReadFile("testdata/bsl-example-5.json")
	if err != nil {
		t.Fatal(err)
	}
	slc, bits, err := statuslist.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != 16384 || !bytes.Equal(bits, make([]byte, 16384)) {
		t.Fatalf("decoded %d bytes, want 16384 zero bytes", len(bits))
	}
	if slc.Subject.StatusPurpose[0] != "revocation" || slc.Issuer != "did:example:12345" || slc.Subject.ID != "https://example.com/status/3#list" {
		t.Fatalf("parsed %+v", slc)
	}
	set := []uint64{0, 2, 7, 8, 94567, 131071}
	for _, i := range set {
		bits[i/8] |= 0x80 >> (i % 8)
	}
	if bits[0] != 0xa1 || bits[1] != 0x80 {
		t.Fatalf("bits 0, 2, 7 and 8 set make bytes %08b %08b, want 10100001 10000000", bits[0], bits[1])
	}
	enc, err := statuslist.EncodeList(bits)
	if err != nil || enc[0] != 'u' {
		t.Fatalf("EncodeList: %q, %v", enc, err)
	}
	again, err := statuslist.DecodeList(enc)
	if err != nil || !bytes.Equal(again, bits) {
		t.Fatalf("DecodeList(EncodeList) differs: %v", err)
	}
	for i := uint64(0); i < 131072; i++ {
		got, err := statuslist.Bit(again, i)
		if err != nil {
			t.Fatal(err)
		}
		want := false
		for _, s := range set {
			want = want || s == i
		}
		if got != want {
			t.Fatalf("bit %d = %v, want %v", i, got, want)
		}
	}
	if _, err := statuslist.Bit(again, 131072); err == nil {
		t.Fatal("an index past the list read a bit")
	}
	if e2, _ := statuslist.EncodeList(bits); e2 != enc {
		t.Fatal("EncodeList is not deterministic")
	}
	if _, err := statuslist.EncodeList(make([]byte, 100)); err == nil {
		t.Fatal("a list under 16 KB was encoded")
	}
	empty, _ := statuslist.EncodeList(make([]byte, 16384))
	if _, err := statuslist.DecodeList(empty[:20]); err == nil {
		t.Fatal("a cut encodedList decoded")
	}
}

// TestNewParse: the credential New builds is the one Parse reads, with its
// purpose, issuer, validity and ttl.
func TestNewParse(t *testing.T) {
	bits := make([]byte, 16384)
	bits[11820] = 0x10 // index 94563
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c, err := statuslist.New("http://n/v1/credentials/status/b/0/suspension", "urn:medledger:org:b", "suspension", at, time.Minute, bits)
	if err != nil {
		t.Fatal(err)
	}
	b, err := jsonMarshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, gotBits, err := statuslist.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject.StatusPurpose[0] != "suspension" || got.ValidFrom != "2026-03-01T12:00:00Z" || got.Subject.TTL != 60000 ||
		got.Subject.ID != c.ID+"#list" || got.Issuer != "urn:medledger:org:b" || !bytes.Equal(gotBits, bits) {
		t.Fatalf("parsed %+v", got)
	}
	if on, _ := statuslist.Bit(gotBits, 94563); !on {
		t.Fatal("bit 94563 is not set")
	}
}

// The fuzz targets: no input makes a decoder panic, and what one accepts
// is a list of the specification's length.

func FuzzDecodeList(f *testing.F) {
	f.Add("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Add("u")
	f.Add("H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
	f.Fuzz(func(t *testing.T, s string) {
		bits, err := statuslist.DecodeList(s)
		if err != nil {
			return
		}
		if len(bits)*8 < statuslist.MinListBits || len(bits) > statuslist.MaxListBytes {
			t.Fatalf("DecodeList accepted %d bytes", len(bits))
		}
		if _, err := statuslist.Bit(bits, uint64(len(bits))*8-1); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParse(f *testing.F) {
	ex, _ := os.ReadFile("testdata/bsl-example-5.json")
	f.Add(ex)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, bits, err := statuslist.Parse(b)
		if err != nil {
			return
		}
		if len(bits)*8 < statuslist.MinListBits || len(c.Subject.StatusPurpose) == 0 {
			t.Fatalf("Parse accepted %+v", c)
		}
	})
}
