package platform_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

func TestRunningStopsInReverseOnce(t *testing.T) {
	t.Parallel()
	var order []string
	r, _ := platform.NewRunning("x", platform.Discard())
	r.Defer(func() { order = append(order, "deps") })
	r.DeferErr(func() error { order = append(order, "consumers"); return errors.New("drain failed") })
	r.Defer(func() { order = append(order, "endpoints") })
	err := r.Stop()
	if got := strings.Join(order, ","); got != "endpoints,consumers,deps" {
		t.Fatalf("stopped %s, want endpoints,consumers,deps", got)
	}
	if err == nil || !strings.Contains(err.Error(), "drain failed") {
		t.Fatalf("Stop = %v, want the consumers' error", err)
	}
	if err2 := r.Stop(); err2 == nil || len(order) != 3 {
		t.Fatalf("second Stop ran again (%v) or lost the error (%v)", order, err2)
	}
}

func TestRunningFailUndoesTheStart(t *testing.T) {
	t.Parallel()
	closed := 0
	r, _ := platform.NewRunning("booking", platform.Discard())
	r.Defer(func() { closed++ })
	cause := errors.New("no stream")
	err := r.Fail(cause)
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "booking: ") {
		t.Fatalf("Fail = %v, want the cause named by the service", err)
	}
	if closed != 1 {
		t.Fatalf("closed %d times, want 1", closed)
	}
	_ = r.Stop()
	if closed != 1 {
		t.Fatalf("Stop after Fail closed again (%d)", closed)
	}
}

func TestRunningConcurrentStop(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	r, _ := platform.NewRunning("x", platform.Discard())
	r.Defer(func() { mu.Lock(); n++; mu.Unlock() })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _ = r.Stop() })
	}
	wg.Wait()
	if n != 1 {
		t.Fatalf("stopped %d times, want 1", n)
	}
}
