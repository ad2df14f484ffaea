package mesh_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/testenv/latency"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// BenchmarkEventToArchive measures the whole event path of a finished
// booking — JetStream, bridge, Kafka (in-process broker), archive consumer
// group, Postgres — as the latency from the event's occurred_at to its row's
// archived_at, at a steady arrival rate (open loop: MESH_BENCH_RATE bookings/s,
// default 200, each a confirmed and a cancelled event). It reports p50/p99 in
// ms and the events/s that arrived.
//
//	go test -run '^$' -bench EventToArchive -benchtime 2000x ./services/mesh/
func BenchmarkEventToArchive(b *testing.B) {
	rate := 200
	if v, err := strconv.Atoi(os.Getenv("MESH_BENCH_RATE")); err == nil && v > 0 {
		rate = v
	}
	w := newWorld(b, 2, map[string]string{"NOTIFY_REMINDER_BEFORE": "0"})
	w.publish(b, 0, 1) // warm: every consumer joined and the path open
	poll.Eventually(b, 60*time.Second, "warm-up archived", func() error {
		if n := w.count(b, `SELECT count(*) FROM archive.bookings`); n != 1 {
			return fmt.Errorf("%d archived", n)
		}
		return nil
	})
	b.ResetTimer()
	every := time.Second / time.Duration(rate)
	began := time.Now()
	for n := 1; n <= b.N; n++ {
		if d := time.Until(began.Add(time.Duration(n-1) * every)); d > 0 {
			time.Sleep(d)
		}
		for _, e := range w.bookingEvents(n, time.Now()) {
			raw, _ := json.Marshal(e)
			if _, err := w.js.PublishAsync(e.Type, raw, jetstream.WithMsgID(e.ID)); err != nil {
				b.Fatal(err)
			}
		}
	}
	w.acked(b)
	sent := time.Since(began)
	poll.Eventually(b, 5*time.Minute, "all archived", func() error {
		if n := w.count(b, `SELECT count(*) FROM archive.bookings`); n != b.N+1 {
			return fmt.Errorf("%d/%d archived", n, b.N+1)
		}
		return nil
	})
	b.StopTimer()
	// Each booking's latency: from its event's updated_at to its archiving.
	rows, err := w.pool.Query(b.Context(), `
		SELECT (extract(epoch FROM archived_at - (data->>'updated_at')::timestamptz) * 1e6)::bigint FROM archive.bookings`)
	if err != nil {
		b.Fatal(err)
	}
	us, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, len(us))
	for i, u := range us {
		lat[i] = time.Duration(u) * time.Microsecond
	}
	sample := latency.Of(lat)
	b.ReportMetric(sample.Ms(0.50), "p50_ms")
	b.ReportMetric(sample.Ms(0.99), "p99_ms")
	b.ReportMetric(sample.Ms(1), "max_ms")
	b.ReportMetric(float64(2*b.N)/sent.Seconds(), "events/s")
}
