// Package payment reaches the payment service over NATS (contracts/payment).
package payment

import (
	"context"

	"github.com/nats-io/nats.go"
	wire "github.com/slotmesh/slotmesh/contracts/payment"
)

// Client implements app.Payments.
type Client struct{ c *wire.Client }

// New returns a client on nc.
func New(nc *nats.Conn) *Client { return &Client{c: wire.NewClient(nc)} }

// Charge takes a deposit; a decline is a status.
func (c *Client) Charge(ctx context.Context, key, bookingID, userID string, amount int64, currency, method string) (string, string, error) {
	p, err := c.c.Charge(ctx, wire.ChargeRequest{Key: key, BookingID: bookingID, UserID: userID, Amount: amount, Currency: currency, PaymentMethod: method})
	return p.Status, p.DeclineCode, err
}

// Refund gives money back; the status says whether it went.
func (c *Client) Refund(ctx context.Context, key, chargeKey string, amount int64, reason string) (string, error) {
	r, err := c.c.Refund(ctx, wire.RefundRequest{Key: key, ChargeKey: chargeKey, Amount: amount, Reason: reason})
	return r.Status, err
}

// Void makes sure key ends up not charged.
func (c *Client) Void(ctx context.Context, key, bookingID, reason string) (string, error) {
	p, err := c.c.Void(ctx, wire.VoidRequest{Key: key, BookingID: bookingID, Reason: reason})
	return p.Status, err
}
