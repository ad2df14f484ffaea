package mesh_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/procfs"
	"github.com/schollz/progressbar/v3"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/domain"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/latency"
)

// BenchmarkSearchThroughGateway is the search target of the issue: it
// bulk-loads SEARCH_BENCH_VENDORS generated vendors (default 500,000; about
// five units each, and bookings on the coming week's evenings) into the
// embedded engine of a whole in-process mesh (testenv.StartAll), with a
// progress bar on stderr, prints the build time, the Postgres size and the
// Go heap, then sends GET /v1/search through the gateway at fixed arrival
// rates (SEARCH_BENCH_RATES, default "200,1000" requests/s; open loop: each
// request leaves at its scheduled time whatever the others do, and its
// latency counts from that time, so queueing is measured) for
// SEARCH_BENCH_SECONDS each (default 10), after a warm-up. It reports p50,
// p99 and max latency in ms, the achieved rate and the errors per rate.
//
// The load runs once per test binary, whatever b.N (a second round of a
// rate reports the first one's numbers). Queries are realistic and never
// repeat exactly (random points), so searchdata_cache is cold: the numbers
// are the engine's, not the cache's.
//
//	go test -run '^$' -bench SearchThroughGateway -benchtime 1x ./services/mesh/
func BenchmarkSearchThroughGateway(b *testing.B) {
	cfg := searchBenchConfig(b)
	env := map[string]string{
		"SEARCH_URL":      "memory",
		"SERVICE_WORKERS": "16",
		"PG_MAX_CONNS":    "16",
	}
	for _, k := range []string{"SEARCH_URL", "SERVICE_WORKERS", "PG_MAX_CONNS", "SEARCH_CACHE_TTL", "SEARCH_CONSUMERS", "LOG_LEVEL"} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	sys := testenv.StartAll(b, env)
	ctx := context.Background()
	pool, err := pg.ConnectN(ctx, sys.PGURL, postgres.Schema, 8, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)

	// Build.
	w := newSearchWorld(cfg.vendors)
	bar := progressbar.NewOptions(cfg.vendors, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("loading vendors"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("vendors"),
		progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionFullWidth(), progressbar.OptionClearOnFinish())
	t0 := time.Now()
	st, err := postgres.NewStore(pool).Load(ctx, w.vendors(), w.bookings(), postgres.LoadOptions{Index: env["SEARCH_URL"] != "memory", Progress: func(n int) { _ = bar.Add(n) }})
	_ = bar.Finish()
	if err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(t0)
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) docs, cells, vendors, units, bookings, holds`); err != nil { // index-only scans need the visibility map
		b.Fatal(err)
	}
	built := time.Since(t0)
	var size int64
	if err := pool.QueryRow(ctx, `SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname = 'search' AND c.relkind = 'r'`).Scan(&size); err != nil {
		b.Fatal(err)
	}
	// A search replica fills its memory from the read model when it starts
	// (the memory engine): start it again, as a new replica would.
	t1 := time.Now()
	if err := sys.Mesh.StopService("search"); err != nil {
		b.Fatal(err)
	}
	if err := sys.Mesh.StartService(ctx, "search"); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("search bench: search service (SEARCH_URL=%q) restarted in %s\n", env["SEARCH_URL"], time.Since(t1).Round(time.Millisecond))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("search bench: %d vendors, %d units, %d bookings (%d holds), %d docs, %d cells loaded in %s (%.0f vendors/s), vacuumed: built in %s\n",
		st.Vendors, st.Units, st.Bookings, st.Holds, st.Docs, st.Cells, loaded.Round(time.Millisecond), float64(st.Vendors)/loaded.Seconds(), built.Round(time.Millisecond))
	fmt.Printf("search bench: Postgres schema search %d MiB; Go heap %d MiB (the whole mesh in this process)\n", size>>20, ms.HeapAlloc>>20)
	b.ReportMetric(built.Seconds(), "build_s")

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: time.Minute}}
	idle, pgIdle := 0.0, 0.0 // CPU of the idle mesh, ns a second (measured after the warm-up)
	run := func(rate int, d time.Duration, seed uint64) searchLoad {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		cpu0, pg0, t0 := processCPU(), postgresCPU(ctx, pool), time.Now()
		r := openLoop(client, rate, d, func(i int) string { return sys.URL + "/v1/search?" + w.query(seed, i) })
		runtime.ReadMemStats(&m1)
		if n := float64(len(r.lat) + r.errors); n > 0 {
			secs := time.Since(t0).Seconds()
			r.allocKB = float64(m1.TotalAlloc-m0.TotalAlloc) / 1024 / n
			r.gcs = m1.NumGC - m0.NumGC
			r.cpuMs = max(0, float64(processCPU()-cpu0)-idle*secs) / 1e6 / n
			r.pgCPUMs = max(0, float64(postgresCPU(ctx, pool)-pg0)-pgIdle*secs) / 1e6 / n
		}
		return r
	}
	warm := run(cfg.rates[0], cfg.warmup, 99)
	fmt.Printf("search bench: warm-up %d requests at %d/s, p50 %.1f ms, %d errors\n", warm.sent, cfg.rates[0], warm.p(0.5), warm.errors)
	if warm.broken != "" || len(warm.lat) == 0 {
		b.Fatalf("search bench: the setup is broken: warm-up at %d/s: %d of %d requests failed, e.g. %s", cfg.rates[0], warm.errors, warm.sent, cmp.Or(warm.broken, warm.firstError))
	}

	// The CPU the mesh burns with no request (pollers, tickers, Kafka
	// heartbeats) is taken out of each rate's CPU per request.
	time.Sleep(500 * time.Millisecond) // the warm-up's last answers and garbage
	cpu0, pg0 := processCPU(), postgresCPU(ctx, pool)
	time.Sleep(2 * time.Second)
	idle, pgIdle = float64(processCPU()-cpu0)/2, float64(postgresCPU(ctx, pool)-pg0)/2 // ns a second
	fmt.Printf("search bench: idle mesh CPU %.1f ms/s, its Postgres %.1f ms/s\n", idle/1e6, pgIdle/1e6)
	// SEARCH_BENCH_CPUPROFILE: a CPU profile of the rate runs only.
	if path := os.Getenv("SEARCH_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	// SEARCH_BENCH_MEMPROFILE: the allocations of the rate runs only
	// (go tool pprof -sample_index alloc_space -base <path>.before <path>).
	if path := os.Getenv("SEARCH_BENCH_MEMPROFILE"); path != "" {
		write := func(p string) {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				b.Fatal(err)
			}
		}
		write(path + ".before")
		defer write(path)
	}
	results := map[int]searchLoad{}
	for _, rate := range cfg.rates {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			r, ok := results[rate]
			if !ok {
				r = run(rate, cfg.duration, uint64(rate))
				results[rate] = r
				// Overload (a 503/504 or a client timeout) is a result, not
				// a failure; any other error means the setup is broken.
				if r.broken != "" {
					b.Errorf("%d of %d requests failed, one not from overload: %s", r.errors, r.sent, r.broken)
				}
			}
			b.ReportMetric(r.p(0.50), "p50_ms")
			b.ReportMetric(r.p(0.99), "p99_ms")
			b.ReportMetric(r.p(1), "max_ms")
			b.ReportMetric(r.achieved, "req/s")
			b.ReportMetric(float64(r.errors), "errors")
			b.ReportMetric(r.items, "items/req")
			b.ReportMetric(r.cpuMs, "cpu_ms/req")
			b.ReportMetric(r.allocKB, "alloc_KiB/req")
			b.ReportMetric(r.pgCPUMs, "pg_cpu_ms/req")
		})
	}
	fmt.Printf("\nsearch through the gateway, %d vendors, %s per rate, open loop (latency from the scheduled start)\n", cfg.vendors, cfg.duration)
	fmt.Printf("(cpu ms/req: this process's CPU — load generator, gateway, NATS, every service — per request sent, less the idle mesh's; pg: the same for this database's Postgres backends)\n")
	fmt.Printf("%8s %10s %8s %8s %8s %8s %7s %10s %11s %10s %10s %4s\n", "rate/s", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "items/req", "cpu ms/req", "pg ms/req", "KiB/req", "GCs")
	for _, rate := range cfg.rates {
		r := results[rate]
		fmt.Printf("%8d %10.0f %8.2f %8.2f %8.2f %8.2f %7d %10.1f %11.3f %10.3f %10.1f %4d\n", rate, r.achieved, r.p(0.5), r.p(0.9), r.p(0.99), r.p(1), r.errors, r.items, r.cpuMs, r.pgCPUMs, r.allocKB, r.gcs)
	}
	if fs, err := procfs.NewDefaultFS(); err == nil {
		if la, err := fs.LoadAvg(); err == nil {
			fmt.Printf("load average at the end: %.2f %.2f %.2f\n", la.Load1, la.Load5, la.Load15)
		}
	}
}

type searchBenchCfg struct {
	vendors          int
	rates            []int
	duration, warmup time.Duration
}

func searchBenchConfig(b *testing.B) searchBenchCfg {
	c := searchBenchCfg{vendors: 500_000, rates: []int{200, 1000}, duration: 10 * time.Second, warmup: 3 * time.Second}
	if v := os.Getenv("SEARCH_BENCH_VENDORS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("SEARCH_BENCH_VENDORS=%q: want an integer >= 100", v)
		}
		c.vendors = n
	}
	if v := os.Getenv("SEARCH_BENCH_RATES"); v != "" {
		c.rates = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("SEARCH_BENCH_RATES=%q: want positive integers, comma-separated", v)
			}
			c.rates = append(c.rates, n)
		}
	}
	if v := os.Getenv("SEARCH_BENCH_SECONDS"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			b.Fatalf("SEARCH_BENCH_SECONDS=%q: want a positive number", v)
		}
		c.duration = time.Duration(n * float64(time.Second))
		c.warmup = min(c.warmup, c.duration)
	}
	return c
}

// searchCity is a real city: vendors cluster around it (Gaussian, sigma
// km), in proportion to weight; its zone is every vendor's there.
type searchCity struct {
	name     string
	lat, lng float64
	zone     string
	weight   float64
	sigma    float64
}

var searchCities = []searchCity{
	{"London", 51.507, -0.128, "Europe/London", 9, 9}, {"Paris", 48.857, 2.352, "Europe/Paris", 9, 7},
	{"Berlin", 52.520, 13.405, "Europe/Berlin", 6, 8}, {"Madrid", 40.417, -3.704, "Europe/Madrid", 6, 6},
	{"Rome", 41.903, 12.496, "Europe/Rome", 5, 6}, {"Milan", 45.464, 9.190, "Europe/Rome", 4, 5},
	{"Barcelona", 41.385, 2.173, "Europe/Madrid", 5, 5}, {"Amsterdam", 52.370, 4.895, "Europe/Amsterdam", 3, 4},
	{"Vienna", 48.208, 16.373, "Europe/Vienna", 3, 5}, {"Munich", 48.137, 11.575, "Europe/Berlin", 3, 5},
	{"Hamburg", 53.551, 9.993, "Europe/Berlin", 3, 6}, {"Prague", 50.076, 14.438, "Europe/Prague", 2, 5},
	{"Lisbon", 38.722, -9.139, "Europe/Lisbon", 2, 5}, {"Dublin", 53.350, -6.260, "Europe/Dublin", 2, 5},
	{"Copenhagen", 55.676, 12.568, "Europe/Copenhagen", 2, 5}, {"Stockholm", 59.329, 18.069, "Europe/Stockholm", 2, 5},
	{"Warsaw", 52.230, 21.012, "Europe/Warsaw", 2, 6}, {"Brussels", 50.850, 4.352, "Europe/Brussels", 2, 5},
	{"Zurich", 47.377, 8.541, "Europe/Zurich", 1.5, 4}, {"Athens", 37.984, 23.728, "Europe/Athens", 2, 6},
	{"Istanbul", 41.008, 28.978, "Europe/Istanbul", 6, 10}, {"New York", 40.713, -74.006, "America/New_York", 10, 9},
	{"Chicago", 41.878, -87.630, "America/Chicago", 5, 9}, {"Los Angeles", 34.052, -118.244, "America/Los_Angeles", 7, 14},
	{"San Francisco", 37.775, -122.419, "America/Los_Angeles", 3, 5}, {"Toronto", 43.653, -79.383, "America/Toronto", 4, 8},
	{"Mexico City", 19.433, -99.133, "America/Mexico_City", 6, 10}, {"São Paulo", -23.551, -46.633, "America/Sao_Paulo", 7, 12},
	{"Buenos Aires", -34.604, -58.382, "America/Argentina/Buenos_Aires", 4, 9}, {"Tokyo", 35.690, 139.692, "Asia/Tokyo", 10, 12},
	{"Osaka", 34.694, 135.502, "Asia/Tokyo", 4, 8}, {"Seoul", 37.567, 126.978, "Asia/Seoul", 6, 10},
	{"Singapore", 1.352, 103.820, "Asia/Singapore", 4, 7}, {"Bangkok", 13.756, 100.502, "Asia/Bangkok", 5, 10},
	{"Hong Kong", 22.320, 114.169, "Asia/Hong_Kong", 4, 5}, {"Mumbai", 19.076, 72.878, "Asia/Kolkata", 6, 10},
	{"Dubai", 25.205, 55.271, "Asia/Dubai", 3, 10}, {"Sydney", -33.869, 151.209, "Australia/Sydney", 4, 12},
	{"Melbourne", -37.814, 144.963, "Australia/Melbourne", 3, 10}, {"Cape Town", -33.925, 18.424, "Africa/Johannesburg", 1.5, 8},
}

var (
	cuisines   = []string{"italian", "pizza", "sushi", "japanese", "vegan", "vegetarian", "thai", "indian", "french", "burger", "steak", "seafood", "mexican", "chinese", "korean", "greek", "spanish", "bar", "cafe", "brunch"}
	facilities = []string{"spa", "pool", "gym", "parking", "wifi", "breakfast", "pets", "bar", "restaurant", "family", "beach", "business"}
)

// searchWorld generates vendor i (and its bookings) from a generator seeded
// with i, so vendors and bookings can be produced in separate passes.
type searchWorld struct {
	n      int
	cum    []float64 // cumulative city weights
	locs   []*time.Location
	today  []time.Time // local midnight of today, per city
	hours  []schedule.Interval
	closed []schedule.Interval // closed on Mondays
}

func newSearchWorld(n int) *searchWorld {
	w := &searchWorld{n: n}
	total := 0.0
	for _, c := range searchCities {
		total += c.weight
		w.cum = append(w.cum, total)
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			panic(err)
		}
		w.locs = append(w.locs, loc)
		y, m, d := time.Now().In(loc).Date()
		w.today = append(w.today, time.Date(y, m, d, 0, 0, 0, 0, loc))
	}
	for d := range 7 {
		w.hours = append(w.hours, schedule.Interval{Weekday: d, Open: 11*60 + 30, Close: 23 * 60})
		if d != 0 {
			w.closed = append(w.closed, schedule.Interval{Weekday: d, Open: 17 * 60, Close: 24 * 60})
		}
	}
	return w
}

func (w *searchWorld) city(r *rand.Rand) int {
	x := r.Float64() * w.cum[len(w.cum)-1]
	i, _ := slices.BinarySearch(w.cum, x)
	return min(i, len(w.cum)-1)
}

func randomID(r *rand.Rand) string {
	var u uuid.UUID
	for i := range 2 {
		v := r.Uint64()
		for j := range 8 {
			u[i*8+j] = byte(v >> (8 * j))
		}
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

// vendor i: a restaurant (85%) with 1-9 tables of 2-8 seats open daily
// (some only evenings, Monday closed) or a hotel with 1-9 rooms for 1-4;
// 1-4 tags; and its bookings on the coming week: 0-4 single units at
// popular times, and for one vendor in seven a sold-out evening (night).
func (w *searchWorld) vendor(i int) (postgres.LoadVendor, []domain.Booking) {
	r := rand.New(rand.NewPCG(0x5ea7c4, uint64(i)))
	ci := w.city(r)
	c := searchCities[ci]
	lat := c.lat + r.NormFloat64()*c.sigma/111.195
	lng := c.lng + r.NormFloat64()*c.sigma/(111.195*math.Cos(c.lat*math.Pi/180))
	kind, pool := "restaurant", cuisines
	if r.IntN(100) < 15 {
		kind, pool = "hotel", facilities
	}
	var tags []string
	for k := 1 + r.IntN(4); len(tags) < k; {
		if t := pool[r.IntN(len(pool))]; !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	id := randomID(r)
	sc := schedule.Schedule{ID: id, Kind: kind, Timezone: c.zone, Hours: w.hours, SlotMinutes: 30, StayMinutes: 90, CheckIn: 15 * 60, CheckOut: 11 * 60}
	if kind == "restaurant" && r.IntN(4) == 0 {
		sc.Hours, sc.StayMinutes = w.closed, 120
	}
	lv := postgres.LoadVendor{Vendor: domain.Vendor{ID: id, Version: 1, Kind: kind, Name: fmt.Sprintf("%s %s %d", strings.ToUpper(tags[0][:1])+tags[0][1:], c.name, i),
		Tags: tags, Lat: lat, Lng: lng, Active: r.IntN(100) != 0, Schedule: sc}}
	for u := range 1 + r.IntN(9) {
		capacity := []int{2, 2, 4, 4, 6, 8}[r.IntN(6)]
		if kind == "hotel" {
			capacity = 1 + r.IntN(4)
		}
		lv.Units = append(lv.Units, domain.Unit{ID: randomID(r), Capacity: capacity, Active: u == 0 || r.IntN(20) != 0})
	}
	for _, u := range lv.Units {
		if u.Active {
			lv.Vendor.ActiveUnits++
		}
	}
	lv.Vendor.Version = 1 + int64(len(lv.Units))
	var bs []domain.Booking
	book := func(units []string, day, minute, stay int) {
		from := w.today[ci].AddDate(0, 0, day).Add(time.Duration(minute) * time.Minute)
		bs = append(bs, domain.Booking{ID: randomID(r), VendorID: id, Version: 2, Status: "CONFIRMED", Units: units, Holding: true,
			During: schedule.Range{Start: from.UTC(), End: from.Add(time.Duration(stay) * time.Minute).UTC()}})
	}
	stay := func(day int) (int, int) {
		if kind == "hotel" {
			return 15 * 60, 20 * 60 // check-in to check-out next day
		}
		return 18*60 + 30*r.IntN(7), sc.StayMinutes
	}
	for range r.IntN(5) {
		at, d := stay(0)
		book([]string{lv.Units[r.IntN(len(lv.Units))].ID}, 1+r.IntN(7), at, d)
	}
	if r.IntN(7) == 0 {
		all := make([]string, len(lv.Units))
		for k, u := range lv.Units {
			all[k] = u.ID
		}
		day := 1 + r.IntN(7)
		if kind == "hotel" {
			book(all, day, 15*60, 20*60)
		} else {
			book(all, day, 17*60, 6*60)
		}
	}
	return lv, bs
}

func (w *searchWorld) vendors() iter.Seq[postgres.LoadVendor] {
	return func(yield func(postgres.LoadVendor) bool) {
		for i := range w.n {
			lv, _ := w.vendor(i)
			if !yield(lv) {
				return
			}
		}
	}
}

func (w *searchWorld) bookings() iter.Seq[domain.Booking] {
	return func(yield func(domain.Booking) bool) {
		for i := range w.n {
			_, bs := w.vendor(i)
			for _, b := range bs {
				if !yield(b) {
					return
				}
			}
		}
	}
}

// query i of a run: a point in a city (popular cities more often), a kind,
// 1-2 tags, 5 km; four in five with a start in the coming week (a
// restaurant: an evening half hour; a hotel: that night) for a party of
// 1-6, mostly 2.
func (w *searchWorld) query(seed uint64, i int) string {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	ci := w.city(r)
	c := searchCities[ci]
	lat := c.lat + r.NormFloat64()*c.sigma/2/111.195
	lng := c.lng + r.NormFloat64()*c.sigma/2/(111.195*math.Cos(c.lat*math.Pi/180))
	kind, pool := "restaurant", cuisines
	if r.IntN(100) < 15 {
		kind, pool = "hotel", facilities
	}
	tags := pool[r.IntN(len(pool))]
	if r.IntN(3) == 0 {
		tags += "," + pool[r.IntN(len(pool))]
	}
	v := url.Values{"kind": {kind}, "tags": {tags}, "lat": {strconv.FormatFloat(lat, 'f', 5, 64)},
		"lng": {strconv.FormatFloat(lng, 'f', 5, 64)}, "radius_km": {"5"}}
	if r.IntN(5) != 0 {
		minute := 18*60 + 30*r.IntN(8)
		if kind == "hotel" {
			minute = 12 * 60
		}
		start := w.today[ci].AddDate(0, 0, 1+r.IntN(7)).Add(time.Duration(minute) * time.Minute)
		party := []int{1, 2, 2, 2, 2, 2, 3, 4, 4, 5, 6}[r.IntN(11)]
		v.Set("start", start.Format(time.RFC3339))
		v.Set("party_size", strconv.Itoa(party))
	}
	return v.Encode()
}

// searchLoad is one open-loop run.
type searchLoad struct {
	sent, errors int
	firstError   string
	broken       string  // the first error that is not overload (503, 504, a client timeout)
	allocKB      float64 // heap allocated per request sent (the whole process), KiB
	gcs          uint32  // GC cycles during the run
	cpuMs        float64 // this process's CPU per request sent, less the idle mesh's, ms
	pgCPUMs      float64 // the same for this database's Postgres backends, ms
	achieved     float64 // completed requests per second of the run
	items        float64 // per successful request
	lat          []time.Duration
}

// p is the q-quantile of the latencies in ms (1 = the maximum).
func (l searchLoad) p(q float64) float64 { return latency.Of(l.lat).Ms(q) }

var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// openLoop sends rate requests a second for d, each at its scheduled time
// on its own goroutine (never waiting for earlier answers), and measures
// each from its scheduled time to the end of its body.
func openLoop(client *http.Client, rate int, d time.Duration, target func(i int) string) searchLoad {
	n := int(float64(rate) * d.Seconds())
	every := time.Second / time.Duration(rate)
	var mu sync.Mutex
	out := searchLoad{sent: n, lat: make([]time.Duration, 0, n)}
	items := 0
	var wg sync.WaitGroup
	began := time.Now().Add(20 * time.Millisecond)
	for i := range n {
		at := began.Add(time.Duration(i) * every)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		wg.Go(func() {
			resp, err := client.Get(target(i))
			var body []byte
			overload := err != nil && os.IsTimeout(err)
			if err == nil {
				buf := bodies.Get().(*bytes.Buffer) // the generator shares the CPU: little garbage
				defer bodies.Put(buf)
				buf.Reset()
				_, err = buf.ReadFrom(resp.Body)
				body = buf.Bytes()
				_ = resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
					overload = resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
				}
			}
			l := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out.errors++
				if out.firstError == "" {
					out.firstError = err.Error()
				}
				if !overload && out.broken == "" {
					out.broken = err.Error()
				}
				return
			}
			out.lat = append(out.lat, l)
			items += bytes.Count(body, []byte(`"vendor_id"`))
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	out.achieved = float64(len(out.lat)) / elapsed.Seconds()
	if len(out.lat) > 0 {
		out.items = float64(items) / float64(len(out.lat))
	}
	return out
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU is the user + system CPU time of the Postgres backends
// connected to pool's database now (Linux /proc; 0 elsewhere). Backends
// that exit between two readings are lost, so it is a lower bound.
func postgresCPU(ctx context.Context, pool *pgxpool.Pool) time.Duration {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return 0
	}
	rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return 0
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0
	}
	var cpu float64 // seconds
	for _, pid := range pids {
		p, err := fs.Proc(int(pid))
		if err != nil {
			continue
		}
		st, err := p.Stat()
		if err != nil {
			continue
		}
		cpu += st.CPUTime() // utime + stime
	}
	return time.Duration(cpu * float64(time.Second))
}
