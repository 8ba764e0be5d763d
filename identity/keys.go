package identity

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// State keys, all under "identity/". Ids contain no '/' except the one in a
// member id, so prefixes never overlap.
const (
	prefixOrg       = "identity/org/"       // + org id -> Org
	prefixMember    = "identity/member/"    // + org "/" member -> Member
	prefixPatient   = "identity/patient/"   // + patient id -> Patient
	prefixProposal  = "identity/proposal/"  // + id (8 bytes, big endian) -> Proposal
	prefixVote      = "identity/vote/"      // + id (8 bytes) + org id -> Vote
	prefixPseudonym = "identity/pseudonym/" // + pseudonym id -> pseudonymRecord
	keyProposalSeq  = "identity/seq/proposal"

	// A patient's recovery (patients.go).
	prefixGuardians    = "identity/guardians/"     // + patient id -> Guardians
	prefixRecovery     = "identity/recovery/"      // + recovery id -> Recovery
	prefixOpenRecovery = "identity/open-recovery/" // + patient id + "/" + recovery id -> "" (open or waiting)
	prefixRecoveryDue  = "identity/recovery-due/"  // + due (8 bytes, Unix ns, big endian) + recovery id -> "" (waiting)
	keyRecoverySeq     = "identity/seq/recovery"
	keyParams          = "identity/params" // -> Params
)

// OrgKey is the state key of an organization.
func OrgKey(id string) []byte { return []byte(prefixOrg + id) }

// MemberKey is the state key of a member "org/name".
func MemberKey(id string) []byte { return []byte(prefixMember + id) }

// PatientKey is the state key of a patient.
func PatientKey(id string) []byte { return []byte(prefixPatient + id) }

// ProposalKey is the state key of a proposal.
func ProposalKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixProposal), id)
}

func voteKey(id uint64, org string) []byte {
	return append(binary.BigEndian.AppendUint64([]byte(prefixVote), id), org...)
}

func votePrefix(id uint64) []byte { return binary.BigEndian.AppendUint64([]byte(prefixVote), id) }

// ParseMemberKey is the inverse of MemberKey.
func ParseMemberKey(k []byte) (string, error) {
	s, ok := strings.CutPrefix(string(k), prefixMember)
	if !ok || strings.Count(s, "/") != 1 {
		return "", fmt.Errorf("not a member key: %q", k)
	}
	return s, nil
}

// GuardiansKey is the state key of a patient's guardians.
func GuardiansKey(patient string) []byte { return []byte(prefixGuardians + patient) }

// RecoveryKey is the state key of a recovery.
func RecoveryKey(id string) []byte { return []byte(prefixRecovery + id) }

func openRecoveryKey(patient, id string) []byte {
	return []byte(prefixOpenRecovery + patient + "/" + id)
}

func openRecoveryPrefix(patient string) []byte { return []byte(prefixOpenRecovery + patient + "/") }

// recoveryDueKey orders waiting recoveries by when they take effect. Block
// times are after 1970, so the Unix nanoseconds are positive.
func recoveryDueKey(due int64, id string) []byte {
	return append(binary.BigEndian.AppendUint64([]byte(prefixRecoveryDue), uint64(due)), id...)
}

// parseRecoveryDueKey is the inverse of recoveryDueKey.
func parseRecoveryDueKey(k []byte) (due int64, id string, err error) {
	rest, ok := strings.CutPrefix(string(k), prefixRecoveryDue)
	if !ok || len(rest) < 9 {
		return 0, "", fmt.Errorf("not a recovery due key: %q", k)
	}
	return int64(binary.BigEndian.Uint64([]byte(rest[:8]))), rest[8:], nil
}
