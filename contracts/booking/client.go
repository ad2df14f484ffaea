package booking

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Client calls the booking service over NATS. Mutating calls need the actor
// and an idempotency key in ctx (natsrpc.WithActor, natsrpc.WithIdempotencyKey).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// Availability lists a day's free slots.
func (c *Client) Availability(ctx context.Context, r AvailabilityRequest) (Availability, error) {
	return natsrpc.Call[AvailabilityRequest, Availability](ctx, c.nc, SubjectAvailability, r)
}

// Create books.
func (c *Client) Create(ctx context.Context, r CreateRequest) (Booking, error) {
	return natsrpc.Call[CreateRequest, Booking](ctx, c.nc, SubjectCreate, r)
}

// Get reads a booking.
func (c *Client) Get(ctx context.Context, id string) (Booking, error) {
	return natsrpc.Call[GetRequest, Booking](ctx, c.nc, SubjectGet, GetRequest{ID: id})
}

// Update moves a booking.
func (c *Client) Update(ctx context.Context, r UpdateRequest) (Booking, error) {
	return natsrpc.Call[UpdateRequest, Booking](ctx, c.nc, SubjectUpdate, r)
}

// Cancel cancels a booking.
func (c *Client) Cancel(ctx context.Context, id string) (Booking, error) {
	return natsrpc.Call[TransitionRequest, Booking](ctx, c.nc, SubjectCancel, TransitionRequest{ID: id})
}

// Avail marks a booking availed (bill settled).
func (c *Client) Avail(ctx context.Context, id string) (Booking, error) {
	return natsrpc.Call[TransitionRequest, Booking](ctx, c.nc, SubjectAvail, TransitionRequest{ID: id})
}

// NoShow marks a booking a no-show.
func (c *Client) NoShow(ctx context.Context, id string) (Booking, error) {
	return natsrpc.Call[TransitionRequest, Booking](ctx, c.nc, SubjectNoShow, TransitionRequest{ID: id})
}

// List pages through bookings.
func (c *Client) List(ctx context.Context, r ListRequest) (Page, error) {
	return natsrpc.Call[ListRequest, Page](ctx, c.nc, SubjectList, r)
}

// Scan pages through every current booking (service to service).
func (c *Client) Scan(ctx context.Context, r ScanRequest) (ScanPage, error) {
	return natsrpc.Call[ScanRequest, ScanPage](ctx, c.nc, SubjectScan, r)
}
