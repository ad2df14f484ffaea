package benchreport

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture is a report as a run would leave it: every comparison's
// benchmark, on a busy two-core machine.
func fixture(t *testing.T) *Report {
	t.Helper()
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := &Parser{OnResult: func(r *Result) { r.Load1 = 3.25 }}
	if err := p.Parse(f); err != nil {
		t.Fatal(err)
	}
	more := `pkg: github.com/slotmesh/slotmesh/services/mesh
BenchmarkSearchThroughGateway/rate=200-2 1 10 ns/op 3.1 p50_ms 41.5 p99_ms 90 max_ms 199.5 req/s 0 errors 12 items/req 1.2 cpu_ms/req 4.3 alloc_KiB/req 0.5 pg_cpu_ms/req
BenchmarkSearchThroughGateway/rate=1000-2 1 10 ns/op 300 p50_ms 1658 p99_ms 1821 max_ms 640 req/s 12 errors 12 items/req 1.1 cpu_ms/req 4.0 alloc_KiB/req 0.4 pg_cpu_ms/req
search through the gateway, 500000 vendors, 10s per rate
pkg: github.com/slotmesh/slotmesh/cmd/internal/benchreport
BenchmarkOfferedLoad/offered=50-2 1 1 ns/op 50 offered_req/s 50 sent_req/s 48 ok_req/s 4 p50_ms 8 p90_ms 20 p99_ms 30 max_ms 0 failed 2 rejected 20 cpu_%
BenchmarkOfferedLoad/offered=100-2 1 1 ns/op 100 offered_req/s 100 sent_req/s 97 ok_req/s 5 p50_ms 10 p90_ms 25 p99_ms 40 max_ms 0 failed 3 rejected 35 cpu_%
BenchmarkOfferedLoad/offered=400-2 1 1 ns/op 400 offered_req/s 390 sent_req/s 210 ok_req/s 900 p50_ms 2500 p90_ms 4000 p99_ms 5000 max_ms 7 failed 3 rejected 98 cpu_%
`
	if err := p.Parse(strings.NewReader(more)); err != nil {
		t.Fatal(err)
	}
	rep := &Report{Results: p.Results, Command: "go test -json -run '^$' -bench . ./...", Plots: map[string]string{}}
	rep.FromOutput(p.Out)
	rep.Machine = Machine{CPU: "Intel(R) Xeon(R) Processor", Cores: 2, MemGiB: 23.4, OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0",
		Go: "go1.26.8 linux/amd64", Postgres: "PostgreSQL 15.20", PgbenchV: "pgbench (PostgreSQL) 15.20",
		Started: time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC), Finished: time.Date(2026, 11, 26, 3, 52, 10, 0, time.UTC),
		LoadStart: [3]float64{9.48, 8.73, 7.57}, LoadEnd: [3]float64{5, 6, 7}, BusyStart: 0.9}
	return rep
}

