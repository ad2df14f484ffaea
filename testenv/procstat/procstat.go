// Package procstat reads how busy the machine's CPUs are (Linux /proc/stat),
// for benchmarks that report it or wait for a quiet machine. It imports
// nothing of ours, so tools can use it without the rest of testenv.
package procstat

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// Busy is the share (0..1) of CPU time not idle over d, or -1 when it cannot
// be read (not Linux) or ctx ends first.
func Busy(ctx context.Context, d time.Duration) float64 {
	read := func() (busy, total float64, ok bool) {
		raw, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0, false
		}
		return Parse(string(raw))
	}
	b0, t0, ok0 := read()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return -1
	}
	b1, t1, ok1 := read()
	if !ok0 || !ok1 || t1 <= t0 {
		return -1
	}
	return (b1 - b0) / (t1 - t0)
}

// Parse sums the first "cpu" line of /proc/stat: busy is all but idle and
// iowait.
func Parse(stat string) (busy, total float64, ok bool) {
	for line := range strings.Lines(stat) {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "cpu" {
			continue
		}
		for i, s := range f[1:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, 0, false
			}
			if i >= 8 { // guest and guest_nice are already in user and nice
				break
			}
			total += v
			if i != 3 && i != 4 {
				busy += v
			}
		}
		return busy, total, true
	}
	return 0, 0, false
}

// WaitQuiet waits until the machine is at most `below` busy over a
// half-second, or max has passed; it returns the last share seen and how
// long it waited. Benchmarks call it so that a measurement does not start
// while the system under test is still digesting its set-up (consumers
// catching up, Postgres writing).
func WaitQuiet(ctx context.Context, below float64, max time.Duration) (float64, time.Duration) {
	start := time.Now()
	for {
		b := Busy(ctx, 500*time.Millisecond)
		if b < 0 || b <= below || time.Since(start) >= max || ctx.Err() != nil {
			return b, time.Since(start)
		}
	}
}
