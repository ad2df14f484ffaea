package main

import (
	"context"
	"errors"
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

const chaosUsage = "usage: slotmesh chaos [-short] [-phase D] [-down D] [-drain D] [-settle D] [-rate R] [-scale F] [-faults booking,payment,bridge,nats,kafka,postgres] [-run-dir DIR] [-pg-url URL [-kill-external-pg]] [-keep]"

// chaosCmd is `slotmesh chaos`: the whole mesh as separate processes under
// load, one part at a time killed with SIGKILL and restarted, reconciled
// after each fault and at the end. It exits non-zero when a count is off.
func chaosCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "the CI version: a few minutes in all (phase 8s, down 3s, drain 15s, rate 8/s, 50 vendors)")
	phase := fs.Duration("phase", 30*time.Second, "load before the first fault and after each restart")
	down := fs.Duration("down", 5*time.Second, "how long a killed part stays down")
	drain := fs.Duration("drain", 30*time.Second, "quiet time after the load, before the final reconciliation")
	settle := fs.Duration("settle", 90*time.Second, "how long a reconciliation may poll for its counts to come right")
	lag := fs.Duration("lag", 10*time.Second, "under load, events younger than this may still be on their way")
	rate := fs.Float64("rate", 20, "requests a second (open loop)")
	mixFlag := fs.String("mix", chaos.DefaultMix, "share of each operation (more bookings than `slotmesh load`: money and holds are what chaos checks; race: concurrent changes of one booking)")
	scale := fs.Float64("scale", 0.0004, "catalogue size (1 = 500,000 vendors; 0.0004 = 200)")
	users := fs.Int("users", 10, "load users")
	faults := fs.String("faults", strings.Join(chaos.AllFaults, ","), "which faults, in order")
	runDir := fs.String("run-dir", "", "logs, data and report (default .chaos/<time>)")
	pgURL := fs.String("pg-url", "", "use this Postgres server (a database of the run's own in it) instead of a private cluster")
	killPG := fs.Bool("kill-external-pg", false, "with -pg-url: allow stopping that server (pg_ctlcluster -m immediate) for the Postgres fault")
	keep := fs.Bool("keep", false, "keep the private Postgres cluster's files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(chaosUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
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
		return err
	}
	var list []string
	for _, f := range strings.Split(*faults, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !slices.Contains(chaos.AllFaults, f) {
			return fmt.Errorf("unknown fault %q (have %s)", f, strings.Join(chaos.AllFaults, ","))
		}
		list = append(list, f)
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
