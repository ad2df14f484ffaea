package search_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/latency"
)

// benchTags are the cuisines and facilities vendors carry (1-4 each).
var benchTags = []string{"italian", "pizza", "sushi", "japanese", "vegan", "vegetarian", "thai", "indian", "french", "burger",
	"steak", "seafood", "mexican", "chinese", "korean", "greek", "spanish", "bar", "cafe", "spa"}

type city struct{ lat, lng float64 }

// BenchmarkSearchPostgres loads N generated vendors (SEARCH_BENCH_VENDORS,
// default 20,000) clustered in 50 cities (Gaussian, σ 6 km), 1-4 tags
// each, 85% restaurants, 1-6 units each, with the nearest third of them
// booked out at the benchmark's 19:00, into the postgres engine and read
// model; then runs single-client searches through app.Search (no cache):
// a random city point, kind restaurant, one tag, 5 km, nearest 20, without
// and with a start time (the sold-out filter). It reports p50/p99 in ms.
func BenchmarkSearchPostgres(b *testing.B) {
	n := 20000
	if v := os.Getenv("SEARCH_BENCH_VENDORS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("SEARCH_BENCH_VENDORS=%q: want an integer >= 100", v)
		}
	}
	ctx := context.Background()
	pool, err := pg.ConnectN(ctx, testenv.Postgres(b), postgres.Schema, 8, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	ix, store := postgres.NewIndex(pool), postgres.NewStore(pool)
	rnd := rand.New(rand.NewPCG(7, 11))
	cities := make([]city, 50)
	for i := range cities {
		cities[i] = city{lat: rnd.Float64()*120 - 60, lng: rnd.Float64()*360 - 180}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(berlin).AddDate(0, 0, 3)
	at19 := time.Date(day.Year(), day.Month(), day.Day(), 19, 0, 0, 0, berlin)
	var hours []schedule.Interval
	for d := range 7 {
		hours = append(hours, schedule.Interval{Weekday: d, Open: 11 * 60, Close: 23 * 60})
	}

	// Build.
	t0 := time.Now()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	docs := make([]app.Doc, 0, n)
	vs := make([]domain.Vendor, 0, n)
	for i := range n {
		c := cities[rnd.IntN(len(cities))]
		lat := c.lat + rnd.NormFloat64()*6/111.195
		lng := c.lng + rnd.NormFloat64()*6/(111.195*math.Cos(c.lat*math.Pi/180))
		lng = math.Mod(lng+540, 360) - 180
		kind := "restaurant"
		if rnd.IntN(100) < 15 {
			kind = "hotel"
		}
		tags := map[string]bool{}
		for k := 1 + rnd.IntN(4); len(tags) < k; {
			tags[benchTags[rnd.IntN(len(benchTags))]] = true
		}
		var tl []string
		for t := range tags {
			tl = append(tl, t)
		}
		slices.Sort(tl)
		id := fmt.Sprintf("bench-%07d", i)
		v := domain.Vendor{ID: id, Version: 1, Kind: kind, Name: "Vendor " + strconv.Itoa(i), Tags: tl, Lat: lat, Lng: lng,
			Active: true, ActiveUnits: 1 + rnd.IntN(6),
			Schedule: schedule.Schedule{ID: id, Kind: kind, Timezone: "Europe/Berlin", Hours: hours, SlotMinutes: 30, StayMinutes: 90,
				CheckIn: 15 * 60, CheckOut: 11 * 60}}
		vs = append(vs, v)
		docs = append(docs, app.DocOf(v))
	}
	for i := 0; i < len(docs); i += 5000 {
		if err := ix.Upsert(ctx, docs[i:min(i+5000, len(docs))]); err != nil {
			b.Fatal(err)
		}
	}
	indexBuilt := time.Since(t0)
	b.Logf("index: %d vendors in %s", n, indexBuilt.Round(time.Millisecond))
	var done atomic.Int64
	var wg sync.WaitGroup
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				v := vs[i]
				if _, err := store.ApplyVendor(ctx, v); err != nil {
					b.Error(err)
					return
				}
				units := make([]domain.Unit, v.ActiveUnits)
				var held []string
				for u := range units {
					units[u] = domain.Unit{ID: fmt.Sprintf("%s-u%d", v.ID, u), Capacity: 2 + 2*(u%3), Active: true}
					held = append(held, units[u].ID)
				}
				if _, _, err := store.ApplyUnits(ctx, v.ID, 2, units, len(units)); err != nil {
					b.Error(err)
					return
				}
				if i%3 == 0 { // sold out at 19:00
					if err := store.ApplyBooking(ctx, domain.Booking{ID: v.ID + "-b", VendorID: v.ID, Version: 1, Status: "CONFIRMED",
						Units: held, During: schedule.Range{Start: at19.Add(-30 * time.Minute), End: at19.Add(60 * time.Minute)}, Holding: true}); err != nil {
						b.Error(err)
						return
					}
				}
				if k := done.Add(1); k%max(int64(n)/10, 1) == 0 {
					b.Logf("read model: %d/%d vendors (%s)", k, n, time.Since(t0).Round(time.Second))
				}
			}
		}()
	}
	for i := range vs {
		work <- i
	}
	close(work)
	wg.Wait()
	if b.Failed() {
		return
	}
	for _, t := range []string{"cells", "docs", "vendors", "units", "holds"} {
		if _, err := pool.Exec(ctx, `VACUUM ANALYZE `+t); err != nil { // index-only scans need the visibility map
			b.Fatal(err)
		}
	}
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	var size int64
	if err := pool.QueryRow(ctx, `SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname = 'search' AND c.relkind = 'r'`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d vendors in %s (index %s); Postgres schema %d MiB; Go heap delta %d MiB",
		n, time.Since(t0).Round(time.Millisecond), indexBuilt.Round(time.Millisecond), size>>20, (int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))>>20)

	a := &app.App{Index: ix, Store: store}
	query := func(r *rand.Rand, start bool) search.SearchRequest {
		c := cities[r.IntN(len(cities))]
		q := search.SearchRequest{Kind: "restaurant", Tags: []string{benchTags[r.IntN(len(benchTags))]},
			Lat: c.lat + r.NormFloat64()*3/111.195, Lng: c.lng + r.NormFloat64()*3/111.195, RadiusKm: 5, Limit: 20}
		if start {
			q.Start = &at19
		}
		return q
	}
	for _, c := range []struct {
		name  string
		start bool
	}{{"nearest20_tag_5km", false}, {"available19_party2_tag_5km", true}} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, b.N)
			found := 0
			b.ResetTimer()
			for range b.N {
				q := query(r, c.start)
				t := time.Now()
				res, err := a.Search(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
				found += len(res.Items)
			}
			b.StopTimer()
			sample := latency.Of(lat)
			b.ReportMetric(sample.Ms(0.50), "p50_ms")
			b.ReportMetric(sample.Ms(0.99), "p99_ms")
			b.ReportMetric(float64(found)/float64(b.N), "items/op")
		})
	}
}
