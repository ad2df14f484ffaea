// Package poll is how slotmesh's tests wait for something to happen: they
// ask again until it has, with a deadline, never after a fixed sleep. It
// imports nothing of ours, so any test can use it, even one inside a package
// that testenv itself depends on.
package poll

import (
	"testing"
	"time"
)

// The pause between two checks grows with the time already waited, a
// sixteenth of it, from minPause to maxPause: most waits end within a few
// milliseconds and are seen at once; a slow condition (a query, an HTTP
// request) is not asked hundreds of times a second; and a benchmark that
// times a wait is off by at most a sixteenth.
const (
	minPause = time.Millisecond
	maxPause = 100 * time.Millisecond
)

// Eventually calls cond until it returns nil and returns how long that took.
// cond's error says what it saw instead; if cond has not returned nil within
// `within`, the test fails with what it waited for and the last error. cond
// runs on the test's goroutine, so it may call t.Fatal itself for a state
// that can never come right.
func Eventually(t testing.TB, within time.Duration, what string, cond func() error) time.Duration {
	t.Helper()
	began := time.Now()
	deadline := began.Add(within)
	for {
		err := cond()
		if err == nil {
			return time.Since(began)
		}
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("%s: not within %s; last seen: %v", what, within, err)
		}
		pause := min(max(time.Since(began)/16, minPause), maxPause, left)
		time.Sleep(pause) // between two checks
	}
}
