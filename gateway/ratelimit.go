package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Rate is at most N requests per Per, paced by GCRA with a burst of N: a
// client that waited may spend the whole budget at once, then one request
// every Per/N. N = 0 turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	if r.N <= 0 {
		return "off"
	}
	return fmt.Sprintf("%d per %s", r.N, r.Per)
}

// RateLimits are the gateway's abuse limits (API.md: 429 rate_limited).
type RateLimits struct {
	Login Rate // RATE_LOGIN_PER_MIN: POST /v1/sessions per client IP
	// LoginFails (RATE_LOGIN_FAILS_PER_HOUR): wrong passwords per account,
	// from any number of addresses. An attempt takes one from the account's
	// budget before the password is checked and a correct one gives it
	// back, so only failures count; a spent budget answers 429 without
	// checking the password (a guess cannot be confirmed meanwhile).
	LoginFails Rate
	SignUp     Rate // RATE_SIGNUP_PER_HOUR: POST /v1/users per client IP
	Book       Rate // RATE_BOOK_PER_MIN: POST /v1/bookings per user
	BookIP     Rate // RATE_BOOK_IP_PER_MIN: POST /v1/bookings per client IP (many users behind one NAT)
	// TrustedProxies (TRUSTED_PROXIES, comma-separated IPs or CIDRs): only a
	// request from one of these may name the client in X-Forwarded-For.
	TrustedProxies []netip.Prefix
}

// DefaultRateLimits leave real users alone and make guessing passwords,
// mass sign-ups and slot hoarding slow.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Login:      Rate{20, time.Minute},
		LoginFails: Rate{10, time.Hour},
		SignUp:     Rate{20, time.Hour},
		Book:       Rate{10, time.Minute},
		BookIP:     Rate{60, time.Minute},
	}
}

// Limiter takes one request from key's budget. A refusal says when to retry.
// An error means the limiter could not decide; the gateway then lets the
// request through (fails open) and logs it.
type Limiter interface {
	Allow(ctx context.Context, key string, r Rate) (allowed bool, retryAfter time.Duration, err error)
	// Refund gives one request back to key's budget.
	Refund(ctx context.Context, key string, r Rate) error
}

// LimitsFromEnv reads the rate limits and the Redis they live in:
// RATE_LIMITS (on|off, default on), RATE_LOGIN_PER_MIN, RATE_LOGIN_FAILS_PER_HOUR, RATE_SIGNUP_PER_HOUR,
// RATE_BOOK_PER_MIN, RATE_BOOK_IP_PER_MIN (0 turns one off), TRUSTED_PROXIES,
// and REDIS_URL / REDIS_PREFIX (the same variables the services read). Every
// problem is reported at once.
func (c *Config) LimitsFromEnv(getenv func(string) string) error {
	var errs []error
	l := DefaultRateLimits()
	num := func(name string, def Rate, per time.Duration) Rate {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			errs = append(errs, fmt.Errorf("%s: %q is not a count in 0..1000000", name, v))
			return def
		}
		return Rate{n, per}
	}
	l.Login = num("RATE_LOGIN_PER_MIN", l.Login, time.Minute)
	l.LoginFails = num("RATE_LOGIN_FAILS_PER_HOUR", l.LoginFails, time.Hour)
	l.SignUp = num("RATE_SIGNUP_PER_HOUR", l.SignUp, time.Hour)
	l.Book = num("RATE_BOOK_PER_MIN", l.Book, time.Minute)
	l.BookIP = num("RATE_BOOK_IP_PER_MIN", l.BookIP, time.Minute)
	proxies, err := ParseTrustedProxies(getenv("TRUSTED_PROXIES"))
	if err != nil {
		errs = append(errs, err)
	}
	l.TrustedProxies = proxies
	switch v := strings.ToLower(strings.TrimSpace(getenv("RATE_LIMITS"))); v {
	case "", "on", "true":
		c.RedisURL = strings.TrimSpace(getenv("REDIS_URL"))
		if c.RedisURL == "" {
			c.RedisURL = "redis://127.0.0.1:6379/0"
		}
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("REDIS_URL (rate limits): %w", err))
		}
		c.RedisPrefix = getenv("REDIS_PREFIX")
	case "off", "false":
		c.RedisURL = ""
	default:
		errs = append(errs, fmt.Errorf("RATE_LIMITS: %q is not on or off", v))
	}
	c.Rate = l
	return errors.Join(errs...)
}

// ParseTrustedProxies reads a comma-separated list of IPs and CIDRs.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is not an IP or CIDR", f))
			continue
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, errors.Join(errs...)
}

