package claims

import (
	"testing"
	"time"
)

// TestDayNumber: the integer day numbers agree with Go's calendar for
// every day from 1900 to 2999, and impossible dates are refused.
func TestDayNumber(t *testing.T) {
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 3000; d = d.AddDate(0, 0, 1) {
		s := d.Format(time.DateOnly)
		n, ok := DayNumber(s)
		if !ok || n != d.Unix()/86400 {
			t.Fatalf("DayNumber(%s) = %d %v, want %d", s, n, ok, d.Unix()/86400)
		}
	}
	for _, bad := range []string{"2025-02-29", "2024-02-30", "2025-13-01", "2025-00-10", "2025-04-31", "1899-12-31", "3000-01-01", "2025-1-01", "2025/01/01", "20250101xx", "+025-01-01"} {
		if _, ok := DayNumber(bad); ok {
			t.Errorf("DayNumber(%s) accepted", bad)
		}
	}
	if _, ok := DayNumber("2024-02-29"); !ok {
		t.Error("2024-02-29 refused")
	}
}
