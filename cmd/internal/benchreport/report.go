package benchreport

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Units the offered-load benchmark reports (BenchmarkOfferedLoad).
const (
	UnitOffered  = "offered_req/s"
	UnitSent     = "sent_req/s"
	UnitAnswered = "ok_req/s"
	UnitFailed   = "failed"   // no answer or 5xx
	UnitRejected = "rejected" // 4xx: a business answer (e.g. 409 slot taken)
	UnitCPU      = "cpu_%"
)

// Names of the benchmarks the side-by-side comparisons read.
const (
	benchBookingVsPgbench = "BenchmarkBookingMeshVsPgbench"
	benchBookingsGateway  = "BenchmarkBookingsThroughGateway"
	benchRoundTrip        = "BenchmarkRoundTrip"
	benchSearch           = "BenchmarkSearchThroughGateway"
	benchLadder           = "BenchmarkOfferedLoad"
)

// Report is one run of `go tool task bench`: what ran, where, what came out.
type Report struct {
	Machine Machine  `json:"machine"`
	Quick   bool     `json:"quick"`
	Command string   `json:"command"` // the go test command line
	Env     []string `json:"env"`     // the benchmark knobs set for the run (SEARCH_BENCH_VENDORS=...)
	Results []Result `json:"results"`
	Failed  []string `json:"failed"` // packages whose benchmarks failed
	// SearchVendors is the catalogue size BenchmarkSearchThroughGateway
	// printed (0: it did not run).
	SearchVendors int `json:"search_vendors"`
	// Chaos is the latest chaos run (nil: none found, ChaosNote says why).
	Chaos     *ChaosRun `json:"-"`
	ChaosPath string    `json:"chaos_path"`
	// ChaosThisRun: the chaos run is this run's own pass (RunChaos), not
	// an earlier one found on disk.
	ChaosThisRun bool   `json:"chaos_this_run"`
	ChaosNote    string `json:"chaos_note"`
	// Plots written, relative to the Markdown file's directory, by name
	// ("throughput", "latency-vs-load", "chaos").
	Plots map[string]string `json:"plots"`
	// PgbenchScript is where the booking benchmark's pgbench script was
	// saved, relative to the Markdown file ("" when it was not).
	PgbenchScript string `json:"pgbench_script"`
}

var searchVendorsLine = regexp.MustCompile(`search through the gateway, (\d+) vendors`)

// FromOutput fills what the benchmarks printed but did not report as metrics.
func (r *Report) FromOutput(out Output) {
	for _, lines := range out.Lines {
		for _, l := range lines {
			if m := searchVendorsLine.FindStringSubmatch(l); m != nil {
				r.SearchVendors, _ = strconv.Atoi(m[1])
			}
		}
	}
	r.Failed = append(r.Failed, out.Failed...)
}

// Find returns the last result named name (a later round of a benchmark
// replaces an earlier one).
func (r *Report) Find(name string) (Result, bool) {
	for i := len(r.Results) - 1; i >= 0; i-- {
		if r.Results[i].Name == name {
			return r.Results[i], true
		}
	}
	return Result{}, false
}

func (r *Report) metric(name, unit string) (float64, Result, bool) {
	res, ok := r.Find(name)
	if !ok {
		return 0, res, false
	}
	v, ok := res.Metric(unit)
	return v, res, ok
}

// BookingComparison is (a): the booking service's hold transaction replayed
// by pgbench against bookings through the gateway, same Postgres, same run.
type BookingComparison struct {
	MeshRate, P50Ms, P99Ms float64 // BenchmarkBookingMeshVsPgbench's gateway side
	PgbenchTPS             float64
	Ratio                  float64 // MeshRate / PgbenchTPS
	Load1                  float64
	// Gateway is the separate BenchmarkBookingsThroughGateway (b.Loop, 16
	// clients), when it ran: bookings/s, p50, p99.
	GatewayRate, GatewayP50, GatewayP99, GatewayLoad1 float64
	HasGateway                                        bool
}

