// Package events is the search service's inbound event port: the Kafka
// consumer group contracts.GroupSearch on the topics that carry vendor and
// booking changes, each event handed to app.Apply.
package events

import (
	"context"
	"log/slog"
	"slices"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// Events are the event types search applies.
var Events = []string{
	vendors.EventVendorCreated, vendors.EventVendorUpdated, vendors.EventUnitsChanged,
	booking.EventBlocked, booking.EventConfirmed, booking.EventUpdated, booking.EventCancelled,
	booking.EventAvailed, booking.EventNoShow, booking.EventExpired, booking.EventFailed,
}

// Topics are the Kafka topics the bridge puts Events on (new_vendor and
// every booking topic), sorted.
func Topics() []string {
	var out []string
	for _, ev := range Events {
		if t := bridge.TopicOf(ev); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Consume joins the consumer group with members members in this process.
func Consume(ctx context.Context, k kafka.Config, a *app.App, members int, log *slog.Logger) (*kafka.Consumer, error) {
	return kafka.Consume(ctx, kafka.ConsumerSpec{
		Kafka:   k,
		Group:   contracts.GroupSearch,
		Topics:  Topics(),
		Handle:  a.Apply,
		Log:     log,
		Members: members,
	})
}
