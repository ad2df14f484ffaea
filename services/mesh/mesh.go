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

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/services/archive"
	"github.com/slotmesh/slotmesh/services/booking"
	"github.com/slotmesh/slotmesh/services/bookingquery"
	"github.com/slotmesh/slotmesh/services/bridge"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/notification"
	"github.com/slotmesh/slotmesh/services/payment"
	"github.com/slotmesh/slotmesh/services/search"
	"github.com/slotmesh/slotmesh/services/user"
	"github.com/slotmesh/slotmesh/services/vendors"
)

// Components is the registry of services, in start order: adding a service
// is its package (with its Component, see services/booking/component.go)
// and one entry here. `slotmesh dev`, `serve`, `migrate`, the chaos run and
// the tests iterate it.
var Components = []platform.Component{
	user.Component, vendors.Component, payment.Component, booking.Component, bridge.Component,
	archive.Component, bookingquery.Component, notification.Component, search.Component,
}

// Gateway is the name `serve` takes for the HTTP gateway.
const Gateway = "gateway"

// Services lists what `serve` accepts, in start order; the gateway is last.
var Services = func() []string {
	out := make([]string, 0, len(Components)+1)
	for _, c := range Components {
		out = append(out, c.Name)
	}
	return append(out, Gateway)
}()

// Component is the registered component named name.
func Component(name string) (platform.Component, bool) {
	i := slices.IndexFunc(Components, func(c platform.Component) bool { return c.Name == name })
	if i < 0 {
		return platform.Component{}, false
	}
	return Components[i], true
}

// Config is every component's configuration, read from one environment.
type Config struct {
	Base     platform.Config
	Services map[string]any // each registered component's, by name
	Gateway  gateway.Config
}

// ConfigFromEnv reads all of it; every problem is reported at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := Config{Base: platform.BaseFromEnv(getenv, &errs), Services: make(map[string]any, len(Components))}
	for _, comp := range Components {
		cfg, err := comp.Config(getenv)
		c.Services[comp.Name] = cfg
		errs = append(errs, err)
	}
	var err error
	c.Gateway, err = gateway.ConfigFromEnv(getenv)
	errs = append(errs, err)
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

// startGateway builds the gateway on its own NATS connection (it is not
// listening: serve m.Gateway yourself, as dev does).
func (m *Mesh) startGateway() (func() error, error) {
	nc, err := platform.Connect(m.cfg.Base.NATSURL, "slotmesh-gateway", m.log)
	if err != nil {
		return nil, err
	}
	gw := gateway.NewServer(m.cfg.Gateway, nc, m.log.With(platform.KeyService, Gateway))
	m.Gateway = gw
	return func() error { _ = gw.Close(); return nc.Drain() }, nil
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
	comp, ok := Component(name)
	if !ok && name != Gateway {
		return fmt.Errorf("unknown service %q (have %v)", name, Services)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, running := m.stops[name]; running {
		return fmt.Errorf("%s is already running", name)
	}
	var stop func() error
	var err error
	if name == Gateway {
		stop, err = m.startGateway()
	} else {
		var svc platform.Stopper
		if svc, err = comp.Start(ctx, m.cfg.Services[name], m.log); err == nil {
			stop = svc.Stop
		}
	}
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

// Migrate creates the database if needed and applies every registered
// component's migrations.
func Migrate(ctx context.Context, cfg Config) error {
	if err := postgres.EnsureDatabase(ctx, cfg.Base.PGURL); err != nil {
		return err
	}
	return platform.MigrateAll(ctx, cfg.Base.PGURL, Components, cfg.Services)
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
