package identity

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/medledger/medledger/state"
)

// GetOrg returns the organization id, or false.
func GetOrg(r state.Reader, id string) (Org, bool) {
	var o Org
	return o, get(r, OrgKey(id), &o)
}

// ListOrgs returns every organization in id order.
func ListOrgs(r state.Reader) []Org {
	var out []Org
	r.Iterate([]byte(prefixOrg), state.PrefixEnd([]byte(prefixOrg)), func(_, v []byte) bool {
		var o Org
		mustUnmarshal(v, &o)
		out = append(out, o)
		return true
	})
	return out
}

// GetMember returns the member "org/name", or false.
func GetMember(r state.Reader, id string) (Member, bool) {
	var m Member
	return m, get(r, MemberKey(id), &m)
}

// ListMembers returns the members of an organization in id order.
func ListMembers(r state.Reader, org string) []Member {
	p := []byte(prefixMember + org + "/")
	var out []Member
	r.Iterate(p, state.PrefixEnd(p), func(_, v []byte) bool {
		var m Member
		mustUnmarshal(v, &m)
		out = append(out, m)
		return true
	})
	return out
}

// GetPatient returns a patient by pseudonymous id, or false.
func GetPatient(r state.Reader, id string) (Patient, bool) {
	var p Patient
	return p, get(r, PatientKey(id), &p)
}

// GetProposal returns a proposal, or false.
func GetProposal(r state.Reader, id uint64) (Proposal, bool) {
	var p Proposal
	return p, get(r, ProposalKey(id), &p)
}

// ListProposals returns every proposal, newest last.
func ListProposals(r state.Reader) []Proposal {
	var out []Proposal
	r.Iterate([]byte(prefixProposal), state.PrefixEnd([]byte(prefixProposal)), func(_, v []byte) bool {
		var p Proposal
		mustUnmarshal(v, &p)
		out = append(out, p)
		return true
	})
	return out
}

// EncKey returns the X25519 public key of a member or patient, for wrapping
// document keys to them; ok is false if there is no such signer.
func (Module) EncKey(r state.Reader, id string) (key []byte, ok bool) {
	if p, found := GetPatient(r, id); found {
		return p.EncKey, true
	}
	if m, found := GetMember(r, id); found {
		return m.EncKey, true
	}
	if p, found := (Module{}).Pseudonym(r, id); found {
		return p.EncKey, true
	}
	return nil, false
}

// GetGuardians returns a patient's guardians, or false if they named none.
func GetGuardians(r state.Reader, patient string) (Guardians, bool) {
	return loadGuardians(r, patient)
}

// GetRecovery returns a recovery, or false.
func GetRecovery(r state.Reader, id string) (Recovery, bool) {
	rec, err := loadRecovery(r, id)
	return rec, err == nil
}

// OpenRecoveries returns a patient's recoveries that are open or waiting,
// oldest first. Closed ones are on the patient's log (and by id).
func OpenRecoveries(r state.Reader, patient string) []Recovery {
	var out []Recovery
	forOpenRecoveries(r, patient, func(rec Recovery) { out = append(out, rec) })
	slices.SortFunc(out, func(a, b Recovery) int { return cmp.Compare(recoverySeq(a.ID), recoverySeq(b.ID)) })
	return out
}

func recoverySeq(id string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimPrefix(id, "rcv-"), 10, 64)
	return n
}
