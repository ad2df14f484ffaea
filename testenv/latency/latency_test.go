package latency_test

import (
	"math"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/testenv/latency"
)

func ms(v ...int) []time.Duration {
	d := make([]time.Duration, len(v))
	for i, x := range v {
		d[i] = time.Duration(x) * time.Millisecond
	}
	return d
}

func TestAtIsTheNearestRank(t *testing.T) {
	t.Parallel()
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 .. 1, unsorted
	}
	for _, tc := range []struct {
		name string
		d    []time.Duration
		q    float64
		want time.Duration
	}{
		{"p50 of 1..100", ms(hundred...), 0.5, 50 * time.Millisecond},
		{"p99 of 1..100 is not the maximum", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 1, 100 * time.Millisecond},
		{"p0 is the minimum", ms(hundred...), 0, time.Millisecond},
		{"p50 of an even two", ms(7, 3), 0.5, 3 * time.Millisecond},
		{"p99 of one", ms(4), 0.99, 4 * time.Millisecond},
		{"p99 of ten is the maximum", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.99, 10 * time.Millisecond},
		{"p90 of ten", ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 0.9, 9 * time.Millisecond},
		{"p7 of 1..100 (0.07*100 is a hair above 7)", ms(hundred...), 0.07, 7 * time.Millisecond},
		{"q above 1", ms(1, 2), 1.5, 2 * time.Millisecond},
		{"empty", nil, 0.99, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := latency.Of(tc.d).At(tc.q); got != tc.want {
				t.Fatalf("At(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

func TestMs(t *testing.T) {
	t.Parallel()
	s := latency.Of([]time.Duration{1500 * time.Microsecond, 250 * time.Microsecond})
	if got := s.Ms(1); got != 1.5 {
		t.Fatalf("Ms(1) = %v, want 1.5", got)
	}
	if got := s.Ms(0.5); got != 0.25 {
		t.Fatalf("Ms(0.5) = %v, want 0.25", got)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d", s.Len())
	}
	if got := latency.Of(nil).Ms(0.5); !math.IsNaN(got) {
		t.Fatalf("Ms of an empty sample = %v, want NaN", got)
	}
}
