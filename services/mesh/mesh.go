// Package mesh wires slotmesh together: it starts the services (each with its
// own NATS connection, as separate processes would) and the gateway, in one
// process for `slotmesh dev` and tests, or one of them for `slotmesh serve`.
package mesh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/services/booking"
	bookingpg "github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/user"
	userpg "github.com/slotmesh/slotmesh/services/user/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/vendors"
	vendorpg "github.com/slotmesh/slotmesh/services/vendors/adapters/postgres"
)

// Services lists what `serve` accepts, in start order; "gateway" is last.
var Services = []string{"user", "vendor", "booking", "gateway"}

// Config is every component's configuration, read from one environment.
type Config struct {
	Base    platform.Config
	User    user.Config
	Vendor  vendors.Config
	Booking booking.Config
	Gateway gateway.Config
}

// ConfigFromEnv reads all of it; every problem is reported at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := Config{Base: platform.BaseFromEnv(getenv, &errs)}
	var err error
	c.User, err = user.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Vendor, err = vendors.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Booking, err = booking.ConfigFromEnv(getenv)
	errs = append(errs, err)
	e := platform.Env(getenv)
	c.Gateway = gateway.DefaultConfig()
	c.Gateway.Addr = e.Str("HTTP_ADDR", c.Gateway.Addr)
	c.Gateway.RequestTimeout = e.Duration("REQUEST_TIMEOUT", c.Gateway.RequestTimeout, &errs)
	c.Gateway.MaxBodyBytes = int64(e.Int("MAX_BODY_BYTES", int(c.Gateway.MaxBodyBytes), &errs))
	return c, errors.Join(errs...)
}

// Mesh is a set of running components.
type Mesh struct {
	stops   []func() error
	Gateway *gateway.Server // nil unless the gateway was started
}

// Start starts the named components (all of Services when names is empty).
// The gateway is built but not listening: serve m.Gateway yourself (dev does).
func Start(ctx context.Context, cfg Config, log *slog.Logger, names ...string) (m *Mesh, err error) {
	if len(names) == 0 {
		names = Services
	}
	for _, n := range names {
		if !slices.Contains(Services, n) {
			return nil, fmt.Errorf("unknown service %q (have %v)", n, Services)
		}
	}
	m = &Mesh{}
	defer func() {
		if err != nil {
			m.Stop()
		}
	}()
	if slices.Contains(names, "user") {
		svc, err := user.Start(ctx, cfg.User, log)
		if err != nil {
			return nil, err
		}
		m.stops = append(m.stops, svc.Stop)
	}
	if slices.Contains(names, "vendor") {
		svc, err := vendors.Start(ctx, cfg.Vendor, log)
		if err != nil {
			return nil, err
		}
		m.stops = append(m.stops, svc.Stop)
	}
	if slices.Contains(names, "booking") {
		svc, err := booking.Start(ctx, cfg.Booking, log)
		if err != nil {
			return nil, err
		}
		m.stops = append(m.stops, svc.Stop)
	}
	if slices.Contains(names, "gateway") {
		nc, err := platform.Connect(cfg.Base.NATSURL, "slotmesh-gateway", log)
		if err != nil {
			return nil, err
		}
		m.stops = append(m.stops, func() error { return nc.Drain() })
		m.Gateway = gateway.NewServer(cfg.Gateway, nc, log.With(platform.KeyService, "gateway"))
	}
	return m, nil
}

// Stop stops everything in reverse start order.
func (m *Mesh) Stop() {
	for i := len(m.stops) - 1; i >= 0; i-- {
		_ = m.stops[i]()
	}
	m.stops = nil
}

// Migrate creates the database if needed and applies every service's
// migrations.
func Migrate(ctx context.Context, cfg Config) error {
	if err := postgres.EnsureDatabase(ctx, cfg.Base.PGURL); err != nil {
		return err
	}
	for _, m := range []struct {
		schema  string
		migrate func(context.Context, *pgxpool.Pool) error
	}{{userpg.Schema, userpg.Migrate}, {vendorpg.Schema, vendorpg.Migrate}, {bookingpg.Schema, bookingpg.Migrate}} {
		pool, err := postgres.Connect(ctx, cfg.Base.PGURL, m.schema)
		if err != nil {
			return err
		}
		err = m.migrate(ctx, pool)
		pool.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// EnsureDatabase creates the database named in PG_URL if it is missing.
func EnsureDatabase(ctx context.Context, pgURL string) error {
	return postgres.EnsureDatabase(ctx, pgURL)
}

// Ping checks that NATS answers (used by dev before starting services).
func Ping(url string) error {
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	nc.Close()
	return nil
}

// NewLogger is the binary's one logger (LOG_LEVEL, LOG_FORMAT).
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	return platform.NewLogger(w, level, format)
}
