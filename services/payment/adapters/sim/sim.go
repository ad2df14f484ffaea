// Package sim is the built-in simulated payment provider (the default, so
// the whole system runs on one machine). It knows Stripe's test cards:
// wire.CardVisa and CardMastercard succeed, wire.CardDeclined declines with
// "card_declined", wire.CardTimeout never answers within the call's deadline,
// and any other payment method declines with "invalid_payment_method". Like a
// real provider it is idempotent by key: the same key answers the first
// outcome and takes money once. It counts what it really did, so tests can
// assert "charged once". Its memory is its process's: replicas in separate
// processes do not share it (use a real provider there). Safe for
// concurrent use.
package sim

import (
	"context"
	"fmt"
	"sync"

	wire "github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/app"
)

// CardMastercard succeeds too.
const CardMastercard = "pm_card_mastercard"

// Decline codes.
const (
	DeclineCard   = "card_declined"
	DeclineMethod = "invalid_payment_method"
)

type charge struct {
	ref, decline     string
	amount           int64
	currency, method string
	refunded         int64
}

type refund struct {
	ref, chargeRef string
	amount         int64
}

// Provider is the simulated provider.
type Provider struct {
	mu      sync.Mutex
	seq     int64
	charges map[string]*charge // by idempotency key
	byRef   map[string]*charge
	refunds map[string]refund // by idempotency key
	calls   map[string]int    // Charge calls by key, replays and timeouts included
	taken   int               // charges that took money
}

var _ app.Provider = (*Provider)(nil)

// New returns an empty simulated provider.
func New() *Provider {
	return &Provider{charges: map[string]*charge{}, byRef: map[string]*charge{}, refunds: map[string]refund{}, calls: map[string]int{}}
}

// Charge takes amount with a test card, once per key.
func (p *Provider) Charge(ctx context.Context, key string, amount int64, currency, method string) (string, string, error) {
	p.mu.Lock()
	p.calls[key]++
	p.mu.Unlock()
	if method == wire.CardTimeout {
		<-ctx.Done()
		return "", "", ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.charges[key]; ok {
		if c.amount != amount || c.currency != currency || c.method != method {
			return "", "", fmt.Errorf("sim: idempotency key %q reused with different parameters", key)
		}
		return c.ref, c.decline, nil
	}
	c := &charge{amount: amount, currency: currency, method: method}
	switch method {
	case wire.CardVisa, CardMastercard:
		p.seq++
		c.ref = fmt.Sprintf("sim_ch_%d", p.seq)
		p.byRef[c.ref] = c
		p.taken++
	case wire.CardDeclined:
		c.decline = DeclineCard
	default:
		c.decline = DeclineMethod
	}
	p.charges[key] = c
	return c.ref, c.decline, nil
}

// Refund gives back amount of chargeRef, once per key. Refunding more than
// is left, or an unknown charge, is refused.
func (p *Provider) Refund(ctx context.Context, key, chargeRef string, amount int64) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.refunds[key]; ok {
		if r.chargeRef != chargeRef || r.amount != amount {
			return "", fmt.Errorf("sim: idempotency key %q reused with different parameters", key)
		}
		return r.ref, nil
	}
	c, ok := p.byRef[chargeRef]
	switch {
	case !ok:
		return "", app.Refused("resource_missing")
	case amount <= 0 || c.refunded+amount > c.amount:
		return "", app.Refused("amount_too_large")
	}
	c.refunded += amount
	p.seq++
	r := refund{ref: fmt.Sprintf("sim_re_%d", p.seq), chargeRef: chargeRef, amount: amount}
	p.refunds[key] = r
	return r.ref, nil
}

// Charges is how many charges took money (replays not counted).
func (p *Provider) Charges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.taken
}

// Calls is how many times Charge was called with key (replays and timeouts
// included).
func (p *Provider) Calls(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[key]
}

// Kept is the money the charge under key holds: taken less refunded (0 if
// it took none).
func (p *Provider) Kept(key string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.charges[key]
	if !ok || c.ref == "" {
		return 0
	}
	return c.amount - c.refunded
}

// Taken reports whether the charge under key took money.
func (p *Provider) Taken(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.charges[key]
	return ok && c.ref != ""
}
