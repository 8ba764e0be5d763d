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