// Booking returns comparison (a), false when its benchmark did not run.
func (r *Report) Booking() (BookingComparison, bool) {
	var c BookingComparison
	mesh, res, ok := r.metric(benchBookingVsPgbench, "mesh_bookings/s")
	if !ok {
		return c, false
	}
	c.MeshRate, c.Load1 = mesh, res.Load1
	c.P50Ms, _ = res.Metric("p50_ms")
	c.P99Ms, _ = res.Metric("p99_ms")
	c.PgbenchTPS, _ = res.Metric("pgbench_tps")
	if c.PgbenchTPS > 0 {
		c.Ratio = c.MeshRate / c.PgbenchTPS
	}
	if rate, g, ok := r.metric(benchBookingsGateway, "bookings/s"); ok {
		c.HasGateway, c.GatewayRate, c.GatewayLoad1 = true, rate, g.Load1
		c.GatewayP50, _ = g.Metric("p50_ms")
		c.GatewayP99, _ = g.Metric("p99_ms")
	}
	return c, true
}

// RoundTripPair is one line of (b): a bare nats.go request-reply against the
// micro runner, the same JSON payload.
type RoundTripPair struct {
	Mode               string  // "one at a time", "parallel"
	BareNs, RunnerNs   float64 // ns per request
	BareRPS, RunnerRPS float64
	Ratio              float64 // RunnerRPS / BareRPS: the share of bare throughput the runner keeps
	Load1              float64
}

// RoundTrip returns comparison (b).
func (r *Report) RoundTrip() []RoundTripPair {
	var out []RoundTripPair
	for _, p := range []struct{ mode, bare, runner string }{
		{"one request at a time", "bare_nats", "micro_runner"},
		{"parallel (8 x GOMAXPROCS callers; bare with 4 queue subscribers; the runner: one service, its worker pool (ADR 0021))", "bare_nats_4q_parallel", "micro_runner_parallel"},
	} {
		bare, ok1 := r.Find(benchRoundTrip + "/" + p.bare)
		run, ok2 := r.Find(benchRoundTrip + "/" + p.runner)
		if !ok1 || !ok2 {
			continue
		}
		rp := RoundTripPair{Mode: p.mode, Load1: run.Load1}
		rp.BareNs, _ = bare.Metric("ns/op")
		rp.RunnerNs, _ = run.Metric("ns/op")
		rp.BareRPS, _ = bare.Metric("req/s")
		rp.RunnerRPS, _ = run.Metric("req/s")
		if rp.BareRPS > 0 {
			rp.Ratio = rp.RunnerRPS / rp.BareRPS
		}
		out = append(out, rp)
	}
	return out
}

// SearchRate is one rate of (c): search through the gateway, open loop.
type SearchRate struct {
	Rate                                   int
	Achieved, P50Ms, P99Ms, MaxMs, Errors  float64
	CPUMsPerReq, PgCPUMsPerReq, ItemsPerRq float64
	Load1                                  float64
}

// Search returns comparison (c), by rate.
func (r *Report) Search() []SearchRate {
	var out []SearchRate
	for _, res := range r.Results {
		rest, ok := strings.CutPrefix(res.Name, benchSearch+"/rate=")
		if !ok {
			continue
		}
		rate, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		s := SearchRate{Rate: rate, Load1: res.Load1}
		s.Achieved, _ = res.Metric("req/s")
		s.P50Ms, _ = res.Metric("p50_ms")
		s.P99Ms, _ = res.Metric("p99_ms")
		s.MaxMs, _ = res.Metric("max_ms")
		s.Errors, _ = res.Metric("errors")
		s.CPUMsPerReq, _ = res.Metric("cpu_ms/req")
		s.PgCPUMsPerReq, _ = res.Metric("pg_cpu_ms/req")
		s.ItemsPerRq, _ = res.Metric("items/req")
		out = upsert(out, s, func(a SearchRate) bool { return a.Rate == rate })
	}
	slices.SortFunc(out, func(a, b SearchRate) int { return cmp.Compare(a.Rate, b.Rate) })
	return out
}

