// Package backoff is the one retry back-off of the services: exponential
// from Min, doubling per attempt up to Max, with jitter so that retries of
// many rows or replicas do not come back in step.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Exp is an exponential back-off: Min after the first failed attempt,
// doubling up to Max. Jitter in [0, 1] is the share of each wait drawn at
// random: 0 none, 0.5 spreads it over [d/2, d], 1 over [0, d] ("full
// jitter").
type Exp struct {
	Min, Max time.Duration
	Jitter   float64
}

// Base is the wait after attempt failed attempts (1-based) before jitter.
func (e Exp) Base(attempt int) time.Duration {
	d := max(e.Min, 0)
	for i := 1; i < attempt && d < e.Max; i++ {
		d *= 2
	}
	if e.Max > 0 {
		d = min(d, e.Max)
	}
	return d
}

// At is the wait after attempt failed attempts, with r in [0, 1) drawing
// the jitter (tests pass fixed values).
func (e Exp) At(attempt int, r float64) time.Duration {
	d := e.Base(attempt)
	j := time.Duration(e.Jitter * float64(d))
	return d - j + time.Duration(r*float64(j))
}

// Next is At with a random draw.
func (e Exp) Next(attempt int) time.Duration { return e.At(attempt, rand.Float64()) }
