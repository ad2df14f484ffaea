package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/gateway/ratelimit"
)

// The rate-limit middleware: which budgets an operation spends (Config.Rate,
// by client address, user or account) and the 429 rate_limited answer. The
// budgets themselves are kept by a ratelimit.Limiter.

// limiterTimeout bounds one look at the limiter: past it the request goes
// ahead (fail open).
const limiterTimeout = 300 * time.Millisecond

// limitsOf are the limits of an operation: per client IP, and per user
// where the operation is authenticated.
func (s *Server) limitsOf(opID string) (perIP, perUser ratelimit.Rate, name string) {
	r := s.cfg.Rate
	switch opID {
	case "createSession":
		return r.Login, ratelimit.Rate{}, "login"
	case "signUp":
		return r.SignUp, ratelimit.Rate{}, "signup"
	case "createBooking":
		return r.BookIP, r.Book, "book"
	}
	return ratelimit.Rate{}, ratelimit.Rate{}, ""
}

// rateLimit is huma middleware after authenticate: it answers 429
// rate_limited with Retry-After (whole seconds) once a budget is spent.
func (s *Server) rateLimit(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if s.limiter == nil || op == nil {
		next(ctx)
		return
	}
	perIP, perUser, name := s.limitsOf(op.OperationID)
	if name == "" {
		next(ctx)
		return
	}
	type check struct {
		key  string
		rate ratelimit.Rate
		what string
	}
	checks := []check{{name + ":ip:" + s.clientIP(ctx), perIP, "per client address"}}
	if u := actor(ctx.Context()); u != "" {
		checks = append(checks, check{name + ":user:" + u, perUser, "per user"})
	}
	for _, c := range checks {
		if c.rate.Off() {
			continue
		}
		ok, retry := s.allow(ctx.Context(), c.key, c.rate, name)
		if ok {
			continue
		}
		e := limited(name, c.what, c.rate, retry)
		ctx.SetHeader("Retry-After", e.Header.Get("Retry-After"))
		_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, e.Err.Message, &e.Err)
		return
	}
	next(ctx)
}

// allow takes one request from key's budget. A limiter that cannot decide
// lets the request through (an outage of Redis must not lock everyone out)
// and says so in the log.
func (s *Server) allow(ctx context.Context, key string, r ratelimit.Rate, limit string) (bool, time.Duration) {
	lctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	ok, retry, err := s.limiter.Allow(lctx, key, r)
	if err != nil {
		s.log.Warn("rate limiter unavailable; letting the request through", "limit", limit, "error", err)
		return true, 0
	}
	return ok, retry
}

// limitedError is a 429 rate_limited with its Retry-After header (a handler
// returns it; huma writes the header).
type limitedError struct {
	*ErrorBody
	Header http.Header `json:"-"`
}

// GetHeaders implements huma.HeadersError.
func (e *limitedError) GetHeaders() http.Header { return e.Header }

func limited(name, what string, r ratelimit.Rate, retry time.Duration) *limitedError {
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	e := apperr.E(apperr.RateLimited, "too many requests (%s, %s); retry after %d s", name, what, secs).
		With("retry_after_seconds", secs).With("limit", r.String())
	return &limitedError{ErrorBody: fromAppErr(e), Header: http.Header{"Retry-After": {strconv.Itoa(secs)}}}
}

// takeLoginAttempt takes one attempt from the account's failed-login budget
// before the password is checked. It returns the 429 to answer when the
// budget is spent, and what to call when the password proved right (to give
// the attempt back). The key is a hash of the normalised email: no address
// in Redis. Redis down: the attempt goes ahead (fail open, logged).
func (s *Server) takeLoginAttempt(ctx context.Context, email string) (refund func(), err error) {
	r := s.cfg.Rate.LoginFails
	if s.limiter == nil || r.Off() {
		return func() {}, nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	key := "login:account:" + hex.EncodeToString(sum[:16])
	ok, retry := s.allow(ctx, key, r, "login per account")
	if !ok {
		return nil, limited("login", "failed logins per account", r, retry)
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limiterTimeout)
		defer cancel()
		if err := s.limiter.Refund(rctx, key, r); err != nil {
			s.log.Warn("rate limiter: could not give a login attempt back", "error", err)
		}
	}, nil
}

// clientIP is the address the budget is kept for: the TCP peer, or, when the
// peer is a trusted proxy, the right-most X-Forwarded-For entry that is not
// itself a trusted proxy. IPv6 clients are counted by /64 (one host's share).
func (s *Server) clientIP(ctx huma.Context) string {
	return clientKey(ctx.RemoteAddr(), ctx.Header("X-Forwarded-For"), s.cfg.Rate.TrustedProxies)
}

func clientKey(remote, xff string, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return "unknown"
	}
	peer = peer.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	client := peer
	if isTrusted(peer) && xff != "" {
		hops := strings.Split(xff, ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // garbage: keep the last good hop
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
	}
	if client.Is6() {
		p, _ := client.Prefix(64)
		return p.String()
	}
	return client.String()
}
