package search_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	searchsvc "github.com/slotmesh/slotmesh/services/search"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// api is a small HTTP client of the gateway.
type api struct {
	t    testing.TB
	base string
}

func (c api) do(method, path, token string, body any, want int) []byte {
	c.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == http.MethodPost && strings.HasPrefix(path, "/v1/bookings") {
		req.Header.Set("Idempotency-Key", newID())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
	}
	return out
}

func (c api) user(email string) string {
	c.t.Helper()
	c.do("POST", "/v1/users", "", map[string]any{"email": email, "password": "correct horse", "name": "U"}, http.StatusCreated)
	var s struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(c.do("POST", "/v1/sessions", "", map[string]any{"email": email, "password": "correct horse"}, http.StatusOK), &s); err != nil {
		c.t.Fatal(err)
	}
	return s.Token
}

// restaurant onboards a restaurant kmNorth km north of the point, open all
// week 11:00-23:00 (30-minute slots, 90-minute stays, no deposit), with
// units of the given capacities; it returns the vendor id.
func (c api) restaurant(token, name string, kmNorth float64, tags []string, capacities ...int) string {
	c.t.Helper()
	var hours []map[string]any
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, map[string]any{"weekday": d, "open": "11:00", "close": "23:00"})
	}
	var v struct {
		ID string `json:"id"`
	}
	raw := c.do("POST", "/v1/vendors", token, map[string]any{
		"kind": "restaurant", "name": name, "timezone": "Europe/Berlin", "address": "Somewhere 1",
		"location": map[string]any{"lat": lat0 + kmNorth/111.19508, "lng": lng0}, "tags": tags,
		"opening_hours": hours, "slot_minutes": 30, "stay_minutes": 90,
		"deposit":      map[string]any{"amount": 0, "currency": "EUR", "per": "booking"},
		"cancellation": map[string]any{"free_until_hours_before": 24},
	}, http.StatusCreated)
	if err := json.Unmarshal(raw, &v); err != nil {
		c.t.Fatal(err)
	}
	var units []map[string]any
	for i, cp := range capacities {
		units = append(units, map[string]any{"name": fmt.Sprintf("T%d", i+1), "capacity": cp})
	}
	if len(units) > 0 {
		c.do("POST", "/v1/vendors/"+v.ID+"/units", token, map[string]any{"units": units}, http.StatusCreated)
	}
	return v.ID
}

func (c api) book(token, vendorID string, at time.Time, party int) string {
	c.t.Helper()
	var b struct {
		ID string `json:"id"`
	}
	raw := c.do("POST", "/v1/bookings", token, map[string]any{"vendor_id": vendorID, "start": at.Format(time.RFC3339),
		"party_size": party, "payment_method": "pm_card_visa"}, http.StatusCreated)
	if err := json.Unmarshal(raw, &b); err != nil {
		c.t.Fatal(err)
	}
	return b.ID
}

