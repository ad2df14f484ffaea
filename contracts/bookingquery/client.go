package bookingquery

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/booking"
)

// Client calls booking management over NATS (actor in ctx: natsrpc.WithActor).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// User lists the actor's bookings.
func (c *Client) User(ctx context.Context, r ListRequest) (booking.Page, error) {
	return OpUser.Call(ctx, c.nc, r)
}

// Vendor lists a vendor's bookings.
func (c *Client) Vendor(ctx context.Context, r ListRequest) (booking.Page, error) {
	return OpVendor.Call(ctx, c.nc, r)
}
