package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// memRepo is an in-memory Repository: one lock serialises every change, as
// the payment row lock does.
type memRepo struct {
	mu     sync.Mutex
	byKey  map[string]domain.Payment
	events []contracts.Event
}

func newMemRepo() *memRepo { return &memRepo{byKey: map[string]domain.Payment{}} }

func clone(p domain.Payment) domain.Payment {
	p.Refunds = slices.Clone(p.Refunds)
	return p
}

func (m *memRepo) Create(_ context.Context, p domain.Payment, events ...contracts.Event) (domain.Payment, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.byKey[p.Key]; ok {
		return clone(old), false, nil
	}
	m.byKey[p.Key] = clone(p)
	m.events = append(m.events, events...)
	return p, true, nil
}

func (m *memRepo) Get(_ context.Context, key string) (domain.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.byKey[key]
	if !ok {
		return p, apperr.E(apperr.NotFound, "payment not found")
	}
	return clone(p), nil
}

func (m *memRepo) ChargeKeyOfRefund(_ context.Context, refundKey string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.byKey {
		for _, r := range p.Refunds {
			if r.Key == refundKey {
				return p.Key, nil
			}
		}
	}
	return "", apperr.E(apperr.NotFound, "refund not found")
}

func (m *memRepo) Update(_ context.Context, key string, change Change) (domain.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byKey[key]
	if !ok {
		return old, apperr.E(apperr.NotFound, "payment not found")
	}
	p := clone(old)
	evs, err := change(&p)
	if err != nil {
		return domain.Payment{}, err
	}
	if err := p.Check(); err != nil {
		return domain.Payment{}, err
	}
	m.byKey[key] = clone(p)
	m.events = append(m.events, evs...)
	return p, nil
}

func (m *memRepo) Due(_ context.Context, now time.Time, limit int) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, p := range m.byKey {
		due := p.Status == domain.Pending && !now.Before(p.LeaseUntil) ||
			p.Status == domain.Succeeded && p.VoidRequested && !now.Before(p.LeaseUntil) && p.Reserved() == 0
		for _, r := range p.Refunds {
			due = due || r.Status == domain.RefundPending && !now.Before(r.LeaseUntil)
		}
		if due && len(out) < limit {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memRepo) Ledger(_ context.Context, bookingID string) ([]domain.Payment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Payment
	for _, p := range m.byKey {
		if p.BookingID == bookingID {
			out = append(out, clone(p))
		}
	}
	return out, nil
}

func (m *memRepo) eventTypes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, len(m.events))
	for i, e := range m.events {
		out[i] = e.Type
	}
	return out
}

// script is a provider whose answers the test sets per call.
type script struct {
	mu      sync.Mutex
	charge  func(n int) (string, string, error) // n: 1 for the first call
	refund  func(key string, n int) (string, error)
	charges int
	refunds map[string]int
}

func (s *script) Charge(_ context.Context, _ string, _ int64, _, _ string) (string, string, error) {
	s.mu.Lock()
	s.charges++
	n := s.charges
	s.mu.Unlock()
	return s.charge(n)
}

func (s *script) Refund(_ context.Context, key, _ string, _ int64) (string, error) {
	s.mu.Lock()
	if s.refunds == nil {
		s.refunds = map[string]int{}
	}
	s.refunds[key]++
	n := s.refunds[key]
	s.mu.Unlock()
	if s.refund == nil {
		return "re_" + key, nil
	}
	return s.refund(key, n)
}

type nopNotifier struct{}

func (nopNotifier) Notify() {}

// testClock is a settable now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newApp(p Provider) (*App, *memRepo, *testClock) {
	repo := newMemRepo()
	clk := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	n := 0
	var mu sync.Mutex
	return &App{
		Repo: repo, Provider: p, Relay: nopNotifier{}, Clock: clk.now,
		Options: Options{Lease: time.Second, ProviderTimeout: 100 * time.Millisecond, MaxAttempts: 3},
		NewID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("01900000-0000-7000-8000-%012d", n)
		},
	}, repo, clk
}

const booking = "01900000-0000-7000-8000-00000000b00c"

func charge(key string) domain.Charge {
	return domain.Charge{Key: key, BookingID: booking, Amount: 1500, Currency: "EUR", Method: payment.CardVisa}
}

var errNoAnswer = fmt.Errorf("read: %w", context.DeadlineExceeded)

// TestLateSuccessAfterGiveUpIsGivenBack: the provider never answers, the
// reconciler gives the charge up (failed, provider_timeout), then the
// provider's answer arrives after all: the money is recorded and given
// back at once, so the caller told "failed" is not charged.
func TestLateSuccessAfterGiveUpIsGivenBack(t *testing.T) {
	t.Parallel()
	prov := &script{charge: func(n int) (string, string, error) { return "", "", errNoAnswer }}
	a, repo, clk := newApp(prov)
	ctx := context.Background()
	if _, err := a.Charge(ctx, charge("k")); apperr.CodeOf(err) != apperr.Timeout {
		t.Fatalf("no answer: %v", err)
	}
	for range 3 { // two more calls (no answer), then it is given up
		clk.add(2 * time.Second)
		_, _ = a.Reconcile(ctx)
	}
	p, _ := repo.Get(ctx, "k")
	if p.Status != domain.Failed || p.DeclineCode != domain.DeclineProviderTimeout || prov.charges != 3 {
		t.Fatalf("after %d calls: %+v", prov.charges, p)
	}
	prov.charge = func(int) (string, string, error) { return "ch_late", "", nil }
	p.Status = domain.Pending // as the in-flight driver saw it
	got, err := a.driveCharge(ctx, p)
	if err != nil || got.Status != domain.Refunded || got.Refunded != 1500 || got.ProviderRef != "ch_late" {
		t.Fatalf("late success: %+v %v", got, err)
	}
	want := []string{payment.EventFailed, payment.EventSucceeded, payment.EventRefunded}
	if !slices.Equal(repo.eventTypes(), want) {
		t.Fatalf("events %v, want %v", repo.eventTypes(), want)
	}
}

