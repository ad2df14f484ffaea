package outbox

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
)

// RelayOptions tune a Relay; zero values take the defaults.
type RelayOptions struct {
	Schema    string        // the service's schema; names the leader lock
	Batch     int           // rows per round; default 256
	Poll      time.Duration // idle poll interval; default 50 ms (Notify wakes it sooner)
	Retention time.Duration // published rows kept this long, then pruned; default 1 h
	Log       *slog.Logger

	// afterPublish, when set (tests), runs after a batch is acknowledged by
	// JetStream and before it is marked published: returning an error stops
	// the relay there, as a crash would.
	afterPublish func() error
}

// Relay publishes a service's outbox to JetStream. Several replicas may run
// one each: a Postgres advisory lock makes one the leader, the others wait, so
// events leave in commit order per aggregate.
type Relay struct {
	pool      *pgxpool.Pool
	js        jetstream.JetStream
	o         RelayOptions
	wake      chan struct{}
	published atomic.Int64
}

// NewRelay makes a relay; Run starts it.
func NewRelay(pool *pgxpool.Pool, js jetstream.JetStream, o RelayOptions) *Relay {
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.Poll <= 0 {
		o.Poll = 50 * time.Millisecond
	}
	if o.Retention <= 0 {
		o.Retention = time.Hour
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Relay{pool: pool, js: js, o: o, wake: make(chan struct{}, 1)}
}

// Notify wakes the relay now (call it after committing a transaction that
// added events); it never blocks.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Published is how many events this relay has published and marked.
func (r *Relay) Published() int64 { return r.published.Load() }

// Run relays until ctx ends. Errors (database or NATS down) are logged and
// retried with back-off; Run returns only ctx's error or a test hook's.
func (r *Relay) Run(ctx context.Context) error {
	for fails := 0; ; {
		before := r.published.Load()
		err := r.lead(ctx)
		if r.published.Load() > before {
			fails = 0 // it was working: retry soon
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var hook hookError
		if errors.As(err, &hook) {
			return hook.err
		}
		if err != nil {
			r.o.Log.Warn("outbox relay: round failed", "schema", r.o.Schema, "error", err)
		}
		fails++
		if !clock.Sleep(ctx, retry.Next(fails)) {
			return ctx.Err()
		}
	}
}

// retry is the back-off between failed rounds in a row: 50 ms doubling to
// 5 s, each wait drawn over [d/2, d) so replicas do not retry in step.
var retry = backoff.Exp{Min: 50 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.5}

type hookError struct{ err error }

func (h hookError) Error() string { return h.err.Error() }

// lead takes the leader lock on a dedicated connection and relays while it
// holds it. Losing the connection loses the lock; Run then tries again.
func (r *Relay) lead(ctx context.Context) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	key := lockKey(r.o.Schema)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			conn.Conn().Close(context.Background()) // do not return a connection in an unknown state
			return err
		}
		if ok {
			break
		}
		if !clock.Sleep(ctx, time.Second) { // a standby: another replica leads
			return ctx.Err()
		}
	}
	defer func() {
		// Closing the session releases the lock even if the unlock fails.
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key)
	}()

	// Every query of a round runs on the locked session: if that session dies
	// (and with it the lock, which a standby may now hold), the round fails and
	// this relay stops leading instead of publishing beside the new leader.
	lastPrune := time.Time{}
	for {
		n, err := r.round(ctx, conn)
		if err != nil {
			return err // Run backs off and tries to lead again
		}
		if time.Since(lastPrune) > time.Minute {
			if _, err := conn.Exec(ctx, `DELETE FROM outbox WHERE published_at < now() - $1::interval`, r.o.Retention.String()); err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			lastPrune = time.Now()
		}
		if n == r.o.Batch {
			continue // more waiting: do not sleep
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		case <-time.After(r.o.Poll):
		}
	}
}

type pending struct {
	seq     int64
	id      string
	subject string
	payload []byte
}

// round publishes one batch and marks what JetStream acknowledged.
func (r *Relay) round(ctx context.Context, conn *pgxpool.Conn) (int, error) {
	rows, err := conn.Query(ctx,
		`SELECT seq, event_id::text, subject, payload FROM outbox
		 WHERE published_at IS NULL ORDER BY seq LIMIT $1`, r.o.Batch)
	if err != nil {
		return 0, err
	}
	var batch []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.seq, &p.id, &p.subject, &p.payload); err != nil {
			rows.Close()
			return 0, err
		}
		batch = append(batch, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(batch) == 0 {
		return 0, nil
	}

	// The first event is published alone and acknowledged before the rest
	// are pipelined: a round that starts while the stream is missing (or
	// its leader away) fails here, with nothing else in flight. Otherwise
	// the stream could come back in the middle of a pipeline in which an
	// earlier event had already failed, take the later ones, and the earlier
	// one, published again next round, would land after them, out of order.
	// (A stream that fails and recovers within one pipeline can still do
	// that; only an expected-last-sequence check per publish would close it.)
	first := batch[0]
	if _, err := r.js.PublishMsg(ctx, eventMsg(first)); err != nil {
		return 0, fmt.Errorf("publish: %w", err)
	}
	acked := []int64{first.seq}
	batch = batch[1:]

	// Pipeline the publishes, then wait for every ack.
	futures := make([]jetstream.PubAckFuture, 0, len(batch))
	var pubErr error
	for _, p := range batch {
		f, err := r.js.PublishMsgAsync(eventMsg(p))
		if err != nil {
			pubErr = err
			break
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked = append(acked, batch[i].seq)
		case err := <-f.Err():
			if pubErr == nil {
				pubErr = err
			}
		case <-timeout.C:
			if pubErr == nil {
				pubErr = errors.New("publish ack timeout")
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if pubErr != nil && len(acked) < i+2 { // acked holds the first event too
			break // keep the acknowledged prefix; the rest is retried (and de-duplicated)
		}
	}
	if pubErr != nil {
		// Let the publishes still in flight (nats.go retries "no responders")
		// finish before the next round re-publishes them, so a late retry
		// cannot land after, and out of order with, the next round's.
		select {
		case <-r.js.PublishAsyncComplete():
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if r.o.afterPublish != nil {
		if err := r.o.afterPublish(); err != nil {
			return 0, hookError{err}
		}
	}
	if len(acked) > 0 {
		if _, err := conn.Exec(ctx, `UPDATE outbox SET published_at = now() WHERE seq = ANY($1)`, acked); err != nil {
			return 0, fmt.Errorf("mark published: %w", err)
		}
		r.published.Add(int64(len(acked)))
	}
	if pubErr != nil {
		return len(acked), fmt.Errorf("publish: %w", pubErr)
	}
	return len(batch) + 1, nil
}

// eventMsg is the JetStream message of an outbox row, its event id the
// message id the stream de-duplicates by.
func eventMsg(p pending) *nats.Msg {
	msg := nats.NewMsg(p.subject)
	msg.Data = p.payload
	msg.Header.Set(contracts.MsgIDHeader, p.id)
	return msg
}

func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("slotmesh.outbox." + schema))
	return int64(h.Sum64())
}
