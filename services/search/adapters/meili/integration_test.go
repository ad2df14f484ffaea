package meili_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/services/search/adapters/indextest"
	"github.com/slotmesh/slotmesh/services/search/adapters/meili"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// TestConformance runs the shared suite against a real Meilisearch when
// MEILISEARCH_URL (meili://host:7700, meilis://host or http(s)://host:7700)
// is set, with MEILISEARCH_KEY if it needs one, on an index of its own that
// is deleted afterwards.
func TestConformance(t *testing.T) {
	url := strings.TrimSpace(os.Getenv("MEILISEARCH_URL"))
	if url == "" {
		t.Skip("MEILISEARCH_URL is not set: skipping the Meilisearch conformance run (requests and parsing are checked against testdata/ recordings instead)")
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	uid := "slotmesh_test_" + hex.EncodeToString(b)
	ix, err := meili.Open(context.Background(), url, os.Getenv("MEILISEARCH_KEY"), uid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Drop(context.Background()); err != nil {
			t.Logf("drop %s: %v", uid, err)
		}
	})
	indextest.Run(t, func(*testing.T) app.Index { return ix })
}
