package booking

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the booking service over NATS. Mutating calls need the actor
// and an idempotency key in ctx (natsrpc.WithActor, natsrpc.WithIdempotencyKey).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Availability lists a day's free slots.
func (c *Client) Availability(ctx context.Context, r AvailabilityRequest) (Availability, error) {
	return OpAvailability.Call(ctx, c.nc, r)
}

// Create books.
func (c *Client) Create(ctx context.Context, r CreateRequest) (Booking, error) {
	return OpCreate.Call(ctx, c.nc, r)
}

// Get reads a booking.
func (c *Client) Get(ctx context.Context, id string) (Booking, error) {
	return OpGet.Call(ctx, c.nc, GetRequest{ID: id})
}

// Update moves a booking.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (Booking, error) {
	return OpUpdate.Call(ctx, c.nc, r)
}

// Cancel cancels a booking.
func (c *Client) Cancel(ctx context.Context, id string) (Booking, error) {
	return OpCancel.Call(ctx, c.nc, TransitionRequest{ID: id})
}

// Avail marks a booking availed (bill settled).
func (c *Client) Avail(ctx context.Context, id string) (Booking, error) {
	return OpAvail.Call(ctx, c.nc, TransitionRequest{ID: id})
}

// NoShow marks a booking a no-show.
func (c *Client) NoShow(ctx context.Context, id string) (Booking, error) {
	return OpNoShow.Call(ctx, c.nc, TransitionRequest{ID: id})
}

// List pages through bookings.
func (c *Client) List(ctx context.Context, r ListRequest) (Page, error) {
	return OpList.Call(ctx, c.nc, r)
}

// Scan pages through every current booking (service to service).
func (c *Client) Scan(ctx context.Context, r ScanRequest) (ScanPage, error) {
	return OpScan.Call(ctx, c.nc, r)
}
