package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

const (
	testSchema  = "svc_test"
	testSubject = "evt.test.thing.happened.v1"
)

var testStream = contracts.Stream{Name: "TEST_EVENTS", Subjects: []string{"evt.test.>"}}

// payload is the data of every test event: which aggregate, and the position
// of the event in that aggregate's history.
type payload struct {
	Agg string `json:"agg"`
	I   int    `json:"i"`
}

// rig is one isolated outbox: a fresh database with the outbox migrated into
// svc_test, and an embedded NATS with TEST_EVENTS.
type rig struct {
	pool   *pgxpool.Pool
	nats   *testenv.NATS
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := postgres.Connect(ctx, testenv.Postgres(t), testSchema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 { // migrating twice is a no-op
		if err := outbox.Migrate(ctx, pool, testSchema); err != nil {
			t.Fatal(err)
		}
	}
	n := testenv.StartNATS(t)
	nc := n.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := outbox.EnsureStream(ctx, js, testStream, outbox.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{pool: pool, nats: n, nc: nc, js: js, stream: st}
}

// events builds n events of aggregate agg numbered from, from+1, ...
func events(t testing.TB, agg string, from, n int) []contracts.Event {
	t.Helper()
	out := make([]contracts.Event, n)
	for i := range out {
		e, err := outbox.NewEvent("test", testSubject, "thing", agg, "", 1, payload{Agg: agg, I: from + i})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// commit adds events to the outbox in one committed transaction.
func (r *rig) commit(t testing.TB, evs ...contracts.Event) {
	t.Helper()
	err := postgres.InTx(context.Background(), r.pool, func(tx pgx.Tx) error {
		return outbox.Add(context.Background(), tx, evs...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// commitEach commits evs in transactions of per events each.
func (r *rig) commitEach(t testing.TB, per int, evs []contracts.Event) {
	t.Helper()
	for c := range slices.Chunk(evs, per) {
		r.commit(t, c...)
	}
}

// counts is (pending, total) rows in the outbox.
func (r *rig) counts(t testing.TB) (pending, total int) {
	t.Helper()
	err := r.pool.QueryRow(context.Background(),
		`SELECT count(*) FILTER (WHERE published_at IS NULL), count(*) FROM outbox`).Scan(&pending, &total)
	if err != nil {
		t.Fatal(err)
	}
	return pending, total
}

// waitDrained polls until the outbox holds total rows and none is pending.
func (r *rig) waitDrained(t testing.TB, total int, within time.Duration) {
	t.Helper()
	poll.Eventually(t, within, fmt.Sprintf("%d outbox rows published", total), func() error {
		if p, n := r.counts(t); p != 0 || n != total {
			return fmt.Errorf("%d rows, %d of them pending", n, p)
		}
		return nil
	})
}

func (r *rig) streamMsgs(t testing.TB) uint64 {
	t.Helper()
	info, err := r.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// stored is one message read back from the stream.
type stored struct {
	msgID string
	event contracts.Event
	data  payload
}

// readStream returns every message of the stream in stream order, checking
// each is a well-formed envelope whose Nats-Msg-Id is its event id.
func (r *rig) readStream(t testing.TB) []stored {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := r.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]stored, 0, info.State.Msgs)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := r.stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get stream msg %d: %v", seq, err)
		}
		var s stored
		if err := json.Unmarshal(m.Data, &s.event); err != nil {
			t.Fatalf("msg %d: %v", seq, err)
		}
		if err := s.event.Decode(&s.data); err != nil {
			t.Fatalf("msg %d data: %v", seq, err)
		}
		s.msgID = m.Header.Get(contracts.MsgIDHeader)
		if s.msgID != s.event.ID {
			t.Fatalf("msg %d: Nats-Msg-Id %q != event id %q", seq, s.msgID, s.event.ID)
		}
		if m.Subject != s.event.Type || m.Subject != testSubject {
			t.Fatalf("msg %d: subject %q, event type %q", seq, m.Subject, s.event.Type)
		}
		out = append(out, s)
	}
	return out
}

// assertExactlyOnce checks the stream holds each of want exactly once and
// nothing else.
func (r *rig) assertExactlyOnce(t testing.TB, want []contracts.Event) []stored {
	t.Helper()
	got := r.readStream(t)
	seen := make(map[string]int, len(got))
	for _, s := range got {
		seen[s.msgID]++
	}
	var problems []string
	for _, e := range want {
		if n := seen[e.ID]; n != 1 {
			problems = append(problems, fmt.Sprintf("event %s (%s #%d) is in the stream %d times, want 1", e.ID, e.AggregateID, mustPayload(t, e).I, n))
		}
		delete(seen, e.ID)
	}
	for id, n := range seen {
		problems = append(problems, fmt.Sprintf("stream holds %d unexpected message(s) with id %s", n, id))
	}
	if len(got) != len(want) || len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("... and %d more", len(problems)-5))
		}
		t.Fatalf("stream holds %d messages, want %d, each once:\n%s", len(got), len(want), strings.Join(problems, "\n"))
	}
	return got
}

// assertOrdered checks that, per aggregate, the stream holds events in the
// order they were committed (payload.I strictly increasing by one).
func assertOrdered(t testing.TB, got []stored) {
	t.Helper()
	next := map[string]int{}
	for _, s := range got {
		want, ok := next[s.data.Agg]
		if ok && s.data.I != want {
			t.Fatalf("aggregate %s: stream has #%d where #%d was due", s.data.Agg, s.data.I, want)
		}
		next[s.data.Agg] = s.data.I + 1
	}
}

func mustPayload(t testing.TB, e contracts.Event) payload {
	t.Helper()
	var p payload
	if err := e.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitPublished waits until relay.Published() reaches want (it is counted
// just after the mark commits) and fails if it overshoots.
func waitPublished(t testing.TB, who string, relay *outbox.Relay, want int64) {
	t.Helper()
	poll.Eventually(t, 10*time.Second, fmt.Sprintf("%s to count %d published", who, want), published(relay, want))
	if got := relay.Published(); got != want {
		t.Fatalf("%s: Published() = %d, want %d", who, got, want)
	}
}

// published is a condition for poll.Eventually: relay has counted at least
// want events published.
func published(relay *outbox.Relay, want int64) func() error {
	return func() error {
		if got := relay.Published(); got < want {
			return fmt.Errorf("%d of %d published", got, want)
		}
		return nil
	}
}

// running is a relay started in the background.
type running struct {
	*outbox.Relay
	cancel context.CancelFunc
	done   chan error
}

// start runs relay until stop (or the end of the test).
func start(t testing.TB, relay *outbox.Relay) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Relay: relay, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- relay.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the relay and waits for Run to return; it is idempotent.
func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("relay stopped with %v, want context.Canceled", err)
			}
		}
	case <-time.After(15 * time.Second):
		t.Errorf("relay did not stop within 15s of cancel")
	}
}

