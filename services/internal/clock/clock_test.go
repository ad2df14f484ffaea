package clock

import (
	"context"
	"testing"
	"time"
)

func TestNow(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	got := Clock(func() time.Time { return at }).Now()
	if got.Location() != time.UTC || got.Nanosecond() != 123456000 || !got.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("Now = %v", got)
	}
	if d := time.Since(Clock(nil).Now()); d < 0 || d > time.Minute {
		t.Fatalf("the system clock is %s away", d)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	if !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("a sleep with a live context ended early")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("a sleep outlived its context")
	}
}
