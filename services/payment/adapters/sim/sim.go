// Package sim is the built-in simulated payment provider (the default, so
// the whole system runs on one machine). It knows Stripe's test cards:
// payment.CardVisa and CardMastercard succeed, payment.CardDeclined declines with
// "card_declined", payment.CardTimeout never answers within the call's deadline,
// and any other payment method declines with "invalid_payment_method". Like a
// real provider it is idempotent by key: the same key answers the first
// outcome and takes money once. It counts what it really did, so tests can
// assert "charged once". Safe for concurrent use.
//
// Its memory is its process's, yet replicas in separate processes agree the
// way clients of one real provider do: a charge's reference is derived from
// its idempotency key and carries its amount (sim_ch_<hash>_<amount>), so
// any replica refunds a charge another one took, up to its amount per call;
// that refunds never add up to more than was taken is the payment service's
// own rule, kept under the payment's row lock (app.Refund).
package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/slotmesh/slotmesh/contracts/payment"
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
	if method == payment.CardTimeout {
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
	case payment.CardVisa, CardMastercard:
		c.ref = chargeRef(key, amount)
		p.byRef[c.ref] = c
		p.taken++
	case payment.CardDeclined:
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
	if !ok {
		// Taken by another replica: the reference says how much.
		if amount, known := parseChargeRef(chargeRef); known {
			c, ok = &charge{ref: chargeRef, amount: amount}, true
			p.byRef[chargeRef] = c
		}
	}
	switch {
	case !ok:
		return "", app.Refused("resource_missing")
	case amount <= 0 || c.refunded+amount > c.amount:
		return "", app.Refused("amount_too_large")
	}
	c.refunded += amount
	r := refund{ref: "sim_re_" + digest(key), chargeRef: chargeRef, amount: amount}
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

// chargeRef is the reference of the charge under key: the same in every
// replica, and it carries the amount.
func chargeRef(key string, amount int64) string {
	return "sim_ch_" + digest(key) + "_" + strconv.FormatInt(amount, 10)
}

// parseChargeRef reads the amount back from a chargeRef.
func parseChargeRef(ref string) (int64, bool) {
	rest, ok := strings.CutPrefix(ref, "sim_ch_")
	if !ok {
		return 0, false
	}
	h, amt, ok := strings.Cut(rest, "_")
	if !ok || len(h) != 24 {
		return 0, false
	}
	if _, err := hex.DecodeString(h); err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(amt, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

func digest(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:12])
}
