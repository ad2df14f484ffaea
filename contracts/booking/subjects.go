// Package booking is the wire contract of the booking service: availability,
// holds, bookings and their transitions, events for every one.
package booking

import (
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "booking"

// Group is the micro endpoint group.
const Group = "svc.booking.v1"

// Operations: the endpoints serve them, the Client calls them.
var (
	OpAvailability = natsrpc.NewOp[AvailabilityRequest, Availability](Group, "availability") // public
	OpCreate       = natsrpc.NewOp[CreateRequest, Booking](Group, "create")                  // actor; Idempotency-Key header
	OpGet          = natsrpc.NewOp[GetRequest, Booking](Group, "get")                        // its user or a manager
	OpUpdate       = natsrpc.NewOp[UpdateRequest, Booking](Group, "update")                  // its user
	OpCancel       = natsrpc.NewOp[TransitionRequest, Booking](Group, "cancel")              // its user or a manager
	OpAvail        = natsrpc.NewOp[TransitionRequest, Booking](Group, "avail")               // managers
	OpNoShow       = natsrpc.NewOp[TransitionRequest, Booking](Group, "noshow")              // managers, after start + grace
	OpList         = natsrpc.NewOp[ListRequest, Page](Group, "list")                         // a user's or a vendor's bookings
	OpScan         = natsrpc.NewOp[ScanRequest, ScanPage](Group, "scan")                     // service to service: search's reindex
)

// Event subjects, on stream contracts.StreamBooking; data: Changed.
const (
	EventBlocked   = "evt.booking.booking.blocked.v1"
	EventConfirmed = "evt.booking.booking.confirmed.v1"
	EventUpdated   = "evt.booking.booking.updated.v1"
	EventCancelled = "evt.booking.booking.cancelled.v1"
	EventAvailed   = "evt.booking.booking.availed.v1"
	EventNoShow    = "evt.booking.booking.no_show.v1"
	EventExpired   = "evt.booking.booking.expired.v1"
	EventFailed    = "evt.booking.booking.failed.v1"
)