func TestNewEvent(t *testing.T) {
	t.Parallel()
	before := time.Now().UTC()
	e, err := outbox.NewEvent("test", testSubject, "thing", "agg-1", "req-1", 3, payload{Agg: "agg-1", I: 7})
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(e.ID)
	if err != nil || id.Version() != 7 {
		t.Fatalf("id %q is not a UUIDv7 (%v)", e.ID, err)
	}
	if e.Type != testSubject || e.Source != "test" || e.AggregateType != "thing" || e.AggregateID != "agg-1" ||
		e.RequestID != "req-1" || e.SchemaVersion != 3 {
		t.Fatalf("envelope %+v", e)
	}
	if e.OccurredAt.Before(before) || e.OccurredAt.Location() != time.UTC {
		t.Fatalf("occurred_at %v (before %v)", e.OccurredAt, before)
	}
	if p := mustPayload(t, e); p != (payload{Agg: "agg-1", I: 7}) {
		t.Fatalf("data %s", e.Data)
	}
	e2, err := outbox.NewEvent("test", testSubject, "thing", "agg-1", "", 1, nil)
	if err != nil || e2.ID == e.ID {
		t.Fatalf("second event id %q (first %q), err %v", e2.ID, e.ID, err)
	}
	if _, err := outbox.NewEvent("test", testSubject, "thing", "agg-1", "", 1, func() {}); err == nil {
		t.Fatal("NewEvent with unencodable data: want an error")
	}
}

