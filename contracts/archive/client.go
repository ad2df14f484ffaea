package archive

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/booking"
)

// Client calls the archive service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// List pages through archived bookings.
func (c *Client) List(ctx context.Context, r ListRequest) (Page, error) {
	return OpList.Call(ctx, c.nc, r)
}

// Get reads one archived booking.
func (c *Client) Get(ctx context.Context, id string) (booking.Booking, error) {
	return OpGet.Call(ctx, c.nc, GetRequest{ID: id})
}
