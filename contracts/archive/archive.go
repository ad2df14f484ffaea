// Package archive is the wire contract of the archive service: the final
// record of every finished booking (availed, cancelled, no-show, expired,
// failed), written from Kafka and read by booking management.
package archive

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "archive"

// Group is the micro endpoint group.
const Group = "svc.archive.v1"

// Request subjects (service to service; the caller has already authorized).
const (
	SubjectList = Group + ".list" // ListRequest -> Page
	SubjectGet  = Group + ".get"  // GetRequest -> booking.Booking
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListRequest pages through the finished bookings of one user (UserID) or
// one vendor (VendorID), exactly one of the two, newest start first.
type ListRequest struct {
	UserID   string     `json:"user_id,omitempty"`
	VendorID string     `json:"vendor_id,omitempty"`
	From     *time.Time `json:"from,omitempty"`   // start >= From
	To       *time.Time `json:"to,omitempty"`     // start < To
	Status   string     `json:"status,omitempty"` // one final status, or all
	Cursor   string     `json:"cursor,omitempty"` // opaque, from the previous page
	Limit    int        `json:"limit,omitempty"`  // DefaultLimit; at most MaxLimit
}

// Page is one page of archived bookings (NextCursor empty on the last).
type Page struct {
	Items      []booking.Booking `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// GetRequest reads one archived booking.
type GetRequest struct {
	ID string `json:"id"`
}

// Client calls the archive service over NATS.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// List pages through archived bookings.
func (c *Client) List(ctx context.Context, r ListRequest) (Page, error) {
	return natsrpc.Call[ListRequest, Page](ctx, c.nc, SubjectList, r)
}

// Get reads one archived booking.
func (c *Client) Get(ctx context.Context, id string) (booking.Booking, error) {
	return natsrpc.Call[GetRequest, booking.Booking](ctx, c.nc, SubjectGet, GetRequest{ID: id})
}
