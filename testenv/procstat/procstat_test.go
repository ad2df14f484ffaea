package procstat

import (
	"context"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		stat        string
		busy, total float64
		ok          bool
	}{
		{"idle and iowait are not busy", "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n", 150, 1000, true},
		{"guest time is already in user", "cpu  100 10 50 800 40 5 5 0 30 7\n", 170, 1010, true},
		{"only per-cpu lines", "cpu0 1 2 3 4 5 6\n", 0, 0, false},
		{"garbage", "cpu  a b c d e f\n", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			busy, total, ok := Parse(tt.stat)
			if busy != tt.busy || total != tt.total || ok != tt.ok {
				t.Fatalf("Parse = %v %v %v, want %v %v %v", busy, total, ok, tt.busy, tt.total, tt.ok)
			}
		})
	}
}

func TestWaitQuietStopsAtMax(t *testing.T) {
	t.Parallel()
	// Nothing is ever at most -0.5 busy: it must give up at max, not hang.
	_, waited := WaitQuiet(context.Background(), -0.5, time.Second)
	if waited < time.Second {
		t.Fatalf("gave up after %s, before max (1 s)", waited)
	}
}
