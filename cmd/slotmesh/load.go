package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
)

const loadUsage = "usage: slotmesh load [-rate R] [-duration D] [-mix search=60,availability=30,book=8,change=2] [-gateway URL] [-report DIR] [-users N]"

// loadCmd is `slotmesh load`: an open-loop load run against the gateway over
// the seeded catalogue, with a JSON and a Markdown report.
func loadCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rate := fs.Float64("rate", 50, "requests a second, started on schedule however slow the answers")
	duration := fs.Duration("duration", 30*time.Second, "length of the schedule")
	mixFlag := fs.String("mix", loadgen.DefaultMix, "share of each operation (change: update or cancel one of its bookings)")
	gateway := fs.String("gateway", "http://localhost:8080", "the gateway's base URL")
	reportDir := fs.String("report", "", "write report.json and report.md into this directory")
	users := fs.Int("users", 20, "users signed up (or logged in) before the run; they book")
	inFlight := fs.Int("max-in-flight", 10_000, "outstanding requests at most; arrivals beyond are dropped and reported")
	timeout := fs.Duration("timeout", 30*time.Second, "per request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *rate <= 0 || *duration <= 0 {
		return errors.New(loadUsage)
	}
	mix, err := loadgen.ParseMix(*mixFlag)
	if err != nil {
		return err
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
