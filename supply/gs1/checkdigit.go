package gs1

import "fmt"

// maxCheckDigitData is the longest digit string CheckDigit takes: the 17
// data digits of an SSCC, the longest GS1 key with a mod-10 check digit.
const maxCheckDigitData = 17

// CheckDigit returns the GS1 mod-10 check digit of digits, the key without
// its check digit, as an ASCII digit ('0' to '9'), so that digits +
// string(cd) is the full key. From the right, the digits are weighted 3, 1,
// 3, 1, ...; the check digit brings the weighted sum up to a multiple of 10
// (GS1 General Specifications 7.9.1).
//
// It returns ErrEmpty for "", ErrLength for more than 17 digits and
// ErrCharset for anything but ASCII digits; Pos is then the index in digits.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, &Error{Kind: ErrEmpty, Pos: 0, Reason: "no digits to compute a check digit of"}
	}
	if len(digits) > maxCheckDigitData {
		return 0, &Error{Kind: ErrLength, Pos: maxCheckDigitData,
			Reason: fmt.Sprintf("%d digits, want at most %d for a check digit", len(digits), maxCheckDigitData)}
	}
	sum, w := 0, 3
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, &Error{Kind: ErrCharset, Pos: i, Reason: fmt.Sprintf("%s at position %d is not a digit", describeByte(c), i)}
		}
		sum += int(c-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10), nil
}

// checkKey checks a full key (data digits then check digit) of exactly n
// digits, for AI ai. start is the key's offset in the input, for Pos.
func checkKey(ai, v string, n, start int) *Error {
	if len(v) != n {
		return &Error{Kind: ErrLength, AI: ai, Value: v, Pos: start,
			Reason: fmt.Sprintf("%d characters, want exactly %d digits", len(v), n)}
	}
	if e := checkDigits(ai, v, start); e != nil {
		return e
	}
	cd, _ := CheckDigit(v[:n-1]) // cannot fail: n-1 digits, 1 <= n-1 <= 17
	if got := v[n-1]; got != cd {
		return &Error{Kind: ErrCheckDigit, AI: ai, Value: v, Pos: start + n - 1,
			Reason: fmt.Sprintf("check digit is %c, want %c", got, cd)}
	}
	return nil
}

// checkDigits refuses any byte of v that is not an ASCII digit.
func checkDigits(ai, v string, start int) *Error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < '0' || c > '9' {
			return &Error{Kind: ErrCharset, AI: ai, Value: v, Pos: start + i,
				Reason: fmt.Sprintf("%s at position %d is not a digit", describeByte(c), i+1)}
		}
	}
	return nil
}

// ValidGTIN reports whether s is a GTIN-8, GTIN-12, GTIN-13 or GTIN-14:
// 8, 12, 13 or 14 ASCII digits whose last is the right check digit.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
		return checkKey("", s, len(s), 0) == nil
	}
	return false
}

// ValidSSCC reports whether s is an SSCC: 18 ASCII digits whose last is the
// right check digit.
func ValidSSCC(s string) bool {
	return checkKey("", s, 18, 0) == nil
}

// GTIN14 returns the 14-digit form of a GTIN-8, -12, -13 or -14, as AI (01)
// carries it: the GTIN left-padded with zeros. Padding leaves the check
// digit unchanged, since the weights count from the right.
//
// It returns ErrEmpty, ErrLength, ErrCharset or ErrCheckDigit (with AI
// "01"), and Pos indexes s.
func GTIN14(s string) (string, error) {
	switch len(s) {
	case 0:
		return "", &Error{Kind: ErrEmpty, AI: "01", Pos: 0, Reason: "no GTIN"}
	case 8, 12, 13, 14:
	default:
		return "", &Error{Kind: ErrLength, AI: "01", Value: s, Pos: 0,
			Reason: fmt.Sprintf("%d characters, want a GTIN of 8, 12, 13 or 14 digits", len(s))}
	}
	if e := checkKey("01", s, len(s), 0); e != nil {
		return "", e
	}
	return "00000000000000"[len(s):] + s, nil
}
