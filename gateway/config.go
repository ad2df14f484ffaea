package gateway

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/gateway/ratelimit"
)

// Config of the gateway: DefaultConfig works locally, ConfigFromEnv is the
// only reader of the environment, Validate reports every problem at once.
type Config struct {
	Addr           string        // HTTP_ADDR
	RequestTimeout time.Duration // REQUEST_TIMEOUT: whole request, NATS calls included
	StreamTimeout  time.Duration // STREAM_TIMEOUT: how long a live stream stays open before it asks the client to reconnect (0: REQUEST_TIMEOUT)
	MaxBodyBytes   int64         // MAX_BODY_BYTES: largest request body
	Services       []string      // micro services /readyz pings (not from the environment)

	// Rate limits. Limiter, when set, keeps the budgets; otherwise NewServer
	// makes a Redis limiter on RedisURL, and with neither nothing is limited.
	Rate        RateLimits
	RedisURL    string            // REDIS_URL; "" with RATE_LIMITS=off
	RedisPrefix string            // REDIS_PREFIX
	Limiter     ratelimit.Limiter // not from the environment (tests)
}

// RateLimits are the gateway's abuse limits (API.md: 429 rate_limited).
type RateLimits struct {
	Login ratelimit.Rate // RATE_LOGIN_PER_MIN: POST /v1/sessions per client IP
	// LoginFails (RATE_LOGIN_FAILS_PER_HOUR): wrong passwords per account,
	// from any number of addresses. An attempt takes one from the account's
	// budget before the password is checked and a correct one gives it
	// back, so only failures count; a spent budget answers 429 without
	// checking the password (a guess cannot be confirmed meanwhile).
	LoginFails ratelimit.Rate
	SignUp     ratelimit.Rate // RATE_SIGNUP_PER_HOUR: POST /v1/users per client IP
	Book       ratelimit.Rate // RATE_BOOK_PER_MIN: POST /v1/bookings per user
	BookIP     ratelimit.Rate // RATE_BOOK_IP_PER_MIN: POST /v1/bookings per client IP (many users behind one NAT)
	// TrustedProxies (TRUSTED_PROXIES, comma-separated IPs or CIDRs): only a
	// request from one of these may name the client in X-Forwarded-For.
	TrustedProxies []netip.Prefix
}

// DefaultRedisURL is where the budgets live unless REDIS_URL says otherwise
// (the services' default too).
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// maxRate is the largest count a rate variable takes.
const maxRate = 1_000_000

// DefaultConfig works locally. Its limits leave real users alone and make
// guessing passwords, mass sign-ups and slot hoarding slow, but it names no
// Redis, so a server built on it limits nothing until it is given a Limiter
// or a RedisURL; ConfigFromEnv turns the limits on by default (RATE_LIMITS),
// in the Redis at DefaultRedisURL.
func DefaultConfig() Config {
	return Config{
		Addr:           ":8080",
		RequestTimeout: 10 * time.Second,
		StreamTimeout:  10 * time.Minute,
		MaxBodyBytes:   8 << 20, // backstop; each operation has its own, smaller limit
		Services: []string{user.Service, vendors.Service, booking.Service, payment.Service, bookingquery.Service,
			archive.Service, notification.Service, bridge.Service, search.Service},
		Rate: RateLimits{
			Login:      ratelimit.Rate{N: 20, Per: time.Minute},
			LoginFails: ratelimit.Rate{N: 10, Per: time.Hour},
			SignUp:     ratelimit.Rate{N: 20, Per: time.Hour},
			Book:       ratelimit.Rate{N: 10, Per: time.Minute},
			BookIP:     ratelimit.Rate{N: 60, Per: time.Minute},
		},
	}
}

