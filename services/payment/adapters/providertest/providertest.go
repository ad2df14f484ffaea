// Package providertest is the conformance suite every payment provider
// driver passes (in the manner of go-cloud's drivertest): call RunConformance
// from the driver's own tests with a constructor of a fresh provider. A case
// a driver's test double cannot show (stripe-mock answers fixtures: it never
// declines and does not replay idempotent requests) is skipped with Skip and
// a stated reason, which the test output shows.
package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/app"
)

// The cases, by name (for Skip).
const (
	CaseVisaSucceeds         = "visa_succeeds"
	CaseMastercardSucceeds   = "mastercard_succeeds"
	CaseDeclinedDeclines     = "declined_card_declines"
	CaseSameKeySameRef       = "same_key_same_ref"
	CaseSameKeySameDecline   = "same_key_same_decline"
	CaseRefundWorks          = "refund_works"
	CaseRefundSameKeySameRef = "refund_same_key_same_ref"
	CaseDoneContextFails     = "done_context_is_no_answer"
)

// Option tunes a run.
type Option func(*config)

type config struct{ skips map[string]string }

// Skip skips case name, saying why (the reason is shown in the test output).
func Skip(name, reason string) Option {
	return func(c *config) { c.skips[name] = reason }
}

// RunConformance runs every case against providers made by newProvider (one
// per case).
func RunConformance(t *testing.T, newProvider func(t *testing.T) app.Provider, opts ...Option) {
	t.Helper()
	c := config{skips: map[string]string{}}
	for _, o := range opts {
		o(&c)
	}
	cases := []struct {
		name string
		run  func(t *testing.T, p app.Provider)
	}{
		{CaseVisaSucceeds, succeeds(payment.CardVisa)},
		{CaseMastercardSucceeds, succeeds("pm_card_mastercard")},
		{CaseDeclinedDeclines, declinedDeclines},
		{CaseSameKeySameRef, sameKeySameRef},
		{CaseSameKeySameDecline, sameKeySameDecline},
		{CaseRefundWorks, refundWorks},
		{CaseRefundSameKeySameRef, refundSameKeySameRef},
		{CaseDoneContextFails, doneContextFails},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if reason, ok := c.skips[tc.name]; ok {
				t.Skipf("skipped for this driver: %s", reason)
			}
			tc.run(t, newProvider(t))
		})
	}
}

func key(t *testing.T, what string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "conformance:" + what + ":" + hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func charge(t *testing.T, p app.Provider, key, method string) (string, string) {
	t.Helper()
	ref, decline, err := p.Charge(ctx(t), key, 1500, "EUR", method)
	if err != nil {
		t.Fatalf("Charge(%s, %s) = error %v, want an answer", key, method, err)
	}
	return ref, decline
}

func succeeds(method string) func(t *testing.T, p app.Provider) {
	return func(t *testing.T, p app.Provider) {
		ref, decline := charge(t, p, key(t, "ok"), method)
		if ref == "" || decline != "" {
			t.Fatalf("%s: ref %q, decline %q; want a ref and no decline", method, ref, decline)
		}
	}
}

func declinedDeclines(t *testing.T, p app.Provider) {
	ref, decline := charge(t, p, key(t, "declined"), payment.CardDeclined)
	if ref != "" || decline == "" {
		t.Fatalf("declined card: ref %q, decline %q; want a decline code and no ref", ref, decline)
	}
}

func sameKeySameRef(t *testing.T, p app.Provider) {
	k := key(t, "twice")
	ref1, _ := charge(t, p, k, payment.CardVisa)
	ref2, decline := charge(t, p, k, payment.CardVisa)
	if ref1 == "" || ref2 != ref1 || decline != "" {
		t.Fatalf("same key twice: refs %q and %q (decline %q); want one ref", ref1, ref2, decline)
	}
}

func sameKeySameDecline(t *testing.T, p app.Provider) {
	k := key(t, "declined-twice")
	_, d1 := charge(t, p, k, payment.CardDeclined)
	ref, d2 := charge(t, p, k, payment.CardDeclined)
	if d1 == "" || d2 != d1 || ref != "" {
		t.Fatalf("declined key twice: %q then %q (ref %q)", d1, d2, ref)
	}
}

func refundWorks(t *testing.T, p app.Provider) {
	ref, _ := charge(t, p, key(t, "refund"), payment.CardVisa)
	if ref == "" {
		t.Fatal("charge took nothing")
	}
	r1, err := p.Refund(ctx(t), key(t, "refund-part"), ref, 500)
	if err != nil || r1 == "" {
		t.Fatalf("refund 500 of 1500: %q, %v", r1, err)
	}
	r2, err := p.Refund(ctx(t), key(t, "refund-rest"), ref, 1000)
	if err != nil || r2 == "" || r2 == r1 {
		t.Fatalf("refund the other 1000: %q (first %q), %v", r2, r1, err)
	}
}

func refundSameKeySameRef(t *testing.T, p app.Provider) {
	ref, _ := charge(t, p, key(t, "refund-twice"), payment.CardVisa)
	k := key(t, "refund-key")
	r1, err1 := p.Refund(ctx(t), k, ref, 1500)
	r2, err2 := p.Refund(ctx(t), k, ref, 1500)
	if err1 != nil || err2 != nil || r1 == "" || r2 != r1 {
		t.Fatalf("same refund key twice: %q %v, %q %v; want one refund", r1, err1, r2, err2)
	}
}

// doneContextFails: a call whose context is over has no answer (an error,
// not a decline), so the caller keeps the payment pending.
func doneContextFails(t *testing.T, p app.Provider) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	ref, decline, err := p.Charge(c, key(t, "done"), 1500, "EUR", payment.CardVisa)
	if err == nil || ref != "" || decline != "" {
		t.Fatalf("Charge with a done context = %q, %q, %v; want only an error", ref, decline, err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Logf("note: the error does not wrap context.Canceled: %v", err)
	}
	_, err = p.Refund(c, key(t, "done-refund"), "nothing", 100)
	if err == nil || errors.Is(err, app.ErrRefused) {
		t.Fatalf("Refund with a done context = %v; want an error that is not a refusal", err)
	}
}
