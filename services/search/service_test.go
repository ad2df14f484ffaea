package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	searchsvc "github.com/slotmesh/slotmesh/services/search"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// The point every test searches around (Berlin Mitte).
const lat0, lng0 = 52.5200, 13.4050

type env struct {
	cfg    searchsvc.Config
	client *search.Client
	writer *kafkago.Writer
}

// start runs the search service on a fresh NATS, database, Redis prefix and
// Kafka broker.
func start(t testing.TB) *env {
	t.Helper()
	n := testenv.StartNATS(t)
	k := testenv.StartKafka(t)
	r := testenv.StartRedis(t)
	vars := map[string]string{
		"NATS_URL":         n.URL,
		"PG_URL":           testenv.Postgres(t),
		"REDIS_URL":        r.URL,
		"REDIS_PREFIX":     r.Prefix,
		"KAFKA_BROKERS":    k.Addr,
		"KAFKA_PARTITIONS": "3",
		"SEARCH_CONSUMERS": "2",
	}
	cfg, err := searchsvc.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := kafka.EnsureTopics(context.Background(), cfg.Kafka, searchsvc.Topics()...); err != nil {
		t.Fatal(err)
	}
	w := kafka.NewWriter(cfg.Kafka)
	t.Cleanup(func() { _ = w.Close() })
	svc, err := searchsvc.Start(context.Background(), cfg, platform.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	return &env{cfg: cfg, client: search.NewClient(n.Connect(t)), writer: w}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (e *env) publish(t testing.TB, typ, aggregate string, data any) {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	ev := contracts.Event{ID: newID(), Type: typ, AggregateID: aggregate, OccurredAt: time.Now().UTC(), SchemaVersion: 1, Data: raw}
	m, err := kafka.Encode(bridge.TopicOf(typ), ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.writer.WriteMessages(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// vendor is a vendor kmNorth km due north of the point, open every day
// 11:00-23:00 on a 30-minute grid with 90-minute stays (hotels: 15:00/11:00).
func vendor(kind, name string, kmNorth float64, tags ...string) vendors.Vendor {
	var hours []vendors.OpeningHours
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, vendors.OpeningHours{Weekday: d, Open: "11:00", Close: "23:00"})
	}
	v := vendors.Vendor{ID: newID(), Status: vendors.StatusActive, Version: 1, Profile: vendors.Profile{
		Kind: kind, Name: name, Timezone: "Europe/Berlin", Address: "Somewhere 1",
		Location:     vendors.Location{Lat: lat0 + kmNorth/111.19508, Lng: lng0},
		Tags:         tags,
		OpeningHours: hours, SlotMinutes: 30, StayMinutes: 90,
	}}
	if kind == vendors.KindHotel {
		v.CheckIn, v.CheckOut = "15:00", "11:00"
	}
	return v
}

// onboard publishes a vendor (without units) and then its units, as the
// vendor service does; it returns the unit ids.
func (e *env) onboard(t testing.TB, v *vendors.Vendor, capacities ...int) []string {
	t.Helper()
	e.publish(t, vendors.EventVendorCreated, v.ID, vendors.VendorChanged{Vendor: *v})
	v.Version++
	var units []vendors.Unit
	for i, c := range capacities {
		units = append(units, vendors.Unit{ID: newID(), VendorID: v.ID, Name: fmt.Sprintf("T%d", i+1), Capacity: c, Active: true})
	}
	e.publish(t, vendors.EventUnitsChanged, v.ID, vendors.UnitsChanged{VendorID: v.ID, Version: v.Version, Units: units,
		Summary: vendors.UnitsSummary{Total: len(units)}, Part: 1, Parts: 1})
	v.Units.Total = len(units)
	ids := make([]string, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	return ids
}

func (e *env) book(t testing.TB, id string, version int64, status string, v vendors.Vendor, start time.Time, units ...string) {
	t.Helper()
	b := booking.Booking{ID: id, Status: status, VendorID: v.ID, UserID: newID(), Start: start, End: start.Add(90 * time.Minute),
		PartySize: 2, Version: version}
	for _, u := range units {
		b.Units = append(b.Units, booking.Unit{ID: u, Capacity: 4})
	}
	typ := map[string]string{booking.StatusBlocked: booking.EventBlocked, booking.StatusConfirmed: booking.EventConfirmed,
		booking.StatusCancelled: booking.EventCancelled, booking.StatusExpired: booking.EventExpired}[status]
	e.publish(t, typ, id, booking.Changed{Booking: b})
}

func (e *env) search(t testing.TB, r search.SearchRequest) search.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := e.client.Search(ctx, r)
	if err != nil {
		t.Fatalf("search %+v: %v", r, err)
	}
	return res
}

func names(res search.Result) []string {
	out := make([]string, len(res.Items))
	for i, it := range res.Items {
		out[i] = it.Name
	}
	return out
}

func has(want ...string) func(got []string) error {
	return func(got []string) error {
		if !slices.Equal(got, want) {
			return fmt.Errorf("got %q, want %q", got, want)
		}
		return nil
	}
}

// evening is 19:00 Berlin time on a day at least two days ahead.
func evening(hour int) time.Time {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := time.Now().In(berlin).AddDate(0, 0, 3)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, berlin)
}

func ptr[T any](v T) *T { return &v }

// TestSearchFromKafka drives the service through the real Kafka path and
// asks through the typed client: onboarding makes a vendor findable;
// booking its only unit at 19:00 removes it for 19:00 (within the 2 s
// freshness bound) but not for 12:00; a cancellation brings it back; kind,
// tags, radius, text and party size filter; results come nearest first.
func TestSearchFromKafka(t *testing.T) {
	t.Parallel()
	e := start(t)
	uno := vendor(vendors.KindRestaurant, "Trattoria Uno", 0.5, "italian", "pizza")
	due := vendor(vendors.KindRestaurant, "Sushi Due", 1.0, "sushi")
	tre := vendor(vendors.KindHotel, "Hotel Tre", 2.0, "spa")
	far := vendor(vendors.KindRestaurant, "Osteria Lontana", 8.0, "italian")
	shut := vendor(vendors.KindRestaurant, "Chiuso", 0.7, "italian")
	shut.Status = vendors.StatusSuspended
	unoUnits := e.onboard(t, &uno, 4)
	e.onboard(t, &due, 2, 6)
	e.onboard(t, &tre, 2, 2)
	e.onboard(t, &far, 4)
	e.onboard(t, &shut, 4)

	italian := search.SearchRequest{Kind: "restaurant", Tags: []string{"Italian"}, Lat: lat0, Lng: lng0}
	// The consumer group's first join is part of this wait.
	var all search.Result
	poll.Eventually(t, 20*time.Second, "onboarded vendors findable, nearest first", func() error {
		all = e.search(t, search.SearchRequest{Lat: lat0, Lng: lng0, RadiusKm: 10})
		return has("Trattoria Uno", "Sushi Due", "Hotel Tre", "Osteria Lontana")(names(all))
	})
	if err := has("Trattoria Uno")(names(e.search(t, italian))); err != nil {
		t.Fatalf("italian within 5 km: %v", err)
	}
	for i, it := range all.Items {
		if i > 0 && it.DistanceKm < all.Items[i-1].DistanceKm {
			t.Fatalf("not ordered by distance: %+v", all.Items)
		}
		if it.Available != nil {
			t.Fatalf("no start, yet available times: %+v", it)
		}
	}
	if d := all.Items[0].DistanceKm; d < 0.499 || d > 0.501 || all.Items[0].VendorID != uno.ID || all.Items[0].Kind != "restaurant" ||
		!slices.Equal(all.Items[0].Tags, []string{"italian", "pizza"}) {
		t.Fatalf("first item %+v", all.Items[0])
	}
	for _, c := range []struct {
		name string
		r    search.SearchRequest
		want []string
	}{
		{"radius 10 km: the far one too", search.SearchRequest{Tags: []string{"italian"}, Lat: lat0, Lng: lng0, RadiusKm: 10}, []string{"Trattoria Uno", "Osteria Lontana"}},
		{"radius 0.6 km", search.SearchRequest{Lat: lat0, Lng: lng0, RadiusKm: 0.6}, []string{"Trattoria Uno"}},
		{"any of two tags", search.SearchRequest{Tags: []string{"spa", "sushi"}, Lat: lat0, Lng: lng0}, []string{"Sushi Due", "Hotel Tre"}},
		{"kind hotel", search.SearchRequest{Kind: "hotel", Lat: lat0, Lng: lng0}, []string{"Hotel Tre"}},
		{"text", search.SearchRequest{Text: "sush", Lat: lat0, Lng: lng0}, []string{"Sushi Due"}},
		{"a tag nobody has", search.SearchRequest{Tags: []string{"thai"}, Lat: lat0, Lng: lng0}, []string{}},
		{"party of 5 at 19:00: only a unit of 6 seats it", search.SearchRequest{Kind: "restaurant", Lat: lat0, Lng: lng0, Start: ptr(evening(19)), PartySize: 5}, []string{"Sushi Due"}},
		{"party of 2 at 19:00", search.SearchRequest{Kind: "restaurant", Lat: lat0, Lng: lng0, Start: ptr(evening(19)), PartySize: 2}, []string{"Trattoria Uno", "Sushi Due"}},
		{"restaurants closed at 08:00 (a hotel has the night)", search.SearchRequest{Lat: lat0, Lng: lng0, Start: ptr(evening(8))}, []string{"Hotel Tre"}},
		{"hotel tonight for 2", search.SearchRequest{Kind: "hotel", Lat: lat0, Lng: lng0, Start: ptr(evening(19))}, []string{"Hotel Tre"}},
		{"hotel for 3: rooms of 2", search.SearchRequest{Kind: "hotel", Lat: lat0, Lng: lng0, Start: ptr(evening(19)), PartySize: 3}, []string{}},
	} {
		if err := has(c.want...)(names(e.search(t, c.r))); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	at19 := search.SearchRequest{Kind: "restaurant", Tags: []string{"italian"}, Lat: lat0, Lng: lng0, Start: ptr(evening(19)), PartySize: 2}
	at12 := at19
	at12.Start = ptr(evening(12))
	res := e.search(t, at19)
	if len(res.Items) != 1 || len(res.Items[0].Available) != 7 || !res.Items[0].Available[3].Equal(evening(19)) {
		t.Fatalf("free at 19:00: %+v", res.Items)
	}

	// Book Uno's only unit at 19:00: gone for 19:00 within the freshness bound, still there at 12:00.
	bid := newID()
	e.book(t, bid, 1, booking.StatusBlocked, uno, evening(19), unoUnits...)
	took := poll.Eventually(t, search.Freshness, "booked vendor gone at 19:00", func() error { return has()(names(e.search(t, at19))) })
	t.Logf("a booking removed the vendor from results after %s", took)
	if err := has("Trattoria Uno")(names(e.search(t, at12))); err != nil {
		t.Fatalf("12:00 after booking 19:00: %v", err)
	}
	// 17:30 is free (its stay ends at 19:00), with the times that do not overlap the booking.
	at1730 := at19
	at1730.Start = ptr(evening(19).Add(-90 * time.Minute))
	if r := e.search(t, at1730); len(r.Items) != 1 || !r.Items[len(r.Items)-1].Available[len(r.Items[0].Available)-1].Equal(*at1730.Start) {
		t.Fatalf("17:30: %+v", r.Items)
	}
	e.book(t, bid, 2, booking.StatusConfirmed, uno, evening(19), unoUnits...)
	// A replay of the hold (an older version) after the cancellation changes nothing.
	e.book(t, bid, 3, booking.StatusCancelled, uno, evening(19), unoUnits...)
	e.book(t, bid, 1, booking.StatusBlocked, uno, evening(19), unoUnits...)
	took = poll.Eventually(t, search.Freshness, "cancelled: back at 19:00", func() error { return has("Trattoria Uno")(names(e.search(t, at19))) })
	t.Logf("a cancellation brought the vendor back after %s", took)

	// A suspension hides a vendor; bad input names its field.
	uno.Status, uno.Version = vendors.StatusSuspended, uno.Version+1
	e.publish(t, vendors.EventVendorUpdated, uno.ID, vendors.VendorChanged{Vendor: uno})
	poll.Eventually(t, 5*time.Second, "suspended vendor gone", func() error { return has()(names(e.search(t, italian))) })
	for field, r := range map[string]search.SearchRequest{
		"lat":        {Lat: 91, Lng: lng0},
		"lng":        {Lat: lat0, Lng: -181},
		"radius_km":  {Lat: lat0, Lng: lng0, RadiusKm: 101},
		"kind":       {Lat: lat0, Lng: lng0, Kind: "spa"},
		"party_size": {Lat: lat0, Lng: lng0, Start: ptr(evening(19)), PartySize: 101},
		"limit":      {Lat: lat0, Lng: lng0, Limit: 101},
		"tags":       {Lat: lat0, Lng: lng0, Tags: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")},
		"cursor":     {Lat: lat0, Lng: lng0, Cursor: "not-a-cursor"},
	} {
		_, err := e.client.Search(context.Background(), r)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.InvalidInput || ae.Details["field"] != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// TestCursorPaging pages through many vendors (with and without a start
// time, some of them booked) and gets each vendor once, in order, no gaps.
func TestCursorPaging(t *testing.T) {
	t.Parallel()
	e := start(t)
	var all []vendors.Vendor
	booked := map[string]bool{}
	for i := range 37 {
		v := vendor(vendors.KindRestaurant, fmt.Sprintf("Paging %02d", i), 0.1+0.1*float64(i%20), "paging")
		units := e.onboard(t, &v, 4)
		all = append(all, v)
		if i%4 == 1 {
			e.book(t, newID(), 1, booking.StatusConfirmed, v, evening(20), units...)
			booked[v.ID] = true
		}
	}
	base := search.SearchRequest{Tags: []string{"paging"}, Lat: lat0, Lng: lng0, Limit: 100}
	poll.Eventually(t, 20*time.Second, "all vendors findable", func() error {
		if n := len(e.search(t, base).Items); n != len(all) {
			return fmt.Errorf("%d of %d", n, len(all))
		}
		return nil
	})
	withStart := base
	withStart.Start = ptr(evening(20))
	poll.Eventually(t, 10*time.Second, "bookings applied", func() error {
		if n := len(e.search(t, withStart).Items); n != len(all)-len(booked) {
			return fmt.Errorf("%d available, want %d", n, len(all)-len(booked))
		}
		return nil
	})
	for _, r := range []search.SearchRequest{base, withStart} {
		want := e.search(t, r)
		for _, limit := range []int{1, 5, 7, 36, 37} {
			r.Limit = limit
			var got []search.Item
			pages := 0
			for {
				page := e.search(t, r)
				pages++
				if len(page.Items) > limit {
					t.Fatalf("limit %d: page of %d", limit, len(page.Items))
				}
				got = append(got, page.Items...)
				if page.NextCursor == "" {
					break
				}
				if pages > 100 {
					t.Fatal("endless paging")
				}
				r.Cursor = page.NextCursor
			}
			r.Cursor = ""
			if len(got) != len(want.Items) {
				t.Fatalf("limit %d (start %v): %d items over %d pages, want %d", limit, r.Start != nil, len(got), pages, len(want.Items))
			}
			seen := map[string]bool{}
			for i, it := range got {
				if seen[it.VendorID] || it.VendorID != want.Items[i].VendorID {
					t.Fatalf("limit %d: item %d is %s, want %s (duplicate %v)", limit, i, it.Name, want.Items[i].Name, seen[it.VendorID])
				}
				if r.Start != nil && booked[it.VendorID] {
					t.Fatalf("booked vendor %s offered at 20:00", it.Name)
				}
				seen[it.VendorID] = true
			}
			if !sort.SliceIsSorted(got, func(i, j int) bool {
				return got[i].DistanceKm < got[j].DistanceKm || (got[i].DistanceKm == got[j].DistanceKm && got[i].VendorID < got[j].VendorID)
			}) {
				t.Fatalf("limit %d: not ordered", limit)
			}
		}
	}
}
