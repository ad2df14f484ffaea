package platform

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// DepsSpec names what a service owns: its schema, migrations and stream.
type DepsSpec struct {
	Service string                                           // e.g. "user"
	Schema  string                                           // e.g. "userdb"
	Migrate func(ctx context.Context, p *pgxpool.Pool) error // the service's migrations (outbox included)
	Stream  *contracts.Stream                                // the service's event stream, nil if it emits none
	// PGParams are session settings for every connection (e.g. lock_timeout).
	PGParams map[string]string
}

// Deps are a running service's connections: NATS (+JetStream), its Postgres
// schema, Redis with the versioned cache, and its outbox relay.
type Deps struct {
	NC    *nats.Conn
	JS    jetstream.JetStream
	Pool  *pgxpool.Pool
	Redis *redis.Client
	Cache *cache.Cache
	Relay *outbox.Relay

	log         *slog.Logger
	relayCancel context.CancelFunc
	relayDone   chan struct{}
}

// OpenDeps connects everything, applies migrations, ensures the stream and
// starts the outbox relay. On error it closes what it opened.
func OpenDeps(ctx context.Context, cfg Config, spec DepsSpec, log *slog.Logger) (_ *Deps, err error) {
	d := &Deps{log: log} // not the result: "return nil, err" must not hide it from the cleanup
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	d.NC, err = Connect(cfg.NATSURL, "slotmesh-"+spec.Service, log)
	if err != nil {
		return nil, err
	}
	if d.JS, err = jetstream.New(d.NC); err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if spec.Schema != "" {
		if d.Pool, err = postgres.ConnectN(ctx, cfg.PGURL, spec.Schema, cfg.PGMaxConns, spec.PGParams); err != nil {
			return nil, err
		}
		if spec.Migrate != nil {
			if err = spec.Migrate(ctx, d.Pool); err != nil {
				return nil, err
			}
		}
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	d.Redis = redis.NewClient(opts)
	d.Cache = cache.New(d.Redis, cfg.RedisPrefix, cfg.CacheTTL)
	if spec.Stream != nil {
		if _, err = outbox.EnsureStream(ctx, d.JS, *spec.Stream, outbox.StreamOptions{
			Replicas: cfg.Replicas, DedupWindow: cfg.DedupWindow,
		}); err != nil {
			return nil, err
		}
		if d.Pool != nil {
			d.Relay = outbox.NewRelay(d.Pool, d.JS, outbox.RelayOptions{Schema: spec.Schema, Log: log})
			rctx, cancel := context.WithCancel(context.Background())
			d.relayCancel, d.relayDone = cancel, make(chan struct{})
			go func() {
				defer close(d.relayDone)
				_ = d.Relay.Run(rctx)
			}()
		}
	}
	return d, nil
}

// Close stops the relay and closes every connection (NATS is drained).
func (d *Deps) Close() {
	if d.relayCancel != nil {
		d.relayCancel()
		<-d.relayDone
	}
	if d.Redis != nil {
		_ = d.Redis.Close()
	}
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.NC != nil {
		drain(d.NC, 5*time.Second)
	}
}

// Connect opens a NATS connection that reconnects forever and logs its
// disconnects; url may list several servers separated by commas.
func Connect(url, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(strings.TrimSpace(url),
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", KeyError, err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}

// drain drains nc (in-flight handlers finish, then it closes), waiting at most d.
func drain(nc *nats.Conn, d time.Duration) {
	closed := make(chan struct{})
	nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
	if err := nc.Drain(); err != nil { // already closed, or cannot drain
		nc.Close()
		return
	}
	select {
	case <-closed:
	case <-time.After(d):
		nc.Close()
	}
}

// EnsureStream creates (or updates) a stream with the configured replicas and
// duplicate window.
func EnsureStream(ctx context.Context, js jetstream.JetStream, s contracts.Stream, cfg Config) error {
	_, err := outbox.EnsureStream(ctx, js, s, outbox.StreamOptions{Replicas: cfg.Replicas, DedupWindow: cfg.DedupWindow})
	return err
}
