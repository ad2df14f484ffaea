// Package events is the notification service's Kafka port: the consumer
// group on the booking topics, whose handler only records deliveries.
package events

import (
	"context"
	"log/slog"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/notification/app"
)

// Topics notification consumes.
var Topics = []string{contracts.TopicNewBooking, contracts.TopicBookingCancelled, contracts.TopicBookingAvailed}

// Consume joins the notification consumer group; every event goes to
// a.Enqueue (idempotent by event id).
func Consume(ctx context.Context, a *app.App, cfg kafka.Config, members int, log *slog.Logger) (*kafka.Consumer, error) {
	return kafka.Consume(ctx, kafka.ConsumerSpec{
		Kafka:   cfg,
		Group:   contracts.GroupNotification,
		Topics:  Topics,
		Handle:  a.Enqueue,
		Log:     log,
		Members: members,
	})
}
