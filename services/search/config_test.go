package search_test

import (
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/services/search"
)

func TestConfigMemoryEngine(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := search.ConfigFromEnv(env(nil))
	if err != nil || c.GCPercent != 0 {
		t.Fatalf("default: GOGC %d, %v: want the runtime's (0)", c.GCPercent, err)
	}
	c, err = search.ConfigFromEnv(env(map[string]string{"SEARCH_URL": "memory"}))
	if err != nil || c.GCPercent != search.MemoryGCPercent {
		t.Fatalf("memory: GOGC %d, %v", c.GCPercent, err)
	}
	c, err = search.ConfigFromEnv(env(map[string]string{"SEARCH_URL": "memory", "SEARCH_GOGC": "150"}))
	if err != nil || c.GCPercent != 150 {
		t.Fatalf("SEARCH_GOGC=150: GOGC %d, %v", c.GCPercent, err)
	}
	// A booking another replica consumed must leave results within the
	// freshness bound: a Follow poll, then the cache's TTL.
	_, err = search.ConfigFromEnv(env(map[string]string{"SEARCH_URL": "memory", "SEARCH_CACHE_TTL": "1s", "SEARCH_FOLLOW_EVERY": "1s"}))
	if err == nil || !strings.Contains(err.Error(), "SEARCH_CACHE_TTL + SEARCH_FOLLOW_EVERY") {
		t.Fatalf("TTL 1s + follow 1s: %v", err)
	}
	if _, err = search.ConfigFromEnv(env(map[string]string{"SEARCH_CACHE_TTL": "1s", "SEARCH_FOLLOW_EVERY": "1s"})); err != nil {
		t.Fatalf("the postgres engine reads holds from Postgres: %v", err)
	}
	if _, err = search.ConfigFromEnv(env(map[string]string{"SEARCH_GOGC": "-1"})); err == nil {
		t.Fatal("SEARCH_GOGC=-1 accepted")
	}
}
