// Package bridge is the bridge service: one durable JetStream pull consumer
// per route of contracts/bridge.Routes that produces every event to its Kafka
// topic (key = aggregate id, value = the JetStream bytes as they are) and acks
// JetStream only after Kafka acknowledged the write. A failed write is retried
// with back-off, the same messages in the same order, so nothing is lost and
// the order per key holds; a retry may duplicate, which consumers absorb by
// event id. It owns no data: NATS in, Kafka out, and a micro service
// svc.bridge.v1 answering stats. See docs/adr/0009-bridge.md.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// priorityGroup is the JetStream priority group every bridge replica pulls
// in; the server pins each route's consumer to one replica at a time.
const priorityGroup = "bridge"

// Service is a running bridge.
type Service struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	svcs   *platform.Service
	routes []*route
	log    *slog.Logger

	cancel   context.CancelFunc
	wg       sync.WaitGroup
	ready    chan struct{} // closed once the topics exist
	instance atomic.Pointer[string]
	stopOnce sync.Once
	stopErr  error
}

// Start connects to NATS, makes sure the streams it reads exist (creating a
// missing one as its owner would), creates or updates its durable consumers,
// registers the micro service and starts bridging in the background. Kafka
// need not be up: topic creation and every write are retried (and logged)
// until it is. Only NATS problems make Start fail.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	log = log.With(platform.KeyService, bridge.Service)
	nc, err := platform.Connect(cfg.NATSURL, "slotmesh-"+bridge.Service, log)
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	s := &Service{nc: nc, log: log, ready: make(chan struct{})}
	fail := func(err error) (*Service, error) {
		for _, r := range s.routes {
			_ = r.w.Close()
		}
		nc.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	if s.js, err = jetstream.New(nc); err != nil {
		return fail(fmt.Errorf("jetstream: %w", err))
	}
	for _, rt := range bridge.Routes {
		r, err := newRoute(ctx, s.js, rt, cfg, log)
		if err != nil {
			return fail(err)
		}
		s.routes = append(s.routes, r)
	}

	bctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1 + len(s.routes))
	go func() {
		defer s.wg.Done()
		s.ensureTopics(bctx, cfg)
	}()
	for _, r := range s.routes {
		go func() {
			defer s.wg.Done()
			r.run(bctx, s.ready)
		}()
	}

	s.svcs, err = platform.AddService(nc, platform.ServiceSpec{
		Name:        bridge.Service,
		Version:     Version,
		Description: "mirrors the JetStream event streams onto Kafka topics",
		Group:       bridge.Group,
		Endpoints: []platform.Endpoint{
			platform.Handle(bridge.OpStats, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}, s.stats),
		},
		Workers: 1,
	})
	if err != nil {
		cancel()
		s.wg.Wait()
		return fail(err)
	}
	id := s.svcs.ID()
	s.instance.Store(&id)
	log.Info("bridge service started", KeyRoutes, len(s.routes), "brokers", cfg.Kafka.Brokers, "batch", cfg.Batch)
	return s, nil
}

// KeyRoutes is the log attribute of a number of routes.
const KeyRoutes = "routes"

// ensureTopics creates the bridge's topics, retrying with back-off until
// Kafka answers or the service stops, then lets the routes run.
func (s *Service) ensureTopics(ctx context.Context, cfg Config) {
	topics := bridge.Topics()
	bo := cfg.retry()
	for attempt := 1; ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := kafka.EnsureTopics(tctx, cfg.Kafka, topics...)
		cancel()
		if err == nil {
			s.log.Info("kafka topics ready", platform.KeyCount, len(topics), "brokers", cfg.Kafka.Brokers)
			close(s.ready)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			s.log.Warn("kafka topics not created yet; retrying", "attempt", attempt, platform.KeyError, err)
		}
		for _, r := range s.routes {
			r.failed(err)
		}
		if !clock.Sleep(ctx, bo.Next(attempt)) {
			return
		}
	}
}

// stats answers bridge.SubjectStats.
func (s *Service) stats(ctx context.Context, _ bridge.StatsRequest) (bridge.Stats, error) {
	out := bridge.Stats{}
	if id := s.instance.Load(); id != nil {
		out.Instance = *id
	}
	select {
	case <-s.ready:
		out.TopicsReady = true
	default:
	}
	for _, r := range s.routes {
		out.Routes = append(out.Routes, r.stats(ctx))
	}
	return out, nil
}

// Stop stops the micro service, abandons the batches in hand without acking
// what Kafka has not acknowledged (they are handed back to JetStream, in
// order, for the next pinned replica), gives up the pins, closes the Kafka
// writers and drains NATS. Safe to call twice.
func (s *Service) Stop() error {
	s.stopOnce.Do(func() {
		errs := []error{s.svcs.Stop()}
		s.cancel()
		s.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, r := range s.routes {
			errs = append(errs, r.stop(ctx))
		}
		errs = append(errs, drain(s.nc, 5*time.Second))
		s.stopErr = errors.Join(errs...)
		s.log.Info("bridge service stopped")
	})
	return s.stopErr
}

// drain drains nc (pending acks and naks are flushed) and waits for it to
// close, at most d.
func drain(nc *nats.Conn, d time.Duration) error {
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil {
		nc.Close()
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil
		}
		return err
	}
	select {
	case <-closed:
	case <-time.After(d):
		nc.Close()
	}
	return nil
}

// ensureStream makes sure a stream the bridge reads exists. Its owner
// creates it; if the bridge starts first it creates it with the owner's
// configuration (platform.EnsureStream), and never touches an existing one.
func ensureStream(ctx context.Context, js jetstream.JetStream, st contracts.Stream, cfg Config) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, st.Name)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("stream %s: %w", st.Name, err)
	}
	if err := platform.EnsureStream(ctx, js, st, cfg.Config); err != nil {
		return nil, err
	}
	return js.Stream(ctx, st.Name)
}
