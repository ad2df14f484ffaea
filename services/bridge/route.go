package bridge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// writeTimeout bounds one attempt at a Kafka write (and at topic creation).
const writeTimeout = 10 * time.Second

// batchBytes is the most one Kafka write carries: kafka-go's default and the
// broker's default message.max.bytes. A larger event can never be produced
// and is terminated as poison.
const batchBytes = 1 << 20

// recordOverhead is what we add to key, value and headers when estimating a
// record's size (Kafka's record framing is well below it).
const recordOverhead = 128

// pinHeader carries the pin id of a pinned priority-group consumer.
const pinHeader = "Nats-Pin-Id"

// held is a message fetched from JetStream and not yet acked.
type held struct {
	msg  jetstream.Msg
	seq  uint64 // stream sequence
	km   kafkago.Message
	size int
}

// route is one durable consumer and its Kafka writer; one batch in flight.
type route struct {
	rt     bridge.Route
	cfg    Config
	stream jetstream.Stream
	cons   jetstream.Consumer
	w      *kafkago.Writer
	log    *slog.Logger

	// Touched only by run (and by stop after run returned).
	inHand   []held
	markedAt time.Time // when the oldest message in hand was last delivered or marked in progress
	pin      string    // the pin id JetStream gave us, if any
	lastDseq uint64    // consumer (delivery) sequence of the last message fetched
	// verify: before the next write, make sure every message the consumer
	// has pending is in hand (see allPendingInHand).
	verify bool

	mu    sync.Mutex
	count bridge.RouteStats
}

// newRoute makes sure the stream exists and creates or updates the durable
// consumer: explicit ack, from the start of the stream, at most one batch
// unacked, pinned to one replica at a time.
func newRoute(ctx context.Context, js jetstream.JetStream, rt bridge.Route, cfg Config, log *slog.Logger) (*route, error) {
	st, err := ensureStream(ctx, js, rt.Stream, cfg)
	if err != nil {
		return nil, err
	}
	filters := slices.Sorted(maps.Keys(rt.Topics)) // the same config on every start
	ccfg := jetstream.ConsumerConfig{
		Durable:       rt.Durable,
		Description:   "bridge to Kafka",
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       cfg.AckWait,
		// No MaxDeliver: giving up on an event would lose it; a poison one is
		// terminated when fetched instead.
		MaxAckPending:  cfg.Batch,
		MaxWaiting:     512,
		PriorityPolicy: jetstream.PriorityPolicyPinned,
		PriorityGroups: []string{priorityGroup},
		PinnedTTL:      cfg.PinnedTTL,
	}
	if len(filters) == 1 {
		ccfg.FilterSubject = filters[0]
	} else {
		ccfg.FilterSubjects = filters
	}
	cons, err := st.CreateOrUpdateConsumer(ctx, ccfg)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", rt.Durable, rt.Stream.Name, err)
	}
	w := kafka.NewWriter(cfg.Kafka)
	w.BatchSize = cfg.Batch
	w.BatchBytes = batchBytes
	w.WriteTimeout = writeTimeout
	w.Logger = nil
	w.ErrorLogger = kafkago.LoggerFunc(func(msg string, args ...any) {
		log.Debug("kafka writer: "+fmt.Sprintf(msg, args...), "consumer", rt.Durable)
	})
	return &route{
		rt: rt, cfg: cfg, stream: st, cons: cons, w: w, verify: true,
		log:   log.With("consumer", rt.Durable, platform.KeyStream, rt.Stream.Name),
		count: bridge.RouteStats{Stream: rt.Stream.Name, Durable: rt.Durable},
	}, nil
}