func TestEnsureStreamDefaults(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	info, err := r.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := info.Config
	if c.Storage != jetstream.FileStorage || c.Retention != jetstream.LimitsPolicy || c.Replicas != 1 ||
		c.Duplicates != 10*time.Minute || c.MaxAge != 7*24*time.Hour || c.Discard != jetstream.DiscardOld {
		t.Fatalf("default stream config %+v", c)
	}
	// Ensuring again updates in place.
	st, err := outbox.EnsureStream(ctx, r.js, testStream, outbox.StreamOptions{DedupWindow: time.Hour, MaxAge: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	info, err = st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Duplicates != time.Hour || info.Config.MaxAge != 48*time.Hour {
		t.Fatalf("updated stream config %+v", info.Config)
	}
}

// TestRolledBackNeverPublished: an event added in a transaction that rolls
// back never reaches the stream, even when the relay runs while that
// transaction is still open; committed ones around it do.
func TestRolledBackNeverPublished(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	relay := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema}))

	// Rolled back before the relay could see it.
	doomed := events(t, "doomed", 0, 3)
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) // a no-op once rolled back; frees the connection if the test fails early
	if err := outbox.Add(ctx, tx, doomed[:2]...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// Still open while the relay publishes later commits, then rolled back.
	open, err := r.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Rollback(ctx)
	if err := outbox.Add(ctx, open, doomed[2]); err != nil {
		t.Fatal(err)
	}
	kept := events(t, "kept", 0, 3)
	r.commit(t, kept[0])
	relay.Notify()
	r.waitDrained(t, 1, 10*time.Second)
	r.commit(t, kept[1:]...)
	relay.Notify()
	r.waitDrained(t, 3, 10*time.Second)
	if err := open.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// One more round after the rollback: still only the committed events.
	last := events(t, "kept", 3, 1)
	r.commit(t, last...)
	relay.Notify()
	r.waitDrained(t, 4, 10*time.Second)
	kept = append(kept, last...)
	got := r.assertExactlyOnce(t, kept)
	for _, s := range got {
		for _, d := range doomed {
			if s.msgID == d.ID {
				t.Fatalf("rolled-back event %s was published", d.ID)
			}
		}
	}
	assertOrdered(t, got)
	waitPublished(t, "the relay", relay.Relay, int64(len(kept)))
}

var errCrash = errors.New("simulated crash between publish and mark")

// TestCrashBetweenPublishAndMark: a relay that dies after JetStream acked a
// batch but before marking it leaves rows published-but-pending; the next
// relay publishes them again and JetStream's de-duplication keeps each event
// exactly once, in commit order.
func TestCrashBetweenPublishAndMark(t *testing.T) {
	t.Parallel()
	const total = 500
	for _, tc := range []struct {
		name    string
		batch   int
		crashAt int // the batch whose mark never happens (1-based)
	}{
		{"first_batch", total, 1},
		{"third_of_five", 100, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			want := events(t, "agg", 0, total)
			r.commitEach(t, 50, want)

			var calls int
			crashing := outbox.NewRelay(r.pool, r.js, outbox.WithAfterPublish(
				outbox.RelayOptions{Schema: testSchema, Batch: tc.batch},
				func() error {
					calls++ // Run calls it from one goroutine, and Run is synchronous here
					if calls == tc.crashAt {
						return errCrash
					}
					return nil
				}))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := crashing.Run(ctx); !errors.Is(err, errCrash) {
				t.Fatalf("Run returned %v, want the hook's error", err)
			}
			marked := (tc.crashAt - 1) * tc.batch
			inStream := tc.crashAt * tc.batch
			if n := crashing.Published(); n != int64(marked) {
				t.Fatalf("crashed relay Published() = %d, want %d", n, marked)
			}
			if n := r.streamMsgs(t); n != uint64(inStream) {
				t.Fatalf("after the crash the stream holds %d messages, want %d", n, inStream)
			}
			if p, n := r.counts(t); p != total-marked || n != total {
				t.Fatalf("after the crash the outbox has %d pending of %d, want %d of %d", p, n, total-marked, total)
			}

			fresh := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: tc.batch}))
			r.waitDrained(t, total, 30*time.Second)
			waitPublished(t, "the fresh relay", fresh.Relay, int64(total-marked))
			assertOrdered(t, r.assertExactlyOnce(t, want))
		})
	}
}

// TestOrderPerAggregate: events committed one after another for an aggregate
// reach the stream in that order, while several aggregates commit
// concurrently and the relay runs in small batches.
func TestOrderPerAggregate(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	relay := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: 7}))
	const aggs, per = 4, 60
	all := make([][]contracts.Event, aggs)
	var wg sync.WaitGroup
	for a := range aggs {
		all[a] = events(t, fmt.Sprintf("agg-%d", a), 0, per)
		wg.Go(func() {
			for i := 0; i < per; {
				n := 1 + i%3 // transactions of 1, 2 or 3 events
				n = min(n, per-i)
				err := postgres.InTx(context.Background(), r.pool, func(tx pgx.Tx) error {
					return outbox.Add(context.Background(), tx, all[a][i:i+n]...)
				})
				if err != nil {
					t.Error(err)
					return
				}
				relay.Notify()
				i += n
			}
		})
	}
	wg.Wait()
	r.waitDrained(t, aggs*per, 30*time.Second)
	got := r.assertExactlyOnce(t, slices.Concat(all...))
	assertOrdered(t, got)
	for a := range aggs {
		var seq []int
		for _, s := range got {
			if s.data.Agg == fmt.Sprintf("agg-%d", a) {
				seq = append(seq, s.data.I)
			}
		}
		if len(seq) != per || seq[0] != 0 || seq[per-1] != per-1 {
			t.Fatalf("agg-%d: stream order %v", a, seq)
		}
	}
}

