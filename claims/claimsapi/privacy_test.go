package claimsapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoLinkBetweenMemberAndPatient: after the whole story (enrolment,
// claims, a prior authorization, a payment), nothing the node holds ties
// a member id (the patient's pseudonym for the payer) to the patient's
// chain-wide id: no state value, no transaction or event of any block,
// and no file under the node's home holds the patient's id or public key
// within a record's reach of the member's id; and nothing of the claims
// module names a patient id or a patient's key at all.
func TestNoLinkBetweenMemberAndPatient(t *testing.T) {
	type person struct{ patient, member, keyB64, keyHex string }
	var people []person
	for name, member := range map[string]string{"patient/alice": story.alice, "patient/bob": story.bob} {
		k := node.Keys[name]
		pub := k.SignPub()
		people = append(people, person{patient: k.ID, member: member, keyB64: base64.StdEncoding.EncodeToString(pub), keyHex: hex.EncodeToString(pub)})
	}
	var found []string
	links := func(where string, b []byte) {
		for _, p := range people {
			hasMember := bytes.Contains(b, []byte(p.member))
			for _, other := range []string{p.patient, p.keyB64, p.keyHex} {
				if hasMember && bytes.Contains(b, []byte(other)) {
					found = append(found, fmt.Sprintf("%s names member %s and %.20s..., its patient", where, p.member, other))
				}
			}
		}
	}
	// In a file (a database's log, the WAL) unrelated records lie side by
	// side, and the state tree's inner nodes repeat neighbouring keys: a
	// link is the patient inside the record (the text) that holds the
	// member.
	near := func(where string, b []byte) {
		for _, p := range people {
			for i := 0; ; {
				j := bytes.Index(b[i:], []byte(p.member))
				if j < 0 {
					break
				}
				at := i + j
				rec := enclosing(b, at, len(p.member))
				for _, other := range []string{p.patient, p.keyB64, p.keyHex} {
					if bytes.Contains(rec, []byte(other)) {
						found = append(found, fmt.Sprintf("%s: a record names member %s and %.20s..., its patient: %.300q", where, p.member, other, rec))
					}
				}
				i = at + len(p.member)
			}
		}
	}
	claimsData := func(where string, b []byte) {
		t.Helper()
		for _, p := range people {
			for _, other := range []string{p.patient, p.keyB64, p.keyHex} {
				if bytes.Contains(b, []byte(other)) {
					t.Errorf("%s (the claims module's) names a patient: %.20s...", where, other)
				}
			}
		}
		if bytes.Contains(b, []byte("pat-")) {
			t.Errorf("%s (the claims module's) names a patient id", where)
		}
	}
	// The search finds a link planted in a value and in a file's record,
	// and not two records side by side.
	p0 := people[0]
	links("planted", []byte(`{"member":"`+p0.member+`","patient":"`+p0.patient+`"}`))
	near("planted", []byte("\x00\x07{\"m\":\""+p0.member+"\",\"k\":\""+p0.keyB64+"\"}\x01"))
	near("side by side", []byte("\x00{\"m\":\""+p0.member+"\"}\x93\x02{\"p\":\""+p0.patient+"\"}\x01"))
	if len(found) != 2 {
		t.Fatalf("the search found %d planted links, want 2: %v", len(found), found)
	}
	found = nil
	defer func() {
		for _, f := range found {
			t.Error(f)
		}
	}()
	// State: every key and value.
	snap, err := node.Store.Snapshot(0)
	if err != nil {
		t.Fatal(err)
	}
	values := 0
	snap.Iterate(nil, nil, func(k, v []byte) bool {
		values++
		links("state "+string(k), append(append([]byte{}, k...), v...))
		if strings.HasPrefix(string(k), "claims/") {
			claimsData("state "+string(k), append(append([]byte{}, k...), v...))
		}
		return true
	})
	if values < 20 {
		t.Fatalf("the state has %d values", values)
	}
	// Every transaction of every block, with its events.
	st, err := node.Client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	txs := 0
	for h := int64(1); h <= st.LatestHeight; h++ {
		blk, err := node.Client.Block(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, hash := range blk.Txs {
			res, err := node.Client.Tx(ctx, hash, false)
			if err != nil {
				t.Fatal(err)
			}
			events, _ := json.Marshal(res.Events)
			all := append(append([]byte{}, res.Tx...), events...)
			links("transaction "+hash, all)
			if bytes.Contains(res.Tx, []byte(`"type":"claims/`)) {
				claimsData("transaction "+hash, all)
				txs++
			}
		}
	}
	if txs < 9 {
		t.Fatalf("%d claims transactions in the blocks", txs)
	}
	// Every file under the node's home: databases, the WAL, the index.
	files := 0
	err = filepath.WalkDir(string(node.Home), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a file the node is replacing
		}
		files++
		near(path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("%d files under the home", files)
	}
}

// enclosing is the record around b[at:at+n] in a file: the run of
// printable text that holds it (a JSON value, a key; the binary framing of
// the databases and the tree's hashes bound it).
func enclosing(b []byte, at, n int) []byte {
	printable := func(c byte) bool { return c >= 0x20 && c <= 0x7e }
	lo, hi := at, at+n
	for lo > 0 && printable(b[lo-1]) {
		lo--
	}
	for hi < len(b) && printable(b[hi]) {
		hi++
	}
	return b[lo:hi]
}
