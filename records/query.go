package records

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/medledger/medledger/state"
)

// GetRecord returns a record, or false.
func GetRecord(r state.Reader, id string) (Record, bool) {
	var rec Record
	return rec, get(r, RecordKey(id), &rec)
}

// PatientRecords returns a patient's records in the order they were added.
func PatientRecords(r state.Reader, patient string) []Record {
	p := byPatientPrefix(patient)
	var ids []string
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		ids = append(ids, string(k[len(p):]))
		return true
	})
	out := make([]Record, 0, len(ids))
	for _, id := range ids {
		if rec, ok := GetRecord(r, id); ok {
			out = append(out, rec)
		}
	}
	sortByHeight(out)
	return out
}

func sortByHeight(recs []Record) {
	// ids are rec-N; order by N (insertion sort: lists are per patient, short).
	num := func(id string) uint64 {
		var n uint64
		for _, c := range id[len("rec-"):] {
			n = n*10 + uint64(c-'0')
		}
		return n
	}
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && num(recs[j].ID) < num(recs[j-1].ID); j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
}

// GetConsent returns a consent, or false.
func GetConsent(r state.Reader, id string) (Consent, bool) {
	var c Consent
	return c, get(r, ConsentKey(id), &c)
}

// PatientConsents returns every consent a patient granted, revoked ones too.
func PatientConsents(r state.Reader, patient string) []Consent {
	p := patConsentPrefix(patient)
	var out []Consent
	r.Iterate(p, state.PrefixEnd(p), func(k, _ []byte) bool {
		if c, ok := GetConsent(r, string(k[len(p):])); ok {
			out = append(out, c)
		}
		return true
	})
	return out
}

// PatientDisclosures is the accounting of disclosures of a patient's
// records, oldest first.
func PatientDisclosures(r state.Reader, patient string) []Disclosure {
	p := []byte(prefixDisclosure + patient + "/")
	var out []Disclosure
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var d Disclosure
		mustUnmarshal(v, &d)
		out = append(out, d)
		return true
	})
	return out
}

func disclosuresVia(r state.Reader, prefix, org string) []Disclosure {
	p := []byte(prefix + org + "/")
	var out []Disclosure
	r.Iterate(p, state.PrefixEnd(p), func(k, v []byte) bool {
		seq := binary.BigEndian.Uint64(k[len(p):])
		var d Disclosure
		if get(r, DisclosureKey(string(v), seq), &d) {
			out = append(out, d)
		}
		return true
	})
	return out
}

// OrgDisclosures lists the disclosures of records an organization holds.
func OrgDisclosures(r state.Reader, custodian string) []Disclosure {
	return disclosuresVia(r, prefixOrgDisc, custodian)
}

// ReaderDisclosures lists the reads by an organization's members.
func ReaderDisclosures(r state.Reader, org string) []Disclosure {
	return disclosuresVia(r, prefixReaderDisc, org)
}

// BreakGlass lists every break-glass read by an organization's members, for
// review by its admins.
func BreakGlass(r state.Reader, org string) []Disclosure {
	return disclosuresVia(r, prefixBreakGlass, org)
}

func mustUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Errorf("records: corrupt state value: %w", err))
	}
}
