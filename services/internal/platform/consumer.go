package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// EventHandler handles one event. Returning nil acks it; an error naks it
// for redelivery with back-off, except an *apperr.Error of code InvalidInput
// (a poison event), which is terminated and logged.
type EventHandler func(ctx context.Context, e contracts.Event) error

// ConsumerSpec is a durable JetStream consumer: <consumer>_<purpose>.
type ConsumerSpec struct {
	Stream  contracts.Stream
	Durable string   // e.g. booking_vendor_facts
	Filters []string // subjects; empty means the whole stream
	Handle  EventHandler
	Log     *slog.Logger
	// MaxDeliver bounds redeliveries (default 20); BackOff spaces them.
	MaxDeliver int
}

// Consumer is a running consume loop.
type Consumer struct {
	cc     jetstream.ConsumeContext
	cancel context.CancelFunc
}

// Consume creates (or updates) the durable consumer and handles its
// messages until Stop: explicit ack, at-least-once, so handlers must be
// idempotent (dedupe by event id or by aggregate version).
func Consume(ctx context.Context, js jetstream.JetStream, spec ConsumerSpec) (*Consumer, error) {
	if spec.MaxDeliver == 0 {
		spec.MaxDeliver = 20
	}
	// Spacing of redeliveries: after AckWait runs out (BackOff) and after a
	// handler error (NakWithDelay).
	backoff := []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second, 15 * time.Second}
	cfg := jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    spec.MaxDeliver,
		BackOff:       backoff,
		MaxAckPending: 1000,
	}
	switch len(spec.Filters) {
	case 0:
	case 1:
		cfg.FilterSubject = spec.Filters[0]
	default:
		cfg.FilterSubjects = spec.Filters
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, spec.Stream.Name, cfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", spec.Durable, spec.Stream.Name, err)
	}
	log := spec.Log
	if log == nil {
		log = Discard()
	}
	hctx, cancel := context.WithCancel(context.Background())
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var e contracts.Event
		if err := DecodeStrict(m.Data(), &e); err != nil {
			log.Error("poison event: undecodable", "consumer", spec.Durable, KeySubject, m.Subject(), KeyError, err)
			_ = m.Term()
			return
		}
		err := spec.Handle(hctx, e)
		switch {
		case err == nil:
			_ = m.Ack()
		case apperr.Is(err, apperr.InvalidInput):
			log.Error("poison event: rejected", "consumer", spec.Durable, KeyEventID, e.ID, KeyError, err)
			_ = m.Term()
		default:
			meta, _ := m.Metadata()
			attempt := uint64(1)
			if meta != nil {
				attempt = meta.NumDelivered
			}
			log.Warn("event handling failed; will retry", "consumer", spec.Durable, KeyEventID, e.ID, "attempt", attempt, KeyError, err)
			if errors.Is(err, context.Canceled) {
				return // stopping: let AckWait redeliver it
			}
			_ = m.NakWithDelay(backoff[min(int(attempt), len(backoff))-1])
		}
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("consume %s: %w", spec.Durable, err)
	}
	return &Consumer{cc: cc, cancel: cancel}, nil
}

// Stop stops fetching, lets the handler in progress finish and returns.
func (c *Consumer) Stop() {
	c.cc.Drain()
	select {
	case <-c.cc.Closed():
	case <-time.After(10 * time.Second):
		c.cc.Stop()
	}
	c.cancel()
}