// TestTwoRelaysOneLeader: two relays on one schema; the advisory lock lets
// one publish while the other stands by, and the standby takes over when the
// leader stops.
func TestTwoRelaysOneLeader(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	a := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: 50}))
	b := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: 50}))
	const n, more = 400, 100
	want := events(t, "agg", 0, n+more)
	for c := range slices.Chunk(want[:n], 20) {
		r.commit(t, c...)
		a.Notify()
		b.Notify()
	}
	r.waitDrained(t, n, 30*time.Second)
	assertOrdered(t, r.assertExactlyOnce(t, want[:n]))
	// Published is counted just after the mark commits: wait for it.
	poll.Eventually(t, 10*time.Second, "the relays to count what they marked", func() error {
		if got := a.Published() + b.Published(); got < n {
			return fmt.Errorf("%d of %d counted", got, n)
		}
		return nil
	})
	pa, pb := a.Published(), b.Published()
	if pa+pb != n {
		t.Fatalf("relays marked %d + %d rows, want %d in all", pa, pb, n)
	}
	if pa != 0 && pb != 0 {
		t.Fatalf("both relays published (%d and %d): the leader lock did not hold", pa, pb)
	}
	leader, standby := a, b
	if pb > 0 {
		leader, standby = b, a
	}

	// Fail-over: the leader stops and releases the lock; the standby publishes
	// what is committed afterwards.
	leader.stop(t)
	r.commitEach(t, 20, want[n:])
	standby.Notify()
	r.waitDrained(t, n+more, 30*time.Second)
	waitPublished(t, "the standby after fail-over", standby.Relay, more)
	assertOrdered(t, r.assertExactlyOnce(t, want))
}

// TestNATSRestart: the NATS server goes away while events are pending and
// more are committed; when it is back the relay delivers every event exactly
// once and in order. With the client's reconnect buffer, publishes made during
// the outage wait in it; without one they fail and the relay must retry.
func TestNATSRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []nats.Option
	}{
		{"reconnect_buffer", nil},
		{"no_reconnect_buffer", []nats.Option{nats.ReconnectBufSize(-1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			nc := r.nats.Connect(t, tc.opts...)
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			logs := &recorder{}
			relay := start(t, outbox.NewRelay(r.pool, js, outbox.RelayOptions{Schema: testSchema, Batch: 25, Log: slog.New(logs)}))
			const n = 200
			want := events(t, "agg", 0, 3*n)
			r.commitEach(t, 10, want[:n])
			relay.Notify()
			poll.Eventually(t, 10*time.Second, "the relay to publish something", published(relay.Relay, 1))

			r.nats.Stop()
			poll.Eventually(t, 10*time.Second, "the relay's client to see the outage", func() error {
				if nc.IsConnected() {
					return errors.New("still connected")
				}
				return nil
			})
			r.commitEach(t, 10, want[n:2*n])
			relay.Notify()
			if tc.opts != nil { // publishes fail at once: see the relay hit the outage
				poll.Eventually(t, 10*time.Second, "a failed round", logs.logged("outbox relay: round failed"))
			}
			r.nats.Start(t)
			r.commitEach(t, 10, want[2*n:])
			relay.Notify()

			r.waitDrained(t, 3*n, 60*time.Second)
			assertOrdered(t, r.assertExactlyOnce(t, want))
			waitPublished(t, "the relay", relay.Relay, 3*n)
		})
	}
}

// TestPrunePublished: a relay taking the lead deletes rows published longer
// ago than Retention and keeps the rest.
func TestPrunePublished(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	old := events(t, "old", 0, 3)
	r.commit(t, old...)
	if _, err := r.pool.Exec(ctx, `UPDATE outbox SET published_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	fresh := events(t, "fresh", 0, 2)
	r.commit(t, fresh...)
	start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema})) // Retention: 1 h
	r.waitDrained(t, len(fresh), 10*time.Second)
	var left []string
	rows, err := r.pool.Query(ctx, `SELECT event_id::text FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, []string{fresh[0].ID, fresh[1].ID}) {
		t.Fatalf("outbox after prune holds %v, want only the fresh events", left)
	}
	r.assertExactlyOnce(t, fresh) // old rows were "published" before: not again
}

