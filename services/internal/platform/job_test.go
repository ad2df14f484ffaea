package platform_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// within bounds every wait for something a job should do at once (the
// machine may be busy: -race, two cores).
const within = 5 * time.Second

// recorder is a slog handler that sends each record it is given (and drops
// what its buffer cannot hold, so a job is never held up by its log).
type recorder struct{ c chan slog.Record }

func newRecorder() *recorder { return &recorder{c: make(chan slog.Record, 100)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	select {
	case r.c <- rec.Clone():
	default:
	}
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// next is the next record, within the bound.
func (r *recorder) next(t *testing.T) slog.Record {
	t.Helper()
	select {
	case rec := <-r.c:
		return rec
	case <-time.After(within):
		t.Fatalf("nothing logged within %s", within)
		return slog.Record{}
	}
}

// none fails if anything was logged.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case rec := <-r.c:
		t.Fatalf("logged %q at %s, want nothing", rec.Message, rec.Level)
	default:
	}
}

func attrs(rec slog.Record) map[string]string {
	m := map[string]string{}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// fake is a job's Run that counts its runs and sends when each begins;
// then does what body says (nil: returns at once, nothing more, no error).
type fake struct {
	runs  atomic.Int32
	began chan time.Time
	body  func(ctx context.Context, n int) (bool, error)
}

func newFake(body func(ctx context.Context, n int) (bool, error)) *fake {
	return &fake{began: make(chan time.Time, 1000), body: body}
}

func (f *fake) Run(ctx context.Context) (bool, error) {
	n := int(f.runs.Add(1))
	f.began <- time.Now()
	if f.body == nil {
		return false, nil
	}
	return f.body(ctx, n)
}

// next waits for the next run to begin, within the bound.
func (f *fake) next(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-f.began:
		return at
	case <-time.After(within):
		t.Fatalf("no run began within %s (%d so far)", within, f.runs.Load())
		return time.Time{}
	}
}

// TestStartJob: a job runs every Every (never sooner), at start when asked,
// at once when woken or when a run says there is more; a run has its own
// deadline; stop cancels the run in progress and waits for it; errors
// (and panics) are logged once per run at warn with the job's name, except
// a run the stop cancelled.
func TestStartJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		job   platform.Job // Run is set from body
		body  func(ctx context.Context, n int) (bool, error)
		check func(t *testing.T, j platform.Job, f *fake, log *recorder, wake chan<- struct{})
	}{
		{
			name: "runs every Every, the first after a wait",
			job:  platform.Job{Every: 20 * time.Millisecond, Jitter: 0.5},
			check: func(t *testing.T, j platform.Job, f *fake, _ *recorder, _ chan<- struct{}) {
				start := time.Now()
				prev := f.next(t)
				if d := prev.Sub(start); d < j.Every {
					t.Errorf("first run %s after start, want at least Every %s", d, j.Every)
				}
				for range 3 {
					at := f.next(t)
					if gap := at.Sub(prev); gap < j.Every {
						t.Errorf("runs %s apart, want at least Every %s", gap, j.Every)
					}
					prev = at
				}
			},
		},
		{
			name: "RunAtStart runs at once",
			job:  platform.Job{Every: time.Hour, RunAtStart: true},
			check: func(t *testing.T, _ platform.Job, f *fake, _ *recorder, _ chan<- struct{}) {
				f.next(t)
			},
		},
		{
			name: "Wake runs at once",
			job:  platform.Job{Every: time.Hour},
			check: func(t *testing.T, _ platform.Job, f *fake, _ *recorder, wake chan<- struct{}) {
				for i := range 3 {
					wake <- struct{}{}
					f.next(t)
					if n := f.runs.Load(); n != int32(i+1) {
						t.Fatalf("%d runs after %d wakes", n, i+1)
					}
				}
			},
		},
		{
			name: "more runs again at once, until a run says no more",
			job:  platform.Job{Every: time.Hour, RunAtStart: true},
			body: func(_ context.Context, n int) (bool, error) { return n < 3, nil },
			check: func(t *testing.T, _ platform.Job, f *fake, _ *recorder, _ chan<- struct{}) {
				for range 3 {
					f.next(t)
				}
			},
		},
		{
			name: "a run past Timeout sees its context done, and its error is logged",
			job:  platform.Job{Name: "slow", Every: time.Hour, RunAtStart: true, Timeout: 20 * time.Millisecond},
			body: func(ctx context.Context, _ int) (bool, error) {
				<-ctx.Done()
				return true, ctx.Err() // more is ignored with an error
			},
			check: func(t *testing.T, j platform.Job, f *fake, log *recorder, _ chan<- struct{}) {
				at := f.next(t)
				rec := log.next(t)
				if d := time.Since(at); d < j.Timeout {
					t.Errorf("the run ended %s after it began, before its Timeout %s", d, j.Timeout)
				}
				a := attrs(rec)
				if rec.Level != slog.LevelWarn || a[platform.KeyJob] != "slow" || a[platform.KeyError] != context.DeadlineExceeded.Error() {
					t.Errorf("logged %s %q %v, want warn with job slow and %v", rec.Level, rec.Message, a, context.DeadlineExceeded)
				}
			},
		},
		{
			name: "errors are logged once per run with the job's name",
			job:  platform.Job{Name: "flaky", Every: 5 * time.Millisecond, RunAtStart: true},
			body: func(_ context.Context, n int) (bool, error) { return false, fmt.Errorf("boom %d", n) },
			check: func(t *testing.T, _ platform.Job, _ *fake, log *recorder, _ chan<- struct{}) {
				for i := 1; i <= 3; i++ {
					rec := log.next(t)
					a := attrs(rec)
					if rec.Level != slog.LevelWarn || a[platform.KeyJob] != "flaky" || a[platform.KeyError] != fmt.Sprintf("boom %d", i) {
						t.Errorf("record %d: %s %q %v, want warn with job flaky and boom %d", i, rec.Level, rec.Message, a, i)
					}
					if _, ok := a[platform.KeyElapsed]; !ok {
						t.Errorf("record %d has no %s", i, platform.KeyElapsed)
					}
				}
			},
		},
		{
			name: "a panic is the run's error and the job goes on",
			job:  platform.Job{Name: "bad", Every: 5 * time.Millisecond, RunAtStart: true},
			body: func(context.Context, int) (bool, error) { panic("oops") },
			check: func(t *testing.T, _ platform.Job, f *fake, log *recorder, _ chan<- struct{}) {
				rec := log.next(t)
				if a := attrs(rec); a[platform.KeyJob] != "bad" || !strings.HasPrefix(a[platform.KeyError], "panic: oops") {
					t.Errorf("logged %v, want job bad and the panic", a)
				}
				f.next(t)
				f.next(t)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(tc.body)
			log := newRecorder()
			j := tc.job
			if j.Name == "" {
				j.Name = "test"
			}
			wake := make(chan struct{}, 1)
			j.Run, j.Wake = f.Run, wake
			stop := platform.StartJob(j, slog.New(log))
			t.Cleanup(stop)
			tc.check(t, j, f, log, wake)
		})
	}
}

