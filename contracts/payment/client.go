package payment

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Client calls the payment service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Charge takes a deposit (idempotent by key).
func (c *Client) Charge(ctx context.Context, r ChargeRequest) (Payment, error) {
	return natsrpc.Call[ChargeRequest, Payment](ctx, c.nc, SubjectCharge, r)
}

// Refund gives money back (idempotent by key).
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	return natsrpc.Call[RefundRequest, Refund](ctx, c.nc, SubjectRefund, r)
}

// Void makes sure a key ends up not charged.
func (c *Client) Void(ctx context.Context, r VoidRequest) (Payment, error) {
	return natsrpc.Call[VoidRequest, Payment](ctx, c.nc, SubjectVoid, r)
}

// Get reads a booking's ledger.
func (c *Client) Get(ctx context.Context, bookingID string) (Ledger, error) {
	return natsrpc.Call[GetRequest, Ledger](ctx, c.nc, SubjectGet, GetRequest{BookingID: bookingID})
}
