package benchreport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config of one `go tool task bench`.
type Config struct {
	Go        string   // the go command; default "go"
	Pkgs      []string // default ./...
	Bench     string   // -bench regexp; default "."
	BenchTime string   // default 2s, 500ms when Quick
	Extra     []string // more go test flags (-short makes the run quick)
	Quick     bool
	// Markdown is the report's path (docs/benchmarks.md); its plots, raw
	// output, results.json and the pgbench script go into Assets (default:
	// the path without .md, docs/benchmarks).
	Markdown, Assets string
	ChaosDir         string // where `slotmesh chaos` writes its runs (.chaos); ChaosReport overrides
	ChaosReport      string
	// RunChaos runs a chaos pass (`slotmesh chaos`, -short when Quick, then
	// ChaosArgs) before the benchmarks, on the quiet machine, into
	// ChaosDir/bench-<time>; the report plots that run. Without it (or with
	// ChaosReport) the report plots ChaosReport or the newest run in ChaosDir.
	RunChaos  bool
	ChaosArgs []string
	PGURL     string                     // Postgres admin URL, for its version
	Getenv    func(string) string        // the environment; default os.Getenv
	Environ   []string                   // of the go test process; default os.Environ()
	Stderr    io.Writer                  // go test's output as it runs
	LoadAvg   func() ([3]float64, error) // default LoadAvg
}

// QuickEnv is what a quick run sets unless the environment already does.
var QuickEnv = [][2]string{
	{"SEARCH_BENCH_VENDORS", "20000"},
	{"SEARCH_BENCH_RATES", "200"},
	{"SEARCH_BENCH_SECONDS", "3"},
	{"BENCH_LADDER_SECONDS", "2"},
}

// knobs are the environment variables the report lists when set.
var knobs = []string{"SEARCH_BENCH_VENDORS", "SEARCH_BENCH_RATES", "SEARCH_BENCH_SECONDS", "SEARCH_URL",
	"BENCH_LADDER_RATES", "BENCH_LADDER_SECONDS", "BENCH_LADDER_SCALE", "GOMAXPROCS"}

// IsQuick says whether go test flags ask for a quick run (-short).
func IsQuick(extra []string) bool {
	for _, a := range extra {
		switch a {
		case "-short", "--short", "-short=true", "-test.short", "-test.short=true":
			return true
		}
	}
	return false
}

