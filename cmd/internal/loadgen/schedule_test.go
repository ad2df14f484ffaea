package loadgen

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/testenv/poll"
)

// fakeClock moves only when the scheduler sleeps, so the schedule is exact
// whatever the machine's load; step is what each sleep costs besides (a
// scheduler that wakes late).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	step    time.Duration
	onSleep func(until time.Time) // called before each sleep
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	if c.onSleep != nil {
		c.onSleep(t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	c.now = c.now.Add(c.step)
	return ctx.Err()
}

// TestScheduleFixedRateWhileTargetStalls: every arrival of a stalled target
// is fired at its due time (i/rate after the start) — none waits for an
// answer — and the run ends only when the fired requests have returned.
func TestScheduleFixedRateWhileTargetStalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rate     float64
		duration time.Duration
		cap      int
		late     time.Duration // the clock's extra cost per sleep
		fired    int64
		dropped  int64
	}{
		{"100/s for 1s", 100, time.Second, 0, 0, 100, 0},
		{"1000/s for 2s", 1000, 2 * time.Second, 0, 0, 2000, 0},
		{"0.5/s for 10s", 0.5, 10 * time.Second, 0, 0, 5, 0},
		{"cap 10 drops the rest", 100, time.Second, 10, 0, 10, 90},
		{"a late scheduler keeps the due times", 100, time.Second, 0, 3 * time.Millisecond, 100, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), step: tc.late}
			start := clk.now
			release := make(chan struct{})
			var mu sync.Mutex
			var got []Arrival
			var dropped int64
			var returned atomic.Int64 // requests that returned
			type result struct {
				st       RunStats
				returned int64 // when Run returned
			}
			done := make(chan result, 1)
			s := Schedule{Rate: tc.rate, Duration: tc.duration, MaxInFlight: tc.cap}
			go func() {
				st := s.Run(context.Background(), clk, func(a Arrival) {
					mu.Lock()
					got = append(got, a)
					mu.Unlock()
					<-release // the target stalls until every arrival is due
					returned.Add(1)
				}, func(Arrival) {
					mu.Lock()
					dropped++
					mu.Unlock()
				})
				done <- result{st, returned.Load()}
			}()
			poll.Eventually(t, 10*time.Second, "every arrival fired or dropped", func() error {
				mu.Lock()
				n := int64(len(got)) + dropped
				mu.Unlock()
				if n == tc.fired+tc.dropped {
					return nil
				}
				select {
				case r := <-done:
					t.Fatalf("Run returned while its requests were stalled: %+v", r.st)
				default:
				}
				return fmt.Errorf("fired+dropped %d, want %d", n, tc.fired+tc.dropped)
			})
			close(release)
			r := <-done
			// Run waited for the stalled requests: every one had returned
			// when it did (none could before release was closed).
			if r.returned != tc.fired {
				t.Fatalf("Run returned when %d of %d stalled requests had: %+v", r.returned, tc.fired, r.st)
			}
			st := r.st
			if st.Fired != tc.fired || st.Dropped != tc.dropped || st.Scheduled != tc.fired+tc.dropped {
				t.Fatalf("stats %+v, want fired %d dropped %d", st, tc.fired, tc.dropped)
			}
			if tc.cap > 0 && st.MaxInFlight != int64(tc.cap) {
				t.Fatalf("max in flight %d, want %d", st.MaxInFlight, tc.cap)
			}
			if tc.cap == 0 && st.MaxInFlight != tc.fired {
				t.Fatalf("max in flight %d, want all %d (nothing waits for an answer)", st.MaxInFlight, tc.fired)
			}
			seen := map[int64]bool{}
			for _, a := range got {
				want := start.Add(time.Duration(math.Round(float64(a.Seq) * 1e9 / tc.rate)))
				if !a.At.Equal(want) {
					t.Fatalf("arrival %d due %v, want %v", a.Seq, a.At.Sub(start), want.Sub(start))
				}
				seen[a.Seq] = true
			}
			// Each start was as late as the clock made it, no later: a
			// stalled target never delays the scheduler.
			if lag := st.Lag.Summary(); lag.Max > float64(tc.late)/1e6+0.001 {
				t.Fatalf("start lag max %v ms, clock step %v", lag.Max, tc.late)
			}
			if int64(len(seen)) != tc.fired {
				t.Fatalf("%d distinct arrivals fired, want %d", len(seen), tc.fired)
			}
			if st.Lag.Count() != st.Scheduled {
				t.Fatalf("lag recorded %d times, want %d", st.Lag.Count(), st.Scheduled)
			}
		})
	}
}

// TestScheduleWallClock runs a short real schedule against a target that
// never answers in time: the arrivals still start at the rate.
func TestScheduleWallClock(t *testing.T) {
	t.Parallel()
	s := Schedule{Rate: 200, Duration: 500 * time.Millisecond}
	var mu sync.Mutex
	var lags []time.Duration
	start := time.Now()
	st := s.Run(context.Background(), WallClock{}, func(a Arrival) {
		mu.Lock()
		lags = append(lags, time.Since(a.At))
		mu.Unlock()
		time.Sleep(300 * time.Millisecond) // a stalled target
	}, nil)
	if st.Fired != 100 || len(lags) != 100 {
		t.Fatalf("fired %d, want 100", st.Fired)
	}
	// The last arrival is due at 495 ms and its request takes 300 ms: with a
	// closed loop of one it would take 30 s.
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("run took %v", el)
	}
	if p99 := st.Lag.Quantile(99); p99 > 200*time.Millisecond {
		t.Fatalf("start lag p99 %v on the wall clock", p99)
	}
}

// TestScheduleStopsWithContext: a cancelled run schedules nothing more.
func TestScheduleStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Unix(0, 0)
	clk := &fakeClock{now: start, onSleep: func(until time.Time) {
		if until.Sub(start) >= 500*time.Millisecond {
			cancel() // Ctrl-C while waiting for the 6th arrival
		}
	}}
	st := Schedule{Rate: 10, Duration: 10 * time.Second}.Run(ctx, clk, func(Arrival) {}, nil)
	if st.Fired != 5 || st.Scheduled != 5 {
		t.Fatalf("fired %d, scheduled %d after a cancel before the 6th", st.Fired, st.Scheduled)
	}
}
