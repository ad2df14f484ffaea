package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
	"github.com/slotmesh/slotmesh/cmd/internal/seed"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// TestSeedResumeAndLoad seeds a tiny catalogue through run(), interrupts it
// half way (Ctrl-C), resumes it through the gateway's HTTP API, and expects
// exactly the catalogue's vendors and units, none twice; a third run writes
// nothing. Then `slotmesh load` runs for 3 s over it and its report must
// hold every operation, no 5xx and the documented JSON fields.
func TestSeedResumeAndLoad(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, map[string]string{
		// A load run from one address: the abuse limits would answer 429.
		"RATE_LOGIN_PER_MIN": "0", "RATE_SIGNUP_PER_HOUR": "0", "RATE_BOOK_PER_MIN": "0", "RATE_BOOK_IP_PER_MIN": "0",
	})
	env := map[string]string{"NATS_URL": sys.NATS.URL, "PG_URL": sys.PGURL, "REDIS_URL": sys.Redis.URL,
		"REDIS_PREFIX": sys.Redis.Prefix, "KAFKA_BROKERS": sys.Kafka.Addr, "LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	const scale = "0.0004" // 200 vendors
	plan, err := seed.NewPlan(0.0004)
	if err != nil {
		t.Fatal(err)
	}
	vc := vendors.NewClient(sys.Conn(t))
	count := func() int64 {
		t.Helper()
		p, err := vc.Scan(context.Background(), vendors.ScanRequest{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}

	// 1. Interrupted once 40 vendors exist.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"seed", "-scale", scale, "-workers", "2"}, getenv, &stdout, &stderr)
	}()
	poll.Eventually(t, 60*time.Second, "40 vendors seeded", func() error {
		if n := count(); n < 40 {
			select {
			case code := <-done:
				t.Fatalf("seed ended (%d) before it could be interrupted: %s %s", code, stdout.String(), stderr.String())
			default:
			}
			return fmt.Errorf("%d vendors; stdout %q, stderr %q", n, stdout.String(), stderr.String())
		}
		return nil
	})
	cancel()
	if code := <-done; code != 1 || !strings.Contains(stderr.String(), "seed interrupted with") {
		t.Fatalf("interrupted seed: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	first := count()
	if first >= int64(plan.Vendors) {
		t.Fatalf("the interrupted run wrote all %d vendors", first)
	}
	t.Logf("interrupted run: %s", stdout.String())

	// 2. Resumed through the gateway.
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"seed", "-scale", scale, "-gateway", sys.URL}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("resumed seed: exit %d: %s %s", code, out.String(), errOut.String())
	}
	t.Logf("resumed run: %s", out.String())
	for _, want := range []string{"seed: 200 vendors with", "via the gateway", "seed: done in", "database "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("resumed seed's stdout lacks %q: %s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "100%") || !strings.Contains(errOut.String(), "vendors/s") {
		t.Fatalf("progress bar: %q", errOut.String())
	}
	found, dups, err := seed.Lookup(context.Background(), vc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var units int64
	for i, e := range found {
		if i >= plan.Vendors {
			t.Fatalf("catalogue index %d beyond the plan", i)
		}
		units += int64(e.Units)
	}
	if total := count(); dups != 0 || len(found) != plan.Vendors || total != int64(plan.Vendors) || units != plan.TotalUnits() {
		t.Fatalf("after resume: %d vendors (%d catalogue, %d duplicates), %d units; want %d and %d",
			total, len(found), dups, units, plan.Vendors, plan.TotalUnits())
	}

	// 3. Nothing left to do.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"seed", "-scale", scale}, getenv, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "200 of them exist") || !strings.Contains(out.String(), "wrote 0 vendors and 0 units") {
		t.Fatalf("third seed: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if count() != int64(plan.Vendors) {
		t.Fatal("the third run wrote vendors")
	}

	// 4. Load over it.
	dir := t.TempDir()
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"load", "-gateway", sys.URL, "-rate", "30", "-duration", "3s", "-users", "4",
		"-mix", "search=40,availability=30,book=20,change=10", "-report", dir}, getenv, &out, &errOut); code != 0 {
		t.Fatalf("load: exit %d: %s %s", code, out.String(), errOut.String())
	}
	t.Logf("load:\n%s", out.String())
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep loadgen.Report
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("report.json: %v\n%s", err, raw)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema", "offered_rate", "achieved_rate", "ops", "all", "errors", "status_5xx", "generator"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("report.json lacks %q", k)
		}
	}
	if rep.Schema != loadgen.ReportSchema || rep.Scheduled != 90 || rep.Dropped != 0 || rep.Status5xx != 0 || rep.OfferedRate != 30 {
		t.Fatalf("report %+v", rep)
	}
	for _, op := range []string{loadgen.OpSearch, loadgen.OpAvailability, loadgen.OpBook} {
		if o := rep.Ops[op]; o.Requests == 0 || o.OK == 0 || o.Latency.Count != o.Requests || o.Latency.P99 <= 0 {
			t.Errorf("op %s: %+v", op, o)
		}
	}
	if rep.Ops[loadgen.OpUpdate].Requests+rep.Ops[loadgen.OpCancel].Requests == 0 {
		t.Errorf("no update or cancel: %+v", rep.Ops)
	}
	for _, e := range rep.Errors {
		if e.Status == 0 || e.Status >= 500 {
			t.Errorf("error %+v", e)
		}
	}
	if g := rep.Generator; g.Cores == 0 || g.CPUSeconds <= 0 || g.CPUFraction <= 0 || g.CPUFraction > 1 {
		t.Errorf("generator usage %+v", g)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !strings.Contains(string(md), "| search |") || !strings.Contains(out.String(), "| **all** |") {
		t.Fatalf("report.md (%v): %s", err, md)
	}
}
