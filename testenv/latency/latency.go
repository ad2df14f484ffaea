// Package latency gives slotmesh's benchmarks one definition of a latency
// percentile, so that a p99 means the same in every benchmark that reports
// one. It imports nothing of ours, so benchmarks anywhere (and tools) can
// use it without the rest of testenv.
package latency

import (
	"math"
	"slices"
	"time"
)

// Sample is a set of measured latencies, sorted.
type Sample struct {
	sorted []time.Duration
}

// Of makes a Sample of d; it sorts d in place.
func Of(d []time.Duration) Sample {
	slices.Sort(d)
	return Sample{sorted: d}
}

// Len is the number of latencies.
func (s Sample) Len() int { return len(s.sorted) }

// At is the q-quantile (0 < q <= 1) by the nearest-rank method: the smallest
// latency that at least a q share of the sample is at or below. At(0.99) is
// the p99, At(1) the maximum; q <= 0 gives the minimum. It is 0 for an empty
// sample.
func (s Sample) At(q float64) time.Duration {
	n := len(s.sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(n) - 1e-9)) // 1-based; q*n may be a hair above a whole rank (0.07*100)
	return s.sorted[min(max(rank, 1), n)-1]
}

// Ms is At(q) in milliseconds, as the benchmarks report it (their *_ms
// metrics); NaN for an empty sample.
func (s Sample) Ms(q float64) float64 {
	if len(s.sorted) == 0 {
		return math.NaN()
	}
	return float64(s.At(q)) / float64(time.Millisecond)
}
