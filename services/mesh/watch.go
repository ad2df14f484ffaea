package mesh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// Watch prints the events of a Kafka topic, one JSON line each, until ctx
// ends: the local way to see what the bridge publishes.
func Watch(ctx context.Context, topic string, fromStart bool, getenv func(string) string, stdout io.Writer) error {
	var errs []error
	cfg := kafka.FromEnv(getenv, &errs)
	if err := errors.Join(append(errs, cfg.Validate())...); err != nil {
		return err
	}
	if err := kafka.EnsureTopics(ctx, cfg, topic); err != nil {
		return err
	}
	start := kafkago.LastOffset
	if fromStart {
		start = kafkago.FirstOffset
	}
	// A group of its own, unique per run, so every partition is read.
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: cfg.Brokers, GroupID: fmt.Sprintf("watch-%d", time.Now().UnixNano()),
		GroupTopics: []string{topic}, StartOffset: start, MaxWait: 250 * time.Millisecond})
	defer r.Close()
	enc := json.NewEncoder(stdout)
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		var e contracts.Event
		_ = json.Unmarshal(m.Value, &e)
		if err := enc.Encode(map[string]any{"topic": m.Topic, "partition": m.Partition, "offset": m.Offset,
			"key": string(m.Key), "event_id": kafka.Header(m, contracts.HeaderEventID), "event_type": kafka.Header(m, contracts.HeaderEventType),
			"event": json.RawMessage(m.Value)}); err != nil {
			return err
		}
	}
}
