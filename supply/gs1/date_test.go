package gs1

import (
	"errors"
	"testing"
	"time"
)

func TestCenturyWindow(t *testing.T) {
	// GS1 General Specifications 7.12: the year lies from 49 years before
	// to 50 years after the reference year.
	for _, tc := range []struct{ yy, ref, want int }{
		{0, 2000, 2000},
		{50, 2000, 2050},
		{51, 2000, 1951},
		{99, 2000, 1999},
		{76, 2026, 2076},
		{77, 2026, 1977},
		{0, 2026, 2000},
		{25, 2075, 2125},
		{26, 2075, 2026},
		{49, 1999, 2049},
		{50, 1999, 1950},
		{99, 2099, 2099},
		{49, 2099, 2149},
		{48, 2099, 2148},
		{50, 2099, 2050},
		{5, -30, 5},    // a negative reference year still gives a year in its window
		{20, -30, 20},  // -30 + 50
		{21, -30, -79}, // -30 - 49
	} {
		got := centuryWindow(tc.yy, tc.ref)
		if got != tc.want {
			t.Errorf("centuryWindow(%02d, %d) = %d, want %d", tc.yy, tc.ref, got, tc.want)
		}
		if got < tc.ref-49 || got > tc.ref+50 || floorMod(got, 100) != tc.yy {
			t.Errorf("centuryWindow(%02d, %d) = %d: outside the window or wrong YY", tc.yy, tc.ref, got)
		}
	}
}

func TestCenturyWindowExhaustive(t *testing.T) {
	for ref := 1890; ref <= 2210; ref++ {
		for yy := 0; yy < 100; yy++ {
			got := centuryWindow(yy, ref)
			if got < ref-49 || got > ref+50 || got%100 != yy {
				t.Fatalf("centuryWindow(%02d, %d) = %d", yy, ref, got)
			}
		}
	}
}

func TestParseAtWindow(t *testing.T) {
	at := func(y int) time.Time { return time.Date(y, time.June, 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		date string
		now  int
		want int
	}{
		{"761231", 2026, 2076},
		{"771231", 2026, 1977},
		{"271231", 2026, 2027},
		{"510101", 2026, 2051}, // Parse says 1951: the fixed window's known limit
		{"251231", 2075, 2125},
		{"261231", 2075, 2026},
	} {
		c, err := ParseAt("(01)00312345678906(17)"+tc.date, at(tc.now))
		if err != nil {
			t.Fatalf("ParseAt(17=%s, %d): %v", tc.date, tc.now, err)
		}
		if c.Expiry.Year != tc.want {
			t.Errorf("ParseAt(17=%s, %d): year %d, want %d", tc.date, tc.now, c.Expiry.Year, tc.want)
		}
	}
	c, err := Parse("(01)00312345678906(17)510101")
	if err != nil || c.Expiry.Year != 1951 {
		t.Errorf("Parse(17=510101) = %v, %v; want year 1951", c.Expiry, err)
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    string // resolved date, or "" for an error
		ref     int
		unspec  bool
		wantErr Kind
	}{
		{raw: "271231", want: "2027-12-31", ref: 2000},
		{raw: "270200", want: "2027-02-28", ref: 2000, unspec: true},
		{raw: "280200", want: "2028-02-29", ref: 2000, unspec: true},
		{raw: "280229", want: "2028-02-29", ref: 2000},
		{raw: "000229", want: "2000-02-29", ref: 2000}, // divisible by 400
		{raw: "000229", ref: 2051, wantErr: ErrDate},   // 2100: divisible by 100, not 400
		{raw: "290229", ref: 2000, wantErr: ErrDate},
		{raw: "270431", ref: 2000, wantErr: ErrDate},
		{raw: "270430", want: "2027-04-30", ref: 2000},
		{raw: "270400", want: "2027-04-30", ref: 2000, unspec: true},
		{raw: "271100", want: "2027-11-30", ref: 2000, unspec: true},
		{raw: "270132", ref: 2000, wantErr: ErrDate},
		{raw: "271301", ref: 2000, wantErr: ErrDate},
		{raw: "270001", ref: 2000, wantErr: ErrDate},
		{raw: "27011", ref: 2000, wantErr: ErrLength},
		{raw: "27O101", ref: 2000, wantErr: ErrCharset},
	} {
		d, err := parseDate("17", tc.raw, tc.ref, 0)
		if tc.wantErr != 0 {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("parseDate(%s, %d) = %v, %v; want kind %v", tc.raw, tc.ref, d, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseDate(%s, %d): %v", tc.raw, tc.ref, err)
			continue
		}
		if d.String() != tc.want || d.Raw != tc.raw || d.DayUnspecified() != tc.unspec {
			t.Errorf("parseDate(%s, %d) = %s (raw %s, unspecified %v), want %s (unspecified %v)",
				tc.raw, tc.ref, d, d.Raw, d.DayUnspecified(), tc.want, tc.unspec)
		}
	}
}

func TestNewDate(t *testing.T) {
	d, err := NewDate(2028, time.February, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Date{Year: 2028, Month: time.February, Day: 29, Raw: "280200"}); d != want {
		t.Errorf("NewDate(2028, February, 0) = %+v, want %+v", d, want)
	}
	d, err = NewDate(1999, time.December, 31)
	if err != nil || d.Raw != "991231" {
		t.Errorf("NewDate(1999, December, 31) = %+v, %v", d, err)
	}
	for _, bad := range []struct {
		y int
		m time.Month
		d int
	}{{2027, 2, 29}, {2027, 13, 1}, {2027, 0, 1}, {2027, 4, 31}, {2027, 1, -1}, {-1, 1, 1}, {10000, 1, 1}} {
		if _, err := NewDate(bad.y, bad.m, bad.d); !errors.Is(err, ErrDate) {
			t.Errorf("NewDate(%d, %d, %d) error = %v, want kind date", bad.y, bad.m, bad.d, err)
		}
	}
}
