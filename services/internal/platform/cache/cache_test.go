package cache_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/testenv"
)

func newCache(t *testing.T, ttl time.Duration) (*cache.Cache, *redis.Client, string) {
	t.Helper()
	r := testenv.StartRedis(t)
	return cache.New(r.Client, r.Prefix, ttl), r.Client, r.Prefix
}

func TestKey(t *testing.T) {
	t.Parallel()
	c := cache.New(nil, "t1:", 0)
	if got := c.Key("user", "user", "42"); got != "t1:user:user:42" {
		t.Fatalf("Key = %q", got)
	}
}

func TestPutOnlyNewer(t *testing.T) {
	t.Parallel()
	c, rdb, _ := newCache(t, time.Minute)
	ctx := context.Background()
	key := c.Key("svc", "thing", "1")

	if _, ok, err := c.Get(ctx, key); ok || err != nil {
		t.Fatalf("Get on an empty cache: ok=%v err=%v, want a miss", ok, err)
	}
	steps := []struct {
		version   int64
		payload   string
		wantStore bool
		wantGet   string
	}{
		{2, "v2", true, "v2"},
		{1, "v1", false, "v2"},     // older: never hides v2
		{2, "v2-bis", false, "v2"}, // same version: first writer wins
		{3, "v3", true, "v3"},
	}
	for _, s := range steps {
		stored, err := c.Put(ctx, key, s.version, []byte(s.payload))
		if err != nil {
			t.Fatal(err)
		}
		if stored != s.wantStore {
			t.Fatalf("Put v%d: stored=%v, want %v", s.version, stored, s.wantStore)
		}
		got, ok, err := c.Get(ctx, key)
		if err != nil || !ok || string(got) != s.wantGet {
			t.Fatalf("Get after Put v%d: %q ok=%v err=%v, want %q", s.version, got, ok, err, s.wantGet)
		}
	}
	if v, err := rdb.HGet(ctx, key, "v").Int64(); err != nil || v != 3 {
		t.Fatalf("cached version %d (%v), want 3", v, err)
	}

	if err := c.Drop(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := c.Get(ctx, key); ok || err != nil {
		t.Fatalf("Get after Drop: ok=%v err=%v, want a miss", ok, err)
	}
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Fatalf("key still exists after Drop (%d, %v)", n, err)
	}
	if err := c.Drop(ctx, key); err != nil { // dropping a missing key is fine
		t.Fatal(err)
	}
}

func TestPutSetsTTL(t *testing.T) {
	t.Parallel()
	const ttl = 30 * time.Second
	c, rdb, prefix := newCache(t, ttl)
	ctx := context.Background()
	key := c.Key("svc", "thing", "ttl")
	if _, err := c.Put(ctx, key, 1, []byte("a")); err != nil {
		t.Fatal(err)
	}
	pttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if pttl <= 0 || pttl > ttl {
		t.Fatalf("PTTL %v, want in (0, %v]", pttl, ttl)
	}
	// A newer Put refreshes the TTL; shorten it first to see that.
	if err := rdb.PExpire(ctx, key, time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, key, 2, []byte("b")); err != nil {
		t.Fatal(err)
	}
	if pttl, err = rdb.PTTL(ctx, key).Result(); err != nil || pttl <= time.Second {
		t.Fatalf("PTTL after a newer Put %v (%v), want it refreshed to about %v", pttl, err, ttl)
	}

	// The zero TTL means the default (10 minutes), not "no expiry".
	def := cache.New(rdb, prefix, 0)
	dkey := def.Key("svc", "thing", "default")
	if _, err := def.Put(ctx, dkey, 1, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if pttl, err = rdb.PTTL(ctx, dkey).Result(); err != nil || pttl <= 9*time.Minute || pttl > 10*time.Minute {
		t.Fatalf("default PTTL %v (%v), want about 10m", pttl, err)
	}
}

func TestBinaryPayload(t *testing.T) {
	t.Parallel()
	c, _, _ := newCache(t, time.Minute)
	ctx := context.Background()
	key := c.Key("svc", "thing", "bin")
	want := []byte{0, 1, 2, 0xff, '\n', 0}
	if _, err := c.Put(ctx, key, 1, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Get(ctx, key)
	if err != nil || !ok || string(got) != string(want) {
		t.Fatalf("Get = %v ok=%v err=%v, want %v", got, ok, err, want)
	}
}

// TestConcurrentPutsKeepMax: many writers Put versions 1..200 of one key in
// random order while readers watch. The cached version only ever grows, the
// payload always belongs to the version beside it, and at the end the cache
// holds the maximum.
func TestConcurrentPutsKeepMax(t *testing.T) {
	t.Parallel()
	c, rdb, _ := newCache(t, time.Minute)
	ctx := context.Background()
	key := c.Key("svc", "thing", "hammer")
	const writers, readers, maxVersion = 16, 4, 200
	payload := func(v int64) string { return "payload-" + strconv.FormatInt(v, 10) }

	var wg, rg sync.WaitGroup
	stop := make(chan struct{})
	for range readers {
		rg.Go(func() {
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				vals, err := rdb.HMGet(ctx, key, "v", "d").Result()
				if err != nil {
					t.Error(err)
					return
				}
				if vals[0] == nil {
					if last != 0 {
						t.Errorf("entry vanished after version %d", last)
						return
					}
					continue
				}
				v, err := strconv.ParseInt(vals[0].(string), 10, 64)
				if err != nil {
					t.Error(err)
					return
				}
				if v < last {
					t.Errorf("cached version went back from %d to %d", last, v)
					return
				}
				if d, _ := vals[1].(string); d != payload(v) {
					t.Errorf("version %d cached with payload %q", v, d)
					return
				}
				last = v
			}
		})
	}
	stored := make([]int, writers)
	for w := range writers {
		wg.Go(func() {
			// Every writer puts every version, in its own random order, with a
			// few random repeats.
			versions := rand.Perm(maxVersion)
			for range 20 {
				versions = append(versions, rand.IntN(maxVersion))
			}
			for _, v := range versions {
				ok, err := c.Put(ctx, key, int64(v+1), []byte(payload(int64(v+1))))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					stored[w]++
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	rg.Wait()

	v, err := rdb.HGet(ctx, key, "v").Result()
	if err != nil || v != fmt.Sprint(maxVersion) {
		t.Fatalf("final cached version %q (%v), want %d", v, err, maxVersion)
	}
	got, ok, err := c.Get(ctx, key)
	if err != nil || !ok || string(got) != payload(maxVersion) {
		t.Fatalf("final payload %q ok=%v err=%v", got, ok, err)
	}
	total := 0
	for _, n := range stored {
		total += n
	}
	// Each stored Put strictly raised the version, so at most maxVersion did.
	if total < 1 || total > maxVersion {
		t.Fatalf("%d Puts reported stored, want between 1 and %d", total, maxVersion)
	}
}

func TestRedisDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every call fails fast with an error, which
	// callers treat as a miss (Get) or ignore (Put, Drop).
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	c := cache.New(rdb, "down:", time.Minute)
	ctx := context.Background()
	key := c.Key("svc", "thing", "1")
	if _, ok, err := c.Get(ctx, key); err == nil || ok {
		t.Fatalf("Get with Redis down: ok=%v err=%v, want an error", ok, err)
	}
	if stored, err := c.Put(ctx, key, 1, []byte("x")); err == nil || stored {
		t.Fatalf("Put with Redis down: stored=%v err=%v, want an error", stored, err)
	}
	if err := c.Drop(ctx, key); err == nil {
		t.Fatal("Drop with Redis down: want an error")
	}
}