// LadderStep is one offered rate of BenchmarkOfferedLoad.
type LadderStep struct {
	Offered, Sent, Answered    float64
	P50Ms, P90Ms, P99Ms, MaxMs float64
	Failed, Rejected, CPUPct   float64
	Load1                      float64
}

// Ladder returns the throughput-vs-offered-load steps, by offered rate.
func (r *Report) Ladder() []LadderStep {
	var out []LadderStep
	for _, res := range r.Results {
		if !strings.HasPrefix(res.Name, benchLadder+"/") {
			continue
		}
		s := LadderStep{Load1: res.Load1}
		var ok bool
		if s.Offered, ok = res.Metric(UnitOffered); !ok {
			continue
		}
		s.Sent, _ = res.Metric(UnitSent)
		s.Answered, _ = res.Metric(UnitAnswered)
		s.P50Ms, _ = res.Metric("p50_ms")
		s.P90Ms, _ = res.Metric("p90_ms")
		s.P99Ms, _ = res.Metric("p99_ms")
		s.MaxMs, _ = res.Metric("max_ms")
		s.Failed, _ = res.Metric(UnitFailed)
		s.Rejected, _ = res.Metric(UnitRejected)
		s.CPUPct, _ = res.Metric(UnitCPU)
		out = upsert(out, s, func(a LadderStep) bool { return a.Offered == s.Offered })
	}
	slices.SortFunc(out, func(a, b LadderStep) int { return cmp.Compare(a.Offered, b.Offered) })
	return out
}

// Knee is the highest offered rate the mesh kept up with: at least 95% of
// it answered 2xx with nothing failed (0: none).
func Knee(steps []LadderStep) float64 {
	knee := 0.0
	for _, s := range steps {
		if s.Answered >= 0.95*s.Offered && s.Failed == 0 {
			knee = max(knee, s.Offered)
		}
	}
	return knee
}

func upsert[T any](list []T, v T, same func(T) bool) []T {
	if i := slices.IndexFunc(list, same); i >= 0 {
		list[i] = v
		return list
	}
	return append(list, v)
}

// Shared says whether the machine was busy with other work. The load
// average at a figure counts the benchmark's own processes (a mesh that
// saturates the cores and Postgres beside it make a load of about 1.5 per
// core), so it says "shared" only above twice the cores; the best sign is the
// CPU busy in the second before the benchmarks started (after the chaos
// pass): above 25% something else was running. Without that reading, a load
// above half the cores at the start counts too.
func (r *Report) Shared() bool {
	cores := float64(max(r.Machine.Cores, 1))
	if r.Machine.BusyStart > 0.25 {
		return true
	}
	if r.Machine.BusyStart < 0 && r.Machine.LoadStart[0] > cores/2 {
		return true
	}
	for _, res := range r.Results {
		if res.Load1 > 2*cores {
			return true
		}
	}
	return false
}

// LoadRange is the lowest and highest 1-minute load average at the figures.
func (r *Report) LoadRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, res := range r.Results {
		if res.Load1 > 0 {
			lo, hi = min(lo, res.Load1), max(hi, res.Load1)
		}
	}
	if math.IsInf(lo, 1) {
		return r.Machine.LoadStart[0], r.Machine.LoadStart[0]
	}
	return lo, hi
}

