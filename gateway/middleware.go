package gateway

import (
	"context"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

const headerRequestID = "X-Request-Id"

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slotmesh_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slotmesh_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// streamSuffix ends the path of the live booking stream, the one route
// whose deadline is STREAM_TIMEOUT rather than REQUEST_TIMEOUT.
const streamSuffix = "/bookings/stream"

// middleware wraps every request: request id, deadline, body limit, panic
// recovery, access log and metrics.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(headerRequestID)
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		w.Header().Set(headerRequestID, id)
		timeout := s.cfg.RequestTimeout
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, streamSuffix) && s.cfg.StreamTimeout > 0 {
			timeout = s.cfg.StreamTimeout // a live stream: keep-alives, then "event: reconnect" before this
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		ctx = natsrpc.WithRequestID(ctx, id)
		r = r.WithContext(ctx)
		if r.ContentLength > s.cfg.MaxBodyBytes {
			writeError(w, apperr.E(apperr.BodyTooLarge, "request body is larger than %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		}
		// The API speaks JSON only; curl -d labels bodies as a form.
		if ct := r.Header.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			r.Header.Set("Content-Type", "application/json")
		}
		if !canonicalPath(r.URL.Path) {
			// ServeMux would answer a 307 with an HTML body; the API speaks
			// JSON and its paths never have empty, "." or ".." segments.
			writeError(w, apperr.E(apperr.NotFound, "no route for %s %q: not a canonical path", r.Method, r.URL.Path))
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in handler", "request_id", id, "panic", p)
				if rec.status == 0 {
					writeError(rec, apperr.E(apperr.Internal, "internal error").With("request_id", id))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
			s.log.Debug("http", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", status, "elapsed", elapsed)
		}()
		next.ServeHTTP(rec, r)
	})
}

// canonicalPath is ServeMux's test: the path as path.Clean leaves it,
// a trailing slash kept.
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if p[len(p)-1] == '/' && c != "/" {
		c += "/"
	}
	return c == p
}

type ctxKey int

const actorKey ctxKey = iota

// authenticate is huma middleware: operations that declare the bearer
// security scheme need a valid token; the user id travels on as the actor.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || len(op.Security) == 0 {
		next(ctx)
		return
	}
	h := ctx.Header("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "missing bearer token")
		return
	}
	userID, err := s.auth.Verify(ctx.Context(), strings.TrimSpace(token))
	if err != nil {
		if _, unavailable := err.(*keysUnavailable); unavailable {
			s.log.Warn("cannot verify tokens", "error", err)
			_ = huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "authentication temporarily unavailable")
			return
		}
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "invalid or expired token")
		return
	}
	c := natsrpc.WithActor(ctx.Context(), userID)
	c = context.WithValue(c, actorKey, userID)
	next(huma.WithContext(ctx, c))
}

// actor is the authenticated user id of an operation with bearer security.
func actor(ctx context.Context) string {
	s, _ := ctx.Value(actorKey).(string)
	return s
}
