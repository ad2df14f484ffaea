package bridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	bridgesvc "github.com/slotmesh/slotmesh/services/bridge"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

const partitions = 3

func logger() *slog.Logger {
	if os.Getenv("BRIDGE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return platform.Discard()
}

func config(t testing.TB, n *testenv.NATS, k *testenv.Kafka) bridgesvc.Config {
	t.Helper()
	env := map[string]string{
		"NATS_URL":           n.URL,
		"KAFKA_BROKERS":      k.Addr,
		"KAFKA_PARTITIONS":   strconv.Itoa(partitions),
		"BRIDGE_MAX_BACKOFF": "500ms",
	}
	cfg, err := bridgesvc.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func start(t testing.TB, cfg bridgesvc.Config) *bridgesvc.Service {
	t.Helper()
	s, err := bridgesvc.Start(context.Background(), cfg, logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// typesOf are a route's event types, sorted.
func typesOf(r bridge.Route) []string { return slices.Sorted(maps.Keys(r.Topics)) }

// event i: route i%3, a type of that route, one of 40 aggregates of it.
func event(i int) contracts.Event {
	r := bridge.Routes[i%len(bridge.Routes)]
	types := typesOf(r)
	typ := types[(i/len(bridge.Routes))%len(types)]
	return contracts.Event{
		ID:            fmt.Sprintf("ev-%07d", i),
		Type:          typ,
		Source:        strings.Split(typ, ".")[1],
		AggregateType: "thing",
		AggregateID:   fmt.Sprintf("%s-agg-%d", r.Durable, (i/len(bridge.Routes))%40),
		OccurredAt:    time.Now().UTC(),
		SchemaVersion: 1,
		RequestID:     "req-" + strconv.Itoa(i),
		Data:          json.RawMessage(`{"n":` + strconv.Itoa(i) + `}`),
	}
}

// publish publishes events [from, to) as the outbox relay does (Nats-Msg-Id
// = event id), pipelined, and waits for every ack.
func publish(t testing.TB, js jetstream.JetStream, from, to int) map[string][]byte {
	t.Helper()
	raw := map[string][]byte{}
	for i := from; i < to; i++ {
		e := event(i)
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		raw[e.ID] = b
		if _, err := js.PublishAsync(e.Type, b, jetstream.WithMsgID(e.ID)); err != nil {
			t.Fatal(err)
		}
		if (i-from)%1000 == 999 {
			waitPublished(t, js)
		}
	}
	waitPublished(t, js)
	return raw
}

func waitPublished(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("publish acks did not come in 30s")
	}
}

func ensureStreams(t testing.TB, js jetstream.JetStream, cfg bridgesvc.Config) {
	t.Helper()
	for _, r := range bridge.Routes {
		if err := platform.EnsureStream(context.Background(), js, r.Stream, cfg.Config); err != nil {
			t.Fatal(err)
		}
	}
}

func connect(t testing.TB, n *testenv.NATS) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(n.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// got is one message read back from Kafka.
type got struct {
	topic     string
	partition int
	offset    int64
	key       string
	id        string
	typ       string
	value     []byte
}

// collector reads every partition of every bridged topic from the start.
type collector struct {
	mu       sync.Mutex
	all      []got
	distinct map[string]int // event id -> copies
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func collect(t testing.TB, k *testenv.Kafka) *collector {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{distinct: map[string]int{}, cancel: cancel}
	var readers []*kafkago.Reader
	for _, topic := range bridge.Topics() {
		for p := range partitions {
			r := kafkago.NewReader(kafkago.ReaderConfig{
				Brokers: []string{k.Addr}, Topic: topic, Partition: p,
				MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 50 * time.Millisecond,
				ReadBackoffMin: 20 * time.Millisecond, ReadBackoffMax: 200 * time.Millisecond,
			})
			readers = append(readers, r)
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				for {
					m, err := r.ReadMessage(ctx)
					if err != nil {
						if ctx.Err() != nil {
							return
						}
						continue
					}
					g := got{topic: m.Topic, partition: m.Partition, offset: m.Offset, key: string(m.Key),
						id: header(m, contracts.HeaderEventID), typ: header(m, contracts.HeaderEventType), value: m.Value}
					c.mu.Lock()
					c.all = append(c.all, g)
					c.distinct[g.id]++
					c.mu.Unlock()
				}
			}()
		}
	}
	t.Cleanup(func() {
		cancel()
		c.wg.Wait()
		for _, r := range readers {
			_ = r.Close()
		}
	})
	return c
}

func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func (c *collector) counts() (distinct, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.distinct), len(c.all)
}

func (c *collector) waitDistinct(t testing.TB, n int, within time.Duration) {
	t.Helper()
	poll.Eventually(t, within, fmt.Sprintf("%d distinct event ids in Kafka", n), func() error {
		if d, total := c.counts(); d < n {
			return fmt.Errorf("%d distinct event ids of %d in Kafka (%d messages)", d, n, total)
		}
		return nil
	})
}

// checkOrder: per key, the first appearances of event ids come in
// publication order (ids sort as published).
func (c *collector) checkOrder(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	last := map[string]string{}
	bad := 0
	for _, g := range c.all {
		if seen[g.id] {
			continue
		}
		seen[g.id] = true
		if l, ok := last[g.key]; ok && g.id < l {
			if bad < 5 {
				t.Errorf("key %s: %s appeared after %s", g.key, g.id, l)
				if bad == 0 {
					for _, o := range c.all {
						if o.key == g.key {
							t.Logf("  %s p%d@%d", o.id, o.partition, o.offset)
						}
					}
				}
			}
			bad++
		}
		last[g.key] = g.id
	}
	if bad > 0 {
		t.Fatalf("%d events out of order by key", bad)
	}
}

func waitStarted(t testing.TB, n *testenv.NATS) {
	t.Helper()
	nc := n.Connect(t)
	poll.Eventually(t, 20*time.Second, "the bridge's topics ready", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		st, err := bridge.GetStats(ctx, nc)
		if err != nil || !st.TopicsReady {
			return fmt.Errorf("stats: %+v, %v", st, err)
		}
		return nil
	})
}

// waitDrained: every route's consumer has nothing pending or unacked.
func waitDrained(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	poll.Eventually(t, 20*time.Second, "every route's consumer drained", func() error {
		for _, r := range bridge.Routes {
			c, err := js.Consumer(context.Background(), r.Stream.Name, r.Durable)
			if err != nil {
				return err
			}
			info, err := c.Info(context.Background())
			if err != nil {
				return err
			}
			if info.NumPending != 0 || info.NumAckPending != 0 || info.NumRedelivered != 0 {
				return fmt.Errorf("%s: pending %d, ack pending %d, redelivered %d", r.Durable, info.NumPending, info.NumAckPending, info.NumRedelivered)
			}
		}
		return nil
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		bad  []string
	}{
		{"defaults", nil, nil},
		{"everything wrong", map[string]string{
			"BRIDGE_BATCH": "0", "BRIDGE_MAX_WAIT": "x", "KAFKA_BROKERS": "nohost", "BRIDGE_ACK_WAIT": "1s", "BRIDGE_PINNED_TTL": "2s",
		}, []string{"BRIDGE_BATCH", "BRIDGE_MAX_WAIT", "KAFKA_BROKERS", "BRIDGE_ACK_WAIT", "BRIDGE_PINNED_TTL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bridgesvc.ConfigFromEnv(func(k string) string { return tc.env[k] })
			if (err == nil) != (len(tc.bad) == 0) {
				t.Fatalf("err = %v, want problems with %v", err, tc.bad)
			}
			for _, b := range tc.bad {
				if !strings.Contains(err.Error(), b) {
					t.Errorf("err = %v, does not name %s", err, b)
				}
			}
		})
	}
}

// Every route's events arrive on their topics: key = aggregate id, headers
// event_id / event_type / request_id, value = the JetStream bytes; per key in
// order; a poison message is terminated without blocking what follows; the
// consumers have nothing pending afterwards; stats count it all.
func TestBridgeComponent(t *testing.T) {
	t.Parallel()
	n, k := testenv.StartNATS(t), testenv.StartKafka(t)
	cfg := config(t, n, k)
	js := connect(t, n)
	ensureStreams(t, js, cfg) // the owners were first
	start(t, cfg)
	waitStarted(t, n)
	c := collect(t, k)

	const total = 600
	raw := publish(t, js, 0, total/2)
	if _, err := js.Publish(context.Background(), typesOf(bridge.Routes[1])[0], []byte("not json")); err != nil {
		t.Fatal(err)
	}
	maps.Copy(raw, publish(t, js, total/2, total))

	c.waitDistinct(t, total, 30*time.Second)
	c.checkOrder(t)
	c.mu.Lock()
	types := map[string]bool{}
	for _, g := range c.all {
		want, ok := raw[g.id]
		if !ok {
			t.Fatalf("unexpected message %+v", g)
		}
		var e contracts.Event
		if err := json.Unmarshal(g.value, &e); err != nil {
			t.Fatal(err)
		}
		if string(g.value) != string(want) || g.key != e.AggregateID || g.typ != e.Type || g.topic != bridge.TopicOf(e.Type) {
			t.Fatalf("message %s on %s: key %q type %q value %s; want key %q type %q topic %s value %s",
				g.id, g.topic, g.key, g.typ, g.value, e.AggregateID, e.Type, bridge.TopicOf(e.Type), want)
		}
		types[e.Type] = true
	}
	c.mu.Unlock()
	for _, r := range bridge.Routes {
		for typ := range r.Topics {
			if !types[typ] {
				t.Errorf("no %s event reached Kafka", typ)
			}
		}
	}
	waitDrained(t, js)

	st, err := bridge.GetStats(context.Background(), n.Connect(t))
	if err != nil {
		t.Fatal(err)
	}
	var bridged, poison uint64
	for _, r := range st.Routes {
		bridged += r.Bridged
		poison += r.Poison
		if r.Lag != 0 || r.InHand != 0 {
			t.Errorf("route %s: lag %d, in hand %d", r.Durable, r.Lag, r.InHand)
		}
	}
	if bridged != total || poison != 1 {
		t.Fatalf("stats: bridged %d poison %d, want %d and 1: %+v", bridged, poison, total, st)
	}
}

// 10,000 events while Kafka is stopped and started again and the bridge is
// stopped and started again: every event reaches Kafka, in order per key.
func TestBridgeSurvivesKafkaAndBridgeRestarts(t *testing.T) {
	t.Parallel()
	n, k := testenv.StartNATS(t), testenv.StartKafka(t)
	cfg := config(t, n, k)
	js := connect(t, n)
	ensureStreams(t, js, cfg)
	s := start(t, cfg)
	waitStarted(t, n)
	c := collect(t, k)
	nc := n.Connect(t)

	const total = 10000
	publish(t, js, 0, 2000)
	c.waitDistinct(t, 500, 30*time.Second) // mid-stream

	k.Stop()
	publish(t, js, 2000, 4000)
	// Kafka stays down until the bridge has seen it fail (a couple of seconds).
	downAt := time.Now()
	poll.Eventually(t, 30*time.Second, "the bridge to see Kafka fail", func() error {
		st, err := bridge.GetStats(context.Background(), nc)
		if err != nil {
			return err
		}
		for _, r := range st.Routes {
			if r.LastErrorAt != nil && r.LastErrorAt.After(downAt) && time.Since(downAt) > 2*time.Second {
				return nil
			}
		}
		return errors.New("no Kafka failure seen yet")
	})
	k.Start(t)
	publish(t, js, 4000, 6000)

	d, _ := c.counts()
	c.waitDistinct(t, d+300, 30*time.Second) // flowing again
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	publish(t, js, 6000, 8000)
	start(t, cfg)
	publish(t, js, 8000, total)

	c.waitDistinct(t, total, 60*time.Second)
	// Judge by what Kafka holds, read afresh from offset 0 (the live
	// readers above lived through the broker restart).
	c = collect(t, k)
	c.waitDistinct(t, total, 30*time.Second)
	c.checkOrder(t)
	d, all := c.counts()
	t.Logf("%d distinct events, %d messages in Kafka: %d duplicates", d, all, all-d)
	if d != total {
		t.Fatalf("%d distinct events, want %d", d, total)
	}
	waitDrained(t, js)
}

// Kafka down when the bridge starts (and the streams not there yet, the
// producers start later): the bridge starts anyway and delivers everything
// once Kafka is up.
func TestBridgeStartsWithoutKafka(t *testing.T) {
	t.Parallel()
	n, k := testenv.StartNATS(t), testenv.StartKafka(t)
	k.Stop()
	cfg := config(t, n, k)
	start(t, cfg)
	js := connect(t, n)
	ensureStreams(t, js, cfg) // the owners start later; same config, no conflict
	publish(t, js, 0, 900)

	nc := n.Connect(t)
	poll.Eventually(t, 20*time.Second, "the bridge to report Kafka down", func() error {
		st, err := bridge.GetStats(context.Background(), nc)
		if err != nil {
			return err
		}
		if st.TopicsReady || st.Routes[0].LastError == "" {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})
	k.Start(t)
	waitStarted(t, n)
	c := collect(t, k)
	c.waitDistinct(t, 900, 30*time.Second)
	c.checkOrder(t)
	waitDrained(t, js)
}

// BenchmarkBridge: events/s from JetStream to readable in Kafka, for events
// already in the streams when the bridge starts.
func BenchmarkBridge(b *testing.B) {
	const perIter = 20000
	n := testenv.StartNATS(b)
	js := connect(b, n)
	var elapsed time.Duration
	for i := range b.N {
		b.StopTimer()
		k := testenv.StartKafka(b)
		cfg := config(b, n, k)
		for _, r := range bridge.Routes {
			err := js.DeleteStream(context.Background(), r.Stream.Name)
			if err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				b.Fatal(err)
			}
		}
		ensureStreams(b, js, cfg)
		publish(b, js, i*perIter, (i+1)*perIter)
		b.StartTimer()
		t0 := time.Now()
		s := start(b, cfg)
		waitStarted(b, n)
		c := collect(b, k)
		c.waitDistinct(b, perIter, 2*time.Minute)
		elapsed += time.Since(t0)
		b.StopTimer()
		_ = s.Stop()
	}
	b.ReportMetric(float64(perIter*b.N)/elapsed.Seconds(), "events/s")
}

// Two replicas: one is pinned per route and bridges, the other waits; when
// the active one stops, the other takes over at once, in order.
func TestBridgeReplicasFailOver(t *testing.T) {
	t.Parallel()
	n, k := testenv.StartNATS(t), testenv.StartKafka(t)
	cfg := config(t, n, k)
	js := connect(t, n)
	ensureStreams(t, js, cfg)
	a := start(t, cfg)
	waitStarted(t, n)
	start(t, cfg)
	c := collect(t, k)

	publish(t, js, 0, 3000)
	c.waitDistinct(t, 1000, 30*time.Second)
	// a was first, so it most likely holds the pins; either way the other
	// bridges from here on.
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	publish(t, js, 3000, 6000)
	c.waitDistinct(t, 6000, 30*time.Second)
	c.checkOrder(t)
	d, all := c.counts()
	t.Logf("%d distinct events, %d messages: %d duplicates", d, all, all-d)
	waitDrained(t, js)
}