// TestRoundErrorsAreLoggedAndRetried: with the stream missing, rounds fail
// and are retried; once the stream exists the backlog is delivered.
func TestRoundErrorsAreLoggedAndRetried(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	if err := r.js.DeleteStream(ctx, testStream.Name); err != nil {
		t.Fatal(err)
	}
	logs := &recorder{}
	relay := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Log: slog.New(logs)}))
	want := events(t, "agg", 0, 20)
	r.commit(t, want...)
	relay.Notify()
	poll.Eventually(t, 20*time.Second, "a logged failed round", logs.logged("outbox relay: round failed"))
	if p, _ := r.counts(t); p != len(want) {
		t.Fatalf("%d pending while the stream is missing, want %d", p, len(want))
	}
	st, err := outbox.EnsureStream(ctx, r.js, testStream, outbox.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.stream = st
	r.waitDrained(t, len(want), 30*time.Second)
	assertOrdered(t, r.assertExactlyOnce(t, want))
}

// recorder is a slog.Handler counting records by message.
type recorder struct {
	mu   sync.Mutex
	msgs map[string]int
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recorder) WithGroup(string) slog.Handler            { return h }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.msgs == nil {
		h.msgs = map[string]int{}
	}
	h.msgs[r.Message]++
	return nil
}

func (h *recorder) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.msgs[msg]
}

// logged is a condition for poll.Eventually: msg was logged.
func (h *recorder) logged(msg string) func() error {
	return func() error {
		if h.count(msg) == 0 {
			return fmt.Errorf("%q not logged yet", msg)
		}
		return nil
	}
}

// BenchmarkRelayThroughput measures one relay publishing and marking a
// backlog of b.N events (inserted before the timer starts, 500 per
// transaction). Run it with
//
//	go test -run '^$' -bench Relay -benchtime 5000x ./services/internal/platform/outbox/
func BenchmarkRelayThroughput(b *testing.B) {
	for _, batch := range []int{0, 1024} { // 0: the default (256)
		name := "batch_default"
		if batch > 0 {
			name = fmt.Sprintf("batch_%d", batch)
		}
		b.Run(name, func(b *testing.B) {
			r := newRig(b)
			evs := events(b, "agg", 0, b.N)
			r.commitEach(b, 500, evs)
			relay := outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: batch})

			b.ResetTimer()
			began := time.Now()
			run := start(b, relay)
			poll.Eventually(b, 5*time.Minute, "the backlog to drain", published(relay, int64(b.N)))
			elapsed := time.Since(began)
			b.StopTimer()

			run.stop(b)
			if n := r.streamMsgs(b); n != uint64(b.N) {
				b.Fatalf("stream holds %d messages, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

// TestLeaderLosesLock: when the leader's lock session dies (a Postgres
// restart, a network cut, an idle-session timeout), the standby takes the lock;
// the old leader must stop relaying rather than lead alongside it.
func TestLeaderLosesLock(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	a := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: 10}))
	b := start(t, outbox.NewRelay(r.pool, r.js, outbox.RelayOptions{Schema: testSchema, Batch: 10}))
	want := events(t, "agg", 0, 400)
	r.commitEach(t, 10, want[:100])
	r.waitDrained(t, 100, 10*time.Second)
	poll.Eventually(t, 10*time.Second, "the relays to count what they marked", func() error {
		if got := a.Published() + b.Published(); got < 100 {
			return fmt.Errorf("%d of 100 counted", got)
		}
		return nil
	})

	// Kill the session holding the advisory lock.
	var killed bool
	if err := r.pool.QueryRow(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate the lock holder: %v %v", killed, err)
	}
	poll.Eventually(t, 10*time.Second, "a new lock holder", func() error {
		var n int
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("%d advisory locks held", n)
		}
		return nil
	})
	pa, pb := a.Published(), b.Published()
	for c := range slices.Chunk(want[100:], 5) {
		r.commit(t, c...)
		a.Notify()
		b.Notify()
	}
	r.waitDrained(t, len(want), 30*time.Second)
	poll.Eventually(t, 10*time.Second, "the relays to count what they marked", func() error {
		if got := a.Published() - pa + b.Published() - pb; got < int64(len(want)-100) {
			return fmt.Errorf("%d of %d counted", got, len(want)-100)
		}
		return nil
	})
	da, db := a.Published()-pa, b.Published()-pb
	if da > 0 && db > 0 {
		t.Fatalf("after the lock session died both relays published (%d and %d): two leaders", da, db)
	}
	assertOrdered(t, r.assertExactlyOnce(t, want))
}
