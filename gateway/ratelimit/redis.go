package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a Limiter on Redis: GCRA in one Lua script per request
// (github.com/go-redis/redis_rate), so every gateway replica shares the
// budgets. Keys: "rate:" + prefix + "gateway:" + key.
type Redis struct {
	rdb    *redis.Client
	rl     *redis_rate.Limiter
	prefix string
}

// CheckRedisURL reports whether NewRedis would accept url.
func CheckRedisURL(url string) error {
	_, err := redis.ParseURL(url)
	return err
}

// NewRedis connects (lazily) to the Redis at url. Its timeouts are short: a
// slow Redis must not slow logins down, the gateway fails open.
func NewRedis(url, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: REDIS_URL: %w", err)
	}
	opts.DialTimeout = 250 * time.Millisecond
	opts.ReadTimeout = 250 * time.Millisecond
	opts.WriteTimeout = 250 * time.Millisecond
	opts.MaxRetries = 0
	opts.DialerRetries = 1 // one dial, no back-off: a Redis that is down fails the call at once
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	return &Redis{rdb: rdb, rl: redis_rate.NewLimiter(rdb), prefix: prefix}, nil
}

// Allow implements Limiter.
func (l *Redis) Allow(ctx context.Context, key string, r Rate) (bool, time.Duration, error) {
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
// TAT in seconds since 2017-01-01 (TestRateLimitFailedLoginsPerAccount in
// gateway/ fails if that ever changes).
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
func (l *Redis) Refund(ctx context.Context, key string, r Rate) error {
	if r.Off() {
		return nil
	}
	ei := r.Per.Seconds() / float64(r.N)
	return refundScript.Run(ctx, l.rdb, []string{"rate:" + l.key(key)}, ei).Err() // redis_rate prefixes "rate:"
}

// key is a budget's key as given to redis_rate.
func (l *Redis) key(k string) string { return l.prefix + "gateway:" + k }

// Close closes the Redis client.
func (l *Redis) Close() error { return l.rdb.Close() }
