package credentials

import (
	"encoding/binary"
	"time"
)

// State keys, all under "credentials/". Organization and member names hold
// only lowercase letters, digits and '-', types the same, so '|' ends a
// party id inside a key unambiguously.
const (
	prefixCredential = "credentials/cred/"    // + id -> Credential
	prefixSubject    = "credentials/subj/"    // + subject + "|" + id -> ""
	prefixIssued     = "credentials/issued/"  // + issuer org + "|" + id -> ""
	prefixExpiry     = "credentials/exp/"     // + valid_until (8 bytes, unix seconds, big endian) + id -> ""
	prefixAuth       = "credentials/auth/"    // + issuer org + "|" + type + "|" + jurisdiction -> Authorization
	prefixList       = "credentials/list/"    // + issuer org -> ListState
	prefixSlot       = "credentials/slot/"    // + issuer org + "|" + list(4) + index(4) -> credential id
	prefixBit        = "credentials/bit/"     // + issuer org + "|" + purpose + "|" + list(4) + index(4) -> "" while the bit is set
	prefixProposal   = "credentials/prop/"    // + id (8 bytes) -> Proposal
	prefixVote       = "credentials/vote/"    // + id (8 bytes) + org -> 1 (yes) or 0 (no)
	prefixEnforce    = "credentials/enforce/" // + scope -> Enforcement
	keySeqProposal   = "credentials/seq/proposal"
)

func credentialKey(id string) []byte        { return []byte(prefixCredential + id) }
func subjectPrefix(subject string) []byte   { return []byte(prefixSubject + subject + "|") }
func subjectKey(subject, id string) []byte  { return []byte(prefixSubject + subject + "|" + id) }
func issuedPrefix(org string) []byte        { return []byte(prefixIssued + org + "|") }
func issuedKey(org, id string) []byte       { return []byte(prefixIssued + org + "|" + id) }
func authPrefix(org string) []byte          { return []byte(prefixAuth + org + "|") }
func authTypePrefix(org, typ string) []byte { return []byte(prefixAuth + org + "|" + typ + "|") }
func authKey(org, typ, jurisdiction string) []byte {
	return []byte(prefixAuth + org + "|" + typ + "|" + jurisdiction)
}
func listKey(org string) []byte      { return []byte(prefixList + org) }
func enforceKey(scope string) []byte { return []byte(prefixEnforce + scope) }

func expiryKey(until time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64([]byte(prefixExpiry), uint64(max(until.Unix(), 0))), id...)
}

// expiryBound is the first expiry key at or after t.
func expiryBound(t time.Time) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixExpiry), uint64(max(t.Unix(), 0)))
}

func slotKey(org string, list, index uint32) []byte {
	k := binary.BigEndian.AppendUint32([]byte(prefixSlot+org+"|"), list)
	return binary.BigEndian.AppendUint32(k, index)
}

func bitPrefix(org, purpose string, list uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte(prefixBit+org+"|"+purpose+"|"), list)
}

func bitKey(org, purpose string, list, index uint32) []byte {
	return binary.BigEndian.AppendUint32(bitPrefix(org, purpose, list), index)
}

func proposalKey(id uint64) []byte { return binary.BigEndian.AppendUint64([]byte(prefixProposal), id) }
func votePrefix(id uint64) []byte  { return binary.BigEndian.AppendUint64([]byte(prefixVote), id) }
func voteKey(id uint64, org string) []byte {
	return append(votePrefix(id), org...)
}
