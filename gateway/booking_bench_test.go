package gateway_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/latency"
)

// BenchmarkBookingsThroughGateway books one table per iteration through the
// gateway (HTTP, auth, NATS, the booking service, Postgres, the outbox) from
// a fixed number of concurrent clients, on a vendor with 2,000 units of
// capacity 4 and no deposit. Starts are spread over 300 non-overlapping
// slots (10 a day, 90 minutes apart, 30 days), so every booking finds a unit
// (up to 600,000 of them). It reports bookings per second and the p50/p99
// latency of one request.
func BenchmarkBookingsThroughGateway(b *testing.B) {
	const (
		units       = 2000
		concurrency = 16
		users       = 8
		days        = 30
		perDay      = 10 // 08:00, 09:30, ... 21:30: one stay each, no overlap
	)
	sys := testenv.StartAll(b, nil)
	c := client{b, sys.URL}
	_, owner := signUp(b, c, "owner@example.com")
	v := onboard(b, c, owner, allWeek(0))
	us := make([]map[string]any, units)
	for i := range us {
		us[i] = map[string]any{"name": fmt.Sprintf("T%04d", i+1), "capacity": 4}
	}
	addUnits(b, c, owner, v.ID, us)
	tokens := make([]string, users)
	for i := range tokens {
		_, tokens[i] = signUp(b, c, fmt.Sprintf("diner%d@example.com", i))
	}
	starts := make([]string, 0, days*perDay)
	for d := 2; d < 2+days; d++ {
		for s := range perDay {
			m := 8*60 + 90*s
			starts = append(starts, slotAt(d, m/60, m%60).Format(time.RFC3339))
		}
	}
	// b.Loop runs the function once (one system for the whole run) and hands
	// each iteration to one of the clients; a send waits for a free one, so
	// exactly `concurrency` requests are in flight.
	type result struct {
		latency time.Duration
		err     string
	}
	jobs := make(chan int)
	results := make(chan result, concurrency)
	var latencies []time.Duration
	var failure string
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			latencies = append(latencies, r.latency)
			if r.err != "" && failure == "" {
				failure = r.err
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := tokens[g%users]
			for i := range jobs {
				body := map[string]any{"vendor_id": v.ID, "start": starts[i%len(starts)], "party_size": 2, "payment_method": "pm_card_visa"}
				t0 := time.Now()
				st, raw := c.book(token, uuid.NewString(), body)
				r := result{latency: time.Since(t0)}
				if st != http.StatusCreated {
					r.err = fmt.Sprintf("booking %d: %d %.300s", i, st, raw)
				}
				results <- r
			}
		}()
	}
	began := time.Now()
	n := 0
	for b.Loop() {
		jobs <- n
		n++
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(began)
	close(results)
	<-collected
	if failure != "" {
		b.Fatal(failure)
	}
	sample := latency.Of(latencies)
	rate := float64(n) / elapsed.Seconds()
	b.ReportMetric(rate, "bookings/s")
	b.ReportMetric(sample.Ms(0.50), "p50_ms")
	b.ReportMetric(sample.Ms(0.99), "p99_ms")
	b.Logf("%d bookings, %d concurrent: %.0f bookings/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		n, concurrency, rate, sample.Ms(0.50), sample.Ms(0.99), sample.Ms(1))
}
