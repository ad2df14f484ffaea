package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/testenv"
)

// TestSearchReindex runs `slotmesh search reindex -reset` against a running
// mesh: exit 0, a progress bar on stderr that reaches 100%, and the time and
// counts on stdout. Without NATS it fails with a message that says so.
func TestSearchReindex(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	nc := sys.Conn(t)
	u, err := user.NewClient(nc).SignUp(context.Background(), user.SignUpRequest{Email: "cli@example.com", Password: "correct horse", Name: "C"})
	if err != nil {
		t.Fatal(err)
	}
	owner := natsrpc.WithActor(context.Background(), u.ID)
	vc := vendors.NewClient(nc)
	for i, n := range []int{1, 2} {
		v, err := vc.Create(owner, vendors.CreateRequest{Profile: vendors.Profile{
			Kind: "restaurant", Name: []string{"Uno", "Due"}[i], Timezone: "Europe/Berlin", Address: "Somewhere 1",
			Location: vendors.Location{Lat: 52.52, Lng: 13.405}, Tags: []string{"italian"},
			OpeningHours: []vendors.OpeningHours{{Weekday: "monday", Open: "12:00", Close: "22:00"}},
			Deposit:      vendors.Deposit{Amount: 0, Currency: "EUR", Per: "booking"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var us []vendors.NewUnit
		for j := range n {
			us = append(us, vendors.NewUnit{Name: string(rune('A' + j)), Capacity: 4})
		}
		if _, err := vc.AddUnits(owner, vendors.AddUnitsRequest{VendorID: v.ID, Units: us}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"NATS_URL": sys.NATS.URL, "PG_URL": sys.PGURL, "REDIS_URL": sys.Redis.URL,
		"REDIS_PREFIX": sys.Redis.Prefix, "KAFKA_BROKERS": sys.Kafka.Addr, "LOG_LEVEL": "warn"}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"search", "reindex", "-reset"}, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "search reindexed in ") || !strings.Contains(out, "2 vendors (3 units), 0 current bookings, 0 skipped") {
		t.Fatalf("stdout %q", out)
	}
	if bar := stderr.String(); !strings.Contains(bar, "100%") || !strings.Contains(bar, "2/2") || !strings.Contains(bar, "docs/s") {
		t.Fatalf("progress bar %q", bar)
	}

	stdout.Reset()
	stderr.Reset()
	env["NATS_URL"] = "nats://127.0.0.1:1"
	if code := run(context.Background(), []string{"search", "reindex"}, func(k string) string { return env[k] }, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "slotmesh: search reindex: connect to NATS at nats://127.0.0.1:1") {
		t.Fatalf("no NATS: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"search", "rebuild"}, func(k string) string { return env[k] }, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "usage: slotmesh search reindex [-reset]") {
		t.Fatalf("bad subcommand: exit %d, stderr %q", code, stderr.String())
	}
}
