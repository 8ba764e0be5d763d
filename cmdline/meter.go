package cmdline

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Meter shows a long job's progress on stderr: a bar redrawn in place when
// stderr is a terminal, else a plain line every MeterEvery.
type Meter struct {
	w     io.Writer
	tty   bool
	on    bool
	unit  string
	total int
	start time.Time
	last  time.Time
	drawn bool
}

// MeterEvery is how often a meter writes a line when stderr is no terminal.
const MeterEvery = 10 * time.Second

// NewMeter returns a meter of total units; when on is false it shows
// nothing.
func (e *Env) NewMeter(total int, unit string, on bool) *Meter {
	return &Meter{w: e.Stderr, tty: isTerminal(e.Stderr), on: on, unit: unit, total: total, start: time.Now(), last: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Set shows that done units are done.
func (m *Meter) Set(done int) {
	if !m.on {
		return
	}
	el := time.Since(m.start)
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el.Seconds()
	}
	if m.tty {
		const width = 30
		fill := 0
		if m.total > 0 {
			fill = done * width / m.total
		}
		eta := ""
		if rate > 0 && done < m.total {
			eta = "  ETA " + time.Duration(float64(m.total-done)/rate*float64(time.Second)).Round(time.Second).String()
		}
		fmt.Fprintf(m.w, "\r[%s%s] %s/%s %s  %s/s%s\x1b[K", strings.Repeat("#", fill), strings.Repeat(".", width-fill),
			Thousands(done), Thousands(m.total), m.unit, Thousands(int(rate)), eta)
		m.drawn = true
		return
	}
	if time.Since(m.last) >= MeterEvery && done < m.total {
		m.last = time.Now()
		fmt.Fprintf(m.w, "medledger: %s of %s %s committed (%s/s)\n", Thousands(done), Thousands(m.total), m.unit, Thousands(int(rate)))
	}
}

// Finish ends the meter's line.
func (m *Meter) Finish() {
	if m.on && m.drawn {
		fmt.Fprintln(m.w)
	}
}

// Thousands writes n with thousands separators: 100,000.
func Thousands(n int) string {
	if n < 0 {
		return "-" + Thousands(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// PerSecond is n over d, as a rate.
func PerSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
