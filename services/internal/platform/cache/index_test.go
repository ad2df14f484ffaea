package cache_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
)

func apply(t *testing.T, ctx context.Context, c *cache.Cache, x cache.Index, es ...cache.IndexEntry) {
	t.Helper()
	pipe := c.Pipeline()
	for _, e := range es {
		x.QueueApply(ctx, pipe, e)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func ids(es []cache.IndexEntry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func all(x cache.Index, ctx context.Context, r cache.Range) ([]string, error) {
	r.Min, r.Max = math.Inf(-1), math.Inf(1)
	es, err := x.Page(ctx, r)
	return ids(es), err
}

func TestIndexColdWarmApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, _ := newCache(t, time.Minute)
	x := c.Index("svc", "current", "u1")
	e := func(id string, score float64, v int64, present bool) cache.IndexEntry {
		return cache.IndexEntry{ID: id, Score: score, Version: v, Payload: []byte("p-" + id + fmt.Sprint(v)), Present: present}
	}
	// Cold: writes do not make it warm, reads say cold.
	apply(t, ctx, c, x, e("a", 10, 1, true))
	if _, err := all(x, ctx, cache.Range{Limit: 10}); !errors.Is(err, cache.ErrCold) {
		t.Fatalf("cold index read: %v", err)
	}
	ok, err := x.Warm(ctx, func(context.Context) ([]cache.IndexEntry, error) {
		return []cache.IndexEntry{e("a", 10, 1, true), e("b", 5, 1, true), e("c", 10, 1, true)}, nil
	})
	if !ok || err != nil {
		t.Fatalf("warm: %v %v", ok, err)
	}
	got, err := all(x, ctx, cache.Range{Limit: 10})
	if err != nil || !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Fatalf("warm page: %v %v", got, err)
	}
	// Newer versions apply; an older one arriving late does not resurrect.
	apply(t, ctx, c, x, e("a", 10, 2, false), e("d", 1, 1, true))
	apply(t, ctx, c, x, e("a", 10, 1, true))
	got, _ = all(x, ctx, cache.Range{Limit: 10})
	if !slices.Equal(got, []string{"d", "b", "c"}) {
		t.Fatalf("after apply: %v", got)
	}
	// Paging after (score, id), a filter, and a score range.
	got, _ = all(x, ctx, cache.Range{Limit: 10, AfterScore: 5, AfterID: "b"})
	if !slices.Equal(got, []string{"c"}) {
		t.Fatalf("after b: %v", got)
	}
	got, _ = all(x, ctx, cache.Range{Limit: 1, Keep: func(p []byte) bool { return string(p) != "p-d1" }})
	if !slices.Equal(got, []string{"b"}) {
		t.Fatalf("kept: %v", got)
	}
	es, err := x.Page(ctx, cache.Range{Min: 6, Max: 100, Limit: 10})
	if err != nil || !slices.Equal(ids(es), []string{"c"}) || string(es[0].Payload) != "p-c1" || es[0].Version != 1 {
		t.Fatalf("range: %+v %v", es, err)
	}
}

// A write that lands while a reader loads the list aborts the warm: the
// reader's list is older than the write, and keeping it would hide the write.
func TestIndexWarmLosesToConcurrentWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, _ := newCache(t, time.Minute)
	x := c.Index("svc", "current", "u2")
	ok, err := x.Warm(ctx, func(context.Context) ([]cache.IndexEntry, error) {
		apply(t, ctx, c, x, cache.IndexEntry{ID: "new", Score: 1, Version: 1, Payload: []byte("p"), Present: true})
		return nil, nil // read before "new" committed
	})
	if ok || err != nil {
		t.Fatalf("warm during a write: ok=%v err=%v", ok, err)
	}
	if _, err := all(x, ctx, cache.Range{Limit: 10}); !errors.Is(err, cache.ErrCold) {
		t.Fatalf("the index should stay cold: %v", err)
	}
}

// Concurrent writers of one entity in any order leave the newest version.
func TestIndexConcurrentAppliesKeepNewest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, _ := newCache(t, time.Minute)
	x := c.Index("svc", "current", "u3")
	if ok, err := x.Warm(ctx, func(context.Context) ([]cache.IndexEntry, error) { return nil, nil }); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var wg sync.WaitGroup
	for v := int64(1); v <= 50; v++ {
		wg.Go(func() {
			apply(t, ctx, c, x, cache.IndexEntry{ID: "b", Score: 1, Version: v, Payload: []byte(fmt.Sprint(v)), Present: v%2 == 1})
		})
	}
	wg.Wait()
	got, _ := all(x, ctx, cache.Range{Limit: 10})
	if len(got) != 0 { // version 50 removed it
		t.Fatalf("after concurrent applies: %v", got)
	}
}