// f formats a figure with sensible digits.
func f(v float64) string {
	switch a := math.Abs(v); {
	case v == 0:
		return "0"
	case a >= 1000:
		return addCommas(strconv.FormatFloat(v, 'f', 0, 64))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// g is a setting as given: 20, 2.5.
func g(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func addCommas(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 0, 64) + "%" }

func load(l float64) string {
	if l <= 0 {
		return "?"
	}
	return strconv.FormatFloat(l, 'f', 2, 64)
}

// Markdown renders docs/benchmarks.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	m := r.Machine
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Benchmarks\n\n")
	w("Generated by `go tool task bench` (`cmd/benchreport`) on %s — do not edit by hand, run it again. ", m.Started.Format("2006-01-02 15:04 MST"))
	if r.Quick {
		w("**This is a quick run** (`go tool task bench -- -short`): shorter benchmark times, a smaller search catalogue and shorter load steps, so the figures are rougher than a full run's. ")
	}
	w("Every figure comes from this one run on the machine below; the 1-minute load average when it was printed is next to it.\n\n")

	w("## Machine\n\n| | |\n|---|---|\n")
	w("| CPU | %s, %d cores |\n| memory | %.1f GiB |\n| OS | %s (kernel %s) |\n| Go | %s |\n| Postgres | %s |\n| pgbench | %s |\n",
		orUnknown(m.CPU), m.Cores, m.MemGiB, orUnknown(m.OS), orUnknown(m.Kernel), orUnknown(m.Go), orUnknown(m.Postgres), orUnknown(m.PgbenchV))
	w("| run | %s – %s (%s) |\n", m.Started.Format("2006-01-02 15:04:05 MST"), m.Finished.Format("15:04:05"), m.Finished.Sub(m.Started).Round(time.Second))
	w("| load average at the start | %.2f, %.2f, %.2f (1, 5, 15 min)", m.LoadStart[0], m.LoadStart[1], m.LoadStart[2])
	if m.BusyStart >= 0 {
		w("; CPU %s busy in the second before", pct(m.BusyStart))
	}
	w(" |\n| load average at the end | %.2f, %.2f, %.2f |\n", m.LoadEnd[0], m.LoadEnd[1], m.LoadEnd[2])
	w("| command | `%s` |\n", r.Command)
	if len(r.Env) > 0 {
		w("| settings | `%s` |\n", strings.Join(r.Env, " "))
	}
	w("\n")
	if r.Shared() {
		lo, hi := r.LoadRange()
		w("> **The machine was shared with other work during this run** (load average %s–%s on %d cores at the figures). "+
			"Absolute numbers are lower and noisier than on a quiet machine of this size; the side-by-side ratios, measured back to back, are the steadier part.\n\n",
			load(lo), load(hi), m.Cores)
	} else if lo, hi := r.LoadRange(); hi > 0 {
		w("> Nothing else ran on the machine (CPU %s busy just before the benchmarks). The load average next to each figure (%s–%s on %d cores) is the benchmarks' own processes.\n\n",
			pct(m.BusyStart), load(lo), load(hi), m.Cores)
	}
	if len(r.Failed) > 0 {
		w("> **Failed:** %s — their figures are missing below; see the run's output.\n\n", strings.Join(r.Failed, ", "))
	}

	w("## Headline\n\n")
	for _, h := range r.Headlines() {
		w("- %s\n", h)
	}
	w("\n")

	w("## Side by side, same run\n\n")
	w("### (a) The booking SQL: pgbench against bookings through the gateway\n\n")
	if c, ok := r.Booking(); ok {
		w("`BenchmarkBookingMeshVsPgbench` (services/booking): 16 concurrent clients make 2,000 bookings through the HTTP gateway (JWT, gateway → NATS → booking service → Postgres, the outbox row in the same transaction; no deposit, so no payment call; the whole mesh runs, so the events' consumers — bridge, search, notification — work beside it), " +
			"then pgbench replays the booking service's own hold transaction — the statements of `adapters/postgres.HoldStatements`: the idempotency key, `SELECT … FOR UPDATE SKIP LOCKED` of free units, the booking row, the holds under the exclusion constraint, the outbox row — with 16 clients for 5 s on its own vendor in the same scratch database. Each of the two starts once the machine has settled (at most 15%% busy: the consumers have caught up)")
		if r.PgbenchScript != "" {
			w(" ([the script](%s))", r.PgbenchScript)
		}
		w(".\n\n| | bookings/s | p50 ms | p99 ms | load |\n|---|---:|---:|---:|---:|\n")
		w("| through the gateway | %s | %s | %s | %s |\n", f(c.MeshRate), f(c.P50Ms), f(c.P99Ms), load(c.Load1))
		w("| pgbench, the same transaction | %s | | | %s |\n", f(c.PgbenchTPS), load(c.Load1))
		w("| **ratio** | **%s** of the raw database rate | | | |\n", pct(c.Ratio))
		if c.HasGateway {
			w("| `BenchmarkBookingsThroughGateway` (gateway, 16 clients, b.Loop) | %s | %s | %s | %s |\n", f(c.GatewayRate), f(c.GatewayP50), f(c.GatewayP99), load(c.GatewayLoad1))
		}
		w("\n")
	} else {
		w("Did not run (needs pgbench and Postgres; `PKGS` may have left services/booking out).\n\n")
	}

	w("### (b) Request-reply: bare nats.go against the micro runner\n\n")
	if rt := r.RoundTrip(); len(rt) > 0 {
		w("`BenchmarkRoundTrip` (services/internal/platform): one embedded nats-server; bare is `nc.Subscribe` echoing the bytes to `nc.Request`, the runner is `platform.AddService` + `Handle` (strict JSON decoding, validation, micro stats, error headers) called through `natsrpc.Call` — the same JSON payload.\n\n")
		w("| mode | bare µs/req | runner µs/req | bare req/s | runner req/s | runner/bare | load |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range rt {
			w("| %s | %s | %s | %s | %s | **%s** | %s |\n", p.Mode, f(p.BareNs/1000), f(p.RunnerNs/1000), f(p.BareRPS), f(p.RunnerRPS), pct(p.Ratio), load(p.Load1))
		}
		w("\n")
	} else {
		w("Did not run.\n\n")
	}

	w("### (c) Search through the gateway")
	if r.SearchVendors > 0 {
		w(" at %s vendors", addCommas(strconv.Itoa(r.SearchVendors)))
	}
	w("\n\n")
	if ss := r.Search(); len(ss) > 0 {
		if r.SearchVendors > 0 && r.SearchVendors < 500_000 {
			w("> Not the 500,000-vendor target: this run loaded %s vendors (`SEARCH_BENCH_VENDORS`). A full `go tool task bench` loads 500,000.\n\n", addCommas(strconv.Itoa(r.SearchVendors)))
		}
		w("`BenchmarkSearchThroughGateway` (services/mesh): generated vendors bulk-loaded into the whole mesh in one process, then `GET /v1/search` through the gateway open loop at fixed rates (latency from each request's scheduled start; CPU per request is the whole process's — generator, gateway, NATS, every service — less the idle mesh's).\n\n")
		w("| offered/s | achieved/s | p50 ms | p99 ms | max ms | errors | items/req | CPU ms/req | Postgres CPU ms/req | load |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range ss {
			w("| %d | %s | %s | **%s** | %s | %s | %s | %s | %s | %s |\n", s.Rate, f(s.Achieved), f(s.P50Ms), f(s.P99Ms), f(s.MaxMs), f(s.Errors), f(s.ItemsPerRq), f(s.CPUMsPerReq), f(s.PgCPUMsPerReq), load(s.Load1))
		}
		w("\n")
	} else {
		w("Did not run.\n\n")
	}

	w("## Throughput against offered load\n\n")
	if steps := r.Ladder(); len(steps) > 0 {
		w("`BenchmarkOfferedLoad` (cmd/internal/benchreport): the whole mesh in one process over a small seeded catalogue, and `cmd/internal/loadgen` — the open-loop generator of `slotmesh load`, its default mix (60%% search, 30%% availability, 8%% book, 2%% change) — at each offered rate. The generator runs in the same process and on the same cores as the mesh, so its CPU is in the CPU column and it competes with the mesh at the top rates. " +
			"The CPU column is this process's share of all cores: well under 100%% while answers fall behind means other work on the machine had the rest.\n\n")
		if p := r.Plots["throughput"]; p != "" {
			w("![achieved against offered load](%s)\n\n", p)
		}
		if p := r.Plots["latency-vs-load"]; p != "" {
			w("![latency against offered load](%s)\n\n", p)
		}
		w("| offered/s | sent/s | answered 2xx/s | p50 ms | p90 ms | p99 ms | max ms | failed (5xx, none) | rejected (4xx) | CPU of the machine | load |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range steps {
			w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s%% | %s |\n", f(s.Offered), f(s.Sent), f(s.Answered), f(s.P50Ms), f(s.P90Ms), f(s.P99Ms), f(s.MaxMs), f(s.Failed), f(s.Rejected), f(s.CPUPct), load(s.Load1))
		}
		w("\n")
	} else {
		w("Did not run.\n\n")
	}

	w("## Latency across chaos faults\n\n")
	if c := r.Chaos; c != nil {
		from := "From the latest chaos run found"
		if r.ChaosThisRun {
			from = "From this run's own chaos pass, run first on the quiet machine,"
		}
		w("%s `%s` (%s, started %s; %s; %s req/s open loop, %s s between faults, each part down %s s, %d replicas of each service). Each fault kills one part with SIGKILL and restarts it; the shaded bands are from the kill until it answered again. Latency per second of scheduled start, errors are no answer or 5xx.\n\n",
			from, r.ChaosPath, okWord(c.OK), c.StartedAt.UTC().Format("2006-01-02 15:04 MST"), orUnknown(c.Machine), g(c.Rate), g(c.PhaseS), g(c.DownS), c.Replicas)
		if p := r.Plots["chaos"]; p != "" {
			w("![latency percentiles over time across each fault](%s)\n\n", p)
		}
		w("| fault | down s | requests during | error rate during | p99 ms during | requests after | error rate after | p99 ms after | reconciled |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
		w("| baseline | | %d | %s | %s | | | | |\n", c.Baseline.Requests, pctf(c.Baseline.ErrorRate), f(c.Baseline.P99Ms))
		for _, ft := range c.Faults {
			if ft.Skipped != "" {
				w("| %s | skipped: %s | | | | | | | |\n", ft.Name, ft.Skipped)
				continue
			}
			from, to := c.Span(ft)
			w("| %s | %.1f | %d | %s | %s | %d | %s | %s | %s |\n", ft.Name, to-from, ft.During.Requests, pctf(ft.During.ErrorRate), f(ft.During.P99Ms),
				ft.After.Requests, pctf(ft.After.ErrorRate), f(ft.After.P99Ms), okWord(ft.Reconcile.OK && ft.Error == ""))
		}
		w("\n")
	} else {
		w("%s\n\n", cmp.Or(r.ChaosNote, "No chaos run found: run `go tool task chaos`, then `go tool task bench` again."))
	}

	w("## Every benchmark of the run\n\n")
	w("Raw `go test -bench` lines are in [benchmarks/bench.txt](benchmarks/bench.txt) (benchstat reads them).\n\n")
	pkgs := map[string][]Result{}
	var order []string
	for _, res := range r.Results {
		if _, ok := pkgs[res.Pkg]; !ok {
			order = append(order, res.Pkg)
		}
		pkgs[res.Pkg] = upsert(pkgs[res.Pkg], res, func(a Result) bool { return a.Name == res.Name })
	}
	for _, pkg := range order {
		w("**%s**\n\n| benchmark | iterations | figures | load |\n|---|---:|---|---:|\n", strings.TrimPrefix(pkg, "github.com/slotmesh/slotmesh/"))
		for _, res := range pkgs[pkg] {
			var ms []string
			for _, mt := range res.Metrics {
				ms = append(ms, f(mt.Value)+" "+mt.Unit)
			}
			w("| %s | %d | %s | %s |\n", strings.TrimPrefix(res.Name, "Benchmark"), res.N, strings.Join(ms, ", "), load(res.Load1))
		}
		w("\n")
	}

	w("## Run it\n\n```sh\ngo tool task bench                 # a chaos pass (~8 min), then everything, ~BENCHTIME=2s each; search at 500,000 vendors\n" +
		"go tool task bench -- -short       # quick: a few minutes (smaller search catalogue, shorter steps)\n" +
		"go tool task bench PKGS=./services/internal/platform/   # some packages only (the report covers what ran)\n" +
		"BENCH_CHAOS=0 go tool task bench  # no chaos pass: the plot reads the newest .chaos/*/report.json (go tool task chaos)\n```\n\n" +
		"Knobs: `BENCHTIME`, `PKGS`, extra `go test` flags after `--`; `BENCH_CHAOS=0`, `BENCH_CHAOS_ARGS` (chaos flags); `SEARCH_BENCH_VENDORS`, `SEARCH_BENCH_RATES`, `SEARCH_BENCH_SECONDS`; " +
		"`BENCH_LADDER_RATES`, `BENCH_LADDER_SECONDS`, `BENCH_LADDER_SCALE`; `BENCH_QUICK=1` is `-short`.\n")
	return b.String()
}

func pctf(v float64) string { return strconv.FormatFloat(100*v, 'f', 2, 64) + "%" }

func okWord(ok bool) string {
	if ok {
		return "reconciled OK"
	}
	return "a reconciliation count was off"
}

// Headlines are the few figures the README quotes, each with its load.
func (r *Report) Headlines() []string {
	var hs []string
	if c, ok := r.Booking(); ok {
		hs = append(hs, fmt.Sprintf("Bookings through the gateway: **%s/s** (p99 %s ms, 16 clients) = **%s** of pgbench replaying the same hold transaction on the same Postgres (%s tps); load %s.",
			f(c.MeshRate), f(c.P99Ms), pct(c.Ratio), f(c.PgbenchTPS), load(c.Load1)))
	}
	if rt := r.RoundTrip(); len(rt) > 0 {
		p := rt[0]
		s := fmt.Sprintf("NATS request-reply through the micro runner: %s µs against %s µs bare (%s of bare throughput one at a time",
			f(p.RunnerNs/1000), f(p.BareNs/1000), pct(p.Ratio))
		if len(rt) > 1 {
			s += fmt.Sprintf("; %s in parallel", pct(rt[1].Ratio))
		}
		hs = append(hs, s+fmt.Sprintf("); load %s.", load(p.Load1)))
	}
	if ss := r.Search(); len(ss) > 0 {
		var parts []string
		for _, s := range ss {
			parts = append(parts, fmt.Sprintf("p99 **%s ms** at %d/s offered (%s/s achieved, load %s)", f(s.P99Ms), s.Rate, f(s.Achieved), load(s.Load1)))
		}
		vendors := "?"
		if r.SearchVendors > 0 {
			vendors = addCommas(strconv.Itoa(r.SearchVendors))
		}
		hs = append(hs, fmt.Sprintf("Search through the gateway at %s vendors: %s.", vendors, strings.Join(parts, "; ")))
	}
	if steps := r.Ladder(); len(steps) > 0 {
		top := steps[len(steps)-1]
		hs = append(hs, fmt.Sprintf("Mixed traffic, whole mesh and generator in one process: kept up (≥95%% answered, nothing failed) up to **%s req/s** offered; at %s/s offered it answered %s/s with p99 %s ms (load %s).",
			f(Knee(steps)), f(top.Offered), f(top.Answered), f(top.P99Ms), load(top.Load1)))
	}
	if c := r.Chaos; c != nil {
		worst, name := 0.0, ""
		for _, ft := range c.Faults {
			if ft.Skipped == "" && ft.During.P99Ms >= worst {
				worst, name = ft.During.P99Ms, ft.Name
			}
		}
		if name != "" {
			hs = append(hs, fmt.Sprintf("Chaos (%s): worst p99 during a fault %s ms (%s), baseline %s ms.", okWord(c.OK), f(worst), name, f(c.Baseline.P99Ms)))
		}
	}
	if len(hs) == 0 {
		hs = append(hs, "No comparison benchmark ran.")
	}
	return hs
}
