package poll_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/testenv/poll"
)

func TestEventuallyReturnsOnceTrue(t *testing.T) {
	t.Parallel()
	calls := 0
	took := poll.Eventually(t, 10*time.Second, "the third call", func() error {
		calls++
		if calls < 3 {
			return fmt.Errorf("call %d", calls)
		}
		return nil
	})
	if calls != 3 {
		t.Fatalf("%d calls, want 3", calls)
	}
	if took <= 0 || took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestEventuallyTrueAtOnceChecksOnce(t *testing.T) {
	t.Parallel()
	calls := 0
	poll.Eventually(t, time.Minute, "nothing", func() error { calls++; return nil })
	if calls != 1 {
		t.Fatalf("%d calls for a condition true at once", calls)
	}
}

// recorder is a testing.TB that records a failure instead of ending the test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.failed = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	panic(r) // as t.Fatalf ends the goroutine: Eventually must not go on
}

func TestEventuallyFailsWithWhatAndLastSeen(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	calls := 0
	began := time.Now()
	func() {
		defer func() {
			if p := recover(); p != r {
				t.Fatalf("Eventually did not fail the test (recovered %v)", p)
			}
		}()
		poll.Eventually(r, 200*time.Millisecond, "the impossible", func() error {
			calls++
			return errors.New("seen " + fmt.Sprint(calls))
		})
	}()
	waited := time.Since(began)
	if waited < 200*time.Millisecond || waited > 5*time.Second {
		t.Fatalf("gave up after %s, want just after 200ms", waited)
	}
	want := fmt.Sprintf("the impossible: not within 200ms; last seen: seen %d", calls)
	if r.failed != want {
		t.Fatalf("failure %q, want %q", r.failed, want)
	}
	// Checks neither spin nor back off so far that a 200 ms wait checks only
	// once or twice (about 60 with pauses of a sixteenth of the time waited).
	if calls < 5 || calls > 200 {
		t.Fatalf("%d checks in 200ms", calls)
	}
}