// run waits for the topics, then fetches, produces and acks until ctx ends.
// A failed write is retried, same messages, same order, with back-off; while
// it waits the route keeps pulling (so it keeps its pin), and what arrives is
// appended behind what it holds, in stream order.
func (r *route) run(ctx context.Context, ready <-chan struct{}) {
	select {
	case <-ready:
	case <-ctx.Done():
		return
	}
	bo := r.cfg.retry() // after failed Kafka writes, and after failed JetStream requests
	failures, natsFailures, waiting := 0, 0, false
	natsFailed := func(what string, err error) bool {
		natsFailures++
		if natsFailures == 1 || natsFailures%10 == 0 {
			r.log.Warn(what+" failed; retrying", "failures", natsFailures, platform.KeyError, err)
		}
		return clock.Sleep(ctx, bo.Next(natsFailures))
	}
	for ctx.Err() == nil {
		if err := r.fill(); err != nil && ctx.Err() == nil {
			if errors.Is(err, jetstream.ErrPinIDMismatch) {
				r.verify = true // another replica has the pin now
			} else if !natsFailed("jetstream fetch", err) {
				return
			}
		} else if err == nil {
			natsFailures = 0
		}
		if len(r.inHand) == 0 {
			continue
		}
		if r.verify {
			ok, err := r.allPendingInHand(ctx)
			if err != nil {
				if !natsFailed("consumer info", err) {
					return
				}
				continue
			}
			if !ok {
				if !waiting {
					r.log.Info("waiting for earlier messages to be redelivered before writing later ones", "in_hand", len(r.inHand))
				}
				waiting = true
				continue
			}
			waiting, r.verify = false, false
		}
		err := r.produce(ctx)
		if err == nil {
			if failures > 0 {
				r.log.Info("kafka writes resumed", "failures", failures)
			}
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		r.failed(err)
		if failures == 1 || failures%10 == 0 {
			r.log.Warn("kafka write failed; retrying the same messages", "in_hand", len(r.inHand), "failures", failures, platform.KeyError, err)
		}
		if !clock.Sleep(ctx, bo.Next(failures)) {
			return
		}
	}
}

// fill pulls up to a batch less what is held (at least one, so a route that
// holds a full batch still renews its pin; MaxAckPending keeps anything new
// from coming). Undecodable or unroutable messages are terminated.
//
// With nothing in hand it waits (up to MaxWait) for the first message only,
// then tops up with what is already pending: a batch is whatever has
// arrived, so an event at a quiet moment is produced at once instead of
// after MaxWait, and a busy stream still gives full batches.
func (r *route) fill() error {
	if len(r.inHand) > 0 || r.cfg.Batch == 1 {
		return r.fetch(max(r.cfg.Batch-len(r.inHand), 1), r.cfg.MaxWait)
	}
	if err := r.fetch(1, r.cfg.MaxWait); err != nil || len(r.inHand) == 0 {
		return err
	}
	return r.fetch(r.cfg.Batch-len(r.inHand), topUpWait)
}

// topUpWait is how long a top-up pull lives on the server: long enough for
// the pending messages to be delivered, short enough not to hold a batch.
const topUpWait = 2 * time.Millisecond

func (r *route) fetch(n int, wait time.Duration) error {
	// No FetchContext: a fetch abandoned by the client would leave messages
	// the server has delivered unseen until AckWait, and they would come back
	// behind later ones. The server ends the pull after wait.
	batch, err := r.cons.Fetch(n, jetstream.FetchMaxWait(wait), jetstream.FetchPriorityGroup(priorityGroup))
	if err != nil {
		return err
	}
	now := time.Now()
	if len(r.inHand) == 0 {
		r.markedAt = now
	}
	for m := range batch.Messages() {
		if p := m.Headers().Get(pinHeader); p != "" {
			r.pin = p
		}
		meta, err := m.Metadata()
		if err != nil {
			r.poison(m, "no metadata", err)
			continue
		}
		h, err := r.encode(m)
		if err != nil {
			r.poison(m, "undecodable", err)
			continue
		}
		h.seq = meta.Sequence.Stream
		if meta.NumDelivered > 1 || (r.lastDseq != 0 && meta.Sequence.Consumer != r.lastDseq+1) {
			r.verify = true // a redelivery, or deliveries we did not see
		}
		r.lastDseq = meta.Sequence.Consumer
		r.hold(h)
	}
	r.setInHand()
	return batch.Error()
}

// hold appends h in stream order; a redelivery of a message already held
// replaces it (its ack must go to the newest delivery).
func (r *route) hold(h held) {
	for i := range r.inHand {
		if r.inHand[i].seq == h.seq {
			r.inHand[i] = h
			return
		}
	}
	r.inHand = append(r.inHand, h)
}

// allPendingInHand reports whether every message the consumer has delivered
// and not yet seen acked is one we hold, and if so sorts them by stream
// sequence. JetStream redelivers in no guaranteed order (a redelivery that
// finds no waiting pull request goes to the back of its queue) and a message
// delivered to a replica that is gone comes back only after AckWait; writing
// later messages of a key before them would reorder the key. New messages are
// delivered in stream order, so once all pending messages are in hand and
// sorted, nothing earlier can come after them. Checked after a start, a
// redelivery, a gap in delivery sequences or a lost pin; not in steady state.
func (r *route) allPendingInHand(ctx context.Context) (bool, error) {
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := r.cons.Info(ictx)
	if err != nil {
		return false, err
	}
	if info.NumAckPending > len(r.inHand) {
		return false, nil
	}
	slices.SortFunc(r.inHand, func(a, b held) int { return cmp.Compare(a.seq, b.seq) })
	return true, nil
}

// encode maps a JetStream message to its Kafka message: the topic of its
// subject, key = aggregate id, value = the bytes as they are.
func (r *route) encode(m jetstream.Msg) (held, error) {
	var e contracts.Event
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		return held{}, err
	}
	if e.ID == "" || e.Type == "" {
		return held{}, errors.New("event without id or type")
	}
	topic, ok := r.rt.Topics[m.Subject()]
	if !ok {
		return held{}, fmt.Errorf("no topic for subject %s", m.Subject())
	}
	km := kafka.Message(topic, e, m.Data())
	size := len(km.Key) + len(km.Value) + recordOverhead
	for _, hd := range km.Headers {
		size += len(hd.Key) + len(hd.Value)
	}
	if size > batchBytes {
		return held{}, fmt.Errorf("event %s is %d bytes, more than a Kafka message may be (%d)", e.ID, size, batchBytes)
	}
	return held{msg: m, km: km, size: size}, nil
}

