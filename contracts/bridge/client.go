package bridge

import (
	"context"

	"github.com/nats-io/nats.go"
)

// GetStats asks a bridge for its counters.
func GetStats(ctx context.Context, nc *nats.Conn) (Stats, error) {
	return OpStats.Call(ctx, nc, StatsRequest{})
}
