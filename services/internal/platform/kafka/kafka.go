// Package kafka is slotmesh's use of Kafka through segmentio/kafka-go: the
// configuration every Kafka user reads, topic creation, the producer the
// bridge writes with, the event <-> message encoding, and the consumer-group
// loop (FetchMessage, handle, CommitMessages; poison to a dead-letter topic)
// that notification, archive and search run.
package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// DefaultBrokers is the bootstrap address `slotmesh dev` gives its in-process
// broker.
const DefaultBrokers = "127.0.0.1:9092"

// Config is how a service reaches Kafka.
type Config struct {
	Brokers     []string // KAFKA_BROKERS: comma-separated host:port
	Partitions  int      // KAFKA_PARTITIONS: for topics created on start
	Replication int      // KAFKA_REPLICATION: for topics created on start (3 in production)
}

// FromEnv reads the Kafka settings; parse problems go to errs.
func FromEnv(getenv func(string) string, errs *[]error) Config {
	e := platform.Env(getenv)
	c := Config{
		Partitions:  e.Int("KAFKA_PARTITIONS", 6, errs),
		Replication: e.Int("KAFKA_REPLICATION", 1, errs),
	}
	for _, b := range strings.Split(e.Str("KAFKA_BROKERS", DefaultBrokers), ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.Brokers = append(c.Brokers, b)
		}
	}
	return c
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("KAFKA_BROKERS: at least one host:port is needed"))
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("KAFKA_BROKERS: %q is not host:port", b))
		}
	}
	if c.Partitions < 1 || c.Partitions > 10000 {
		errs = append(errs, fmt.Errorf("KAFKA_PARTITIONS: %d not in 1..10000", c.Partitions))
	}
	if c.Replication < 1 || c.Replication > 16 {
		errs = append(errs, fmt.Errorf("KAFKA_REPLICATION: %d not in 1..16", c.Replication))
	}
	return errors.Join(errs...)
}

// EnsureTopics creates the topics that do not exist yet with the configured
// partitions and replication; existing topics are left as they are.
func EnsureTopics(ctx context.Context, c Config, topics ...string) error {
	client := &kafkago.Client{Addr: kafkago.TCP(c.Brokers...), Timeout: 10 * time.Second}
	req := &kafkago.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafkago.TopicConfig{Topic: t, NumPartitions: c.Partitions, ReplicationFactor: c.Replication})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("kafka: create topics: %w", err)
	}
	var errs []error
	for t, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafkago.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("kafka: create topic %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

// NewWriter is a producer that waits for every in-sync replica (acks=all),
// partitions by key the way Java clients do (murmur2), and sends as soon as a
// batch is ready rather than waiting a second as kafka-go does by default.
// Topic is per message.
func NewWriter(c Config) *kafkago.Writer {
	return &kafkago.Writer{
		Addr:         kafkago.TCP(c.Brokers...),
		Balancer:     &kafkago.Murmur2Balancer{},
		RequiredAcks: kafkago.RequireAll,
		BatchSize:    500,
		BatchTimeout: 2 * time.Millisecond,
		MaxAttempts:  3,
		WriteTimeout: 10 * time.Second,
		ReadTimeout:  10 * time.Second,
	}
}

// Encode is the Kafka message of an event: key = aggregate id, value = the
// JSON envelope, event id and type (and request id) as headers.
func Encode(topic string, e contracts.Event) (kafkago.Message, error) {
	v, err := json.Marshal(e)
	if err != nil {
		return kafkago.Message{}, err
	}
	return Message(topic, e, v), nil
}

// Message is Encode with the envelope already serialized (the bridge
// forwards JetStream's bytes as they are).
func Message(topic string, e contracts.Event, value []byte) kafkago.Message {
	h := []kafkago.Header{
		{Key: contracts.HeaderEventID, Value: []byte(e.ID)},
		{Key: contracts.HeaderEventType, Value: []byte(e.Type)},
	}
	if e.RequestID != "" {
		h = append(h, kafkago.Header{Key: contracts.HeaderRequestID, Value: []byte(e.RequestID)})
	}
	return kafkago.Message{Topic: topic, Key: []byte(e.AggregateID), Value: value, Headers: h}
}

// Decode reads the event envelope of a message. An envelope without id or
// type is invalid input (a poison message).
func Decode(m kafkago.Message) (contracts.Event, error) {
	var e contracts.Event
	if err := json.Unmarshal(m.Value, &e); err != nil {
		return e, apperr.E(apperr.InvalidInput, "undecodable event: %v", err)
	}
	if e.ID == "" || e.Type == "" {
		return e, apperr.E(apperr.InvalidInput, "event without id or type")
	}
	return e, nil
}

// Header is the value of a message header ("" if absent).
func Header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
