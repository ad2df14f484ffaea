package platform

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults that work on a developer machine.
const (
	DefaultNATSURL  = "nats://127.0.0.1:4222"
	DefaultPGURL    = "postgres://postgres@127.0.0.1:5432/slotmesh?sslmode=disable"
	DefaultRedisURL = "redis://127.0.0.1:6379/0"
)

// Config is what every service reads from the environment. A service's own
// Config embeds it and adds its fields.
type Config struct {
	NATSURL     string        // NATS_URL: comma-separated server URLs
	PGURL       string        // PG_URL
	RedisURL    string        // REDIS_URL
	RedisPrefix string        // REDIS_PREFIX: prepended to every key (shared Redis, tests)
	LogLevel    string        // LOG_LEVEL
	LogFormat   string        // LOG_FORMAT: text or json
	Replicas    int           // STREAM_REPLICAS: JetStream stream replicas (3 in production)
	DedupWindow time.Duration // STREAM_DEDUP_WINDOW: JetStream duplicate window for outbox publishes
	CacheTTL    time.Duration // CACHE_TTL: lifetime of a cache entry
	CallTimeout time.Duration // CALL_TIMEOUT: handler deadline for one request
	PGMaxConns  int           // PG_MAX_CONNS: pool size per service process
}

// Env reads variables; os.Getenv in main, a map in tests.
type Env func(string) string

// Str is getenv(key) or def.
func (e Env) Str(key, def string) string {
	if v := strings.TrimSpace(e(key)); v != "" {
		return v
	}
	return def
}

// Int parses getenv(key), or returns def; a bad number is recorded in errs.
func (e Env) Int(key string, def int, errs *[]error) int {
	v := strings.TrimSpace(e(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: not an integer: %q", key, v))
		return def
	}
	return n
}

// MaxWorkers bounds a service's worker pool (ServiceSpec.Workers) as its
// configuration accepts it.
const MaxWorkers = 1024

// Workers reads a service's worker pool size (ServiceSpec.Workers) from key,
// e.g. SERVICE_WORKERS, or, while key is unset, from deprecated: the variable
// that counted micro instances before ADR 0021, which also meant concurrent
// handlers per process. A bad number is recorded in errs.
func (e Env) Workers(key, deprecated string, def int, errs *[]error) int {
	if strings.TrimSpace(e(key)) == "" && strings.TrimSpace(e(deprecated)) != "" {
		return e.Int(deprecated, def, errs)
	}
	return e.Int(key, def, errs)
}

// Duration parses getenv(key) as a Go duration, or returns def.
func (e Env) Duration(key string, def time.Duration, errs *[]error) time.Duration {
	v := strings.TrimSpace(e(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: not a duration: %q", key, v))
		return def
	}
	return d
}

// BaseFromEnv reads the common fields. Parse problems are returned with the
// Validate problems by the caller.
func BaseFromEnv(getenv func(string) string, errs *[]error) Config {
	e := Env(getenv)
	return Config{
		NATSURL:     e.Str("NATS_URL", DefaultNATSURL),
		PGURL:       e.Str("PG_URL", DefaultPGURL),
		RedisURL:    e.Str("REDIS_URL", DefaultRedisURL),
		RedisPrefix: e.Str("REDIS_PREFIX", ""),
		LogLevel:    e.Str("LOG_LEVEL", "info"),
		LogFormat:   e.Str("LOG_FORMAT", "text"),
		Replicas:    e.Int("STREAM_REPLICAS", 1, errs),
		DedupWindow: e.Duration("STREAM_DEDUP_WINDOW", 10*time.Minute, errs),
		CacheTTL:    e.Duration("CACHE_TTL", 10*time.Minute, errs),
		CallTimeout: e.Duration("CALL_TIMEOUT", 5*time.Second, errs),
		PGMaxConns:  e.Int("PG_MAX_CONNS", 12, errs),
	}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.NATSURL == "" {
		errs = append(errs, errors.New("NATS_URL: empty"))
	}
	for _, s := range []struct{ name, v string }{{"PG_URL", c.PGURL}, {"REDIS_URL", c.RedisURL}} {
		if u, err := url.Parse(s.v); err != nil || u.Scheme == "" {
			errs = append(errs, fmt.Errorf("%s: not a URL: %q", s.name, s.v))
		}
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("STREAM_REPLICAS: %d not in 1..5", c.Replicas))
	}
	if c.DedupWindow < time.Second {
		errs = append(errs, fmt.Errorf("STREAM_DEDUP_WINDOW: %s is too short", c.DedupWindow))
	}
	if c.PGMaxConns < 2 || c.PGMaxConns > 500 {
		errs = append(errs, fmt.Errorf("PG_MAX_CONNS: %d not in 2..500", c.PGMaxConns))
	}
	if c.CallTimeout <= 0 {
		errs = append(errs, fmt.Errorf("CALL_TIMEOUT: must be positive"))
	}
	return errors.Join(errs...)
}

// RedactURL hides the user info (a password) of a URL-like string for
// messages and logs: scheme://user:pass@host/... -> scheme://xxxxx@host/...
// It also works on strings url.Parse refuses (several hosts, for example).
func RedactURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		return scheme + "://xxxxx" + rest[i:]
	}
	return s
}
