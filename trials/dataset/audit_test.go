package dataset

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/medledger/medledger/pseudonym"
	"github.com/medledger/medledger/trials"
)

func subjectID(t testing.TB, name string) string {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, name)
	k, err := pseudonym.Derive(ed25519.NewKeyFromSeed(seed), "trials/T1")
	if err != nil {
		t.Fatal(err)
	}
	return k.ID()
}

// fixture is a trial with two batches of records of alice, bob and carol:
// carol withdrew and asked for removal after batch 1.
type fixture struct {
	chain   Chain
	entries map[uint64][]Entry
	header  Header
	alice   string
	bob     string
	carol   string
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{entries: map[uint64][]Entry{}, alice: subjectID(t, "alice"), bob: subjectID(t, "bob"), carol: subjectID(t, "carol")}
	outcomes := []trials.Outcome{{Code: "P1", Kind: trials.Primary, Measure: "HbA1c change", TimeFrame: "26 weeks"}}
	consent := []trials.ConsentEvent{{Version: 1, Height: 5}}
	f.chain.Trial = trials.View{Trial: trials.Trial{ID: "T1", Outcomes: outcomes}, Unreported: []string{"P1"}}
	f.chain.Subjects = []trials.Subject{
		{ID: f.alice, Trial: "T1", Site: "s", Status: trials.SubjectConsented, Consents: consent},
		{ID: f.bob, Trial: "T1", Site: "s", Status: trials.SubjectConsented, Consents: consent},
		{ID: f.carol, Trial: "T1", Site: "s", Status: trials.SubjectWithdrawn, Consents: consent, WithdrawnAt: 20, RemoveData: true},
	}
	f.header = Header{Trial: "T1", Height: 30, Outcomes: outcomes}
	for seq, subjects := range map[uint64][]string{1: {f.alice, f.bob, f.carol}, 2: {f.alice, f.bob}} {
		var entries []Entry
		var hashes [][]byte
		for i := 0; i < 10; i++ {
			s := subjects[i%len(subjects)]
			leaf, err := Leaf(Record{Subject: s, Visit: fmt.Sprintf("v%d", i), Data: json.RawMessage(fmt.Sprintf(`{"hr": %d, "note": "<ok> & fine"}`, 60+i))}, NewSalt())
			if err != nil {
				t.Fatal(err)
			}
			e := Entry{Hash: LeafHash(leaf), Subject: s, Leaf: leaf}
			if s == f.carol {
				e.Leaf = nil // removed at her withdrawal
			}
			entries = append(entries, e)
			hashes = append(hashes, e.Hash)
		}
		f.entries[seq] = entries
		sorted := append([]string(nil), subjects...)
		f.chain.Batches = append(f.chain.Batches, trials.Batch{Trial: "T1", Seq: seq, Root: fmt.Sprintf("%x", RootOf(hashes)), Count: 10,
			Subjects: sorted, Height: int64(10 * seq)})
	}
	// map order above: keep batches in seq order
	if f.chain.Batches[0].Seq != 1 {
		f.chain.Batches[0], f.chain.Batches[1] = f.chain.Batches[1], f.chain.Batches[0]
	}
	return f
}

