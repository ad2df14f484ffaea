package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Handler handles one event. nil: done, the offset is committed. An
// *apperr.Error with code InvalidInput: the event can never be handled; it is
// moved to the group's dead-letter topic with the reason, and committed. Any
// other error: retried with back-off, in place, until it succeeds or the
// consumer stops (later offsets of the partition wait; nothing is skipped).
// Delivery is at least once, so handlers must be idempotent by event id.
type Handler func(ctx context.Context, e contracts.Event) error

// ConsumerSpec is one consumer group's loop in this process.
type ConsumerSpec struct {
	Kafka   Config
	Group   string   // contracts.Group*
	Topics  []string // created if missing
	Handle  Handler
	Log     *slog.Logger
	Members int // group members in this process (parallel partitions); default 1
	// CommitInterval batches offset commits (default 100ms; a crash then
	// redelivers at most that much, which idempotent handlers absorb).
	CommitInterval time.Duration
}

// Consumer is a running consumer group loop.
type Consumer struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	readers []*kafkago.Reader
	dead    *kafkago.Writer
}

// Consume creates the topics (and the dead-letter topic) if missing, joins
// the group and handles messages until Stop. A new group starts at the
// oldest message, so it sees everything the topics still hold.
func Consume(ctx context.Context, spec ConsumerSpec) (*Consumer, error) {
	if spec.Members < 1 {
		spec.Members = 1
	}
	if spec.CommitInterval == 0 {
		spec.CommitInterval = 100 * time.Millisecond
	}
	if spec.Log == nil {
		spec.Log = platform.Discard()
	}
	if spec.Group == "" || len(spec.Topics) == 0 || spec.Handle == nil {
		return nil, errors.New("kafka: a consumer needs a group, topics and a handler")
	}
	dlq := contracts.DeadLetterTopic(spec.Group)
	if err := EnsureTopics(ctx, spec.Kafka, append([]string{dlq}, spec.Topics...)...); err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	c := &Consumer{cancel: cancel, dead: NewWriter(spec.Kafka)}
	c.dead.MaxAttempts = 10
	for i := 0; i < spec.Members; i++ {
		r := kafkago.NewReader(kafkago.ReaderConfig{
			Brokers:        spec.Kafka.Brokers,
			GroupID:        spec.Group,
			GroupTopics:    spec.Topics,
			MinBytes:       1,
			MaxBytes:       10 << 20,
			MaxWait:        250 * time.Millisecond,
			StartOffset:    kafkago.FirstOffset,
			CommitInterval: spec.CommitInterval,
			// A member that stops without leaving (a crash) is replaced
			// after this long; one that stops cleanly leaves at once.
			SessionTimeout:   10 * time.Second,
			RebalanceTimeout: 10 * time.Second,
			ReadBackoffMin:   50 * time.Millisecond,
			ReadBackoffMax:   time.Second,
			ErrorLogger: kafkago.LoggerFunc(func(msg string, args ...any) {
				spec.Log.Debug("kafka reader: "+fmt.Sprintf(msg, args...), "group", spec.Group)
			}),
		})
		c.readers = append(c.readers, r)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.loop(lctx, r, spec, dlq)
		}()
	}
	return c, nil
}

// Back-offs of the consumer loop, each wait drawn over [d/2, d) so members
// retrying one outage do not come back in step.
var (
	// retry: between failed runs of a handler and failed dead-letter
	// writes, 100 ms doubling to 5 s.
	retry = backoff.Exp{Min: 100 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.5}
	// fetchRetry: between failed fetches in a row, 1 s doubling to 10 s.
	fetchRetry = backoff.Exp{Min: time.Second, Max: 10 * time.Second, Jitter: 0.5}
)

func (c *Consumer) loop(ctx context.Context, r *kafkago.Reader, spec ConsumerSpec, dlq string) {
	log := spec.Log.With("group", spec.Group)
	for fails := 0; ; {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fails++
			log.Warn("kafka fetch failed; retrying", platform.KeyError, err)
			if !clock.Sleep(ctx, fetchRetry.Next(fails)) {
				return
			}
			continue
		}
		fails = 0
		if !c.handle(ctx, m, spec, dlq, log) {
			return // stopping: not committed, the next member gets it again
		}
		// Handled: commit even if Stop came meanwhile (queued, flushed on Close).
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := r.CommitMessages(cctx, m); err != nil {
			log.Warn("kafka commit failed (the message may come again)", platform.KeyError, err)
		}
		cancel()
	}
}

// handle runs the handler until it succeeds or gives up for good; false when
// the consumer is stopping first.
func (c *Consumer) handle(ctx context.Context, m kafkago.Message, spec ConsumerSpec, dlq string, log *slog.Logger) bool {
	from := m.Topic + "/" + strconv.Itoa(m.Partition) + "/" + strconv.FormatInt(m.Offset, 10)
	e, err := Decode(m)
	for attempt := 1; ; attempt++ {
		if err == nil {
			err = spec.Handle(ctx, e)
		}
		switch {
		case err == nil:
			return true
		case ctx.Err() != nil:
			return false
		case apperr.Is(err, apperr.InvalidInput):
			return c.deadLetter(ctx, m, dlq, from, err, log)
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Warn("event handler failed; retrying", "from", from, platform.KeyEventID, e.ID, "attempt", attempt, platform.KeyError, err)
		}
		if !clock.Sleep(ctx, retry.Next(attempt)) {
			return false
		}
		err = nil
	}
}

func (c *Consumer) deadLetter(ctx context.Context, m kafkago.Message, dlq, from string, reason error, log *slog.Logger) bool {
	log.Error("poison event moved to the dead-letter topic", "from", from, "topic", dlq, platform.KeyError, reason)
	d := kafkago.Message{Topic: dlq, Key: m.Key, Value: m.Value, Headers: append(append([]kafkago.Header(nil), m.Headers...),
		kafkago.Header{Key: contracts.HeaderDeadReason, Value: []byte(reason.Error())},
		kafkago.Header{Key: contracts.HeaderDeadFrom, Value: []byte(from)})}
	for attempt := 1; ; attempt++ {
		err := c.dead.WriteMessages(ctx, d)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		log.Warn("dead-letter write failed; retrying", platform.KeyError, err)
		if !clock.Sleep(ctx, retry.Next(attempt)) {
			return false
		}
	}
}

// Stop leaves the group (partitions move to the other members at once),
// after the message in hand is handled or abandoned; pending commits flush.
func (c *Consumer) Stop() error {
	c.cancel()
	c.wg.Wait()
	var errs []error
	for _, r := range c.readers {
		errs = append(errs, r.Close())
	}
	errs = append(errs, c.dead.Close())
	return errors.Join(errs...)
}
