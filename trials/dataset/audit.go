package dataset

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/medledger/medledger/trials"
)

// Chain is what the audit takes from the chain: the trial as the chain
// shows it, its anchored batches and its subjects.
type Chain struct {
	Trial    trials.View
	Batches  []trials.Batch
	Subjects []trials.Subject
}

// Finding is one record the audit faults (or, under Excluded, one left out
// as it must be).
type Finding struct {
	Batch   uint64 `json:"batch"`
	Index   int    `json:"index"`
	Subject string `json:"subject,omitempty"`
	Reason  string `json:"reason"`
}

// OutcomeFinding is an outcome switch: one the chain recorded (Declared:
// an amendment after the first enrolment made it), or one found only in
// the export (the analysis used outcomes the chain never declared).
type OutcomeFinding struct {
	Outcome  string          `json:"outcome"`
	Change   string          `json:"change"`
	Declared bool            `json:"declared"`
	Version  uint64          `json:"version,omitempty"`
	Height   int64           `json:"height,omitempty"`
	Old      *trials.Outcome `json:"old,omitempty"`
	New      *trials.Outcome `json:"new,omitempty"`
}

// Report is an audit's answer. OK is true when every anchored record is in
// the export unchanged (or excluded because its subject withdrew and asked
// for removal), nothing was added, every record's subject had consented,
// and the export's outcomes are the declared ones. Declared switches and
// outcomes without results are reported, for the reader to weigh, but do
// not make an export wrong.
type Report struct {
	OK                 bool             `json:"ok"`
	Trial              string           `json:"trial"`
	Height             int64            `json:"height"`
	Records            int              `json:"records"`
	Batches            int              `json:"batches"`
	Missing            []Finding        `json:"missing"`
	Changed            []Finding        `json:"changed"`
	Added              []Finding        `json:"added"`
	WithoutConsent     []Finding        `json:"without_consent"`
	Excluded           []Finding        `json:"excluded"`
	OutcomeSwitches    []OutcomeFinding `json:"outcome_switches"`
	UnreportedOutcomes []string         `json:"unreported_outcomes"`
}

// auditBatch is the audit's state of one anchored batch.
type auditBatch struct {
	trials.Batch
	root     []byte
	subjects map[string]bool
	hashes   [][]byte // by index; nil: not in the export
}