func (f *fixture) export(t *testing.T) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f.header)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{1, 2} {
		if err := w.WriteBatch(seq, f.entries[seq]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func audit(t *testing.T, c Chain, export []byte) Report {
	t.Helper()
	rep, err := Audit(bytes.NewReader(export), c)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// lines splits an export and joins it back after edit.
func editLines(export []byte, edit func(lines []string) []string) []byte {
	lines := strings.Split(strings.TrimSuffix(string(export), "\n"), "\n")
	return []byte(strings.Join(edit(lines), "\n") + "\n")
}

// TestAudit: an honest export audits ok (carol's records excluded, as she
// asked); each kind of tampering is found and named.
func TestAudit(t *testing.T) {
	f := newFixture(t)
	export := f.export(t)
	rep := audit(t, f.chain, export)
	if !rep.OK || rep.Records != 20 || len(rep.Excluded) == 0 || len(rep.UnreportedOutcomes) != 1 {
		t.Fatalf("honest export: %+v", rep)
	}

	changeHR := func(lines []string) []string {
		lines[2] = strings.Replace(lines[2], `"hr":61`, `"hr":99`, 1)
		return lines
	}
	cases := []struct {
		name  string
		chain func(c Chain) Chain
		edit  func([]string) []string
		check func(r Report) bool
	}{
		{"a record changed", nil, changeHR, func(r Report) bool { return len(r.Changed) == 1 && r.Changed[0].Batch == 1 && r.Changed[0].Index == 1 }},
		{"a record dropped", nil, func(l []string) []string { return append(l[:3], l[4:]...) },
			func(r Report) bool { return len(r.Missing) == 1 && r.Missing[0].Index == 2 }},
		{"a record added", nil, func(l []string) []string {
			return append(l, strings.Replace(l[1], `"index":0`, `"index":10`, 1))
		}, func(r Report) bool { return len(r.Added) == 1 }},
		{"a record duplicated", nil, func(l []string) []string { return append(l, l[1]) }, func(r Report) bool { return len(r.Added) == 1 }},
		{"a removed subject's record slipped back in", nil, func(l []string) []string {
			// replace carol's excluded line (batch 1 index 2) by a fabricated record of hers
			leaf, _ := Leaf(Record{Subject: f.carol, Visit: "v2", Data: json.RawMessage(`{"hr":70}`)}, NewSalt())
			b, _ := json.Marshal(Line{Batch: 1, Index: 2, Leaf: leaf, Proof: ""})
			l[3] = string(b)
			return l
		}, func(r Report) bool { return len(r.WithoutConsent) == 1 && len(r.Changed) == 1 }},
		{"a record hidden as excluded", nil, func(l []string) []string {
			var x Line
			json.Unmarshal([]byte(l[1]), &x)
			x.Hash, x.Subject, x.Excluded, x.Leaf = fmt.Sprintf("%x", LeafHash(x.Leaf)), f.alice, true, nil
			b, _ := json.Marshal(x)
			l[1] = string(b)
			return l
		}, func(r Report) bool { return len(r.Missing) == 1 && len(r.Changed) == 0 }},
		{"an outcome changed without amendment", nil, func(l []string) []string {
			l[0] = strings.Replace(l[0], "26 weeks", "52 weeks", 1)
			return l
		}, func(r Report) bool {
			return len(r.OutcomeSwitches) == 1 && !r.OutcomeSwitches[0].Declared && r.OutcomeSwitches[0].Change == trials.SwitchChanged
		}},
		{"data of a subject without consent at its height", func(c Chain) Chain {
			c.Subjects = append([]trials.Subject(nil), c.Subjects...)
			c.Subjects[1].Consents = []trials.ConsentEvent{{Version: 1, Height: 50}}
			return c
		}, nil, func(r Report) bool {
			for _, w := range r.WithoutConsent {
				if w.Subject != f.bob {
					return false
				}
			}
			return len(r.WithoutConsent) == 8 // bob's 3 records in batch 1 and 5 in batch 2
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch, ex := f.chain, export
			if c.chain != nil {
				ch = c.chain(ch)
			}
			if c.edit != nil {
				ex = editLines(export, c.edit)
			}
			rep := audit(t, ch, ex)
			if rep.OK || !c.check(rep) {
				b, _ := json.MarshalIndent(rep, "", " ")
				t.Fatalf("audit does not name it:\n%s", b)
			}
		})
	}
	// A declared switch is reported, not a failure.
	ch := f.chain
	ch.Trial.Switches = []trials.Switch{{Outcome: "S9", Change: trials.SwitchRemoved, Version: 2, Height: 15}}
	if rep := audit(t, ch, export); !rep.OK || len(rep.OutcomeSwitches) != 1 || !rep.OutcomeSwitches[0].Declared {
		t.Fatalf("a declared switch: %+v", rep)
	}
	// Another trial's export is refused.
	ch.Trial.ID = "T2"
	if _, err := Audit(bytes.NewReader(export), ch); err == nil {
		t.Fatal("an export of another trial audited")
	}
}

// TestLeafVerbatim: a leaf written into an export and read back is the
// same bytes, so its hash is the anchored one.
func TestLeafVerbatim(t *testing.T) {
	leaf, err := Leaf(Record{Subject: subjectID(t, "a"), Visit: "baseline", Data: json.RawMessage("{ \"x\" : \"<b>&\u2028\" ,\n \"y\":[1, 2] }")}, NewSalt())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(Line{Leaf: leaf})
	var l Line
	if err := json.Unmarshal(b, &l); err != nil || !bytes.Equal(l.Leaf, leaf) {
		t.Fatalf("leaf changed on the way: %s vs %s", l.Leaf, leaf)
	}
	r, err := ParseLeaf(leaf)
	if err != nil || r.Visit != "baseline" {
		t.Fatalf("ParseLeaf: %+v %v", r, err)
	}
}

func TestParseRecords(t *testing.T) {
	s := subjectID(t, "a")
	for _, c := range []struct {
		name, in string
		n        int
		ok       bool
	}{
		{"array", `[{"subject":"` + s + `","visit":"v1","data":{"a":1}},{"subject":"` + s + `","visit":"v2","data":{}}]`, 2, true},
		{"lines", `{"subject":"` + s + `","visit":"v1","data":{"a":1}}` + "\n\n" + `{"subject":"` + s + `","visit":"v2","data":{}}`, 2, true},
		{"one pretty record without subject", "{\n \"visit\": \"v1\",\n \"data\": {\"a\": 1}\n}", 1, true},
		{"empty", "", 0, false},
		{"not a subject", `{"subject":"pat-x","visit":"v","data":{}}`, 0, false},
		{"data not an object", `{"subject":"` + s + `","visit":"v","data":[1]}`, 0, false},
		{"unknown field", `{"subject":"` + s + `","visit":"v","data":{},"name":"Alice"}`, 0, false},
		{"no visit", `{"subject":"` + s + `","data":{}}`, 0, false},
	} {
		got, err := ParseRecords([]byte(c.in), s)
		if (err == nil) != c.ok || len(got) != c.n {
			t.Errorf("%s: %d records, %v", c.name, len(got), err)
		}
	}
}

func FuzzParseRecords(f *testing.F) {
	f.Add([]byte(`[{"subject":"psn-aaaaaaaaaaaaaaaaaaaaaaaa","visit":"v1","data":{"a":1}}]`))
	f.Add([]byte("{}\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := ParseRecords(b, "psn-aaaaaaaaaaaaaaaaaaaaaaaa")
		if err != nil {
			return
		}
		for _, r := range recs {
			leaf, err := Leaf(r, make([]byte, SaltSize))
			if err != nil {
				continue
			}
			back, err := ParseLeaf(leaf)
			if err != nil || back.Subject != r.Subject || back.Visit != r.Visit {
				t.Fatalf("leaf of a parsed record does not read back: %v", err)
			}
		}
	})
}

func FuzzAudit(f *testing.F) {
	f.Add([]byte(`{"format":"medledger-trial-export/v1","trial":"T1"}` + "\n" + `{"batch":1,"index":0,"proof":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Chain{Trial: trials.View{Trial: trials.Trial{ID: "T1"}}, Batches: []trials.Batch{{Seq: 1, Count: 2, Root: strings.Repeat("00", 32)}}}
		rep, err := Audit(bytes.NewReader(b), c)
		if err == nil && rep.OK && rep.Records > 0 {
			t.Fatal("a fuzzed export proved a batch of zero roots")
		}
	})
}
