package archive_test

import (
	"context"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/testenv/latency"
)

// waitReadable polls Get over NATS until id is archived, pausing between
// misses (0: none, for latency; a little, so polling does not steal the
// CPU the consumer needs when measuring throughput).
func (e *env) waitReadable(b *testing.B, id string, deadline time.Time, pause time.Duration) {
	for {
		_, err := e.client.Get(context.Background(), id)
		if err == nil {
			return
		}
		if !apperr.Is(err, apperr.NotFound) {
			b.Fatal(err)
		}
		if time.Now().After(deadline) {
			b.Fatalf("booking %s not readable in time", id)
		}
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

// BenchmarkProduceToReadable measures, one event at a time, the latency from
// writing a final booking event to Kafka to reading the row back through the
// archive's NATS API (p50-ms, p99-ms); then writes b.N events at once and
// reports how many rows per second became readable (rows/s).
func BenchmarkProduceToReadable(b *testing.B) {
	e := start(b)
	e.startService(b)
	user, vendor := newID(), newID()
	base := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	// Warm up: the group has joined and a first row went through.
	warm := finished(user, vendor, base, booking.StatusAvailed, 1)
	e.produce(b, message(b, event(b, warm)))
	e.waitReadable(b, warm.ID, time.Now().Add(30*time.Second), 0)

	lat := make([]time.Duration, 0, b.N)
	msgs := make([]kafkago.Message, b.N)
	for i := range b.N {
		bk := finished(user, vendor, base.Add(time.Duration(i+1)*time.Minute), booking.StatusAvailed, 2)
		msgs[i] = message(b, event(b, bk))
	}
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		e.produce(b, msgs[i])
		e.waitReadable(b, string(msgs[i].Key), t0.Add(30*time.Second), 0)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sample := latency.Of(lat)
	b.ReportMetric(sample.Ms(0.50), "p50-ms")
	b.ReportMetric(sample.Ms(0.99), "p99-ms")

	// Throughput: b.N events written together, until the last is readable.
	bmsgs := make([]kafkago.Message, b.N)
	burst := make([]string, b.N)
	for i := range b.N {
		bk := finished(user, vendor, base.Add(-time.Duration(i+1)*time.Minute), booking.StatusCancelled, 3)
		burst[i] = bk.ID
		bmsgs[i] = message(b, event(b, bk))
	}
	t0 := time.Now()
	e.produce(b, bmsgs...)
	for _, id := range burst {
		e.waitReadable(b, id, t0.Add(60*time.Second), 5*time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "rows/s")
}
