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
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/services/archive"
	archivepg "github.com/slotmesh/slotmesh/services/archive/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/booking"
	bookingpg "github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/bookings"
	"github.com/slotmesh/slotmesh/services/bridge"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/notification"
	notificationpg "github.com/slotmesh/slotmesh/services/notification/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/payment"
	paymentpg "github.com/slotmesh/slotmesh/services/payment/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search"
	searchpg "github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/user"
	userpg "github.com/slotmesh/slotmesh/services/user/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/vendors"
	vendorpg "github.com/slotmesh/slotmesh/services/vendors/adapters/postgres"
)

// Services lists what `serve` accepts, in start order; "gateway" is last.
var Services = []string{"user", "vendor", "payment", "booking", "bridge", "archive", "bookings", "notification", "search", "gateway"}

// Config is every component's configuration, read from one environment.
type Config struct {
	Base     platform.Config
	User     user.Config
	Vendor   vendors.Config
	Payment  payment.Config
	Booking  booking.Config
	Bookings bookings.Config
	Archive  archive.Config
	Bridge   bridge.Config
	Notify   notification.Config
	Search   search.Config
	Gateway  gateway.Config
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
	c.Payment, err = payment.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Booking, err = booking.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Bookings, err = bookings.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Archive, err = archive.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Bridge, err = bridge.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Notify, err = notification.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Search, err = search.ConfigFromEnv(getenv)
	errs = append(errs, err)
	e := platform.Env(getenv)
	c.Gateway = gateway.DefaultConfig()
	c.Gateway.Addr = e.Str("HTTP_ADDR", c.Gateway.Addr)
	c.Gateway.RequestTimeout = e.Duration("REQUEST_TIMEOUT", c.Gateway.RequestTimeout, &errs)
	c.Gateway.StreamTimeout = e.Duration("STREAM_TIMEOUT", c.Gateway.StreamTimeout, &errs)
	c.Gateway.MaxBodyBytes = int64(e.Int("MAX_BODY_BYTES", int(c.Gateway.MaxBodyBytes), &errs))
	errs = append(errs, c.Gateway.LimitsFromEnv(getenv)) // RATE_*, TRUSTED_PROXIES, REDIS_URL/REDIS_PREFIX
	return c, errors.Join(errs...)
}

// Mesh is a set of running components.
type Mesh struct {
	mu      sync.Mutex
	cfg     Config
	log     *slog.Logger
	order   []string
	stops   map[string]func() error
	Gateway *gateway.Server // nil unless the gateway was started
}

// starters start one component each and return how to stop it.
var starters = map[string]func(ctx context.Context, m *Mesh) (func() error, error){
	"user": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := user.Start(ctx, m.cfg.User, m.log)
		return stopOf(svc, err)
	},
	"vendor": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := vendors.Start(ctx, m.cfg.Vendor, m.log)
		return stopOf(svc, err)
	},
	"payment": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := payment.Start(ctx, m.cfg.Payment, m.log)
		return stopOf(svc, err)
	},
	"booking": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := booking.Start(ctx, m.cfg.Booking, m.log)
		return stopOf(svc, err)
	},
	"notification": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := notification.Start(ctx, m.cfg.Notify, m.log)
		return stopOf(svc, err)
	},
	"bridge": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := bridge.Start(ctx, m.cfg.Bridge, m.log)
		return stopOf(svc, err)
	},
	"archive": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := archive.Start(ctx, m.cfg.Archive, m.log)
		return stopOf(svc, err)
	},
	"bookings": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := bookings.Start(ctx, m.cfg.Bookings, m.log)
		return stopOf(svc, err)
	},
	"search": func(ctx context.Context, m *Mesh) (func() error, error) {
		svc, err := search.Start(ctx, m.cfg.Search, m.log)
		return stopOf(svc, err)
	},
	"gateway": func(_ context.Context, m *Mesh) (func() error, error) {
		nc, err := platform.Connect(m.cfg.Base.NATSURL, "slotmesh-gateway", m.log)
		if err != nil {
			return nil, err
		}
		gw := gateway.NewServer(m.cfg.Gateway, nc, m.log.With(platform.KeyService, "gateway"))
		m.Gateway = gw
		return func() error { _ = gw.Close(); return nc.Drain() }, nil
	},
}

func stopOf[S interface{ Stop() error }](svc S, err error) (func() error, error) {
	if err != nil {
		return nil, err
	}
	return svc.Stop, nil
}

// Start starts the named components (all of Services when names is empty).
// The gateway is built but not listening: serve m.Gateway yourself (dev does).
func Start(ctx context.Context, cfg Config, log *slog.Logger, names ...string) (*Mesh, error) {
	if len(names) == 0 {
		names = Services
	}
	for _, n := range names {
		if !slices.Contains(Services, n) {
			return nil, fmt.Errorf("unknown service %q (have %v)", n, Services)
		}
	}
	m := &Mesh{cfg: cfg, log: log, stops: map[string]func() error{}}
	for _, n := range Services { // in dependency order
		if !slices.Contains(names, n) {
			continue
		}
		if err := m.StartService(ctx, n); err != nil {
			m.Stop()
			return nil, err
		}
	}
	return m, nil
}

// StartService starts one component (again); fault tests stop and restart.
func (m *Mesh) StartService(ctx context.Context, name string) error {
	start, ok := starters[name]
	if !ok {
		return fmt.Errorf("unknown service %q (have %v)", name, Services)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, running := m.stops[name]; running {
		return fmt.Errorf("%s is already running", name)
	}
	stop, err := start(ctx, m)
	if err != nil {
		return err
	}
	m.stops[name] = stop
	m.order = append(m.order, name)
	return nil
}

// StopService stops one component: in-flight requests finish, then it is gone.
func (m *Mesh) StopService(name string) error {
	m.mu.Lock()
	stop, ok := m.stops[name]
	delete(m.stops, name)
	m.order = slices.DeleteFunc(m.order, func(n string) bool { return n == name })
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s is not running", name)
	}
	return stop()
}

// Stop stops everything in reverse start order.
func (m *Mesh) Stop() {
	m.mu.Lock()
	order := slices.Clone(m.order)
	m.mu.Unlock()
	for i := len(order) - 1; i >= 0; i-- {
		_ = m.StopService(order[i])
	}
}

// Migrate creates the database if needed and applies every service's
// migrations.
func Migrate(ctx context.Context, cfg Config) error {
	if err := postgres.EnsureDatabase(ctx, cfg.Base.PGURL); err != nil {
		return err
	}
	type schema struct {
		schema  string
		migrate func(context.Context, *pgxpool.Pool) error
	}
	schemas := []schema{{userpg.Schema, userpg.Migrate}, {vendorpg.Schema, vendorpg.Migrate}, {bookingpg.Schema, bookingpg.Migrate}, {paymentpg.Schema, paymentpg.Migrate}, {notificationpg.Schema, notificationpg.Migrate}, {searchpg.Schema, searchpg.Migrate}}
	if cfg.Archive.Driver() == archive.DriverPostgres {
		schemas = append(schemas, schema{archivepg.Schema, archivepg.Migrate})
	}
	for _, m := range schemas {
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
