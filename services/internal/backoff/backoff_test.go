package backoff

import (
	"testing"
	"time"
)

func TestExp(t *testing.T) {
	t.Parallel()
	e := Exp{Min: 2 * time.Second, Max: 10 * time.Minute, Jitter: 0.5}
	tests := []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{0, 0, time.Second}, {1, 0, time.Second}, {1, 0.9999999, 2 * time.Second},
		{2, 0, 2 * time.Second}, {3, 0.5, 6 * time.Second},
		{9, 0, 256 * time.Second}, {10, 0, 5 * time.Minute}, {1000, 0.5, 7*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		if got := e.At(tt.attempt, tt.r); got < tt.want-time.Millisecond || got > tt.want+time.Millisecond {
			t.Errorf("At(%d, %v) = %s, want %s", tt.attempt, tt.r, got, tt.want)
		}
	}
	none := Exp{Min: 100 * time.Millisecond, Max: time.Second}
	if none.At(3, 0.7) != 400*time.Millisecond || none.Base(10) != time.Second {
		t.Errorf("no jitter: %s %s", none.At(3, 0.7), none.Base(10))
	}
	full := Exp{Min: time.Second, Max: time.Second, Jitter: 1}
	for range 100 {
		if d := full.Next(5); d < 0 || d > time.Second {
			t.Fatalf("full jitter drew %s", d)
		}
	}
	if (Exp{Min: time.Second}).Base(40) <= 0 {
		t.Error("no cap must not overflow to a negative wait")
	}
}