// TestStartJobStop: stop cancels the run in progress, waits for it to
// return, logs nothing for it, and may be called again; no run begins after.
func TestStartJobStop(t *testing.T) {
	t.Parallel()
	var (
		finished atomic.Bool
		seen     error
	)
	f := newFake(func(ctx context.Context, _ int) (bool, error) {
		<-ctx.Done()
		seen = ctx.Err()
		time.Sleep(20 * time.Millisecond) // a run that takes a while to wind down
		finished.Store(true)
		return false, ctx.Err()
	})
	log := newRecorder()
	stop := platform.StartJob(platform.Job{Name: "long", Every: time.Millisecond, RunAtStart: true, Run: f.Run}, slog.New(log))
	f.next(t)
	stop()
	if !finished.Load() {
		t.Fatal("stop returned before the run in progress did")
	}
	if !errors.Is(seen, context.Canceled) {
		t.Errorf("the run saw %v, want %v", seen, context.Canceled)
	}
	stop()
	if n := f.runs.Load(); n != 1 {
		t.Errorf("%d runs, want 1", n)
	}
	log.none(t)
}

// TestStartJobStopIdle: stop between runs returns at once.
func TestStartJobStopIdle(t *testing.T) {
	t.Parallel()
	f := newFake(nil)
	stop := platform.StartJob(platform.Job{Name: "idle", Every: time.Hour, RunAtStart: true, Run: f.Run}, platform.Discard())
	f.next(t)
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(within):
		t.Fatalf("stop of an idle job did not return within %s", within)
	}
}

// TestJobDelay: jitter keeps every wait within [Every, Every*(1+Jitter)].
func TestJobDelay(t *testing.T) {
	t.Parallel()
	const every = 100 * time.Millisecond
	tests := []struct {
		jitter, r float64
		want      time.Duration
	}{
		{0, 0, every},
		{0, 0.99, every},
		{0.5, 0, every},
		{0.5, 0.5, 125 * time.Millisecond},
		{1, 0.25, 125 * time.Millisecond},
		{-1, 0.5, every}, // a negative jitter is none
	}
	for _, tc := range tests {
		if got := (platform.Job{Every: every, Jitter: tc.jitter}).Delay(tc.r); got != tc.want {
			t.Errorf("Delay with jitter %v, r %v = %s, want %s", tc.jitter, tc.r, got, tc.want)
		}
	}
	for _, jitter := range []float64{0, 0.1, 0.5, 1} {
		j := platform.Job{Every: every, Jitter: jitter}
		hi := every + time.Duration(jitter*float64(every))
		for i := range 1000 {
			r := float64(i) / 1000
			if d := j.Delay(r); d < every || d > hi {
				t.Fatalf("Delay with jitter %v, r %v = %s, not in [%s, %s]", jitter, r, d, every, hi)
			}
		}
	}
}

// TestStartJobRefusesAMiswiredJob: no name, no Run or no positive Every is
// a wiring mistake, found at start.
func TestStartJobRefusesAMiswiredJob(t *testing.T) {
	t.Parallel()
	run := func(context.Context) (bool, error) { return false, nil }
	for _, j := range []platform.Job{
		{Every: time.Second, Run: run},
		{Name: "x", Every: time.Second},
		{Name: "x", Run: run},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("StartJob(%+v) did not panic", j)
				}
			}()
			platform.StartJob(j, platform.Discard())()
		}()
	}
}