// TestRefusedRefundFailsAndFreesItsAmount: a refund the provider refuses is
// answered failed, and what it reserved can be refunded again.
func TestRefusedRefundFailsAndFreesItsAmount(t *testing.T) {
	t.Parallel()
	prov := &script{
		charge: func(int) (string, string, error) { return "ch_1", "", nil },
		refund: func(key string, _ int) (string, error) {
			if key == "r1" {
				return "", Refused("expired_or_canceled_card")
			}
			return "re_" + key, nil
		},
	}
	a, repo, _ := newApp(prov)
	ctx := context.Background()
	if _, err := a.Charge(ctx, charge("k")); err != nil {
		t.Fatal(err)
	}
	r, err := a.Refund(ctx, domain.RefundRequest{Key: "r1", ChargeKey: "k", Amount: 1000})
	if err != nil || r.Status != domain.RefundFailed || r.FailureCode != "expired_or_canceled_card" {
		t.Fatalf("refused refund: %+v %v", r, err)
	}
	r2, err := a.Refund(ctx, domain.RefundRequest{Key: "r2", ChargeKey: "k"})
	if err != nil || r2.Status != domain.RefundSucceeded || r2.Amount != 1500 {
		t.Fatalf("then the rest: %+v %v", r2, err)
	}
	if again, err := a.Refund(ctx, domain.RefundRequest{Key: "r1", ChargeKey: "k", Amount: 1000}); err != nil || again.Status != domain.RefundFailed {
		t.Fatalf("replay of the refused refund: %+v %v", again, err)
	}
	p, _ := repo.Get(ctx, "k")
	if p.Status != domain.Refunded || prov.refunds["r1"] != 1 {
		t.Fatalf("%+v, provider asked %d times", p, prov.refunds["r1"])
	}
}

// TestRefusedVoidRefundsAreRetriedThenReported: a void's refund the
// provider refuses is made again under a new key; after MaxVoidRefunds the
// reconciler reports it for an operator instead of looping.
func TestRefusedVoidRefundsAreRetriedThenReported(t *testing.T) {
	t.Parallel()
	prov := &script{
		charge: func(int) (string, string, error) { return "ch_1", "", nil },
		refund: func(key string, _ int) (string, error) {
			if key == "a:void:2" { // a's second void refund succeeds; b's never do
				return "re_ok", nil
			}
			return "", Refused("insufficient_balance")
		},
	}
	a, repo, clk := newApp(prov)
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, err := a.Charge(ctx, charge(k)); err != nil {
			t.Fatal(err)
		}
		if p, err := a.Void(ctx, domain.VoidRequest{Key: k, BookingID: booking}); err != nil || p.Status != domain.Succeeded {
			t.Fatalf("void with a refused refund: %+v %v", p, err)
		}
	}
	clk.add(2 * time.Second)
	if _, err := a.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	pa, _ := repo.Get(ctx, "a")
	if pa.Status != domain.Refunded || len(pa.Refunds) != 2 || pa.Refunds[1].Key != "a:void:2" {
		t.Fatalf("second void refund: %+v", pa)
	}
	// b: after the limit the reconciler reports it.
	var errs []error
	for range domain.MaxVoidRefunds + 1 {
		clk.add(2 * time.Second)
		_, err := a.Reconcile(ctx)
		errs = append(errs, err)
	}
	err := errors.Join(errs...)
	pb, _ := repo.Get(ctx, "b")
	if err == nil || !strings.Contains(err.Error(), "needs an operator") || len(pb.Refunds) != domain.MaxVoidRefunds || !pb.OwesVoidRefund() {
		t.Fatalf("after %d refused void refunds: %v, %+v", len(pb.Refunds), err, pb)
	}
	clk.add(2 * time.Second)
	if n, err := a.Reconcile(ctx); n != 0 || err != nil {
		t.Fatalf("a reported key is left alone for a while: %d %v", n, err)
	}
}

// TestProviderContextKeepsAReserve: a provider call made for a request ends
// before the request's deadline, leaving time to answer.
func TestProviderContextKeepsAReserve(t *testing.T) {
	t.Parallel()
	a := &App{Options: Options{ProviderTimeout: 10 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pctx, pcancel := a.providerContext(ctx)
	defer pcancel()
	dl, _ := pctx.Deadline()
	outer, _ := ctx.Deadline()
	if reserve := outer.Sub(dl); reserve < 150*time.Millisecond || reserve > 250*time.Millisecond {
		t.Fatalf("reserve %s, want a fifth of 1s", reserve)
	}
	short := &App{Options: Options{ProviderTimeout: 100 * time.Millisecond}}
	pctx2, c2 := short.providerContext(ctx)
	defer c2()
	if dl2, _ := pctx2.Deadline(); time.Until(dl2) > 100*time.Millisecond {
		t.Fatal("the provider timeout bounds the call")
	}
}

func TestRefundBackoffGrowsAndCaps(t *testing.T) {
	t.Parallel()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := refundBackoff(time.Second, i+1); got != w {
			t.Fatalf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	if got := refundBackoff(time.Second, 40); got != 10*time.Minute {
		t.Fatalf("cap: %s", got)
	}
}
