package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// TestConsumeWorkersKeepOrderPerAggregate: with Workers > 1 the events of
// different aggregates are handled at the same time, while each aggregate's
// events are still handled one at a time, in stream order, each once; Stop
// finishes what was handed to the workers.
func TestConsumeWorkersKeepOrderPerAggregate(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	js, err := jetstream.New(n.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	stream := contracts.Stream{Name: "ORDER_TEST", Subjects: []string{"evt.ordertest.>"}}
	if err := platform.EnsureStream(ctx, js, stream, platform.Config{Replicas: 1, DedupWindow: time.Minute}); err != nil {
		t.Fatal(err)
	}
	const aggregates, perAggregate = 24, 60
	for i := range perAggregate {
		for a := range aggregates {
			raw, _ := json.Marshal(contracts.Event{ID: fmt.Sprintf("e-%d-%d", a, i), Type: "evt.ordertest.x.v1",
				AggregateID: fmt.Sprintf("agg-%d", a), OccurredAt: time.Now(), SchemaVersion: 1, Data: json.RawMessage(fmt.Sprint(i))})
			if _, err := js.Publish(ctx, "evt.ordertest.x.v1", raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	var (
		mu        sync.Mutex
		next      = map[string]int{} // the sequence each aggregate expects
		busy      = map[string]bool{}
		handled   atomic.Int64
		inFlight  atomic.Int64
		maxFlight atomic.Int64
		bad       []string
	)
	c, err := platform.Consume(ctx, js, platform.ConsumerSpec{
		Stream: stream, Durable: "ordertest_workers", Workers: 4,
		Handle: func(_ context.Context, e contracts.Event) error {
			var seq int
			_ = e.Decode(&seq)
			mu.Lock()
			if busy[e.AggregateID] {
				bad = append(bad, e.AggregateID+": two events at once")
			}
			if seq != next[e.AggregateID] {
				bad = append(bad, fmt.Sprintf("%s: event %d, want %d", e.AggregateID, seq, next[e.AggregateID]))
			}
			busy[e.AggregateID], next[e.AggregateID] = true, seq+1
			mu.Unlock()
			f := inFlight.Add(1)
			for m := maxFlight.Load(); f > m && !maxFlight.CompareAndSwap(m, f); m = maxFlight.Load() {
			}
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) // a commit
			inFlight.Add(-1)
			mu.Lock()
			busy[e.AggregateID] = false
			mu.Unlock()
			handled.Add(1)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	poll.Eventually(t, 30*time.Second, "every event handled", func() error {
		if got := handled.Load(); got < aggregates*perAggregate {
			mu.Lock()
			defer mu.Unlock()
			return fmt.Errorf("handled %d of %d events, %d order problems", got, aggregates*perAggregate, len(bad))
		}
		return nil
	})
	c.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Fatalf("order broken (%d): %v", len(bad), bad[:min(len(bad), 5)])
	}
	if got := handled.Load(); got != aggregates*perAggregate {
		t.Fatalf("handled %d events, want %d", got, aggregates*perAggregate)
	}
	for a := range aggregates {
		if got := next[fmt.Sprintf("agg-%d", a)]; got != perAggregate {
			t.Fatalf("agg-%d reached %d, want %d", a, got, perAggregate)
		}
	}
	if maxFlight.Load() < 2 {
		t.Fatalf("at most %d events in flight: the workers did not run at once", maxFlight.Load())
	}
	// Every event was acked: nothing pending on the consumer.
	cons, err := js.Consumer(ctx, stream.Name, "ordertest_workers")
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 {
		t.Fatalf("ack pending %d, pending %d after the run", info.NumAckPending, info.NumPending)
	}
}
