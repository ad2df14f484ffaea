package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/chaos"
	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
)

// chaosCmd is `slotmesh chaos`: the whole mesh as separate processes under
// load, one part at a time killed with SIGKILL and restarted, reconciled
// after each fault and at the end. It exits non-zero when a count is off.
func chaosCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("chaos", "[-short] [-phase D] [-down D] [-drain D] [-settle D] [-rate R] [-scale F] [-faults booking,payment,bridge,nats,kafka,postgres] [-run-dir DIR] [-pg-url URL [-kill-external-pg]] [-keep]", `
Run two replicas of every service as processes of this binary, with a NATS server, a Kafka
broker and a private Postgres cluster (or -pg-url), under open-loop load; kill each part
in turn with SIGKILL and restart it, and reconcile the counts after each fault and at the
end. Exits 1 when a count is off; the report is in the run directory. -short for CI.`, stdout, stderr)
	short := f.Bool("short", false, "the CI version: a few minutes in all (phase 8s, down 3s, drain 15s, rate 8/s, 50 vendors)")
	phase := f.Duration("phase", 30*time.Second, "load before the first fault and after each restart")
	down := f.Duration("down", 5*time.Second, "how long a killed part stays down")
	drain := f.Duration("drain", 30*time.Second, "quiet time after the load, before the final reconciliation")
	settle := f.Duration("settle", 90*time.Second, "how long a reconciliation may poll for its counts to come right")
	lag := f.Duration("lag", 10*time.Second, "under load, events younger than this may still be on their way")
	rate := f.Float64("rate", 20, "requests a second (open loop)")
	mixFlag := f.String("mix", chaos.DefaultMix, "share of each operation (more bookings than `slotmesh load`: money and holds are what chaos checks; race: concurrent changes of one booking)")
	scale := f.Float64("scale", 0.0004, "catalogue size (1 = 500,000 vendors; 0.0004 = 200)")
	users := f.Int("users", 10, "load users")
	faults := f.String("faults", strings.Join(chaos.AllFaults, ","), "which faults, in order")
	runDir := f.String("run-dir", "", "logs, data and report (default .chaos/<time>)")
	pgURL := f.String("pg-url", "", "use this Postgres server (a database of the run's own in it) instead of a private cluster")
	killPG := f.Bool("kill-external-pg", false, "with -pg-url: allow stopping that server (pg_ctlcluster -m immediate) for the Postgres fault")
	keep := f.Bool("keep", false, "keep the private Postgres cluster's files")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if *short {
		for name, v := range map[string]any{"phase": 8 * time.Second, "down": 3 * time.Second, "drain": 15 * time.Second,
			"settle": 60 * time.Second, "rate": 8.0, "scale": 0.0001} {
			if set[name] {
				continue
			}
			switch p := map[string]any{"phase": phase, "down": down, "drain": drain, "settle": settle, "rate": rate, "scale": scale}[name].(type) {
			case *time.Duration:
				*p = v.(time.Duration)
			case *float64:
				*p = v.(float64)
			}
		}
	}
	mix, err := loadgen.ParseMix(*mixFlag)
	if err != nil {
		return f.fail("-mix: " + err.Error())
	}
	var list []string
	for _, fault := range strings.Split(*faults, ",") {
		if fault = strings.TrimSpace(fault); fault == "" {
			continue
		}
		if !slices.Contains(chaos.AllFaults, fault) {
			return f.fail(fmt.Sprintf("-faults: unknown fault %q (have %s)", fault, strings.Join(chaos.AllFaults, ",")))
		}
		list = append(list, fault)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if *runDir == "" {
		*runDir = filepath.Join(".chaos", time.Now().Format("20060102-150405"))
	}
	if *runDir, err = filepath.Abs(*runDir); err != nil {
		return err
	}
	redisURL := getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	fmt.Fprintf(stdout, "chaos: run dir %s; faults %s; phase %s, down %s, drain %s, %.0f req/s, scale %g\n",
		*runDir, strings.Join(list, ","), *phase, *down, *drain, *rate, *scale)
	start := time.Now()
	rep, err := chaos.Run(ctx, chaos.Config{
		Exe: exe, RunDir: *runDir, Phase: *phase, Down: *down, Drain: *drain, Settle: *settle, Lag: *lag,
		Rate: *rate, Mix: mix, Scale: *scale, Users: *users, Faults: list, Replicas: 2,
		PGURL: *pgURL, KillExternalPG: *killPG, RedisURL: redisURL, Keep: *keep, Out: stdout,
	})
	if rep != nil {
		fmt.Fprintf(stdout, "chaos: report %s/report.json, report.md (%s)\n", *runDir, time.Since(start).Round(time.Second))
	}
	return err
}
