package platform

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
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
	// MaxDeliver bounds redeliveries (default 20); NakWithDelay spaces them.
	MaxDeliver int
	// Workers handle events concurrently (default 1: one at a time). An
	// event goes to the worker its aggregate id hashes to, so the events of
	// one aggregate are still handled one at a time in stream order; use it
	// when a handler waits on I/O (a commit) and aggregates are independent.
	Workers int
}

// Consumer is a running consume loop.
type Consumer struct {
	cc      jetstream.ConsumeContext
	cancel  context.CancelFunc
	workers []chan delivery // nil with one worker
	quit    chan struct{}   // closed by Stop: workers finish their queue and end
	done    sync.WaitGroup
}

// Consume creates (or updates) the durable consumer and handles its
// messages until Stop: explicit ack, at-least-once, so handlers must be
// idempotent (dedupe by event id or by aggregate version).
func Consume(ctx context.Context, js jetstream.JetStream, spec ConsumerSpec) (*Consumer, error) {
	if spec.MaxDeliver == 0 {
		spec.MaxDeliver = 20
	}
	// Spacing of redeliveries after a handler error (NakWithDelay). The
	// server's BackOff is not used for that: it replaces AckWait, so its first
	// step is how long a delivered message may wait unacked — in the pull
	// buffer and a worker's queue too — before it is sent again. It was
	// 100 ms, and a consumer behind by a few hundred events had each one
	// redelivered while it waited (found by a full-scale seed, whose booking
	// copy fell an hour behind).
	backoff := []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second, 15 * time.Second}
	cfg := jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       10 * time.Second, // a crashed handler's message comes back after this
		MaxDeliver:    spec.MaxDeliver,
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
	c := &Consumer{cancel: cancel, quit: make(chan struct{})}
	// handle runs the handler on a decoded event and acks, naks or
	// terminates it.
	handle := func(d delivery) {
		m, e := d.msg, d.event
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
	}
	run := handle
	if spec.Workers > 1 {
		c.workers = make([]chan delivery, spec.Workers)
		for i := range c.workers {
			ch := make(chan delivery, 16)
			c.workers[i] = ch
			c.done.Go(func() {
				for {
					select {
					case d := <-ch:
						handle(d)
					case <-c.quit:
						for { // what was handed over is finished
							select {
							case d := <-ch:
								handle(d)
							default:
								return
							}
						}
					}
				}
			})
		}
		run = func(d delivery) {
			h := fnv.New32a()
			_, _ = h.Write([]byte(d.event.AggregateID))
			select {
			case c.workers[h.Sum32()%uint32(len(c.workers))] <- d:
			case <-c.quit: // stopping: left unacked, redelivered after AckWait
			}
		}
	}
	deliver := func(m jetstream.Msg) {
		var e contracts.Event
		if err := DecodeStrict(m.Data(), &e); err != nil {
			log.Error("poison event: undecodable", "consumer", spec.Durable, KeySubject, m.Subject(), KeyError, err)
			_ = m.Term()
			return
		}
		run(delivery{m, e})
	}
	// A small pull buffer, so that no message waits anywhere near AckWait
	// before its handler starts.
	cc, err := cons.Consume(deliver, jetstream.PullMaxMessages(max(64, 16*spec.Workers)))
	if err != nil {
		c.stopWorkers()
		cancel()
		return nil, fmt.Errorf("consume %s: %w", spec.Durable, err)
	}
	c.cc = cc
	return c, nil
}

// delivery is a message and its decoded event.
type delivery struct {
	msg   jetstream.Msg
	event contracts.Event
}

func (c *Consumer) stopWorkers() {
	close(c.quit)
	c.done.Wait()
}

// Stop stops fetching, lets the handler in progress finish and returns.
func (c *Consumer) Stop() {
	c.cc.Drain()
	select {
	case <-c.cc.Closed():
	case <-time.After(10 * time.Second):
		c.cc.Stop()
	}
	c.stopWorkers() // what was handed to the workers is finished
	c.cancel()
}
