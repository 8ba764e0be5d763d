package epcisapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkCapture measures events captured per second through POST
// /epcis/capture, from the request to the job's end (every transaction
// committed), on a single-validator test node (100 ms blocks): each
// document holds 500 commissioning events of one pack each.
//
//	go test ./supply/epcisapi -run '^$' -bench Capture -benchtime 4x
func BenchmarkCapture(b *testing.B) {
	b.StopTimer()
	e := start(b)
	const events = 500
	var total time.Duration
	for i := range b.N {
		var evs []string
		for k := range events {
			evs = append(evs, fmt.Sprintf(`{"type":"ObjectEvent","eventTime":"2025-03-01T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizStep":"commissioning","epcList":[%q],"ilmd":{"cbvmda:lotNumber":"B1","cbvmda:itemExpirationDate":"2029-06-30"}}`, dl(fmt.Sprintf("B%d-%d", i, k))))
		}
		doc := []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2025-03-01T09:00:00Z","epcisBody":{"eventList":[` + strings.Join(evs, ",") + `]}}`)
		signed := e.signed(doc, "acme-pharma/packager")
		b.StartTimer()
		t0 := time.Now()
		job := e.capture(signed, "acme-pharma/packager")
		total += time.Since(t0)
		b.StopTimer()
		if !job.Success || job.Committed != events {
			b.Fatalf("job %+v", job)
		}
	}
	b.ReportMetric(float64(events*b.N)/total.Seconds(), "events/s")
}
