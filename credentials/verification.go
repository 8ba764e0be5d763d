package credentials

import "time"

// Names of the checks a verification lists, in the order it makes them.
const (
	CheckFormat       = "format"            // the file is a VC-JOSE credential of medledger's profile
	CheckRecorded     = "recorded"          // the chain holds a credential of this id with this file's digest
	CheckSignature    = "signature"         // EdDSA over the file with the issuer member's key
	CheckMatches      = "matches-record"    // what the file says is what the chain recorded
	CheckIssuer       = "issuer-authorized" // the registry authorized the issuer for the type and jurisdiction when it issued
	CheckStatus       = "status"            // neither revoked nor suspended now
	CheckValidity     = "validity"          // now is inside the validity period
	CheckHolderSig    = "holder-signature"  // a presentation: signed with the holder's current key
	CheckHolder       = "holder"            // the holder is the subject (or a member of the subject organization)
	CheckAudience     = "audience"          // the presentation is for this verifier
	CheckNonce        = "nonce"             // over the verifier's nonce
	CheckFresh        = "fresh"             // presented recently, not yet expired
	CheckNotReplay    = "not-replayed"      // the verifier has not accepted this nonce before
	StatusUnknown     = "unknown"           // the verification's status when the chain has no record of the credential
	DefaultPresentTTL = 5 * time.Minute     // how long a presentation is good for
)

// Check is one check of a verification and its outcome.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Verification is the answer to "may I rely on this credential file?":
// every check and its outcome, valid only when all passed.
type Verification struct {
	Valid  bool    `json:"valid"`
	Checks []Check `json:"checks"`
	// Status is active, revoked, suspended or expired; unknown when the
	// chain has no record of the credential.
	Status       string     `json:"status"`
	Credential   string     `json:"credential,omitempty"`
	Type         string     `json:"type,omitempty"`
	Subject      string     `json:"subject,omitempty"`
	Issuer       string     `json:"issuer,omitempty"`
	IssuedBy     string     `json:"issued_by,omitempty"`
	Jurisdiction string     `json:"jurisdiction,omitempty"`
	ValidFrom    *time.Time `json:"valid_from,omitempty"`
	ValidUntil   *time.Time `json:"valid_until,omitempty"`
	Holder       string     `json:"holder,omitempty"` // a presentation's
	// Height is the chain height the facts were read at; CheckedAt the
	// time validity was judged at.
	Height    int64     `json:"height,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// Add appends a check; Valid stays true only while every check passed.
func (v *Verification) Add(name string, ok bool, detail string) {
	if len(v.Checks) == 0 {
		v.Valid = true
	}
	v.Checks = append(v.Checks, Check{Name: name, OK: ok, Detail: detail})
	v.Valid = v.Valid && ok
}

// Failed is the first check that failed, or nil.
func (v *Verification) Failed() *Check {
	for i := range v.Checks {
		if !v.Checks[i].OK {
			return &v.Checks[i]
		}
	}
	return nil
}

// Facts is what the chain says about one credential, as a node answers it
// (GET /v1/credentials/{id}): the record and the issuer's authorization
// when it issued, judged at the node's last block.
type Facts struct {
	Credential
	// EffectiveStatus is active, suspended, revoked or expired at
	// BlockTime.
	EffectiveStatus string `json:"effective_status"`
	// IssuerAuthorized says whether the registry authorized the issuer for
	// the type and jurisdiction at the height it issued; Authorization
	// is that entry.
	IssuerAuthorized bool           `json:"issuer_authorized"`
	Authorization    *Authorization `json:"authorization,omitempty"`
	BlockTime        time.Time      `json:"block_time"`
	AtHeight         int64          `json:"at_height"`
}