// RedisLimiter is a Limiter on Redis: GCRA in one Lua script per request
// (github.com/go-redis/redis_rate), so every gateway replica shares the
// budgets. Keys: "rate:" + prefix + "gateway:<limit>:<ip|user>:<id>".
type RedisLimiter struct {
	rdb    *redis.Client
	rl     *redis_rate.Limiter
	prefix string
}

// NewRedisLimiter connects (lazily) to the Redis at url. Its timeouts are
// short: a slow Redis must not slow logins down, the gateway fails open.
func NewRedisLimiter(url, prefix string) (*RedisLimiter, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: REDIS_URL: %w", err)
	}
	opts.DialTimeout = 250 * time.Millisecond
	opts.ReadTimeout = 250 * time.Millisecond
	opts.WriteTimeout = 250 * time.Millisecond
	opts.MaxRetries = 0
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	return &RedisLimiter{rdb: rdb, rl: redis_rate.NewLimiter(rdb), prefix: prefix}, nil
}

// Allow implements Limiter.
func (l *RedisLimiter) Allow(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
	res, err := l.rl.Allow(ctx, l.key(key), redis_rate.Limit{Rate: r.N, Burst: r.N, Period: r.Per})
	if err != nil {
		return true, 0, err
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// refundScript moves a GCRA key's theoretical arrival time (TAT) back by one
// emission interval, atomically; a TAT that reaches now is the same as no
// key. redis_rate has no refund (a negative cost that lands before now is
// not written back), so this reads its layout: the key "rate:"+key holds the
// TAT in seconds since 2017-01-01 (TestRateLimitFailedLoginsPerAccount
// fails if that ever changes).
var refundScript = redis.NewScript(`
local tat = redis.call("GET", KEYS[1])
if not tat then
  return 0
end
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + (t[2] / 1000000)
local new_tat = tonumber(tat) - tonumber(ARGV[1])
if new_tat <= now then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], new_tat, "EX", math.ceil(new_tat - now))
end
return 1
`)

// Refund implements Limiter: it gives back one request's share of the
// budget (one emission interval, Per/N).
func (l *RedisLimiter) Refund(ctx context.Context, key string, r Rate) error {
	if r.N <= 0 {
		return nil
	}
	ei := r.Per.Seconds() / float64(r.N)
	return refundScript.Run(ctx, l.rdb, []string{"rate:" + l.key(key)}, ei).Err() // redis_rate prefixes "rate:"
}

// key is a budget's key as given to redis_rate.
func (l *RedisLimiter) key(k string) string { return l.prefix + "gateway:" + k }

// Close closes the Redis client.
func (l *RedisLimiter) Close() error { return l.rdb.Close() }

// limitedOps are the operations with limits: per client IP, and per user
// where the operation is authenticated.
func (s *Server) limitsOf(opID string) (perIP, perUser Rate, name string) {
	r := s.cfg.Rate
	switch opID {
	case "createSession":
		return r.Login, Rate{}, "login"
	case "signUp":
		return r.SignUp, Rate{}, "signup"
	case "createBooking":
		return r.BookIP, r.Book, "book"
	}
	return Rate{}, Rate{}, ""
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
	checks := []struct {
		key  string
		rate Rate
		what string
	}{{name + ":ip:" + s.clientIP(ctx), perIP, "per client address"}}
	if u := actor(ctx.Context()); u != "" {
		checks = append(checks, struct {
			key  string
			rate Rate
			what string
		}{name + ":user:" + u, perUser, "per user"})
	}
	for _, c := range checks {
		if c.rate.N <= 0 {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx.Context(), 300*time.Millisecond)
		ok, retry, err := s.limiter.Allow(lctx, c.key, c.rate)
		cancel()
		if err != nil {
			// Fail open: an outage of Redis must not lock everyone out.
			s.log.Warn("rate limiter unavailable; letting the request through", "limit", name, "error", err)
			continue
		}
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

// limitedError is a 429 rate_limited with its Retry-After header (a handler
// returns it; huma writes the header).
type limitedError struct {
	*ErrorBody
	Header http.Header `json:"-"`
}

// GetHeaders implements huma.HeadersError.
func (e *limitedError) GetHeaders() http.Header { return e.Header }

func limited(name, what string, r Rate, retry time.Duration) *limitedError {
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
	if s.limiter == nil || r.N <= 0 {
		return func() {}, nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	key := "login:account:" + hex.EncodeToString(sum[:16])
	lctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	ok, retry, err := s.limiter.Allow(lctx, key, r)
	cancel()
	if err != nil {
		s.log.Warn("rate limiter unavailable; letting the request through", "limit", "login per account", "error", err)
		return func() {}, nil
	}
	if !ok {
		return nil, limited("login", "failed logins per account", r, retry)
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 300*time.Millisecond)
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
