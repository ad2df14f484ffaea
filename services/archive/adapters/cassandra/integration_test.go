package cassandra_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/services/archive/adapters/archivetest"
	"github.com/slotmesh/slotmesh/services/archive/adapters/cassandra"
	"github.com/slotmesh/slotmesh/services/archive/app"
)

// TestConformance runs the shared suite against a real cluster when
// CASSANDRA_HOSTS (host[:port],...) is set, in a keyspace of its own that
// is dropped afterwards.
func TestConformance(t *testing.T) {
	hosts := strings.TrimSpace(os.Getenv("CASSANDRA_HOSTS"))
	if hosts == "" {
		t.Skip("CASSANDRA_HOSTS is not set: skipping the Cassandra conformance run (the CQL is checked against testdata/*.golden instead)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	ks := "archive_t_" + hex.EncodeToString(b)
	archivetest.Run(t, func(t *testing.T) app.Store {
		c, err := cassandra.ParseURL("cassandra://" + hosts + "/" + ks + "?schema=apply&consistency=one&timeout=10s")
		if err != nil {
			t.Fatal(err)
		}
		s, err := cassandra.Open(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Exec(context.Background(), "DROP KEYSPACE IF EXISTS "+ks); err != nil {
				t.Logf("drop keyspace %s: %v", ks, err)
			}
			s.Close()
		})
		return s
	})
}
