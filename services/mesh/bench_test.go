package mesh_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
	until(b, 60*time.Second, "warm-up archived", func() (bool, string) {
		n := w.count(b, `SELECT count(*) FROM archive.bookings`)
		return n == 1, fmt.Sprint(n)
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
	until(b, 5*time.Minute, "all archived", func() (bool, string) {
		n := w.count(b, `SELECT count(*) FROM archive.bookings`)
		return n == b.N+1, fmt.Sprintf("%d/%d", n, b.N+1)
	})
	b.StopTimer()
	var p50, p99, max float64
	err := w.pool.QueryRow(b.Context(), `
		SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
		FROM (SELECT extract(epoch FROM archived_at - (data->>'updated_at')::timestamptz) * 1000 AS ms FROM archive.bookings) l`).Scan(&p50, &p99, &max)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(p50, "p50_ms")
	b.ReportMetric(p99, "p99_ms")
	b.ReportMetric(max, "max_ms")
	b.ReportMetric(float64(2*b.N)/sent.Seconds(), "events/s")
}