func TestComparisons(t *testing.T) {
	t.Parallel()
	rep := fixture(t)
	c, ok := rep.Booking()
	if !ok || c.MeshRate != 150 || c.PgbenchTPS != 600 || c.Ratio != 0.25 || c.P99Ms != 300.2 || c.Load1 != 3.25 || c.HasGateway {
		t.Fatalf("booking %+v %v", c, ok)
	}
	rt := rep.RoundTrip()
	if len(rt) != 2 || rt[0].BareNs != 31822 || rt[0].RunnerNs != 41705 || !near(rt[0].Ratio, 23978.0/31425) || !near(rt[1].Ratio, 18461.0/17642) {
		t.Fatalf("round trip %+v", rt)
	}
	s := rep.Search()
	if len(s) != 2 || s[0].Rate != 200 || s[0].P99Ms != 41.5 || s[1].Rate != 1000 || s[1].Errors != 12 || rep.SearchVendors != 500000 {
		t.Fatalf("search %+v (vendors %d)", s, rep.SearchVendors)
	}
	steps := rep.Ladder()
	if len(steps) != 3 || steps[0].Offered != 50 || steps[2].Answered != 210 || steps[2].Failed != 7 {
		t.Fatalf("ladder %+v", steps)
	}
	if k := Knee(steps); k != 100 {
		t.Fatalf("knee %v, want 100 (400 answered 52%%)", k)
	}
	if !rep.Shared() {
		t.Fatal("load 9.48 on 2 cores is a shared machine")
	}
	quiet := &Report{Machine: Machine{Cores: 8, LoadStart: [3]float64{0.5}}, Results: []Result{{Load1: 1}}}
	if quiet.Shared() {
		t.Fatal("load 1 on 8 cores is quiet")
	}
	// The benchmark's own load (a saturated 2-core machine) is not sharing;
	// a busy CPU before the run is.
	own := &Report{Machine: Machine{Cores: 2, LoadStart: [3]float64{3.5}, BusyStart: 0.03}, Results: []Result{{Load1: 3.3}}}
	if own.Shared() {
		t.Fatal("load 3.3 on 2 cores with a quiet start is the benchmark's own")
	}
	own.Machine.BusyStart = 0.6
	if !own.Shared() {
		t.Fatal("60% busy before the run is a shared machine")
	}
	// A later round of a benchmark replaces the earlier one.
	rep.Results = append(rep.Results, Result{Name: "BenchmarkBookingMeshVsPgbench", Metrics: []Metric{{300, "mesh_bookings/s"}, {600, "pgbench_tps"}}})
	if c, _ := rep.Booking(); c.Ratio != 0.5 {
		t.Fatalf("the last round counts: %+v", c)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	rep := fixture(t)
	rep.Quick = true
	rep.ChaosNote = "No chaos run found (no .chaos/*/report.json): run `go tool task chaos`, then `go tool task bench` again."
	rep.Plots["throughput"] = "benchmarks/throughput.png"
	rep.PgbenchScript = "benchmarks/booking-hold.sql"
	md := rep.Markdown()
	for _, want := range []string{
		"# Benchmarks",
		"**This is a quick run**",
		"| CPU | Intel(R) Xeon(R) Processor, 2 cores |",
		"| Postgres | PostgreSQL 15.20 |",
		"| load average at the start | 9.48, 8.73, 7.57 (1, 5, 15 min); CPU 90% busy in the second before |",
		"2026-11-26 03:30:00 UTC – 03:52:10 (22m10s)",
		"**The machine was shared with other work during this run** (load average 3.25–3.25 on 2 cores",
		"| **ratio** | **25%** of the raw database rate |",
		"([the script](benchmarks/booking-hold.sql))",
		"| through the gateway | 150 | 90.5 | 300 | 3.25 |",
		"| one request at a time | 31.8 | 41.7 | 31,425 | 23,978 | **76%** | 3.25 |",
		"### (c) Search through the gateway at 500,000 vendors",
		"| 200 | 200 | 3.10 | **41.5** | 90.0 | 0 | 12.0 | 1.20 | 0.5 | 3.25 |",
		"![achieved against offered load](benchmarks/throughput.png)",
		"| 400 | 390 | 210 | 900 | 2,500 | 4,000 | 5,000 | 7.00 | 3.00 | 98.0% | 3.25 |",
		"No chaos run found (no .chaos/*/report.json): run `go tool task chaos`",
		"kept up (≥95% answered, nothing failed) up to **100 req/s** offered",
		"Bookings through the gateway: **150/s** (p99 300 ms, 16 clients) = **25%** of pgbench",
		"Search through the gateway at 500,000 vendors: p99 **41.5 ms** at 200/s offered (200/s achieved, load 3.25); p99 **1,658 ms** at 1000/s",
		"**services/internal/platform**",
		"| RoundTrip/bare_nats | 6331 | 31,822 ns/op, 31,425 req/s | 3.25 |",
		"> **Failed:** github.com/slotmesh/slotmesh/services/booking",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(md, "Not the 500,000-vendor target") {
		t.Error("500,000 vendors is the target")
	}
	if t.Failed() {
		t.Log(md)
	}

	small := fixture(t)
	small.SearchVendors = 20000
	small.Results = small.Results[:0:0]
	for _, r := range fixture(t).Results {
		if strings.HasPrefix(r.Name, "BenchmarkSearch") {
			small.Results = append(small.Results, r)
		}
	}
	md = small.Markdown()
	for _, want := range []string{"> Not the 500,000-vendor target: this run loaded 20,000 vendors", "(a) The booking SQL: pgbench against bookings through the gateway\n\nDid not run",
		"## Throughput against offered load\n\nDid not run."} {
		if !strings.Contains(md, want) {
			t.Errorf("a partial run's report lacks %q", want)
		}
	}
}

func TestRenderWithChaos(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if d := os.Getenv("BENCHREPORT_TEST_OUT"); d != "" { // to look at the plots
		dir = d
	}
	load := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	run := map[string]any{
		"schema": ChaosSchema, "started_at": load.Add(-time.Minute), "load_started_at": load, "machine": "2 cores", "rate": 20, "down_s": 3,
		"baseline": map[string]any{"requests": 400, "p99_ms": 30, "error_rate": 0},
		"faults": []map[string]any{
			{"name": "booking", "killed_at": load.Add(10 * time.Second), "restarted_at": load.Add(13 * time.Second), "ready_at": load.Add(14 * time.Second),
				"during": map[string]any{"requests": 180, "errors": 9, "error_rate": 0.05, "p99_ms": 2500}, "after": map[string]any{"requests": 200, "p99_ms": 40},
				"reconciliation": map[string]any{"ok": true}},
			{"name": "kafka", "skipped": "no broker"},
		},
		"ok": true,
	}
	var secs []map[string]any
	for i := range 30 {
		p99 := 30.0
		if i >= 10 && i < 15 {
			p99 = 2500
		}
		secs = append(secs, map[string]any{"t": i, "requests": 20, "errors": map[bool]int{true: 2}[i >= 10 && i < 14], "p50_ms": 5, "p90_ms": 12, "p99_ms": p99, "max_ms": p99 * 1.2})
	}
	secs = append(secs, map[string]any{"t": 30, "requests": 0}) // an empty second: nothing to plot on a log axis
	run["seconds"] = secs
	chaosDir := filepath.Join(dir, ".chaos")
	for i, name := range []string{"20261126-030000", "20261126-040000"} {
		if err := os.MkdirAll(filepath.Join(chaosDir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(run)
		path := filepath.Join(chaosDir, name, "report.json")
		if err := os.WriteFile(path, js, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := load.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(path, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	rep := fixture(t)
	md := filepath.Join(dir, "docs", "benchmarks.md")
	if err := os.MkdirAll(filepath.Dir(md), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Markdown: md, Assets: filepath.Join(dir, "docs", "benchmarks"), ChaosDir: chaosDir}
	if err := Render(rep, cfg); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"throughput", "latency-vs-load", "chaos"} {
		f, err := os.Open(filepath.Join(dir, "docs", "benchmarks", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() < 300 {
			t.Fatalf("%s.png: %v", name, err)
		}
		if rep.Plots[name] != "benchmarks/"+name+".png" {
			t.Fatalf("plot paths %v", rep.Plots)
		}
	}
	raw, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"20261126-040000/report.json", // the newest
		"![latency percentiles over time across each fault](benchmarks/chaos.png)",
		"| booking | 4.0 | 180 | 5.00% | 2,500 | 200 | 0.00% | 40.0 | reconciled OK |",
		"| kafka | skipped: no broker |",
		"Chaos (reconciled OK): worst p99 during a fault 2,500 ms (booking), baseline 30.0 ms.",
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(string(raw))
	}
	// results.json renders the same report again.
	again, err := ReadReport(filepath.Join(dir, "docs", "benchmarks", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(again, cfg); err != nil {
		t.Fatal(err)
	}
	if raw2, _ := os.ReadFile(md); string(raw2) != string(raw) {
		t.Fatal("rendering results.json again changed the report")
	}

	// A report of another layout is named, not plotted.
	bad := filepath.Join(dir, "other.json")
	if err := os.WriteFile(bad, []byte(`{"schema":"slotmesh.chaos/v0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.ChaosReport = bad
	if err := Render(rep, cfg); err != nil {
		t.Fatal(err)
	}
	if rep.Chaos != nil || !strings.Contains(rep.ChaosNote, `schema "slotmesh.chaos/v0"`) || rep.Plots["chaos"] != "" {
		t.Fatalf("bad chaos report: %q %v", rep.ChaosNote, rep.Plots)
	}
}

func TestNoChaosRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rep := &Report{}
	if err := Render(rep, Config{Markdown: filepath.Join(dir, "b.md"), ChaosDir: filepath.Join(dir, "none")}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "b.md"))
	if !strings.Contains(string(raw), "No chaos run found") || !strings.Contains(string(raw), "run `go tool task chaos`") {
		t.Fatalf("%s", raw)
	}
	if _, err := os.Stat(filepath.Join(dir, "b", "results.json")); err != nil {
		t.Fatal(err)
	}
}

func TestQuick(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want bool
	}{{nil, false}, {[]string{"-short"}, true}, {[]string{"-v", "-test.short=true"}, true}, {[]string{"-shortx"}, false}} {
		if got := IsQuick(tc.args); got != tc.want {
			t.Errorf("IsQuick(%q) = %v", tc.args, got)
		}
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {0.123456, "0.123"}, {3.14159, "3.14"}, {41.55, "41.5"}, {123.4, "123"}, {1658, "1,658"}, {1234567, "1,234,567"}, {-2500, "-2,500"}} {
		if got := f(tc.v); got != tc.want {
			t.Errorf("f(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestRunChaosPassFirst runs Run with a fake go command whose `go build`
// makes a fake slotmesh: the chaos pass runs before the benchmarks, -short
// in a quick run with the extra flags after it, and the report plots that
// run as this run's own.
func TestRunChaosPassFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	load := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	chaos, _ := json.Marshal(map[string]any{
		"schema": ChaosSchema, "started_at": load.Add(-time.Minute), "load_started_at": load, "machine": "2 cores",
		"rate": 20, "phase_s": 30, "down_s": 5, "replicas": 2, "ok": true,
		"baseline": map[string]any{"requests": 600, "p99_ms": 25},
		"seconds":  []map[string]any{{"t": 0, "requests": 20, "p50_ms": 4, "p90_ms": 9, "p99_ms": 25, "max_ms": 30}, {"t": 1, "requests": 20, "p50_ms": 4, "p90_ms": 9, "p99_ms": 26, "max_ms": 31}},
	})
	if err := os.WriteFile(filepath.Join(dir, "chaos.json"), chaos, 0o644); err != nil {
		t.Fatal(err)
	}
	order := filepath.Join(dir, "order")
	fakeGo := filepath.Join(dir, "go")
	script := `#!/bin/sh
case "$1" in
build) # build -o EXE ./cmd/slotmesh
  printf '#!/bin/sh\necho "chaos $*" >> "$ORDER"\ncp "$FAKE_CHAOS" "$3/report.json"\n' > "$3"
  chmod +x "$3" ;;
test) echo "bench" >> "$ORDER" ;;
esac
`
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "docs", "benchmarks.md")
	cfg := Config{
		Go: fakeGo, Quick: true, Markdown: md, ChaosDir: filepath.Join(dir, ".chaos"),
		RunChaos: true, ChaosArgs: []string{"-rate", "30"}, PGURL: "postgres://127.0.0.1:1/none?connect_timeout=1",
		Environ: append(os.Environ(), "ORDER="+order, "FAKE_CHAOS="+filepath.Join(dir, "chaos.json")),
	}
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(order)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "chaos chaos -run-dir "+filepath.Join(dir, ".chaos", "bench-")) ||
		!strings.HasSuffix(lines[0], " -short -rate 30") || lines[1] != "bench" {
		t.Fatalf("commands in order: %q; want the chaos pass (-short, then the extra flags), then go test", lines)
	}
	if !strings.HasSuffix(rep.ChaosPath, "docs/benchmarks/chaos-report.json") {
		t.Fatalf("chaos report at %q, want it kept beside the report (docs/benchmarks/chaos-report.json)", rep.ChaosPath)
	}
	if !rep.ChaosThisRun || rep.Chaos == nil || rep.Plots["chaos"] == "" {
		t.Fatalf("this run's chaos pass not used: this run %v, chaos %v, plots %v", rep.ChaosThisRun, rep.Chaos != nil, rep.Plots)
	}
	body, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if want := "From this run's own chaos pass, run first on the quiet machine,"; !strings.Contains(string(body), want) {
		t.Fatalf("the report lacks %q:\n%s", want, body)
	}
	if want := "20 req/s open loop, 30 s between faults, each part down 5 s, 2 replicas"; !strings.Contains(string(body), want) {
		t.Fatalf("the report lacks %q", want)
	}
}
