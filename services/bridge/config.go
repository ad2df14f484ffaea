package bridge

import (
	"errors"
	"fmt"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// Config of the bridge. Of the embedded platform.Config it uses NATS_URL,
// STREAM_REPLICAS and STREAM_DEDUP_WINDOW (for a stream it has to create
// before its owner did) and CALL_TIMEOUT (the stats endpoint); it opens no
// Postgres and no Redis.
type Config struct {
	platform.Config
	Kafka kafka.Config // KAFKA_BROKERS, KAFKA_PARTITIONS, KAFKA_REPLICATION
	// Batch is BRIDGE_BATCH: messages fetched, produced and acked together
	// per route; also the consumer's MaxAckPending, so one route never has
	// more than one batch unacknowledged.
	Batch int
	// MaxWait is BRIDGE_MAX_WAIT: how long a fetch waits to fill a batch
	// (the most a quiet event waits before it is produced).
	MaxWait time.Duration
	// AckWait is BRIDGE_ACK_WAIT: JetStream redelivers a message not acked
	// (nor marked in progress) in this time. The bridge marks the messages it
	// holds in progress before every Kafka attempt.
	AckWait time.Duration
	// PinnedTTL is BRIDGE_PINNED_TTL: with several bridge replicas one is
	// pinned to each route (JetStream priority group); a replica that sends
	// no pull request for this long loses the pin to another. A replica that
	// stops cleanly gives it up at once.
	PinnedTTL time.Duration
	// MaxBackoff is BRIDGE_MAX_BACKOFF: the cap of the exponential back-off
	// between attempts at a failed Kafka write or topic creation.
	MaxBackoff time.Duration
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:     platform.BaseFromEnv(getenv, &errs),
		Kafka:      kafka.FromEnv(getenv, &errs),
		Batch:      e.Int("BRIDGE_BATCH", 500, &errs),
		MaxWait:    e.Duration("BRIDGE_MAX_WAIT", 50*time.Millisecond, &errs),
		AckWait:    e.Duration("BRIDGE_ACK_WAIT", 30*time.Second, &errs),
		PinnedTTL:  e.Duration("BRIDGE_PINNED_TTL", 30*time.Second, &errs),
		MaxBackoff: e.Duration("BRIDGE_MAX_BACKOFF", 5*time.Second, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(), c.Kafka.Validate()}
	if c.Batch < 1 || c.Batch > 10000 {
		errs = append(errs, fmt.Errorf("BRIDGE_BATCH: %d not in 1..10000", c.Batch))
	}
	if c.MaxWait < time.Millisecond || c.MaxWait > 10*time.Second {
		errs = append(errs, fmt.Errorf("BRIDGE_MAX_WAIT: %s not in 1ms..10s", c.MaxWait))
	}
	if c.MaxBackoff < 10*time.Millisecond || c.MaxBackoff > time.Minute {
		errs = append(errs, fmt.Errorf("BRIDGE_MAX_BACKOFF: %s not in 10ms..1m", c.MaxBackoff))
	}
	// One Kafka attempt is bounded by writeTimeout; the messages in hand are
	// marked in progress before each, so AckWait must outlast an attempt and
	// the back-off after it, and the pin must outlast the gap between pulls.
	if floor := writeTimeout + c.MaxBackoff + c.MaxWait; c.AckWait <= floor {
		errs = append(errs, fmt.Errorf("BRIDGE_ACK_WAIT: %s must exceed %s (Kafka write timeout + BRIDGE_MAX_BACKOFF + BRIDGE_MAX_WAIT)", c.AckWait, floor))
	}
	if floor := writeTimeout + c.MaxBackoff + c.MaxWait; c.PinnedTTL <= floor {
		errs = append(errs, fmt.Errorf("BRIDGE_PINNED_TTL: %s must exceed %s (Kafka write timeout + BRIDGE_MAX_BACKOFF + BRIDGE_MAX_WAIT)", c.PinnedTTL, floor))
	}
	return errors.Join(errs...)
}
