package ingest

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkDeliver measures the whole intake of one new complaint: parse,
// store raw, open the ticket with its entry and event, one transaction.
func BenchmarkDeliver(b *testing.B) {
	in, _, _ := newTestIntake(b)
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = newComplaint(fmt.Sprintf("bench-%d@example.id", i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := in.Deliver(bg, raws[i], Source{Mailbox: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDeliverParallel runs the intake from several goroutines, as
// several mailboxes, the pipe and the SMTP intake do at once.
func BenchmarkDeliverParallel(b *testing.B) {
	in, _, _ := newTestIntake(b)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			// A few hundred senders, as at the real desk.
			raw := bytes.Replace(newComplaint(fmt.Sprintf("bench-par-%d@example.id", i)), []byte("siti@"), []byte(fmt.Sprintf("warga%d@", i%300)), 1)
			if _, err := in.Deliver(bg, raw, Source{Mailbox: "bench"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