// ConfigFromEnv reads the gateway's configuration over DefaultConfig:
// HTTP_ADDR, REQUEST_TIMEOUT, STREAM_TIMEOUT, MAX_BODY_BYTES; the rate
// limits RATE_LIMITS (on|off, default on), RATE_LOGIN_PER_MIN,
// RATE_LOGIN_FAILS_PER_HOUR, RATE_SIGNUP_PER_HOUR, RATE_BOOK_PER_MIN,
// RATE_BOOK_IP_PER_MIN (0 turns one off) and TRUSTED_PROXIES; and the Redis
// the budgets live in, REDIS_URL / REDIS_PREFIX (the variables the services
// read). Problems reading a value come back with Validate's, all at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := DefaultConfig()
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := str(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: not a duration: %q", name, v))
			return def
		}
		return d
	}
	integer := func(name string, def int64) int64 {
		v := str(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: not an integer: %q", name, v))
			return def
		}
		return n
	}
	rate := func(name string, def ratelimit.Rate) ratelimit.Rate {
		return ratelimit.Rate{N: int(integer(name, int64(def.N))), Per: def.Per}
	}

	c.Addr = str("HTTP_ADDR", c.Addr)
	c.RequestTimeout = duration("REQUEST_TIMEOUT", c.RequestTimeout)
	c.StreamTimeout = duration("STREAM_TIMEOUT", c.StreamTimeout)
	c.MaxBodyBytes = integer("MAX_BODY_BYTES", c.MaxBodyBytes)

	r := &c.Rate
	r.Login = rate("RATE_LOGIN_PER_MIN", r.Login)
	r.LoginFails = rate("RATE_LOGIN_FAILS_PER_HOUR", r.LoginFails)
	r.SignUp = rate("RATE_SIGNUP_PER_HOUR", r.SignUp)
	r.Book = rate("RATE_BOOK_PER_MIN", r.Book)
	r.BookIP = rate("RATE_BOOK_IP_PER_MIN", r.BookIP)
	proxies, err := parseTrustedProxies(getenv("TRUSTED_PROXIES"))
	errs = append(errs, err)
	r.TrustedProxies = proxies

	switch v := strings.ToLower(strings.TrimSpace(getenv("RATE_LIMITS"))); v {
	case "", "on", "true":
		c.RedisURL = str("REDIS_URL", DefaultRedisURL)
		c.RedisPrefix = str("REDIS_PREFIX", "")
	case "off", "false":
		c.RedisURL = ""
	default:
		errs = append(errs, fmt.Errorf("RATE_LIMITS: %q is not on or off", v))
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("HTTP_ADDR: %q is not host:port", c.Addr))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("REQUEST_TIMEOUT: %s is not positive", c.RequestTimeout))
	}
	if c.StreamTimeout < 0 {
		errs = append(errs, fmt.Errorf("STREAM_TIMEOUT: %s is negative", c.StreamTimeout))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, fmt.Errorf("MAX_BODY_BYTES: %d is not positive", c.MaxBodyBytes))
	}
	for _, r := range []struct {
		name string
		rate ratelimit.Rate
	}{
		{"RATE_LOGIN_PER_MIN", c.Rate.Login}, {"RATE_LOGIN_FAILS_PER_HOUR", c.Rate.LoginFails},
		{"RATE_SIGNUP_PER_HOUR", c.Rate.SignUp}, {"RATE_BOOK_PER_MIN", c.Rate.Book}, {"RATE_BOOK_IP_PER_MIN", c.Rate.BookIP},
	} {
		if r.rate.N < 0 || r.rate.N > maxRate {
			errs = append(errs, fmt.Errorf("%s: %d is not a count in 0..%d", r.name, r.rate.N, maxRate))
		} else if !r.rate.Off() && r.rate.Per <= 0 {
			errs = append(errs, fmt.Errorf("%s: the period %s is not positive", r.name, r.rate.Per))
		}
	}
	if c.RedisURL != "" {
		if err := ratelimit.CheckRedisURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("REDIS_URL (rate limits): %w", err))
		}
	}
	return errors.Join(errs...)
}

// parseTrustedProxies reads TRUSTED_PROXIES: a comma-separated list of IPs
// and CIDRs.
func parseTrustedProxies(s string) ([]netip.Prefix, error) {
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
