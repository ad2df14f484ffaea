package gateway_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/testenv"
)

// BenchmarkAddUnits10k posts 10,000 units in one request through the gateway
// (HTTP, NATS, the vendor service, Postgres, the outbox) and reports units
// per second.
func BenchmarkAddUnits10k(b *testing.B) {
	const n = 10000
	sys := testenv.StartAll(b, nil)
	c := client{b, sys.URL}
	_, token := signUp(b, c, "bench@example.com")
	v := onboard(b, c, token, hotel())

	var elapsed time.Duration
	added := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		body := map[string]any{"units": newUnits(fmt.Sprintf("I%d-", i), n)}
		b.StartTimer()
		start := time.Now()
		st, raw := c.do("POST", "/v1/vendors/"+v.ID+"/units", token, body)
		elapsed += time.Since(start)
		if st != http.StatusCreated {
			b.Fatalf("iteration %d: %d %.500s", i, st, raw)
		}
		added += n
	}
	b.StopTimer()
	if got := getVendor(b, c, v.ID); got.Units.Total != added {
		b.Fatalf("units.total %d, want %d", got.Units.Total, added)
	}
	b.ReportMetric(float64(added)/elapsed.Seconds(), "units/s")
}
