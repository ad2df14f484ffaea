package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/schollz/progressbar/v3"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/mesh"
)

// seedCmd is `slotmesh seed`: write the catalogue (500,000 vendors and about
// 10,000,000 units at scale 1) through the services' write paths, continuing
// what an earlier run left.
func seedCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("seed", "[-scale F] [-gateway URL] [-workers N]", `
Write the demo/benchmark catalogue into a running mesh: 500,000 vendors in 50 cities and
about 10,000,000 units at -scale 1, through the services' own write paths (NATS_URL, or the
gateway's HTTP API with -gateway). Run it again to continue an interrupted seed.`, stdout, stderr)
	scale := f.Float64("scale", 1, "fraction of the full catalogue (500,000 vendors, ~10M units); 0.001 for a quick one")
	gateway := f.String("gateway", "", "write through this gateway's HTTP API (e.g. http://localhost:8080) instead of NATS")
	workers := f.Int("workers", 16, "vendors written concurrently")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *workers < 1 {
		return f.fail("-workers must be at least 1")
	}
	plan, err := seed.NewPlan(*scale)
	if err != nil {
		return f.fail("-scale: " + err.Error())
	}
	natsURL := natsURLOf(getenv)
	// NATS in both modes: what exists is read from the vendor service's scan.
	nc, err := nats.Connect(natsURL, nats.Name("slotmesh-seed"), nats.Timeout(5*time.Second))
	if err != nil {
		return fmt.Errorf("seed: connect to NATS at %s: %w (set NATS_URL; slotmesh dev listens on 4223)", natsURL, err)
	}
	defer nc.Close()

	start := time.Now()
	existing, dups, err := seed.Lookup(ctx, vendors.NewClient(nc), nil)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var target seed.Target = seed.NewNATS(nc)
	via := "NATS (" + natsURL + ")"
	if *gateway != "" {
		target = seed.NewHTTP(*gateway, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * *workers}})
		via = "the gateway (" + *gateway + ")"
	}
	plannedUnits := plan.TotalUnits()
	fmt.Fprintf(stdout, "seed: %d vendors with %d units in %d cities (scale %g) via %s; %d of them exist (looked up in %s)\n",
		plan.Vendors, plannedUnits, len(seed.Cities), *scale, via, len(existing), time.Since(start).Round(time.Millisecond))
	if dups > 0 {
		fmt.Fprintf(stdout, "seed: warning: %d catalogue vendors exist more than once (a run killed mid-write); the first of each is used\n", dups)
	}

	// The bar covers this run's share, so that its rate and ETA are this
	// run's (a resumed run starts at 0 of what is left).
	var bar *progressbar.ProgressBar
	var barMu sync.Mutex // Progress is called by every worker
	var lastDesc time.Time
	st, err := seed.Run(ctx, seed.Options{Plan: plan, Target: target, Existing: existing, Workers: *workers,
		Progress: func(done, todo, units int64) {
			barMu.Lock()
			defer barMu.Unlock()
			if todo == 0 {
				return
			}
			if bar == nil {
				bar = progressbar.NewOptions64(todo,
					progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription(fmt.Sprintf("vendors (%d units)", units)),
					progressbar.OptionShowCount(),
					progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("vendors"),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionSetElapsedTime(true),
					progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
				)
			}
			if time.Since(lastDesc) > 500*time.Millisecond {
				lastDesc = time.Now()
				bar.Describe(fmt.Sprintf("vendors (%d units)", units))
			}
			_ = bar.Set64(done)
		}})
	if bar != nil && err == nil {
		_ = bar.Finish()
	} else if bar != nil {
		fmt.Fprintln(stderr)
	}
	secs := st.Elapsed.Seconds()
	fmt.Fprintf(stdout, "seed: wrote %d vendors and %d units in %s (%.0f vendors/s, %.0f units/s); %d vendors only needed their units\n",
		st.Vendors, st.Units, st.Elapsed.Round(time.Millisecond), float64(st.Vendors+st.CompletedVendors)/max(secs, 1e-9), float64(st.Units)/max(secs, 1e-9), st.CompletedVendors)
	if err != nil {
		if ctx.Err() != nil {
			// Not context.Canceled: an interrupted seed is not done.
			return fmt.Errorf("seed interrupted with %d of %d vendors and %d of %d units written (run it again to continue)",
				st.VendorsDone, st.PlannedVendors, st.UnitsDone, st.PlannedUnits)
		}
		return fmt.Errorf("seed: %w (what was written stays; run it again to continue)", err)
	}
	fmt.Fprintf(stdout, "seed: done in %s: %d vendors, %d units\n", time.Since(start).Round(time.Millisecond), st.VendorsDone, st.UnitsDone)
	printDBSize(ctx, getenv, stdout)
	return nil
}

// natsURLOf is NATS_URL, or the embedded server of slotmesh dev.
func natsURLOf(getenv func(string) string) string {
	if u := getenv("NATS_URL"); u != "" {
		return u
	}
	port := getenv("DEV_NATS_PORT")
	if port == "" {
		port = "4223"
	}
	return "nats://127.0.0.1:" + port
}

func printDBSize(ctx context.Context, getenv func(string) string, stdout io.Writer) {
	cfg, err := mesh.ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stdout, "seed: database size unknown: %v\n", err)
		return
	}
	db, total, schemas, err := seed.DatabaseSize(ctx, cfg.Base.PGURL)
	if err != nil {
		fmt.Fprintf(stdout, "seed: database size unknown: %v\n", err)
		return
	}
	fmt.Fprintf(stdout, "database %s: %s\n", db, seed.HumanBytes(total))
	for _, s := range schemas {
		fmt.Fprintf(stdout, "  %-14s %s\n", s.Schema, seed.HumanBytes(s.Bytes))
	}
}