// reindexConfig is the search configuration of a system started by
// testenv.StartAll.
func reindexConfig(t testing.TB, sys *testenv.System) searchsvc.Config {
	t.Helper()
	vars := map[string]string{"NATS_URL": sys.NATS.URL, "PG_URL": sys.PGURL, "REDIS_URL": sys.Redis.URL,
		"REDIS_PREFIX": sys.Redis.Prefix, "KAFKA_BROKERS": sys.Kafka.Addr}
	cfg, err := searchsvc.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestReindex onboards vendors and books through the gateway, waits until
// search shows it all, wipes the search schema (index and read model),
// reindexes from the vendor and booking services and expects every search
// to answer exactly as before: the same vendors, in the same order, with
// the same free times (a booked-out vendor still missing at its time).
func TestReindex(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := api{t, sys.URL}
	owner, diner := c.user("owner@example.com"), c.user("diner@example.com")
	solo := c.restaurant(owner, "Solo", 0.5, []string{"italian"}, 4)
	duo := c.restaurant(owner, "Duo", 1.0, []string{"italian", "vegan"}, 2, 4)
	c.restaurant(owner, "Sushi Bar", 1.5, []string{"japanese"}, 6)
	c.restaurant(owner, "Far Away", 30, []string{"italian"}, 4)
	c.restaurant(owner, "No Units", 0.2, []string{"italian"})
	at := evening(19)
	c.book(diner, solo, at, 2)                  // Solo's only unit, at 19:00
	c.book(diner, duo, at.Add(-3*time.Hour), 3) // Duo's 4-seater, at 16:00
	cancelled := c.book(diner, duo, at, 2)
	c.do("POST", "/v1/bookings/"+cancelled+"/cancel", diner, nil, http.StatusOK)

	client := search.NewClient(sys.Conn(t))
	queries := []search.SearchRequest{
		{Lat: lat0, Lng: lng0, RadiusKm: 50},
		{Lat: lat0, Lng: lng0, RadiusKm: 5, Tags: []string{"italian"}},
		{Lat: lat0, Lng: lng0, RadiusKm: 5, Start: &at, PartySize: 2},
		{Lat: lat0, Lng: lng0, RadiusKm: 5, Start: ptr(at.Add(-3 * time.Hour)), PartySize: 3},
		{Lat: lat0, Lng: lng0, RadiusKm: 50, Text: "far"},
	}
	answers := func() ([]search.Result, error) {
		out := make([]search.Result, len(queries))
		for i, q := range queries {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			res, err := client.Search(ctx, q)
			cancel()
			if err != nil {
				return nil, err
			}
			out[i] = res
		}
		return out, nil
	}
	var before []search.Result
	poll.Eventually(t, 20*time.Second, "search shows the vendors and bookings", func() error {
		got, err := answers()
		if err != nil {
			return err
		}
		if n := len(got[0].Items); n != 4 {
			return fmt.Errorf("%d vendors findable, want 4: %v", n, names(got[0]))
		}
		if err := has("Duo", "Sushi Bar")(names(got[2])); err != nil {
			return fmt.Errorf("at 19:00: %w", err)
		}
		if err := has("Solo", "Sushi Bar")(names(got[3])); err != nil { // Duo's 4-seater taken at 16:00
			return fmt.Errorf("at 16:00 for 3: %w", err)
		}
		before = got
		return nil
	})

	// The index and the read model are lost.
	pool, err := pg.Connect(context.Background(), sys.PGURL, postgres.Schema)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(context.Background(), `TRUNCATE docs, cells, vendors, units, bookings, holds`); err != nil {
		t.Fatal(err)
	}
	poll.Eventually(t, 5*time.Second, "search is empty", func() error {
		got, err := answers()
		if err != nil {
			return err
		}
		if len(got[0].Items) != 0 {
			return fmt.Errorf("still %v", names(got[0]))
		}
		return nil
	})

	var mu sync.Mutex
	var calls, lastDone, lastTotal int64
	st, err := searchsvc.Reindex(context.Background(), reindexConfig(t, sys), platform.Discard(), searchsvc.ReindexOptions{
		Reset: true,
		Progress: func(done, total int64) {
			mu.Lock()
			defer mu.Unlock()
			if done <= lastDone {
				t.Errorf("progress went from %d to %d", lastDone, done)
			}
			calls, lastDone, lastTotal = calls+1, done, total
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Vendors != 5 || st.Units != 5 || st.Bookings != 2 || st.Skipped != 0 || st.Total != 7 || st.Elapsed <= 0 {
		t.Fatalf("stats %+v", st)
	}
	if calls != 7 || lastDone != 7 || lastTotal != 7 {
		t.Fatalf("progress: %d calls, last %d of %d", calls, lastDone, lastTotal)
	}
	poll.Eventually(t, 5*time.Second, "search answers as before", func() error {
		got, err := answers()
		if err != nil {
			return err
		}
		for i := range queries {
			if !reflect.DeepEqual(got[i], before[i]) {
				return fmt.Errorf("query %d: got %+v, before %+v", i, got[i], before[i])
			}
		}
		return nil
	})

	// Again, without a reset and with the index intact: nothing changes.
	if _, err := searchsvc.Reindex(context.Background(), reindexConfig(t, sys), platform.Discard(), searchsvc.ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := answers()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, before) {
		t.Fatalf("after a second reindex: %+v, before %+v", got, before)
	}
}

// TestReindexUnreachable: without NATS, or without the vendor and booking
// services on it, a reindex fails saying so, and leaves the index alone.
func TestReindexUnreachable(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	vars := map[string]string{"NATS_URL": "nats://127.0.0.1:1", "PG_URL": testenv.Postgres(t)}
	cfg, err := searchsvc.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	_, err = searchsvc.Reindex(context.Background(), cfg, platform.Discard(), searchsvc.ReindexOptions{Reset: true})
	if err == nil || !strings.Contains(err.Error(), "NATS") {
		t.Fatalf("no NATS: %v", err)
	}
	cfg.NATSURL = n.URL
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = searchsvc.Reindex(ctx, cfg, platform.Discard(), searchsvc.ReindexOptions{Reset: true})
	if err == nil || !strings.Contains(err.Error(), "vendor service does not answer") {
		t.Fatalf("no services: %v", err)
	}
}
