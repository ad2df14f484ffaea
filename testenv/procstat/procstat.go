// Package procstat reads how busy the machine's CPUs are (Linux /proc/stat,
// through prometheus/procfs), for benchmarks that report it or wait for a
// quiet machine. It imports nothing of ours, so tools can use it without the
// rest of testenv.
package procstat

import (
	"context"
	"time"

	"github.com/prometheus/procfs"
)

// Busy is the share (0..1) of CPU time not idle over d, or -1 when it cannot
// be read (not Linux) or ctx ends first.
func Busy(ctx context.Context, d time.Duration) float64 {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return -1
	}
	return busy(ctx, fs, d)
}

func busy(ctx context.Context, fs procfs.FS, d time.Duration) float64 {
	b0, t0, ok0 := times(fs)
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return -1
	}
	b1, t1, ok1 := times(fs)
	if !ok0 || !ok1 || t1 <= t0 {
		return -1
	}
	return (b1 - b0) / (t1 - t0)
}

// times is the CPU time of all CPUs since boot, in seconds: busy is all but
// idle and iowait; guest time is already in user and nice, so it is not
// added again. ok is false when /proc/stat cannot be read or has no total.
func times(fs procfs.FS) (busy, total float64, ok bool) {
	st, err := fs.Stat()
	if err != nil {
		return 0, 0, false
	}
	c := st.CPUTotal
	idle := c.Idle + c.Iowait
	total = c.User + c.Nice + c.System + idle + c.IRQ + c.SoftIRQ + c.Steal
	if total <= 0 {
		return 0, 0, false
	}
	return total - idle, total, true
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