// Run runs the benchmarks, then writes the report, its plots and raw
// output. The report is written even when a benchmark fails; the error says
// which.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.defaults()
	if err := os.MkdirAll(cfg.Assets, 0o755); err != nil {
		return nil, err
	}
	assets, err := filepath.Abs(cfg.Assets)
	if err != nil {
		return nil, err
	}
	rep := &Report{Quick: cfg.Quick, Plots: map[string]string{}}
	rep.Machine = Probe(ctx, cfg.Go, cfg.PGURL)

	env := slices.Clone(cfg.Environ)
	set := func(k, v string) { env = append(env, k+"="+v) }
	if cfg.Quick {
		for _, kv := range QuickEnv {
			if cfg.Getenv(kv[0]) == "" {
				set(kv[0], kv[1])
			}
		}
	}
	script := filepath.Join(assets, "booking-hold.sql")
	_ = os.Remove(script)
	set("BENCH_PGBENCH_SCRIPT", script)
	lookup := func(k string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], k+"="); ok {
				return v
			}
		}
		return ""
	}
	for _, k := range knobs {
		if v := lookup(k); v != "" {
			rep.Env = append(rep.Env, k+"="+v)
		}
	}

	var chaosErr error
	if cfg.RunChaos && cfg.ChaosReport == "" {
		var path string
		path, chaosErr = runChaos(ctx, cfg)
		if path != "" {
			cfg.ChaosReport, rep.ChaosThisRun = path, true
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}

	args := []string{"test", "-json", "-run", "^$", "-bench", cfg.Bench, "-benchtime", cfg.BenchTime}
	if !slices.ContainsFunc(cfg.Extra, func(a string) bool { return strings.HasPrefix(strings.TrimLeft(a, "-"), "timeout") }) {
		args = append(args, "-timeout", "120m")
	}
	// One package at a time: go test runs GOMAXPROCS packages at once by
	// default, and two packages' benchmarks sharing two cores measured each
	// other (the 2026-11-26 07:14 report was run that way).
	if !slices.ContainsFunc(cfg.Extra, func(a string) bool { return a == "-p" || strings.HasPrefix(a, "-p=") }) {
		args = append(args, "-p", "1")
	}
	if cfg.Quick && !IsQuick(cfg.Extra) {
		args = append(args, "-short")
	}
	args = append(append(args, cfg.Extra...), cfg.Pkgs...)
	rep.Command = cfg.Go + " " + strings.Join(quoteArgs(args), " ")
	fmt.Fprintf(cfg.Stderr, "bench: %s\n", rep.Command)

	var raw strings.Builder // benchstat-readable: config lines and results
	p := &Parser{
		OnResult: func(r *Result) {
			if l, err := cfg.LoadAvg(); err == nil {
				r.Load1, r.Load5 = l[0], l[1]
			}
		},
		OnLine: func(pkg, line string) {
			if _, ok := ParseLine(line); ok || isConfigLine(line) {
				raw.WriteString(line + "\n")
			}
			if !strings.HasPrefix(line, "=== ") && !strings.HasPrefix(line, "?   \t") && line != "" && !isBareName(line) {
				fmt.Fprintln(cfg.Stderr, line)
			}
		},
	}
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Env = env
	cmd.Stderr = cfg.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	perr := p.Parse(stdout)
	_, _ = io.Copy(io.Discard, stdout)
	runErr := cmd.Wait()
	rep.Results = p.Results
	rep.FromOutput(p.Out)
	rep.Machine.Finished = time.Now().UTC()
	rep.Machine.LoadEnd, _ = cfg.LoadAvg()
	if st, err := os.Stat(script); err == nil && st.Size() > 0 {
		rep.PgbenchScript = rel(cfg.Markdown, script)
	}
	if err := os.WriteFile(filepath.Join(assets, "bench.txt"), []byte(raw.String()), 0o644); err != nil {
		return rep, err
	}

	rerr := Render(rep, cfg)
	switch {
	case chaosErr != nil:
		return rep, fmt.Errorf("chaos pass: %w; the report covers what ran", chaosErr)
	case perr != nil:
		return rep, fmt.Errorf("reading go test output: %w", perr)
	case runErr != nil:
		return rep, fmt.Errorf("go test: %w (failed: %s); the report covers what ran", runErr, strings.Join(rep.Failed, ", "))
	}
	return rep, rerr
}

// Render finds the chaos run, draws the plots and writes results.json and
// the Markdown report for rep.
func Render(rep *Report, cfg Config) error {
	cfg.defaults()
	assets := cfg.Assets
	if err := os.MkdirAll(assets, 0o755); err != nil {
		return err
	}
	rep.Plots = map[string]string{}
	var errs []error
	plot := func(name string, draw func(path string) error) {
		path := filepath.Join(assets, name+".png")
		if err := draw(path); err != nil {
			errs = append(errs, fmt.Errorf("plot %s: %w", name, err))
			return
		}
		rep.Plots[name] = rel(cfg.Markdown, path)
	}
	if steps := rep.Ladder(); len(steps) > 0 {
		plot("throughput", func(p string) error {
			return PlotThroughput(steps, "Throughput against offered load (mixed traffic)", p)
		})
		plot("latency-vs-load", func(p string) error {
			return PlotLatencyVsLoad(steps, "Latency against offered load (mixed traffic)", p)
		})
	}

	rep.Chaos, rep.ChaosPath, rep.ChaosNote = nil, "", ""
	path := cfg.ChaosReport
	if path == "" {
		var err error
		if path, err = LatestChaos(cfg.ChaosDir); err != nil {
			errs = append(errs, err)
		}
	}
	switch {
	case path == "":
		rep.ChaosNote = fmt.Sprintf("No chaos run found (no %s/*/report.json): run `go tool task chaos`, then `go tool task bench` again.", cfg.ChaosDir)
	default:
		run, err := ReadChaos(path)
		if err != nil {
			rep.ChaosNote = fmt.Sprintf("The chaos report %s could not be read (%v): run `go tool task chaos` again.", path, err)
			break
		}
		if wd, err := os.Getwd(); err == nil {
			if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
				path = r
			}
		}
		rep.Chaos, rep.ChaosPath = run, filepath.ToSlash(path)
		if len(run.Seconds) > 0 {
			plot("chaos", func(p string) error { return PlotChaos(run, p) })
		}
	}

	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(assets, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Markdown, []byte(rep.Markdown()), 0o644); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// runChaos builds cmd/slotmesh and runs `slotmesh chaos` into
