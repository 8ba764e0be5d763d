package supply

// Verification answers in the words of the industry's Verification Router
// Service (VRS) messages (GS1 Lightweight Messaging Standard for
// Verification of Product Identifiers): a verifier's VRS client asks with
// the product identifier (GTIN, serial number, lot, expiry) and reads
// verified true or false, a verificationFailureReason and additionalInfo.
// This file maps our Verification to those fields; supply/epcisapi serves
// and signs the answer.

import "github.com/medledger/medledger/supply/gs1"

// VRS verificationFailureReason codes.
const (
	VRSNoMatchGTINSerial          = "No_match_GTIN_Serial"
	VRSNoMatchGTINSerialLot       = "No_match_GTIN_Serial_Lot"
	VRSNoMatchGTINSerialExpiry    = "No_match_GTIN_Serial_Expiry"
	VRSNoMatchGTINSerialLotExpiry = "No_match_GTIN_Serial_Lot_Expiry"
	VRSNotForRedistribution       = "Not_for_re-distribution"
)

// VRS additionalInfo codes.
const (
	VRSExpired  = "Expired"
	VRSRecalled = "Recalled"
	VRSSuspect  = "Suspect"
)

// VRSRequest is the product identifier a VRS request names.
type VRSRequest struct {
	GTIN           string `json:"gtin"`
	SerialNumber   string `json:"serialNumber"`
	LotNumber      string `json:"lotNumber,omitempty"`
	ExpirationDate string `json:"expirationDate,omitempty"` // YYMMDD
}

// Code is the request's GS1 element string, bracketed.
func (q VRSRequest) Code() string {
	c := "(01)" + q.GTIN + "(21)" + q.SerialNumber
	if q.LotNumber != "" {
		c += "(10)" + q.LotNumber
	}
	if q.ExpirationDate != "" {
		c += "(17)" + q.ExpirationDate
	}
	return c
}

// VRSData is the data member of a VRS response.
type VRSData struct {
	Verified                  bool   `json:"verified"`
	VerificationFailureReason string `json:"verificationFailureReason,omitempty"`
	AdditionalInfo            string `json:"additionalInfo,omitempty"`
}

// VRSAnswer maps a verification of q to the VRS data: verified only for a
// genuine, saleable pack (our "verified"). A serial never commissioned is
// No_match_GTIN_Serial; a lot or expiry that differs from the
// commissioning's is No_match_GTIN_Serial_Lot, _Expiry or _Lot_Expiry; a
// recalled or expired pack is Not_for_re-distribution with Recalled or
// Expired; a pack dispensed, decommissioned or stolen is
// Not_for_re-distribution and Suspect.
func VRSAnswer(q VRSRequest, v Verification) VRSData {
	switch v.Result {
	case ResultVerified:
		return VRSData{Verified: true}
	case ResultUnknown:
		return VRSData{VerificationFailureReason: VRSNoMatchGTINSerial}
	case ResultMismatch:
		lot := q.LotNumber != "" && q.LotNumber != v.Lot
		exp := false
		if q.ExpirationDate != "" {
			d, err := ParseExpiry(q.ExpirationDate)
			exp = err != nil || !sameDay(d, v.Expiry)
		}
		switch {
		case lot && exp:
			return VRSData{VerificationFailureReason: VRSNoMatchGTINSerialLotExpiry}
		case exp:
			return VRSData{VerificationFailureReason: VRSNoMatchGTINSerialExpiry}
		}
		return VRSData{VerificationFailureReason: VRSNoMatchGTINSerialLot}
	case ResultRecalled:
		return VRSData{VerificationFailureReason: VRSNotForRedistribution, AdditionalInfo: VRSRecalled}
	case ResultExpired:
		return VRSData{VerificationFailureReason: VRSNotForRedistribution, AdditionalInfo: VRSExpired}
	}
	return VRSData{VerificationFailureReason: VRSNotForRedistribution, AdditionalInfo: VRSSuspect}
}

// ValidVRSRequest checks the request's fields before they are read as a
// code: a GTIN-14 with its check digit and a serial of GS1 characters are
// required, a lot and an expiry (YYMMDD) optional.
func ValidVRSRequest(q VRSRequest) error {
	if q.GTIN == "" || q.SerialNumber == "" {
		return ErrBadCode.New("a verification names gtin and serialNumber (lotNumber and expirationDate, YYMMDD, when the label has them)")
	}
	if len(q.GTIN) != 14 || !gs1.ValidGTIN(q.GTIN) {
		return ErrBadCode.New("gtin must be a GTIN-14 with a valid check digit")
	}
	if err := validSerial(q.SerialNumber); err != nil {
		return ErrBadCode.New("serialNumber: %s", detailOf(err))
	}
	if q.LotNumber != "" {
		if err := validLotName(q.LotNumber); err != nil {
			return ErrBadCode.New("lotNumber: %s", detailOf(err))
		}
	}
	if q.ExpirationDate != "" {
		if _, err := ParseExpiry(q.ExpirationDate); err != nil {
			return ErrBadCode.New("expirationDate must be YYMMDD")
		}
	}
	return nil
}
