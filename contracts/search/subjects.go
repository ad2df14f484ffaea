// Package search is the wire contract of the search service: vendors by
// kind, tags, a point and a radius, nearest first, and (with a start time)
// only those with a free unit for the party then, from the search read
// model fed by Kafka (new_vendor and the booking topics).
package search

import (
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name.
const Service = "search"

// Group is the micro endpoint group.
const Group = "svc.search.v1"

// Operations, public (no actor needed); the endpoint serves them, the
// Client calls them.
var (
	OpQuery = natsrpc.NewOp[SearchRequest, Result](Group, "query")
)
