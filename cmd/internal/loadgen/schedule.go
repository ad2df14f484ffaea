// Package loadgen is an open-loop load generator for slotmesh's gateway:
// requests start on a fixed arrival schedule however slow the answers are,
// and each latency is measured from the request's scheduled start, so time
// spent queued behind a slow system is counted (no coordinated omission).
// The schedule, the histograms and the report are independent of HTTP, for
// the bench and chaos runs to reuse.
package loadgen

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the scheduler's time source: the wall clock, or a fake in tests.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t (at once if t has passed), or with ctx's error.
	SleepUntil(ctx context.Context, t time.Time) error
}

// WallClock is the real clock.
type WallClock struct{}

// Now implements Clock.
func (WallClock) Now() time.Time { return time.Now() }

// SleepUntil implements Clock.
func (WallClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Arrival is one scheduled request: its sequence number and the time it is
// due. Latency is measured from At, not from when it actually started.
type Arrival struct {
	Seq int64
	At  time.Time
}

// Schedule is a fixed-rate arrival schedule: Rate arrivals a second, the
// i-th due at start + i/Rate, for Duration.
type Schedule struct {
	Rate     float64
	Duration time.Duration
	// MaxInFlight bounds the requests outstanding at once (0: no bound). An
	// arrival due while the bound is reached is dropped (and reported), never
	// delayed: delaying it would turn the open loop into a closed one.
	MaxInFlight int
}

// Count is the number of arrivals of the schedule.
func (s Schedule) Count() int64 {
	if s.Rate <= 0 || s.Duration <= 0 {
		return 0
	}
	return int64(s.Rate * s.Duration.Seconds())
}

// Due is when arrival i is due after start.
func (s Schedule) Due(start time.Time, i int64) time.Time {
	return start.Add(time.Duration(math.Round(float64(i) * float64(time.Second) / s.Rate)))
}

// RunStats says how the schedule went.
type RunStats struct {
	Start       time.Time
	Scheduled   int64 // arrivals due before the run ended
	Fired       int64
	Dropped     int64 // MaxInFlight was reached
	MaxInFlight int64 // the most outstanding at once
	Lag         *Histogram
	End         time.Time // when the last fired request returned
}

// Run fires each arrival of s in its own goroutine at its due time, calls
// drop instead when MaxInFlight requests are outstanding, and returns when
// every fired request has returned. It stops scheduling when ctx ends. The
// lateness of each start (the generator's own delay) goes to RunStats.Lag.
func (s Schedule) Run(ctx context.Context, clk Clock, fire, drop func(Arrival)) RunStats {
	st := RunStats{Start: clk.Now(), Lag: NewHistogram()}
	var wg sync.WaitGroup
	var inFlight, peak atomic.Int64
	n := s.Count()
	for i := int64(0); i < n; i++ {
		a := Arrival{Seq: i, At: s.Due(st.Start, i)}
		if clk.SleepUntil(ctx, a.At) != nil {
			break
		}
		st.Scheduled++
		st.Lag.Record(clk.Now().Sub(a.At))
		if s.MaxInFlight > 0 && inFlight.Load() >= int64(s.MaxInFlight) {
			st.Dropped++
			if drop != nil {
				drop(a)
			}
			continue
		}
		st.Fired++
		if cur := inFlight.Add(1); cur > peak.Load() {
			peak.Store(cur) // only this goroutine raises peak
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inFlight.Add(-1)
			fire(a)
		}()
	}
	wg.Wait()
	st.MaxInFlight = peak.Load()
	st.End = clk.Now()
	return st
}
