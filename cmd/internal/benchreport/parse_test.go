package benchreport

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/procfs"
)

func TestParseLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		line string
		ok   bool
		want Result
	}{
		{"ns/op and a custom unit", "BenchmarkRoundTrip/bare_nats-2   \t    6331\t     31822 ns/op\t     31425 req/s", true,
			Result{Name: "BenchmarkRoundTrip/bare_nats", Procs: 2, N: 6331, Metrics: []Metric{{31822, "ns/op"}, {31425, "req/s"}}}},
		{"no procs suffix, benchmem", "BenchmarkX 100 12.5 ns/op 48 B/op 2 allocs/op", true,
			Result{Name: "BenchmarkX", Procs: 1, N: 100, Metrics: []Metric{{12.5, "ns/op"}, {48, "B/op"}, {2, "allocs/op"}}}},
		{"a dash in a sub-benchmark name", "BenchmarkSearch/rate=200-16 1 5 ns/op 3.25 p99_ms", true,
			Result{Name: "BenchmarkSearch/rate=200", Procs: 16, N: 1, Metrics: []Metric{{5, "ns/op"}, {3.25, "p99_ms"}}}},
		{"negative-looking name part stays", "BenchmarkA/x-y 10 1 ns/op", true,
			Result{Name: "BenchmarkA/x-y", Procs: 1, N: 10, Metrics: []Metric{{1, "ns/op"}}}},
		{"the name alone (-v)", "BenchmarkRoundTrip/bare_nats", false, Result{}},
		{"the name before the run's prints", "BenchmarkBookingMeshVsPgbench-2   ", false, Result{}},
		{"a value without a unit", "BenchmarkX-2 10 5 ns/op 7", false, Result{}},
		{"not a number", "BenchmarkX-2 ten 5 ns/op", false, Result{}},
		{"a log line", "booking through the gateway: 200 bookings", false, Result{}},
		{"zero iterations", "BenchmarkX-2 0 5 ns/op", false, Result{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseLine(tc.line)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/bench.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	stamped := 0
	p := &Parser{Now: func() time.Time { return at }, OnResult: func(r *Result) { stamped++; r.Load1 = 1.5 }}
	if err := p.Parse(f); err != nil {
		t.Fatal(err)
	}
	if len(p.Results) != 6 || stamped != 6 {
		t.Fatalf("%d results (%d stamped), want 6: %+v", len(p.Results), stamped, p.Results)
	}
	last := p.Results[5]
	if last.Pkg != "github.com/slotmesh/slotmesh/services/booking" || last.Name != "BenchmarkBookingMeshVsPgbench" || last.Load1 != 1.5 || !last.At.Equal(at) {
		t.Fatalf("last %+v", last)
	}
	if v, ok := last.Metric("mesh_%_of_raw"); !ok || v != 25 {
		t.Fatalf("mesh_%%_of_raw = %v, %v", v, ok)
	}
	if p.Results[0].Pkg != "github.com/slotmesh/slotmesh/services/internal/platform" {
		t.Fatalf("first pkg %q", p.Results[0].Pkg)
	}
	if !reflect.DeepEqual(p.Out.Failed, []string{"github.com/slotmesh/slotmesh/services/booking"}) {
		t.Fatalf("failed %v", p.Out.Failed)
	}
	lines := p.Out.Lines["github.com/slotmesh/slotmesh/services/booking"]
	if !contains(lines, "loading vendors 100% |#######|") {
		t.Fatalf("a redrawn progress bar keeps its last drawing: %q", lines)
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	const pkg = "github.com/slotmesh/slotmesh/services/mesh"
	ev := func(ts, test, out string) string {
		return `{"Time":"` + ts + `","Action":"output","Package":"` + pkg + `","Test":"` + test + `","Output":` + quote(out) + "}\n"
	}
	in := `{"Time":"2026-11-26T03:22:56Z","Action":"start","Package":"` + pkg + `"}` + "\n" +
		ev("2026-11-26T03:22:56Z", "", "pkg: "+pkg+"\n") +
		ev("2026-11-26T03:22:57Z", "BenchmarkSearchThroughGateway", "=== RUN   BenchmarkSearchThroughGateway\n") +
		// One line split over two events, as test2json does with long lines.
		ev("2026-11-26T03:22:58Z", "BenchmarkSearchThroughGateway/rate=200", "BenchmarkSearchThroughGateway/rate=200-2  \t       1\t  10000 ns/op\t") +
		ev("2026-11-26T03:22:59Z", "BenchmarkSearchThroughGateway/rate=200", "   12.5 p99_ms\t 199.0 req/s\n") +
		ev("2026-11-26T03:23:00Z", "", "search through the gateway, 20000 vendors, 3s per rate\n") +
		`{"Time":"2026-11-26T03:23:01Z","Action":"fail","Package":"` + pkg + `","Test":"BenchmarkX"}` + "\n" +
		`{"Time":"2026-11-26T03:23:01Z","Action":"fail","Package":"` + pkg + `"}` + "\n" +
		ev("2026-11-26T03:23:02Z", "", "no newline at the end")
	var seen []string
	p := &Parser{OnLine: func(_, line string) { seen = append(seen, line) }}
	if err := p.Parse(strings.NewReader("\n  " + in)); err != nil {
		t.Fatal(err)
	}
	if len(p.Results) != 1 {
		t.Fatalf("results %+v", p.Results)
	}
	r := p.Results[0]
	want := Result{Pkg: pkg, Name: "BenchmarkSearchThroughGateway/rate=200", Procs: 2, N: 1,
		Metrics: []Metric{{10000, "ns/op"}, {12.5, "p99_ms"}, {199, "req/s"}}, At: time.Date(2026, 11, 26, 3, 22, 59, 0, time.UTC)}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	if !reflect.DeepEqual(p.Out.Failed, []string{pkg}) {
		t.Fatalf("failed %v (a test's fail is not the package's)", p.Out.Failed)
	}
	if seen[len(seen)-1] != "no newline at the end" {
		t.Fatalf("the unfinished last line is still a line: %q", seen)
	}
	var rep Report
	rep.FromOutput(p.Out)
	if rep.SearchVendors != 20000 {
		t.Fatalf("search vendors %d", rep.SearchVendors)
	}
}

// fakeProc is a /proc directory holding files (path: content).
func fakeProc(t *testing.T, files map[string]string) procfs.FS {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, err := procfs.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestMachineParsers(t *testing.T) {
	t.Parallel()
	var m Machine
	m.readProc(fakeProc(t, map[string]string{
		"loadavg": "9.48 8.73 7.57 5/1234 99\n",
		"cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\n" +
			"processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n",
		"meminfo":              "MemTotal:       24576000 kB\nMemFree: 1 kB\n",
		"sys/kernel/osrelease": "6.1.0-18-amd64\n",
	}))
	if m.LoadStart != [3]float64{9.48, 8.73, 7.57} {
		t.Fatalf("loadavg %v", m.LoadStart)
	}
	if runtime.GOARCH == "amd64" && m.CPU != "Intel(R) Xeon(R) CPU @ 2.20GHz" { // procfs reads cpuinfo per architecture
		t.Fatalf("cpu %q", m.CPU)
	}
	if g := m.MemGiB; g < 23.4 || g > 23.5 {
		t.Fatalf("mem %v GiB", g)
	}
	if m.Kernel != "6.1.0-18-amd64" {
		t.Fatalf("kernel %q", m.Kernel)
	}
	if _, err := loadAvg(fakeProc(t, map[string]string{"loadavg": "garbage"})); err == nil {
		t.Fatal("garbage loadavg parsed")
	}
	// What /proc does not hold stays unknown.
	var none Machine
	none.readProc(fakeProc(t, nil))
	if none.LoadStart != [3]float64{} || none.CPU != "" || none.MemGiB != 0 || none.Kernel != "" {
		t.Fatalf("from an empty /proc: %+v", none)
	}
	if os := osPrettyName("NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"); os != "Debian GNU/Linux 12 (bookworm)" {
		t.Fatalf("os %q", os)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