// Audit re-hashes the export in rs against c. It reads the export once,
// and a second time only for batches whose root does not match, to tell
// which records changed. The error is for an export that cannot be read
// at all (no header, another trial); every fault of its records is a
// finding.
func Audit(rs io.ReadSeeker, c Chain) (Report, error) {
	rep := Report{Trial: c.Trial.ID, Height: 0, Missing: []Finding{}, Changed: []Finding{}, Added: []Finding{}, WithoutConsent: []Finding{},
		Excluded: []Finding{}, OutcomeSwitches: []OutcomeFinding{}, UnreportedOutcomes: append([]string{}, c.Trial.Unreported...)}
	br := bufio.NewReaderSize(rs, 1<<20)
	h, err := ReadHeader(br)
	if err != nil {
		return rep, err
	}
	if h.Trial != c.Trial.ID {
		return rep, fmt.Errorf("the export is of trial %q, not %s", h.Trial, c.Trial.ID)
	}
	rep.Height = h.Height
	batches := map[uint64]*auditBatch{}
	for _, b := range c.Batches {
		root, err := hex.DecodeString(b.Root)
		if err != nil {
			return rep, fmt.Errorf("batch %d: root %q on chain is not hex", b.Seq, b.Root)
		}
		ab := &auditBatch{Batch: b, root: root, subjects: map[string]bool{}, hashes: make([][]byte, b.Count)}
		for _, s := range b.Subjects {
			ab.subjects[s] = true
		}
		batches[b.Seq] = ab
	}
	rep.Batches = len(batches)
	subjects := map[string]trials.Subject{}
	for _, s := range c.Subjects {
		subjects[s.ID] = s
	}

	// Pass 1: every line's hash, consent, place.
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		rep.Records++
		var l Line
		if err := json.Unmarshal(raw, &l); err != nil {
			rep.Added = append(rep.Added, Finding{Reason: "line " + fmt.Sprint(rep.Records+1) + " is not a record: " + err.Error()})
			continue
		}
		b := batches[l.Batch]
		if b == nil {
			rep.Added = append(rep.Added, Finding{Batch: l.Batch, Index: l.Index, Reason: "no such batch on the chain"})
			continue
		}
		if l.Index < 0 || l.Index >= b.Count {
			rep.Added = append(rep.Added, Finding{Batch: l.Batch, Index: l.Index, Reason: fmt.Sprintf("batch %d anchored %d records", b.Seq, b.Count)})
			continue
		}
		if b.hashes[l.Index] != nil {
			rep.Added = append(rep.Added, Finding{Batch: l.Batch, Index: l.Index, Reason: "a second record at this index"})
			continue
		}
		var hash []byte
		subject := l.Subject
		if l.Excluded {
			if hash, err = hex.DecodeString(l.Hash); err != nil || len(hash) != 32 {
				rep.Changed = append(rep.Changed, Finding{Batch: l.Batch, Index: l.Index, Reason: "an excluded record's hash is not 32 bytes of hex"})
				continue
			}
		} else {
			rec, err := ParseLeaf(l.Leaf)
			if err != nil {
				rep.Changed = append(rep.Changed, Finding{Batch: l.Batch, Index: l.Index, Reason: err.Error()})
				continue
			}
			subject = rec.Subject
			hash = LeafHash(l.Leaf)
		}
		b.hashes[l.Index] = hash
		s, known := subjects[subject]
		f := Finding{Batch: l.Batch, Index: l.Index, Subject: subject}
		switch {
		case l.Excluded && known && s.RemoveData:
			f.Reason = fmt.Sprintf("excluded: the subject withdrew at height %d and asked for their data to be removed", s.WithdrawnAt)
			rep.Excluded = append(rep.Excluded, f)
		case l.Excluded:
			f.Reason = "left out of the export, but its subject never asked for removal"
			rep.Missing = append(rep.Missing, f)
		case !known:
			f.Reason = "no such subject in this trial"
			rep.WithoutConsent = append(rep.WithoutConsent, f)
		case s.RemoveData:
			f.Reason = fmt.Sprintf("the subject withdrew at height %d and asked for their data to be removed, yet it is exported", s.WithdrawnAt)
			rep.WithoutConsent = append(rep.WithoutConsent, f)
		case !b.subjects[subject]:
			f.Reason = fmt.Sprintf("batch %d does not hold data of this subject", b.Seq)
			rep.WithoutConsent = append(rep.WithoutConsent, f)
		default:
			if _, ok := s.ConsentedAt(b.Height); !ok {
				f.Reason = fmt.Sprintf("the subject had no valid consent at height %d", b.Height)
				rep.WithoutConsent = append(rep.WithoutConsent, f)
			}
		}
	}

	// Roots; a second pass over the batches that do not match.
	var bad []*auditBatch
	seqs := make([]uint64, 0, len(batches))
	for seq := range batches {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		b := batches[seq]
		whole := !slices.ContainsFunc(b.hashes, func(h []byte) bool { return h == nil })
		if whole && bytes.Equal(RootOf(b.hashes), b.root) {
			continue
		}
		bad = append(bad, b)
	}
	if len(bad) > 0 {
		if err := pass2(rs, bad, &rep); err != nil {
			return rep, err
		}
	}
	sortFindings(rep.Missing)
	sortFindings(rep.Changed)
	sortFindings(rep.Added)
	sortFindings(rep.WithoutConsent)
	sortFindings(rep.Excluded)

	// Outcomes: every switch the chain recorded, and every difference
	// between the export's outcomes and the declared ones.
	for _, s := range c.Trial.Switches {
		rep.OutcomeSwitches = append(rep.OutcomeSwitches, OutcomeFinding{Outcome: s.Outcome, Change: s.Change, Declared: true,
			Version: s.Version, Height: s.Height, Old: s.Old, New: s.New})
	}
	undeclared := 0
	for _, d := range diffDeclared(c.Trial.Outcomes, h.Outcomes) {
		rep.OutcomeSwitches = append(rep.OutcomeSwitches, d)
		undeclared++
	}
	rep.OK = len(rep.Missing) == 0 && len(rep.Changed) == 0 && len(rep.Added) == 0 && len(rep.WithoutConsent) == 0 && undeclared == 0
	return rep, nil
}

