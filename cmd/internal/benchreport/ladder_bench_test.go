package benchreport_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/benchreport"
	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
	"github.com/slotmesh/slotmesh/testenv"
)

// BenchmarkOfferedLoad is throughput against offered load: the whole mesh
// in this process (testenv.StartAll) over a small seeded catalogue
// (BENCH_LADDER_SCALE, default 0.001 = 500 vendors, through the services'
// NATS write paths), and the open-loop load generator (cmd/internal/loadgen,
// the default mix of `slotmesh load`) at each rate of BENCH_LADDER_RATES
// (default 50,100,200,400,800 requests/s) for BENCH_LADDER_SECONDS each
// (default 5; 2 with -short). Each rate reports what was offered, sent and
// answered 2xx per second, latency percentiles from the scheduled start,
// errors and the process's CPU share (generator and mesh together: they
// share the machine). Each rate runs once per test binary, whatever b.N.
//
//	go test -run '^$' -bench OfferedLoad -benchtime 1x ./cmd/internal/benchreport/
func BenchmarkOfferedLoad(b *testing.B) {
	rates := ladderRates(b)
	secs := ladderFloat(b, "BENCH_LADDER_SECONDS", 5)
	if testing.Short() && os.Getenv("BENCH_LADDER_SECONDS") == "" {
		secs = 2
	}
	scale := ladderFloat(b, "BENCH_LADDER_SCALE", 0.001)
	sys := testenv.StartAll(b, map[string]string{"LOG_LEVEL": "error"})
	ctx := context.Background()
	plan, err := seed.NewPlan(scale)
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	st, err := seed.Run(ctx, seed.Options{Plan: plan, Target: seed.NewNATS(sys.Conn(b)), Workers: 8})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
	fmt.Printf("offered load: seeded %d vendors, %d units in %s\n", st.Vendors, st.Units, time.Since(t0).Round(time.Millisecond))
	places := make([]loadgen.Place, len(seed.Cities))
	for i, c := range seed.Cities {
		places[i] = loadgen.Place{Name: c.Name, Lat: c.Lat, Lng: c.Lng, Timezone: c.Timezone}
	}
	mix, err := loadgen.ParseMix(loadgen.DefaultMix)
	if err != nil {
		b.Fatal(err)
	}
	done := map[int]*loadgen.Report{}
	for _, rate := range rates {
		b.Run(fmt.Sprintf("offered=%d", rate), func(b *testing.B) {
			rep := done[rate]
			if rep == nil {
				g, err := loadgen.New(loadgen.Config{BaseURL: sys.URL, Rate: float64(rate), Duration: time.Duration(secs * float64(time.Second)),
					Mix: mix, Users: 10, Places: places, Cuisines: seed.Cuisines, Facilities: seed.Facilities,
					Timeout: 10 * time.Second, SameProcess: true})
				if err != nil {
					b.Fatal(err)
				}
				if err := g.Prepare(ctx); err != nil {
					b.Fatal(err)
				}
				if rep, err = g.Run(ctx); err != nil {
					b.Fatal(err)
				}
				done[rate] = rep
			}
			l := rep.All.Latency
			var errs int64
			for _, e := range rep.Errors {
				if e.Status == 0 || e.Status >= 500 {
					errs += e.Count
				}
			}
			b.ReportMetric(rep.OfferedRate, benchreport.UnitOffered)
			b.ReportMetric(rep.AchievedRate, benchreport.UnitSent)
			b.ReportMetric(rep.AnsweredRate, benchreport.UnitAnswered)
			b.ReportMetric(l.P50, "p50_ms")
			b.ReportMetric(l.P90, "p90_ms")
			b.ReportMetric(l.P99, "p99_ms")
			b.ReportMetric(l.Max, "max_ms")
			b.ReportMetric(float64(errs), benchreport.UnitFailed)
			b.ReportMetric(float64(rep.All.Errors-errs), benchreport.UnitRejected)
			b.ReportMetric(100*rep.Generator.CPUFraction, benchreport.UnitCPU)
		})
	}
}

func ladderRates(b *testing.B) []int {
	v := os.Getenv("BENCH_LADDER_RATES")
	if v == "" {
		return []int{50, 100, 200, 400, 800}
	}
	var rates []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("BENCH_LADDER_RATES=%q: want positive integers, comma-separated", v)
		}
		rates = append(rates, n)
	}
	return rates
}

func ladderFloat(b *testing.B, name string, def float64) float64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return f
}