// ChaosDir/bench-<time>. It returns the report's path when one was written:
// a run whose counts are off still has a report (and an error).
func runChaos(ctx context.Context, cfg Config) (string, error) {
	dir, err := filepath.Abs(filepath.Join(cfg.ChaosDir, "bench-"+time.Now().Format("20060102-150405")))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	exe := filepath.Join(dir, "slotmesh")
	build := exec.CommandContext(ctx, cfg.Go, "build", "-o", exe, "./cmd/slotmesh")
	build.Env, build.Stdout, build.Stderr = cfg.Environ, cfg.Stderr, cfg.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/slotmesh: %w", err)
	}
	args := []string{"chaos", "-run-dir", dir}
	if cfg.Quick {
		args = append(args, "-short")
	}
	args = append(args, cfg.ChaosArgs...)
	fmt.Fprintf(cfg.Stderr, "bench: chaos pass first, on the quiet machine: slotmesh %s\n", strings.Join(quoteArgs(args), " "))
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = cfg.Environ, cfg.Stderr, cfg.Stderr
	runErr := cmd.Run()
	_ = os.Remove(exe)
	// The chaos run's report.json and report.md are kept beside the
	// benchmark report (docs/benchmarks/chaos-report.*), which is committed;
	// .chaos is not.
	path := ""
	for _, ext := range []string{"json", "md"} {
		raw, err := os.ReadFile(filepath.Join(dir, "report."+ext))
		if err != nil {
			continue
		}
		dst := filepath.Join(cfg.Assets, "chaos-report."+ext)
		if err := os.WriteFile(dst, raw, 0o644); err != nil {
			return "", err
		}
		if ext == "json" {
			path = dst
		}
	}
	if runErr != nil {
		return path, fmt.Errorf("slotmesh chaos: %w (see %s)", runErr, dir)
	}
	return path, nil
}

// ReadReport reads a results.json written by Render (to render again).
func ReadReport(path string) (*Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

func (cfg *Config) defaults() {
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	if len(cfg.Pkgs) == 0 {
		cfg.Pkgs = []string{"./..."}
	}
	if cfg.Bench == "" {
		cfg.Bench = "."
	}
	if cfg.BenchTime == "" {
		cfg.BenchTime = "2s"
		if cfg.Quick {
			cfg.BenchTime = "500ms"
		}
	}
	if cfg.Markdown == "" {
		cfg.Markdown = filepath.Join("docs", "benchmarks.md")
	}
	if cfg.Assets == "" {
		cfg.Assets = strings.TrimSuffix(cfg.Markdown, ".md")
	}
	if cfg.ChaosDir == "" {
		cfg.ChaosDir = ".chaos"
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Environ == nil {
		cfg.Environ = os.Environ()
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if cfg.LoadAvg == nil {
		cfg.LoadAvg = LoadAvg
	}
}

// rel is path relative to the directory of the file md, with slashes.
func rel(md, path string) string {
	dir, err := filepath.Abs(filepath.Dir(md))
	if err != nil {
		return filepath.ToSlash(path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	r, err := filepath.Rel(dir, abs)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

func isConfigLine(line string) bool {
	for _, k := range []string{"goos: ", "goarch: ", "pkg: ", "cpu: "} {
		if strings.HasPrefix(line, k) {
			return true
		}
	}
	return false
}

// isBareName is a benchmark's name printed alone by -v before it runs.
func isBareName(line string) bool {
	return strings.HasPrefix(line, "Benchmark") && !strings.ContainsAny(line, " \t")
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " ^$*|'\"") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}
