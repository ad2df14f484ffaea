package platform

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"
)

// Job is a background job of a service (a sweep, a reconcile pass, a send
// loop): Run every Every, each run under its own deadline. A service keeps
// its jobs in its ports/jobs package and starts them with StartJob (see
// docs/adr/0018-background-jobs.md).
type Job struct {
	Name  string        // the job's name in logs (KeyJob), e.g. "sweep"
	Every time.Duration // the wait after a run ends before the next begins
	// Jitter is the share of Every added at random to each wait, so that
	// replicas do not run in step: a wait is in [Every, Every*(1+Jitter)].
	Jitter float64
	// Timeout is one run's deadline (0: none; the run then ends only when
	// the job is stopped).
	Timeout    time.Duration
	RunAtStart bool            // run once at start rather than after the first wait
	Wake       <-chan struct{} // optional: a value runs the job now
	// Run is one run. more asks for another run at once (a full batch: there
	// may be more to do); it is ignored with an error, which StartJob logs
	// (once, at warn, with the job's name) unless the stop cancelled the run.
	Run func(ctx context.Context) (more bool, err error)
}

// Delay is the wait after a run, with r in [0, 1) drawing the jitter (tests
// pass fixed values).
func (j Job) Delay(r float64) time.Duration {
	return j.Every + time.Duration(r*max(j.Jitter, 0)*float64(j.Every))
}

// StartJob runs j in its own goroutine until stop, which cancels the run in
// progress (its context), waits for it to return and may be called more
// than once. A run that panics ends with the panic as its error. It panics
// when j has no Name, no Run or no positive Every (a wiring mistake).
func StartJob(j Job, log *slog.Logger) (stop func()) {
	if j.Name == "" || j.Run == nil || j.Every <= 0 {
		panic(fmt.Sprintf("platform.StartJob: job %q needs a name, a Run and a positive Every (%s)", j.Name, j.Every))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(j.Delay(rand.Float64()))
		defer timer.Stop()
		now := j.RunAtStart
		for {
			if !now {
				select {
				case <-ctx.Done():
					return
				case <-j.Wake:
				case <-timer.C:
				}
			}
			more := j.once(ctx, log)
			if ctx.Err() != nil {
				return
			}
			now = more
			timer.Reset(j.Delay(rand.Float64()))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

// once is one run under the job's deadline; it logs the run's error and
// reports whether to run again at once.
func (j Job) once(ctx context.Context, log *slog.Logger) bool {
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if j.Timeout > 0 {
		rctx, cancel = context.WithTimeout(ctx, j.Timeout)
	}
	defer cancel()
	start := time.Now()
	more, err := j.safeRun(rctx)
	if err == nil {
		return more
	}
	if ctx.Err() == nil { // not cancelled by stop: the run failed (or ran past its deadline)
		log.Warn("background job failed", KeyJob, j.Name, KeyElapsed, time.Since(start), KeyError, err)
	}
	return false
}

func (j Job) safeRun(ctx context.Context) (more bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			more, err = false, fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return j.Run(ctx)
}
