package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
)

// loadCmd is `slotmesh load`: an open-loop load run against the gateway over
// the seeded catalogue, with a JSON and a Markdown report.
func loadCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("load", "[-rate R] [-duration D] [-mix search=60,availability=30,book=8,change=2] [-gateway URL] [-report DIR] [-users N]", `
Open-loop load against the gateway over the seeded catalogue (slotmesh seed): requests
start on schedule however slow the answers are. Prints a Markdown report (HDR latencies
per operation, errors) and writes report.json and report.md with -report.`, stdout, stderr)
	rate := f.Float64("rate", 50, "requests a second, started on schedule however slow the answers")
	duration := f.Duration("duration", 30*time.Second, "length of the schedule")
	mixFlag := f.String("mix", loadgen.DefaultMix, "share of each operation (change: update or cancel one of its bookings)")
	gateway := f.String("gateway", "http://localhost:8080", "the gateway's base URL")
	reportDir := f.String("report", "", "write report.json and report.md into this directory")
	users := f.Int("users", 20, "users signed up (or logged in) before the run; they book")
	inFlight := f.Int("max-in-flight", 10_000, "outstanding requests at most; arrivals beyond are dropped and reported")
	timeout := f.Duration("timeout", 30*time.Second, "per request")
	if err := f.parse(args, 0); err != nil {
		return err
	}
	if *rate <= 0 || *duration <= 0 {
		return f.fail("-rate and -duration must be more than 0")
	}
	mix, err := loadgen.ParseMix(*mixFlag)
	if err != nil {
		return f.fail("-mix: " + err.Error())
	}
	places := make([]loadgen.Place, len(seed.Cities))
	for i, c := range seed.Cities {
		places[i] = loadgen.Place{Name: c.Name, Lat: c.Lat, Lng: c.Lng, Timezone: c.Timezone}
	}
	g, err := loadgen.New(loadgen.Config{
		BaseURL: *gateway, Rate: *rate, Duration: *duration, Mix: mix, Users: *users, Places: places,
		Cuisines: seed.Cuisines, Facilities: seed.Facilities, MaxInFlight: *inFlight, Timeout: *timeout,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "load: preparing %d users and finding vendors through %s ...\n", *users, *gateway)
	if err := g.Prepare(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "load: %.0f requests/s for %s (mix %s) ...\n", *rate, *duration, mix)
	rep, err := g.Run(ctx)
	if err != nil && rep == nil {
		return err
	}
	if *reportDir != "" {
		if werr := rep.Write(*reportDir); werr != nil {
			return werr
		}
	}
	fmt.Fprint(stdout, rep.Markdown())
	if *reportDir != "" {
		fmt.Fprintf(stdout, "\nreport: %s/report.json, %s/report.md\n", *reportDir, *reportDir)
	}
	if err != nil {
		return fmt.Errorf("load interrupted: %w (the report covers what ran)", err)
	}
	return nil
}
