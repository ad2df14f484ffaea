// Package clock is the services' one time source: a function tests may
// replace, read in UTC at the precision Postgres stores (microseconds, so a
// value reads back exactly as it was written), and one sleep that ends
// with its context.
package clock

import (
	"context"
	"time"
)

// Clock returns the time; nil is the system clock.
type Clock func() time.Time

// Now is the time in UTC, truncated to microseconds.
func (c Clock) Now() time.Time {
	t := time.Now()
	if c != nil {
		t = c()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Sleep waits d; false when ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
