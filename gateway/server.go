// Package gateway is slotmesh's HTTP front door (API.md): it authenticates
// apps, validates JSON and turns each request into a NATS request to a
// service through the typed clients in contracts/. It imports contracts only,
// never services/.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookings"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Version of the HTTP API document.
const Version = "0.1.0"

// Config of the gateway.
type Config struct {
	Addr           string        // HTTP_ADDR
	RequestTimeout time.Duration // REQUEST_TIMEOUT: whole request, NATS calls included
	StreamTimeout  time.Duration // STREAM_TIMEOUT: how long a live stream stays open before it asks the client to reconnect
	MaxBodyBytes   int64         // MAX_BODY_BYTES: largest request body
	Services       []string      // micro services /readyz pings

	// Rate limits (LimitsFromEnv). Limiter, when set, keeps the budgets;
	// otherwise NewServer makes a RedisLimiter on RedisURL, and with neither
	// nothing is limited.
	Rate        RateLimits
	RedisURL    string // REDIS_URL; "" with RATE_LIMITS=off
	RedisPrefix string // REDIS_PREFIX
	Limiter     Limiter
}

// DefaultConfig works locally.
func DefaultConfig() Config {
	return Config{
		Addr:           ":8080",
		RequestTimeout: 10 * time.Second,
		StreamTimeout:  10 * time.Minute,
		MaxBodyBytes:   8 << 20, // backstop; each operation has its own, smaller limit
		Services: []string{user.Service, vendors.Service, booking.Service, payment.Service, bookings.Service,
			archive.Service, notification.Service, bridge.Service, search.Service},
		Rate: DefaultRateLimits(),
	}
}

// Server is the HTTP handler of the gateway.
type Server struct {
	cfg      Config
	nc       *nats.Conn
	log      *slog.Logger
	users    *user.Client
	vendors  *vendors.Client
	bookings *booking.Client
	manage   *bookings.Client // booking management: lists
	auth     *verifier
	limiter  Limiter
	closers  []func() error
	metrics  *metrics
	api      huma.API
	handler  http.Handler
}

// huma raises its own errors (validation, limits) through this package-level
// hook; set it once, before any server exists.
func init() { huma.NewError = newHumaError }

// NewServer builds the gateway on a NATS connection.
func NewServer(cfg Config, nc *nats.Conn, log *slog.Logger) *Server {
	s := &Server{
		cfg:      cfg,
		nc:       nc,
		log:      log,
		users:    user.NewClient(nc),
		vendors:  vendors.NewClient(nc),
		bookings: booking.NewClient(nc),
		manage:   bookings.NewClient(nc),
		metrics:  newMetrics(prometheus.NewRegistry()),
	}
	s.limiter = cfg.Limiter
	if s.limiter == nil && cfg.RedisURL != "" {
		if l, err := NewRedisLimiter(cfg.RedisURL, cfg.RedisPrefix); err != nil {
			log.Error("rate limits are off", "error", err) // LimitsFromEnv has validated the URL
		} else {
			s.limiter = l
			s.closers = append(s.closers, l.Close)
		}
	}
	s.auth = newVerifier(func(ctx context.Context) (user.KeysResponse, error) { return s.users.Keys(ctx) })
	mux := http.NewServeMux()
	hc := huma.DefaultConfig("slotmesh API", Version)
	hc.Info.Description = "Reservations for restaurants (tables) and hotels (rooms). Errors: " +
		`{"error": {"code", "message", "details"}}` + " with a stable snake_case code."
	hc.CreateHooks = nil // no "$schema" links in bodies: API.md fixes the shapes
	hc.OpenAPIPath = "/openapi"
	hc.DocsPath = "" // served by docs.go, self-contained (no CDN)
	hc.SchemasPath = "/schemas"
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	s.api = humago.New(mux, hc)
	s.api.UseMiddleware(s.authenticate, s.rateLimit)
	s.routes(mux)
	s.handler = s.middleware(mux)
	return s
}

// Close releases what NewServer opened (the rate limiter's Redis client).
func (s *Server) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI is the generated API document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// ListenAndServe serves on cfg.Addr until ctx ends, then shuts down
// gracefully. ready, if not nil, receives the bound address.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("gateway: listen %s: %w", s.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
