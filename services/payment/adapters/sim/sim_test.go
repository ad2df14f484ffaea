package sim_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/adapters/providertest"
	"github.com/slotmesh/slotmesh/services/payment/adapters/sim"
	"github.com/slotmesh/slotmesh/services/payment/app"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.RunConformance(t, func(*testing.T) app.Provider { return sim.New() })
}

func TestTestCards(t *testing.T) {
	t.Parallel()
	p := sim.New()
	ctx := context.Background()
	cases := []struct {
		method  string
		taken   bool
		decline string
	}{
		{payment.CardVisa, true, ""},
		{sim.CardMastercard, true, ""},
		{payment.CardDeclined, false, sim.DeclineCard},
		{"pm_card_unknown", false, sim.DeclineMethod},
		{"tok_whatever", false, sim.DeclineMethod},
	}
	for _, c := range cases {
		ref, decline, err := p.Charge(ctx, "k-"+c.method, 100, "EUR", c.method)
		if err != nil || (ref != "") != c.taken || decline != c.decline || p.Taken("k-"+c.method) != c.taken {
			t.Errorf("%s: ref %q, decline %q, err %v; want taken=%v decline %q", c.method, ref, decline, err, c.taken, c.decline)
		}
	}
	if p.Charges() != 2 {
		t.Fatalf("Charges() = %d, want 2", p.Charges())
	}
}

func TestTimeoutCardAnswersNothingUntilTheDeadline(t *testing.T) {
	t.Parallel()
	p := sim.New()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	deadline, _ := ctx.Deadline()
	ref, decline, err := p.Charge(ctx, "slow", 100, "EUR", payment.CardTimeout)
	if !errors.Is(err, context.DeadlineExceeded) || ref != "" || decline != "" {
		t.Fatalf("timeout card: %q %q %v", ref, decline, err)
	}
	// The deadline, not the moment after ctx was made: that instant is later
	// than the deadline's origin, so measuring from it could read 49.9 ms.
	if time.Now().Before(deadline) {
		t.Fatal("answered before the deadline")
	}
	if p.Calls("slow") != 1 || p.Taken("slow") || p.Charges() != 0 {
		t.Fatalf("calls %d, taken %v", p.Calls("slow"), p.Taken("slow"))
	}
}

func TestConcurrentSameKeyChargesOnce(t *testing.T) {
	t.Parallel()
	p := sim.New()
	refs := make([]string, 50)
	var wg sync.WaitGroup
	for i := range refs {
		wg.Go(func() {
			ref, _, err := p.Charge(context.Background(), "one", 700, "EUR", payment.CardVisa)
			if err != nil {
				t.Error(err)
			}
			refs[i] = ref
		})
	}
	wg.Wait()
	for _, r := range refs {
		if r != refs[0] || r == "" {
			t.Fatalf("refs differ: %v", refs)
		}
	}
	if p.Charges() != 1 || p.Calls("one") != 50 || p.Kept("one") != 700 {
		t.Fatalf("charges %d, calls %d, kept %d", p.Charges(), p.Calls("one"), p.Kept("one"))
	}
	if _, _, err := p.Charge(context.Background(), "one", 701, "EUR", payment.CardVisa); err == nil {
		t.Fatal("same key, other amount: want an error (Stripe's idempotency_error)")
	}
}

func TestRefundsNeverExceedTheCharge(t *testing.T) {
	t.Parallel()
	p := sim.New()
	ctx := context.Background()
	ref, _, _ := p.Charge(ctx, "c", 1000, "EUR", payment.CardVisa)
	if _, err := p.Refund(ctx, "r1", ref, 600); err != nil {
		t.Fatal(err)
	}
	_, err := p.Refund(ctx, "r2", ref, 500)
	if !errors.Is(err, app.ErrRefused) || app.RefusalCode(err) != "amount_too_large" {
		t.Fatalf("over-refund: %v", err)
	}
	if _, err := p.Refund(ctx, "r3", "sim_ch_none", 1); !errors.Is(err, app.ErrRefused) {
		t.Fatalf("unknown charge: %v", err)
	}
	if _, err := p.Refund(ctx, "r2b", ref, 400); err != nil || p.Kept("c") != 0 {
		t.Fatalf("refund the rest: %v, kept %d", err, p.Kept("c"))
	}
}

// Two simulators stand for two payment replicas: one takes the charge, the
// other refunds it (as two clients of one real provider would), never more
// than was taken in one call, and refs are the same whichever replica answers.
func TestReplicasShareCharges(t *testing.T) {
	t.Parallel()
	a, b := sim.New(), sim.New()
	ctx := context.Background()
	refA, _, err := a.Charge(ctx, "k", 1500, "EUR", payment.CardVisa)
	if err != nil || refA == "" {
		t.Fatalf("charge: %q %v", refA, err)
	}
	if refB, _, _ := b.Charge(ctx, "k", 1500, "EUR", payment.CardVisa); refB != refA {
		t.Fatalf("same key, other replica: ref %q, want %q", refB, refA)
	}
	if _, err := b.Refund(ctx, "r1", refA, 1000); err != nil {
		t.Fatalf("refund on the other replica: %v", err)
	}
	if _, err := sim.New().Refund(ctx, "r2", refA, 1501); err == nil {
		t.Fatal("a refund over the charge's amount was accepted")
	}
	for _, bad := range []string{"sim_ch_1", "sim_ch_zz_100", "ch_123", "sim_ch_000000000000000000000000_-5"} {
		if _, err := b.Refund(ctx, "r-"+bad, bad, 1); err == nil {
			t.Fatalf("refund of unknown charge %q accepted", bad)
		}
	}
}
