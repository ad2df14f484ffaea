// Command benchreport is what `go tool task bench` runs: the module's
// chaos pass (slotmesh chaos) and benchmarks (go test -bench, with the
// side-by-side comparisons of issue 7 and the offered-load ladder in the same
// run), then docs/benchmarks.md with
// the machine, the tables and PNG plots in docs/benchmarks/.
//
//	go run ./cmd/benchreport [-benchtime 2s] [-pkgs ./...] [-bench .] [-- go test flags]
//	go run ./cmd/benchreport -- -short            # quick: a few minutes
//	BENCH_CHAOS=0 go run ./cmd/benchreport        # no chaos pass: plot the newest .chaos run
//	go run ./cmd/benchreport -render docs/benchmarks/results.json   # redraw, no run
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slotmesh/slotmesh/cmd/internal/benchreport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	benchtime := fs.String("benchtime", "", "go test -benchtime (default 2s; 500ms quick)")
	pkgs := fs.String("pkgs", "./...", "packages, space-separated")
	bench := fs.String("bench", ".", "go test -bench regexp")
	md := fs.String("out", "docs/benchmarks.md", "the report; plots and raw output go into the directory beside it named after it")
	chaosDir := fs.String("chaos-dir", ".chaos", "where `slotmesh chaos` writes its runs (the newest report.json is plotted)")
	chaosReport := fs.String("chaos", "", "plot this chaos report.json; no chaos pass")
	runChaos := fs.Bool("run-chaos", getenv("BENCH_CHAOS") != "0", "run a chaos pass first (slotmesh chaos; -short in a quick run) and plot it; BENCH_CHAOS=0 plots the newest run in -chaos-dir instead")
	chaosArgs := fs.String("chaos-args", getenv("BENCH_CHAOS_ARGS"), "more flags for the chaos pass (BENCH_CHAOS_ARGS), e.g. '-phase 20s -rate 30'")
	render := fs.String("render", "", "only render this results.json again (no benchmarks)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	extra := fs.Args()
	quick := benchreport.IsQuick(extra) || getenv("BENCH_QUICK") == "1"
	assets := strings.TrimSuffix(*md, ".md")
	pgURL := getenv("SLOTMESH_TEST_PG")
	if pgURL == "" {
		pgURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	cfg := benchreport.Config{
		Pkgs: strings.Fields(*pkgs), Bench: *bench, BenchTime: *benchtime, Extra: extra, Quick: quick,
		Markdown: *md, Assets: assets, ChaosDir: *chaosDir, ChaosReport: *chaosReport, PGURL: pgURL,
		RunChaos: *runChaos, ChaosArgs: strings.Fields(*chaosArgs),
		Getenv: getenv, Stderr: stderr,
	}
	if *render != "" {
		rep, err := benchreport.ReadReport(*render)
		if err == nil {
			err = benchreport.Render(rep, cfg)
		}
		if err != nil {
			fmt.Fprintln(stderr, "benchreport:", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", *md)
		return 0
	}
	rep, err := benchreport.Run(ctx, cfg)
	if rep != nil {
		fmt.Fprintf(stdout, "\n%s\n", strings.Join(rep.Headlines(), "\n"))
		fmt.Fprintf(stdout, "\nwrote %s and %s/ (%d results)\n", *md, assets, len(rep.Results))
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchreport:", err)
		return 1
	}
	return 0
}
