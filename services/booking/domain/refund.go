package domain

import (
	"fmt"
	"slices"
	"strings"
)

// Charge is one charge of a booking's deposit as the payment ledger shows
// it. A deposit is one charge until the party grows: the difference is
// charged then under its own key, so a refund may have to be split.
type Charge struct {
	Key     string
	Left    int64            // taken and neither given back nor being given back
	Refunds map[string]int64 // refunds already asked of this charge: key -> amount
}

// OwedRefund is money a booking owes back besides its final refund (a
// smaller party's share of the deposit). It is recorded with the change
// that causes it and kept until payment has given it back.
type OwedRefund struct {
	Key       string // the refund's idempotency key
	BookingID string
	Amount    int64
	Reason    string
	Attempts  int
}

// RefundPart is one refund request of a split refund.
type RefundPart struct {
	Key       string // the refund's idempotency key
	ChargeKey string
	Amount    int64
}

// RefundPartKey is the key of a refund's part on one charge: the refund key
// itself on the booking's deposit charge (depositKey), the refund key
// "@" the charge key on any other (a top-up).
func RefundPartKey(key, depositKey, chargeKey string) string {
	if chargeKey == depositKey {
		return key
	}
	return key + "@" + chargeKey
}

// SplitRefund splits a refund of amount under key across the booking's
// charges (oldest first, as the ledger lists them). Parts asked before
// (found by their keys) stand as they are, so a retry after a partial
// failure asks for the same parts again; the rest is taken from the newest
// charge first (a top-up is given back before the original deposit). It is
// an error when the charges hold less than the refund, or the parts asked
// before add up to more.
func SplitRefund(key, depositKey string, amount int64, charges []Charge) ([]RefundPart, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("refund %s: amount %d is not positive", key, amount)
	}
	left := amount
	var parts []RefundPart
	asked := make(map[string]bool, len(charges))
	for _, c := range charges {
		k := RefundPartKey(key, depositKey, c.Key)
		if a, ok := c.Refunds[k]; ok {
			parts = append(parts, RefundPart{Key: k, ChargeKey: c.Key, Amount: a})
			asked[c.Key] = true
			left -= a
		}
	}
	if left < 0 {
		return nil, fmt.Errorf("refund %s: %d was asked before, more than the %d to refund", key, amount-left, amount)
	}
	for i := len(charges) - 1; i >= 0 && left > 0; i-- {
		c := charges[i]
		if asked[c.Key] || c.Left <= 0 {
			continue
		}
		take := min(c.Left, left)
		parts = append(parts, RefundPart{Key: RefundPartKey(key, depositKey, c.Key), ChargeKey: c.Key, Amount: take})
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("refund %s: the booking's charges hold %d less than the %d to refund", key, left, amount)
	}
	return parts, nil
}

// ReliedOn keeps the ledger's charges the booking relies on: its deposit
// (depositKey), the top-ups of its applied changes (topUps), and the
// top-ups of changes made before changes were recorded (keys of the form
// booking:<id>:update:<version>). A charge of a change that did not apply
// is owed back by a void of its own and is never part of a refund.
func ReliedOn(charges []Charge, depositKey string, topUps []string) []Charge {
	legacy := strings.TrimSuffix(depositKey, ":deposit") + ":update:"
	out := make([]Charge, 0, len(charges))
	for _, c := range charges {
		rest, isLegacy := strings.CutPrefix(c.Key, legacy)
		if c.Key == depositKey || slices.Contains(topUps, c.Key) || (isLegacy && rest != "" && strings.Trim(rest, "0123456789") == "") {
			out = append(out, c)
		}
	}
	return out
}
