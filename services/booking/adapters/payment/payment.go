// Package payment reaches the payment service over NATS (contracts/payment).
package payment

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Client implements app.Payments.
type Client struct{ c *payment.Client }

// New returns a client on nc.
func New(nc *nats.Conn) *Client { return &Client{c: payment.NewClient(nc)} }

// Charge takes a deposit; a decline is a status.
func (c *Client) Charge(ctx context.Context, key, bookingID, userID string, amount int64, currency, method string) (string, string, error) {
	p, err := c.c.Charge(ctx, payment.ChargeRequest{Key: key, BookingID: bookingID, UserID: userID, Amount: amount, Currency: currency, PaymentMethod: method})
	return p.Status, p.DeclineCode, err
}

// Refund gives money back; the status says whether it went.
func (c *Client) Refund(ctx context.Context, key, chargeKey string, amount int64, reason string) (string, error) {
	r, err := c.c.Refund(ctx, payment.RefundRequest{Key: key, ChargeKey: chargeKey, Amount: amount, Reason: reason})
	return r.Status, err
}

// Void makes sure key ends up not charged.
func (c *Client) Void(ctx context.Context, key, bookingID, reason string) (string, error) {
	p, err := c.c.Void(ctx, payment.VoidRequest{Key: key, BookingID: bookingID, Reason: reason})
	return p.Status, err
}

// Charges reads the booking's ledger: every taken charge (oldest first) with
// what is left of it — taken less given back less being given back — and
// the refunds asked of it (any status: a key asked once stays asked).
func (c *Client) Charges(ctx context.Context, bookingID string) ([]domain.Charge, error) {
	l, err := c.c.Get(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(l.Payments))
	var out []domain.Charge
	for _, p := range l.Payments {
		if p.Status != payment.StatusSucceeded && p.Status != payment.StatusRefunded {
			continue
		}
		left := p.Amount - p.Refunded
		if p.Status != payment.StatusSucceeded {
			left = 0
		}
		byID[p.ID] = len(out)
		out = append(out, domain.Charge{Key: p.Key, Left: left, Refunds: map[string]int64{}})
	}
	for _, r := range l.Refunds {
		i, ok := byID[r.PaymentID]
		if !ok {
			continue
		}
		out[i].Refunds[r.Key] = r.Amount
		if r.Status == payment.StatusPending { // refunds share the payment statuses' "pending"
			out[i].Left -= r.Amount
		}
	}
	return out, nil
}
