// Package bookingquery is the wire contract of booking management, the
// bookings query service (named "bookings" before ADR 0022): it lists a
// user's or a vendor's bookings, current ones from bookingdata_cache
// (falling back to the booking service) and past ones from the archive. It
// owns no data.
package bookingquery

import (
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "bookingquery"

// Group is the micro endpoint group.
const Group = "svc.bookingquery.v1"

// Operations (the actor header names the caller): the endpoints serve them,
// the Client calls them.
var (
	OpUser   = natsrpc.NewOp[ListRequest, booking.Page](Group, "user")   // the actor's own bookings
	OpVendor = natsrpc.NewOp[ListRequest, booking.Page](Group, "vendor") // with VendorID: the vendor's managers
)
