package gs1

import (
	"fmt"
	"time"
)

// FixedReferenceYear is the reference year Parse uses for the century of a
// YYMMDD date: YY 00 to 50 resolve to 2000 to 2050, YY 51 to 99 to 1951 to
// 1999. ParseAt uses the year of the time it is given instead, as GS1
// General Specifications 7.12 prescribes.
const FixedReferenceYear = 2000

// Date is a GS1 YYMMDD date (AI 17, AI 11).
type Date struct {
	Year  int        // full year, resolved by the century window
	Month time.Month // 1 to 12
	Day   int        // 1 to 31; the month's last day when Raw's DD is 00
	// Raw is the date as encoded, YYMMDD, with DD 00 kept. Format writes
	// Raw, so a Date from Parse formats back to the same digits.
	Raw string
}

// String returns the resolved date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// DayUnspecified reports whether the encoded day is 00: only the year and
// month were given, and Day holds the month's last day.
func (d Date) DayUnspecified() bool {
	return len(d.Raw) == 6 && d.Raw[4:] == "00"
}

// NewDate returns the Date for year, month and day, with its Raw YYMMDD.
// day 0 encodes DD 00, "day unspecified", and resolves Day to the month's
// last day. It returns ErrDate for a month or day out of range, or a year
// before 0 or after 9999.
//
// NOTE: Raw keeps only the last two digits of year. A Code formatted with
// this Date parses back to the same Year only if year lies within the
// century window of the parse (1951 to 2050 for Parse).
func NewDate(year int, month time.Month, day int) (Date, error) {
	if year < 0 || year > 9999 {
		return Date{}, &Error{Kind: ErrDate, Pos: -1, Reason: fmt.Sprintf("year %d is out of range", year)}
	}
	if month < 1 || month > 12 {
		return Date{}, &Error{Kind: ErrDate, Pos: -1, Reason: fmt.Sprintf("month %d is not 1 to 12", int(month))}
	}
	last := daysIn(year, month)
	if day < 0 || day > last {
		return Date{}, &Error{Kind: ErrDate, Pos: -1,
			Reason: fmt.Sprintf("day %d is not 0 to %d in %s %d", day, last, month, year)}
	}
	raw := fmt.Sprintf("%02d%02d%02d", year%100, int(month), day)
	if day == 0 {
		day = last
	}
	return Date{Year: year, Month: month, Day: day, Raw: raw}, nil
}

// parseDate reads a YYMMDD value of AI ai, resolving the century around
// refYear. start is the value's offset in the input, for Pos.
func parseDate(ai, v string, refYear, start int) (Date, *Error) {
	if len(v) != 6 {
		return Date{}, &Error{Kind: ErrLength, AI: ai, Value: v, Pos: start,
			Reason: fmt.Sprintf("%d characters, want a 6-digit date YYMMDD", len(v))}
	}
	if e := checkDigits(ai, v, start); e != nil {
		return Date{}, e
	}
	yy := int(v[0]-'0')*10 + int(v[1]-'0')
	mm := int(v[2]-'0')*10 + int(v[3]-'0')
	dd := int(v[4]-'0')*10 + int(v[5]-'0')
	if mm < 1 || mm > 12 {
		return Date{}, &Error{Kind: ErrDate, AI: ai, Value: v, Pos: start + 2,
			Reason: fmt.Sprintf("month %02d is not 01 to 12", mm)}
	}
	year := centuryWindow(yy, refYear)
	month := time.Month(mm)
	last := daysIn(year, month)
	day := dd
	switch {
	case dd == 0:
		day = last
	case dd > last:
		return Date{}, &Error{Kind: ErrDate, AI: ai, Value: v, Pos: start + 4,
			Reason: fmt.Sprintf("day %02d is past the end of %s %d (%d days); write 00 for the month's end", dd, month, year, last)}
	}
	return Date{Year: year, Month: month, Day: day, Raw: v}, nil
}

// centuryWindow resolves a two-digit year per GS1 General Specifications
// 7.12: with d = yy - (refYear mod 100), d from 51 to 99 is the previous
// century, d from -99 to -50 the next, anything else refYear's century.
// The result lies from refYear-49 to refYear+50.
func centuryWindow(yy, refYear int) int {
	r := floorMod(refYear, 100)
	century := refYear - r
	switch d := yy - r; {
	case d >= 51:
		return century - 100 + yy
	case d <= -50:
		return century + 100 + yy
	default:
		return century + yy
	}
}

func floorMod(a, m int) int {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

// daysIn returns the number of days of month in year, Gregorian leap years
// included.
func daysIn(year int, month time.Month) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	default:
		return 31
	}
}
