package records

import (
	"encoding/binary"
	"fmt"
)

// State keys, all under "records/".
const (
	prefixRecord     = "records/rec/"  // + record id -> Record
	prefixByPatient  = "records/pat/"  // + patient + "/" + record id -> ""
	prefixConsent    = "records/con/"  // + consent id -> Consent
	prefixPatConsent = "records/pcon/" // + patient + "/" + consent id -> ""
	prefixGrantee    = "records/gcon/" // + grantee + "|" + patient + "/" + consent id -> ""
	prefixDisclosure = "records/dis/"  // + patient + "/" + seq(8) -> Disclosure
	prefixOrgDisc    = "records/odis/" // + custodian org + "/" + seq(8) -> patient
	prefixReaderDisc = "records/rdis/" // + reader org + "/" + seq(8) -> patient
	prefixBreakGlass = "records/bg/"   // + reader org + "/" + seq(8) -> patient
	keySeqRecord     = "records/seq/record"
	keySeqConsent    = "records/seq/consent"
	keySeqDisclosure = "records/seq/disclosure"
)

// RecordKey is the state key of a record.
func RecordKey(id string) []byte { return []byte(prefixRecord + id) }

// ConsentKey is the state key of a consent.
func ConsentKey(id string) []byte { return []byte(prefixConsent + id) }

func byPatientKey(patient, id string) []byte { return []byte(prefixByPatient + patient + "/" + id) }
func byPatientPrefix(patient string) []byte  { return []byte(prefixByPatient + patient + "/") }
func patConsentKey(patient, id string) []byte {
	return []byte(prefixPatConsent + patient + "/" + id)
}
func patConsentPrefix(patient string) []byte { return []byte(prefixPatConsent + patient + "/") }

// NOTE: '|' cannot occur in an organization or member id, so a grantee
// prefix never matches another grantee's keys.
func granteeKey(grantee, patient, id string) []byte {
	return []byte(prefixGrantee + grantee + "|" + patient + "/" + id)
}
func granteePrefix(grantee, patient string) []byte {
	return []byte(prefixGrantee + grantee + "|" + patient + "/")
}

func seqKey(prefix, owner string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix+owner+"/"), seq)
}

// DisclosureKey is the state key of a disclosure.
func DisclosureKey(patient string, seq uint64) []byte { return seqKey(prefixDisclosure, patient, seq) }

func recordID(n uint64) string  { return fmt.Sprintf("rec-%d", n) }
func consentID(n uint64) string { return fmt.Sprintf("con-%d", n) }
