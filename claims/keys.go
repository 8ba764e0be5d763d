package claims

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// State keys, all under "claims/". Organization ids, member (pseudonym)
// ids and dates have no '/', so one prefix never runs into another's.
//
// NOTE: nothing here, nor in any value, names a patient: a member is a
// pseudonym for one payer (package pseudonym); only the patient's key can
// tie it to them.
const (
	prefixPolicy = "claims/policy/" // + payer + "/" + version (8 bytes) -> PolicyRecord
	prefixMember = "claims/member/" // + payer + "/" + member -> Member
	prefixClaim  = "claims/claim/"  // + seq (8 bytes) -> Claim
	// prefixDup holds, per member, provider and date of service, the
	// services billed (code and modifiers) and their claim: exact
	// duplicates are found here, however old.
	prefixDup = "claims/dup/" // + payer + "/" + member + "/" + provider + "/" + date -> []dupEntry
	// prefixDay holds the timed minutes billed to a payer for a rendering
	// clinician on a date ("impossible days").
	prefixDay  = "claims/day/"  // + payer + "/" + rendering (org/name) + "|" + date -> dayRecord
	prefixAuth = "claims/auth/" // + seq (8 bytes) -> PriorAuth
	// prefixAuthBy holds a member's prior authorizations: one value, so that
	// adjudicating a claim reads it without a range scan.
	prefixAuthBy = "claims/authby/" // + payer + "/" + member -> []uint64, the authorizations' numbers
	prefixRemit  = "claims/remit/"  // + payer + "/" + trace -> Remittance
	prefixStats  = "claims/stats/"  // + payer -> Stats
	keySeqClaim  = "claims/seq/claim"
	keySeqAuth   = "claims/seq/auth"
)

func seqBytes(prefix string, n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), n)
}

// PolicyKey is the state key of a payer's policy version.
func PolicyKey(payer string, version uint64) []byte { return seqBytes(prefixPolicy+payer+"/", version) }

// policyPrefix is the prefix of a payer's policies.
func policyPrefix(payer string) []byte { return []byte(prefixPolicy + payer + "/") }

// MemberKey is the state key of a member of a payer.
func MemberKey(payer, member string) []byte { return []byte(prefixMember + payer + "/" + member) }

func memberPrefix(payer string) []byte { return []byte(prefixMember + payer + "/") }

// ClaimKey is the state key of claim clm-N.
func ClaimKey(n uint64) []byte { return seqBytes(prefixClaim, n) }

// ClaimID is the id of claim number n.
func ClaimID(n uint64) string { return "clm-" + strconv.FormatUint(n, 10) }

// ParseClaimID returns the number of a claim id; ok is false if s is
// none.
func ParseClaimID(s string) (uint64, bool) { return parseSeqID(s, "clm-") }

// AuthKey is the state key of prior authorization pa-N.
func AuthKey(n uint64) []byte { return seqBytes(prefixAuth, n) }

// AuthID is the id of prior authorization number n.
func AuthID(n uint64) string { return "pa-" + strconv.FormatUint(n, 10) }

// ParseAuthID returns the number of a prior authorization id.
func ParseAuthID(s string) (uint64, bool) { return parseSeqID(s, "pa-") }

func parseSeqID(s, prefix string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || len(rest) > 19 || rest[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	return n, err == nil && n > 0
}

func authByKey(payer, member string) []byte {
	return []byte(prefixAuthBy + payer + "/" + member)
}

func dupKey(payer, member, provider, date string) []byte {
	return []byte(prefixDup + payer + "/" + member + "/" + provider + "/" + date)
}

func dayKey(payer, rendering, date string) []byte {
	return []byte(prefixDay + payer + "/" + rendering + "|" + date)
}

// RemitKey is the state key of a payer's remittance.
func RemitKey(payer, trace string) []byte { return []byte(prefixRemit + payer + "/" + trace) }

// StatsKey is the state key of a payer's claim counts.
func StatsKey(payer string) []byte { return []byte(prefixStats + payer) }

// prefixEnd is the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
