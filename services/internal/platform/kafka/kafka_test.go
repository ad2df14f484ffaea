package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"defaults", nil, true},
		{"two brokers", map[string]string{"KAFKA_BROKERS": "a:9092, b:9092"}, true},
		{"no port", map[string]string{"KAFKA_BROKERS": "kafka"}, false},
		{"zero partitions", map[string]string{"KAFKA_PARTITIONS": "0"}, false},
		{"bad replication", map[string]string{"KAFKA_REPLICATION": "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []error
			c := kafka.FromEnv(func(k string) string { return tc.env[k] }, &errs)
			err := errors.Join(append(errs, c.Validate())...)
			if (err == nil) != tc.ok {
				t.Fatalf("ok=%v, err=%v", tc.ok, err)
			}
		})
	}
}

func event(i int) contracts.Event {
	return contracts.Event{ID: fmt.Sprintf("e-%05d", i), Type: "evt.test.thing.happened.v1", Source: "test",
		AggregateType: "thing", AggregateID: fmt.Sprintf("agg-%d", i%7), OccurredAt: time.Now().UTC(), SchemaVersion: 1, Data: []byte(`{}`)}
}

// The group sees every event once in per-key order, retries a failing
// handler in place (nothing after it is skipped), and moves poison to the
// dead-letter topic with the reason.
func TestConsumeRetriesInPlaceAndDeadLetters(t *testing.T) {
	t.Parallel()
	k := testenv.StartKafka(t)
	cfg := kafka.Config{Brokers: []string{k.Addr}, Partitions: 3, Replication: 1}
	ctx := context.Background()
	const topic, n = "consume_test", 300
	if err := kafka.EnsureTopics(ctx, cfg, topic); err != nil {
		t.Fatal(err)
	}
	if err := kafka.EnsureTopics(ctx, cfg, topic); err != nil { // again: exists, no error
		t.Fatal(err)
	}
	w := kafka.NewWriter(cfg)
	defer w.Close()
	var msgs []kafkago.Message
	for i := range n {
		m, err := kafka.Encode(topic, event(i))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	msgs = append(msgs, kafkago.Message{Topic: topic, Key: []byte("agg-1"), Value: []byte("not json")})
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[string]int{}
	last := map[string]string{} // aggregate -> last event id
	var outOfOrder []string
	failures := 0
	c, err := kafka.Consume(ctx, kafka.ConsumerSpec{Kafka: cfg, Group: "consume_test", Topics: []string{topic}, Members: 2,
		Handle: func(_ context.Context, e contracts.Event) error {
			mu.Lock()
			defer mu.Unlock()
			if e.ID == "e-00042" && failures < 3 { // a dependency down for a while
				failures++
				return errors.New("dependency down")
			}
			if e.ID == "e-00099" {
				return apperr.E(apperr.InvalidInput, "cannot handle e-00099")
			}
			if seen[e.ID] == 0 && last[e.AggregateID] > e.ID {
				outOfOrder = append(outOfOrder, e.ID)
			}
			seen[e.ID]++
			last[e.AggregateID] = max(last[e.AggregateID], e.ID)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	poll.Eventually(t, 30*time.Second, fmt.Sprintf("%d events handled", n-1), func() error {
		mu.Lock()
		got := len(seen)
		mu.Unlock()
		if got != n-1 {
			return fmt.Errorf("handled %d of %d events", got, n-1)
		}
		return nil
	})
	mu.Lock()
	if failures != 3 || seen["e-00042"] != 1 || seen["e-00099"] != 0 || len(outOfOrder) > 0 {
		t.Fatalf("failures=%d e42=%d e99=%d out of order %v", failures, seen["e-00042"], seen["e-00099"], outOfOrder)
	}
	mu.Unlock()

	// The dead-letter topic holds e-00099 and the undecodable message, each with a reason.
	r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{k.Addr}, Topic: contracts.DeadLetterTopic("consume_test"), Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	dead := map[string]string{}
	for len(dead) < 2 {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("dead letters so far %v: %v", dead, err)
		}
		dead[kafka.Header(m, contracts.HeaderEventID)+string(m.Value[:min(8, len(m.Value))])] = kafka.Header(m, contracts.HeaderDeadReason)
	}
	for k, reason := range dead {
		if reason == "" {
			t.Fatalf("dead letter %q has no reason", k)
		}
	}
}
