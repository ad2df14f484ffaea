package elastic_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/services/search/adapters/elastic"
	"github.com/slotmesh/slotmesh/services/search/adapters/indextest"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// TestConformance runs the shared suite against a real Elasticsearch 8
// when ELASTICSEARCH_URL (http(s)://host:9200) is set, with
// ELASTICSEARCH_API_KEY (an API key, or user:password) if it needs one, on
// an alias of its own that is dropped afterwards.
func TestConformance(t *testing.T) {
	url := strings.TrimSpace(os.Getenv("ELASTICSEARCH_URL"))
	if url == "" {
		t.Skip("ELASTICSEARCH_URL is not set: skipping the Elasticsearch conformance run (requests and parsing are checked against testdata/ recordings instead)")
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "slotmesh-test-" + hex.EncodeToString(b)
	ix, err := elastic.Open(context.Background(), url, os.Getenv("ELASTICSEARCH_API_KEY"), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ix.Drop(context.Background()); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	indextest.Run(t, func(*testing.T) app.Index { return ix })
}