// pass2 reads the export again and, for the batches in bad, checks each
// record's proof: a record whose proof fails is changed; an index no
// record filled is missing.
func pass2(rs io.ReadSeeker, bad []*auditBatch, rep *Report) error {
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read the export again: %w", err)
	}
	want := map[uint64]*auditBatch{}
	for _, b := range bad {
		want[b.Seq] = b
	}
	br := bufio.NewReaderSize(rs, 1<<20)
	if _, err := ReadHeader(br); err != nil {
		return err
	}
	proven := map[uint64]map[int]bool{}
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var l Line
		if json.Unmarshal(raw, &l) != nil {
			continue
		}
		b := want[l.Batch]
		if b == nil || l.Index < 0 || l.Index >= b.Count || b.hashes[l.Index] == nil {
			continue
		}
		if proven[l.Batch] == nil {
			proven[l.Batch] = map[int]bool{}
		}
		if proven[l.Batch][l.Index] {
			continue // a duplicate: counted as added in pass 1
		}
		proven[l.Batch][l.Index] = true
		p, err := proofOf(l.Proof)
		if err == nil {
			err = VerifyProof(b.root, uint64(l.Index), uint64(b.Count), b.hashes[l.Index], p)
		}
		if err != nil {
			rep.Changed = append(rep.Changed, Finding{Batch: l.Batch, Index: l.Index, Subject: l.Subject,
				Reason: "the record does not hash to what batch " + fmt.Sprint(b.Seq) + " anchored"})
		}
	}
	for _, b := range bad {
		for i, h := range b.hashes {
			if h == nil {
				rep.Missing = append(rep.Missing, Finding{Batch: b.Seq, Index: i, Reason: "anchored on the chain, not in the export"})
			}
		}
	}
	return nil
}

// diffDeclared lists how the export's outcomes differ from the declared
// ones, as undeclared switches.
func diffDeclared(declared, used []trials.Outcome) []OutcomeFinding {
	var out []OutcomeFinding
	find := func(list []trials.Outcome, code string) (trials.Outcome, bool) {
		for _, o := range list {
			if o.Code == code {
				return o, true
			}
		}
		return trials.Outcome{}, false
	}
	for _, d := range declared {
		u, ok := find(used, d.Code)
		switch {
		case !ok:
			out = append(out, OutcomeFinding{Outcome: d.Code, Change: trials.SwitchRemoved, Old: &d})
		case u != d:
			out = append(out, OutcomeFinding{Outcome: d.Code, Change: trials.SwitchChanged, Old: &d, New: &u})
		}
	}
	for _, u := range used {
		if _, ok := find(declared, u.Code); !ok {
			out = append(out, OutcomeFinding{Outcome: u.Code, Change: trials.SwitchAdded, New: &u})
		}
	}
	return out
}

func sortFindings(f []Finding) {
	slices.SortFunc(f, func(a, b Finding) int {
		if a.Batch != b.Batch {
			if a.Batch < b.Batch {
				return -1
			}
			return 1
		}
		return a.Index - b.Index
	})
}
