package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/gateway/ratelimit"
	"github.com/slotmesh/slotmesh/testenv"
)

// TestRedis: a budget of N is spent by N requests, the next one is refused
// with a wait of about Per/N, a refund gives one request back, and keys
// (and prefixes) keep budgets apart.
func TestRedis(t *testing.T) {
	t.Parallel()
	r := testenv.StartRedis(t)
	l, err := ratelimit.NewRedis(r.URL, r.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	ctx := context.Background()
	rate := ratelimit.Rate{N: 3, Per: time.Hour}
	allow := func(key string) (bool, time.Duration) {
		t.Helper()
		ok, retry, err := l.Allow(ctx, key, rate)
		if err != nil {
			t.Fatal(err)
		}
		return ok, retry
	}
	for i := range 3 {
		if ok, _ := allow("a"); !ok {
			t.Fatalf("request %d of 3 refused", i+1)
		}
	}
	ok, retry := allow("a")
	if ok || retry <= 0 || retry > 20*time.Minute {
		t.Fatalf("4th request: allowed %v, retry after %s; want refused, within 20m", ok, retry)
	}
	if ok, _ := allow("b"); !ok {
		t.Fatal("another key shares the budget")
	}
	if err := l.Refund(ctx, "a", rate); err != nil {
		t.Fatal(err)
	}
	if ok, _ := allow("a"); !ok {
		t.Fatal("refused after a refund")
	}
	if ok, _ := allow("a"); ok {
		t.Fatal("a refund gave back more than one request")
	}
	other, err := ratelimit.NewRedis(r.URL, r.Prefix+"other:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	if ok, _, err := other.Allow(ctx, "a", rate); err != nil || !ok {
		t.Fatalf("another prefix shares the budget: %v %v", ok, err)
	}
	if err := l.Refund(ctx, "never-used", rate); err != nil {
		t.Fatalf("refund of a key without a budget: %v", err)
	}
}

// TestRedisDown: an unreachable Redis is an error, quickly, and the answer
// that goes with it lets the request through.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	l, err := ratelimit.NewRedis("redis://127.0.0.1:1/0", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	began := time.Now()
	ok, _, err := l.Allow(context.Background(), "a", ratelimit.Rate{N: 1, Per: time.Minute})
	if err == nil || !ok {
		t.Fatalf("Allow with Redis down: %v %v, want an error and allowed", ok, err)
	}
	if el := time.Since(began); el > 2*time.Second {
		t.Fatalf("took %s to give up", el)
	}
	if _, err := ratelimit.NewRedis("mysql://x", ""); err == nil {
		t.Fatal("NewRedis accepted a URL that is not Redis")
	}
	if ratelimit.CheckRedisURL("mysql://x") == nil || ratelimit.CheckRedisURL("redis://127.0.0.1:6379/0") != nil {
		t.Fatal("CheckRedisURL")
	}
}

func TestRateString(t *testing.T) {
	t.Parallel()
	for r, want := range map[ratelimit.Rate]string{{}: "off", {N: 10, Per: time.Minute}: "10 per 1m0s"} {
		if got := r.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", r, got, want)
		}
	}
}
