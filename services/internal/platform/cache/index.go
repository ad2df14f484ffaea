package cache

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// An Index is a sorted, versioned list of entities kept in Redis next to
// their owner's database — e.g. "the current bookings of user u by start" —
// so a reader pages through it without touching the database. It is three
// keys sharing one hash tag (one Redis Cluster slot):
//
//   - a ZSET of ids by score,
//   - a HASH of id -> "<version>|<payload>" (an empty payload is a tombstone),
//     whose presence says the index is complete ("warm"),
//   - a generation counter bumped by every write.
//
// The owner calls Apply after every committed change. Apply keeps a warm
// index in step (newer versions only, so out-of-order writers cannot resurrect
// a removed entry) and leaves a cold one cold. A reader that finds the index
// cold loads the full list from the source of truth and Warms it; Warm is
// optimistic (WATCH on the generation), so a write that lands while the list
// is being read aborts the warm instead of being lost. A warm index lives for
// the cache TTL and is then rebuilt, which also bounds how long a write lost
// to a Redis outage can leave it stale.
type Index struct {
	c               *Cache
	zset, data, gen string
}

// Index names the index of (service, entity, id), e.g. ("booking",
// "user_current", userID).
func (c *Cache) Index(service, entity, id string) Index {
	base := c.Key(service, entity, "{"+id+"}")
	return Index{c: c, zset: base, data: base + ":data", gen: base + ":gen"}
}

// IndexEntry is one entity in an index: Present false removes it.
type IndexEntry struct {
	ID      string
	Score   float64
	Version int64
	Payload []byte
	Present bool
}

var applyEntry = redis.NewScript(`
redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
if redis.call('EXISTS', KEYS[2]) == 0 then
  return 0
end
local cur = redis.call('HGET', KEYS[2], ARGV[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+)|'))
  if v and v >= tonumber(ARGV[3]) then
    return 0
  end
end
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|' .. ARGV[4])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '|')
end
return 1
`)

// QueueApply adds one entity's change to a pipeline.
func (x Index) QueueApply(ctx context.Context, pipe redis.Pipeliner, e IndexEntry) {
	present := "0"
	if e.Present {
		present = "1"
	}
	applyEntry.Eval(ctx, pipe, []string{x.zset, x.data, x.gen}, e.ID, strconv.FormatFloat(e.Score, 'f', -1, 64),
		strconv.FormatInt(e.Version, 10), e.Payload, present, (3 * x.c.ttl).Milliseconds())
}

// Drop makes the index cold (after a write could not be applied).
func (x Index) Drop(ctx context.Context) error {
	return x.c.rdb.Del(ctx, x.zset, x.data).Err()
}

// ErrCold says the index is not warm: read the source of truth (and Warm).
var ErrCold = errors.New("cache: index is cold")

// Range is a page request: scores in [Min, Max], after (Score, ID) when
// AfterID is set, at most Limit entries for which Keep (if set) is true.
type Range struct {
	Min, Max   float64
	AfterScore float64
	AfterID    string
	Limit      int
	Keep       func(payload []byte) bool
}

// Page returns entries in (score, id) order, or ErrCold.
func (x Index) Page(ctx context.Context, r Range) ([]IndexEntry, error) {
	rdb := x.c.rdb
	min := strconv.FormatFloat(r.Min, 'f', -1, 64)
	if r.AfterID != "" && r.AfterScore > r.Min {
		min = strconv.FormatFloat(r.AfterScore, 'f', -1, 64)
	}
	max := strconv.FormatFloat(r.Max, 'f', -1, 64)
	var out []IndexEntry
	const batch = 200
	for offset := int64(0); ; offset += batch {
		pipe := rdb.Pipeline()
		warm := pipe.Exists(ctx, x.data)
		zs := pipe.ZRangeByScoreWithScores(ctx, x.zset, &redis.ZRangeBy{Min: min, Max: max, Offset: offset, Count: batch})
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		if warm.Val() == 0 {
			return nil, ErrCold
		}
		ids := make([]string, 0, len(zs.Val()))
		scores := make([]float64, 0, len(zs.Val()))
		for _, z := range zs.Val() {
			id := z.Member.(string)
			if r.AfterID != "" && (z.Score < r.AfterScore || z.Score == r.AfterScore && id <= r.AfterID) {
				continue
			}
			ids, scores = append(ids, id), append(scores, z.Score)
		}
		if len(ids) > 0 {
			vals, err := rdb.HMGet(ctx, x.data, ids...).Result()
			if err != nil {
				return nil, err
			}
			for i, v := range vals {
				s, _ := v.(string)
				ver, payload, ok := strings.Cut(s, "|")
				if !ok || payload == "" { // removed meanwhile
					continue
				}
				if r.Keep != nil && !r.Keep([]byte(payload)) {
					continue
				}
				n, _ := strconv.ParseInt(ver, 10, 64)
				out = append(out, IndexEntry{ID: ids[i], Score: scores[i], Version: n, Payload: []byte(payload), Present: true})
				if len(out) == r.Limit {
					return out, nil
				}
			}
		}
		if len(zs.Val()) < batch {
			return out, nil
		}
	}
}

// Warm replaces the index with what load returns, unless a write was applied
// meanwhile (then it reports false and the index stays cold).
func (x Index) Warm(ctx context.Context, load func(context.Context) ([]IndexEntry, error)) (bool, error) {
	err := x.c.rdb.Watch(ctx, func(tx *redis.Tx) error {
		entries, err := load(ctx)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, x.zset, x.data)
			p.HSet(ctx, x.data, "~warm", "0|")
			for _, e := range entries {
				if !e.Present {
					continue
				}
				p.ZAdd(ctx, x.zset, redis.Z{Score: e.Score, Member: e.ID})
				p.HSet(ctx, x.data, e.ID, strconv.FormatInt(e.Version, 10)+"|"+string(e.Payload))
			}
			p.PExpire(ctx, x.zset, x.c.ttl)
			p.PExpire(ctx, x.data, x.c.ttl)
			return nil
		})
		return err
	}, x.gen)
	if errors.Is(err, redis.TxFailedErr) {
		return false, nil
	}
	return err == nil, err
}
