package payment

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the payment service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Charge takes a deposit (idempotent by key).
func (c *Client) Charge(ctx context.Context, r ChargeRequest) (Payment, error) {
	return OpCharge.Call(ctx, c.nc, r)
}

// Refund gives money back (idempotent by key).
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	return OpRefund.Call(ctx, c.nc, r)
}

// Void makes sure a key ends up not charged.
func (c *Client) Void(ctx context.Context, r VoidRequest) (Payment, error) {
	return OpVoid.Call(ctx, c.nc, r)
}

// Get reads a booking's ledger.
func (c *Client) Get(ctx context.Context, bookingID string) (Ledger, error) {
	return OpGet.Call(ctx, c.nc, GetRequest{BookingID: bookingID})
}
