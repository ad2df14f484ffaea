package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedis is the server tests use unless SLOTMESH_TEST_REDIS says otherwise.
const DefaultRedis = "redis://127.0.0.1:6379/0"

// Redis is a test's slice of the shared Redis server: every key the code under
// test writes must start with Prefix (services take it as REDIS_PREFIX).
type Redis struct {
	URL    string
	Prefix string
	Client *redis.Client
}

// StartRedis gives t a unique key prefix on the test Redis server and deletes
// every key under it when t ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	raw := os.Getenv("SLOTMESH_TEST_REDIS")
	if raw == "" {
		raw = DefaultRedis
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("testenv: SLOTMESH_TEST_REDIS: %v", err)
	}
	c := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		t.Fatalf("testenv: cannot reach Redis at %s: %v\n%s", opts.Addr, err, howToStart)
	}
	r := &Redis{URL: raw, Prefix: "t" + randomHex(6) + ":", Client: c}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, r.Prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		_ = c.Close()
	})
	return r
}