// poison terminates a message that can never be produced, and logs it.
func (r *route) poison(m jetstream.Msg, why string, err error) {
	r.log.Error("poison event terminated", "reason", why, platform.KeySubject, m.Subject(), platform.KeyError, err)
	if terr := m.TermWithReason(why + ": " + err.Error()); terr != nil {
		r.log.Warn("term failed", platform.KeySubject, m.Subject(), platform.KeyError, terr)
	}
	r.mu.Lock()
	r.count.Poison++
	r.mu.Unlock()
}

// produce writes what is held in chunks, each one Kafka write small enough
// that kafka-go sends it as one batch per partition; a chunk is acked once
// Kafka acknowledged it, and the next is written only then. So on an error
// everything after the failed chunk is still unwritten, and rewriting from
// the failed chunk on keeps the first appearance of every event in order.
func (r *route) produce(ctx context.Context) error {
	for len(r.inHand) > 0 {
		if time.Since(r.markedAt) > r.cfg.AckWait/3 {
			for _, h := range r.inHand {
				_ = h.msg.InProgress()
			}
			r.markedAt = time.Now()
		}
		n, bytes := 0, 0
		for n < len(r.inHand) && n < r.w.BatchSize && bytes+r.inHand[n].size <= batchBytes {
			bytes += r.inHand[n].size
			n++
		}
		msgs := make([]kafkago.Message, n)
		for i := range n {
			msgs[i] = r.inHand[i].km
		}
		if err := ctx.Err(); err != nil {
			return err // stopping: the rest goes back to JetStream
		}
		// A write under way is not cancelled by Stop: it finishes (or times
		// out) and, if Kafka took it, is acked, rather than being written
		// again by the next replica.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
		err := r.w.WriteMessages(wctx, msgs...)
		cancel()
		if err != nil {
			return err
		}
		for _, h := range r.inHand[:n] {
			if err := h.msg.Ack(); err != nil {
				// Not acked: JetStream redelivers it and Kafka gets a duplicate.
				r.log.Warn("ack failed", platform.KeyEventID, kafka.Header(h.km, contracts.HeaderEventID), platform.KeyError, err)
			}
		}
		r.inHand = r.inHand[n:]
		r.mu.Lock()
		r.count.Bridged += uint64(n)
		r.count.InHand = len(r.inHand)
		r.mu.Unlock()
	}
	r.inHand = nil
	return nil
}

// failed records an error in the stats.
func (r *route) failed(err error) {
	now := time.Now().UTC()
	r.mu.Lock()
	r.count.Failures++
	r.count.LastError = err.Error()
	r.count.LastErrorAt = &now
	r.mu.Unlock()
}

func (r *route) setInHand() {
	r.mu.Lock()
	r.count.InHand = len(r.inHand)
	r.mu.Unlock()
}

// stats are the route's counters and, if JetStream answers quickly, its lag.
func (r *route) stats(ctx context.Context) bridge.RouteStats {
	r.mu.Lock()
	out := r.count
	r.mu.Unlock()
	out.Lag = -1
	ictx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if info, err := r.cons.Info(ictx); err == nil {
		out.Lag = int64(info.NumPending) + int64(info.NumAckPending)
	}
	return out
}

// stop runs after run returned: it closes the writer (a write abandoned
// mid-flight finishes or fails first, so nothing of ours lands in Kafka
// later), hands the messages in hand back to JetStream in order, and gives
// up the pin so the next replica (or this service started again) takes over
// at once instead of after PinnedTTL.
func (r *route) stop(ctx context.Context) error {
	err := r.w.Close()
	for _, h := range r.inHand {
		_ = h.msg.Nak()
	}
	if len(r.inHand) > 0 {
		r.log.Info("stopping: handed unproduced messages back", platform.KeyCount, len(r.inHand))
	}
	r.inHand = nil
	r.setInHand()
	if r.pin != "" {
		info, ierr := r.cons.Info(ctx)
		if ierr == nil {
			for _, g := range info.PriorityGroups {
				if g.Group == priorityGroup && g.PinnedClientID == r.pin {
					if uerr := r.stream.UnpinConsumer(ctx, r.rt.Durable, priorityGroup); uerr != nil {
						r.log.Warn("unpin failed; the next replica waits for the pin to expire", platform.KeyError, uerr)
					}
				}
			}
		}
	}
	return err
}

// retry is the back-off of the bridge's retry loops (Kafka writes, JetStream
// requests, topic creation): 100 ms doubling to MaxBackoff, each wait drawn
// over [d/2, d) so replicas retrying one outage do not come back in step.
func (c Config) retry() backoff.Exp {
	return backoff.Exp{Min: 100 * time.Millisecond, Max: c.MaxBackoff, Jitter: 0.5}
}
