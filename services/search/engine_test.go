package search_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/search"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
)

// SEARCH_URL picks the engine; an engine that cannot be reached fails
// Start with a message naming it (and never the key).
func TestOpenIndexByURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg, err := search.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	x, err := search.OpenIndex(ctx, cfg, nil)
	if _, ok := x.(*postgres.Index); err != nil || !ok {
		t.Fatalf("default engine: %T %v", x, err)
	}
	for _, tc := range []struct{ url, engine, says string }{
		{"elastic+http://127.0.0.1:1/vendors", search.EngineElastic, "elasticsearch at elastic+http://127.0.0.1:1/vendors"},
		{"meili+http://127.0.0.1:1/vendors", search.EngineMeili, "meilisearch at meili+http://127.0.0.1:1/vendors"},
	} {
		cfg, err := search.ConfigFromEnv(func(k string) string {
			return map[string]string{"SEARCH_URL": tc.url, "SEARCH_API_KEY": "s3cret"}[k]
		})
		if err != nil || cfg.Engine() != tc.engine {
			t.Fatalf("%s: engine %q, err %v", tc.url, cfg.Engine(), err)
		}
		octx, ocancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = search.OpenIndex(octx, cfg, nil)
		ocancel()
		if err == nil || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("%s: %v", tc.url, err)
		}
	}
}
