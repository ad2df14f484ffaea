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
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/gateway/ratelimit"
)

// Version of the HTTP API document.
const Version = "0.1.0"

// Server is the HTTP handler of the gateway.
type Server struct {
	cfg      Config
	nc       *nats.Conn
	log      *slog.Logger
	users    *user.Client
	vendors  *vendors.Client
	bookings *booking.Client
	manage   *bookingquery.Client // booking management: lists
	auth     *verifier
	limiter  ratelimit.Limiter
	closers  []func() error
	metrics  *metrics
	api      huma.API
	handler  http.Handler
}

// NewServer builds the gateway on a NATS connection.
func NewServer(cfg Config, nc *nats.Conn, log *slog.Logger) *Server {
	s := &Server{
		cfg:      cfg,
		nc:       nc,
		log:      log,
		users:    user.NewClient(nc),
		vendors:  vendors.NewClient(nc),
		bookings: booking.NewClient(nc),
		manage:   bookingquery.NewClient(nc),
		metrics:  newMetrics(prometheus.NewRegistry()),
	}
	s.limiter = cfg.Limiter
	if s.limiter == nil && cfg.RedisURL != "" {
		if l, err := ratelimit.NewRedis(cfg.RedisURL, cfg.RedisPrefix); err != nil {
			log.Error("rate limits are off", "error", err) // Config.Validate has checked the URL
		} else {
			s.limiter = l
			s.closers = append(s.closers, l.Close)
		}
	}
	s.auth = newVerifier(func(ctx context.Context) (user.KeysResponse, error) { return s.users.Keys(ctx) })
	mux := http.NewServeMux()
	s.api = newAPI(mux)
	s.api.UseMiddleware(s.authenticate, s.rateLimit)
	s.routes(mux)
	s.handler = s.middleware(mux)
	return s
}

// humaErrors guards the one change of huma's package state (newAPI).
var humaErrors sync.Once

// newAPI is the huma API of the gateway on mux, before its operations. The
// errors huma raises itself (validation, body limits, malformed JSON) are
// made by huma.NewError, a package variable: huma has no per-API hook for it
// (danielgtaylor/huma#352). So it is set here, once and before the first
// operation is registered (registration reads it for the error schema), to
// newHumaError, which answers with the API.md body like every other error.
func newAPI(mux *http.ServeMux) huma.API {
	humaErrors.Do(func() { huma.NewError = newHumaError })
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
	return humago.New(mux, hc)
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
