// Package archive is the wire contract of the archive service: the final
// record of every finished booking (availed, cancelled, no-show, expired,
// failed), written from Kafka and read by booking management.
package archive

import (
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "archive"

// Group is the micro endpoint group.
const Group = "svc.archive.v1"

// Operations, service to service (the caller has already authorized); the
// endpoints serve them, the Client calls them.
var (
	OpList = natsrpc.NewOp[ListRequest, Page](Group, "list")
	OpGet  = natsrpc.NewOp[GetRequest, booking.Booking](Group, "get")
)
