// Package bookings is the wire contract of booking management: the query
// service that lists a user's or a vendor's bookings, current ones from
// bookingdata_cache (falling back to the booking service) and past ones from
// the archive. It owns no data.
package bookings

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "bookings"

// Group is the micro endpoint group.
const Group = "svc.bookings.v1"

// Request subjects; the actor header names the caller.
const (
	SubjectUser   = Group + ".user"   // ListRequest -> booking.Page (the actor's own bookings)
	SubjectVendor = Group + ".vendor" // ListRequest with VendorID -> booking.Page (the vendor's managers)
)

// Scopes of a list.
const (
	// ScopeCurrent: BLOCKED and CONFIRMED bookings (until the vendor settles
	// them), soonest start first.
	ScopeCurrent = "current"
	// ScopePast: finished bookings (AVAILED, CANCELLED, NO_SHOW, EXPIRED,
	// FAILED), newest start first, from the archive: a booking appears here
	// moments after it finishes.
	ScopePast = "past"
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListRequest asks for one page. Scope defaults to current, or to past when
// Status names a final status.
type ListRequest struct {
	VendorID string     `json:"vendor_id,omitempty"` // SubjectVendor only
	Scope    string     `json:"scope,omitempty"`
	From     *time.Time `json:"from,omitempty"` // bookings ending after From
	To       *time.Time `json:"to,omitempty"`   // bookings starting before To
	Status   string     `json:"status,omitempty"`
	Cursor   string     `json:"cursor,omitempty"`
	Limit    int        `json:"limit,omitempty"`
}

// Client calls booking management over NATS (actor in ctx: natsrpc.WithActor).
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// User lists the actor's bookings.
func (c *Client) User(ctx context.Context, r ListRequest) (booking.Page, error) {
	return natsrpc.Call[ListRequest, booking.Page](ctx, c.nc, SubjectUser, r)
}

// Vendor lists a vendor's bookings.
func (c *Client) Vendor(ctx context.Context, r ListRequest) (booking.Page, error) {
	return natsrpc.Call[ListRequest, booking.Page](ctx, c.nc, SubjectVendor, r)
}
