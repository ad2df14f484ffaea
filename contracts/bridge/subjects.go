// Package bridge is the table of which JetStream events the bridge mirrors
// onto which Kafka topic. Consumers of a topic read this to know what arrives.
package bridge

import (
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Service is the micro service name of the bridge.
const Service = "bridge"

// Group is the bridge's micro endpoint group.
const Group = "svc.bridge.v1"

// OpStats answers StatsRequest with Stats: what each route has bridged.
var OpStats = natsrpc.NewOp[StatsRequest, Stats](Group, "stats")
