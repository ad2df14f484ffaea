package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type searchJSON struct {
	Items []struct {
		VendorID   string      `json:"vendor_id"`
		Name       string      `json:"name"`
		Kind       string      `json:"kind"`
		DistanceKm float64     `json:"distance_km"`
		Tags       []string    `json:"tags"`
		Available  []time.Time `json:"available"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (s searchJSON) ids() []string {
	out := []string{}
	for _, it := range s.Items {
		out = append(out, it.VendorID)
	}
	return out
}

func searchFor(t testing.TB, c client, q url.Values) searchJSON {
	t.Helper()
	st, raw := c.do("GET", "/v1/search?"+q.Encode(), "", nil)
	if st != http.StatusOK {
		t.Fatalf("search %s: %d %s", q.Encode(), st, raw)
	}
	return decode[searchJSON](t, raw)
}

// waitSearch searches again until cond holds (15 s at most) and returns
// the result and how long it took.
func waitSearch(t testing.TB, c client, q url.Values, what string, cond func(searchJSON) bool) (searchJSON, time.Duration) {
	t.Helper()
	var r searchJSON
	took := poll.Eventually(t, 15*time.Second, what, func() error {
		if r = searchFor(t, c, q); !cond(r) {
			return fmt.Errorf("search %s gives %v", q.Encode(), r.ids())
		}
		return nil
	})
	t.Logf("%s after %s", what, took.Round(time.Millisecond))
	return r, took
}

func near(lat, lng float64, extra ...string) url.Values {
	q := url.Values{"lat": {fmt.Sprint(lat)}, "lng": {fmt.Sprint(lng)}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// TestSearchThroughTheMesh drives search the way users do, through the real
// path: vendor and booking services -> outbox -> JetStream -> bridge ->
// Kafka -> search consumer group -> read model, queried through the gateway.
func TestSearchThroughTheMesh(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, owner := signUp(t, c, "owner@example.com")
	_, diner := signUp(t, c, "diner@example.com")

	// Berlin Mitte; 1 km = 0.009 degrees of latitude.
	const lat, lng = 52.5200, 13.4050
	restaurant := func(name string, dLat float64, tags []string, caps ...int) string {
		b := allWeek(0)
		b["name"], b["tags"] = name, tags
		b["location"] = map[string]any{"lat": lat + dLat, "lng": lng}
		v := onboard(t, c, owner, b)
		var units []map[string]any
		for i, cp := range caps {
			units = append(units, map[string]any{"name": fmt.Sprintf("T%d", i+1), "capacity": cp})
		}
		addUnits(t, c, owner, v.ID, units)
		return v.ID
	}
	onboarded := time.Now()
	trattoria := restaurant("Trattoria Vicina", 0.0045, []string{"italian", "pizza"}, 4) // 0.5 km, one table of 4
	sushi := restaurant("Sushi Mitte", 0.0180, []string{"japanese"}, 2)                  // 2 km
	osteria := restaurant("Osteria Lontana", 0.0900, []string{"italian"}, 6, 6)          // 10 km
	hb := hotel()
	hb["location"] = map[string]any{"lat": lat + 0.0270, "lng": lng} // 3 km
	h := onboard(t, c, owner, hb)
	addUnits(t, c, owner, h.ID, []map[string]any{{"name": "101", "capacity": 2}})

	// Findable: everything within 25 km, nearest first.
	all, took := waitSearch(t, c, near(lat, lng, "radius_km", "25"), "onboarded vendors findable", func(r searchJSON) bool { return len(r.Items) == 4 })
	t.Logf("onboarding -> findable: %s after the first onboarding, %s after the last", time.Since(onboarded).Round(time.Millisecond), took.Round(time.Millisecond))
	if got, want := all.ids(), []string{trattoria, sushi, h.ID, osteria}; !slices.Equal(got, want) {
		t.Fatalf("order by distance: %v, want %v", got, want)
	}
	for i, want := range []float64{0.5, 2, 3, 10} {
		if d := all.Items[i].DistanceKm; d < want*0.99 || d > want*1.01 {
			t.Fatalf("%s: distance %.3f km, want about %.1f", all.Items[i].Name, d, want)
		}
	}
	if it := all.Items[0]; it.Name != "Trattoria Vicina" || it.Kind != "restaurant" || !slices.Equal(it.Tags, []string{"italian", "pizza"}) {
		t.Fatalf("first item: %+v", it)
	}
	// Filters: tags (any of), kind, radius, name text.
	if got := searchFor(t, c, near(lat, lng, "radius_km", "25", "tags", "italian")).ids(); !slices.Equal(got, []string{trattoria, osteria}) {
		t.Fatalf("tags=italian: %v", got)
	}
	if got := searchFor(t, c, near(lat, lng, "radius_km", "25", "tags", "pizza,japanese")).ids(); !slices.Equal(got, []string{trattoria, sushi}) {
		t.Fatalf("tags=pizza,japanese: %v", got)
	}
	if got := searchFor(t, c, near(lat, lng, "radius_km", "25", "kind", "hotel")).ids(); !slices.Equal(got, []string{h.ID}) {
		t.Fatalf("kind=hotel: %v", got)
	}
	if got := searchFor(t, c, near(lat, lng, "radius_km", "5")).ids(); !slices.Equal(got, []string{trattoria, sushi, h.ID}) {
		t.Fatalf("radius 5 km: %v", got)
	}
	if got := searchFor(t, c, near(lat, lng, "radius_km", "25", "q", "oster")).ids(); !slices.Equal(got, []string{osteria}) {
		t.Fatalf("q=oster: %v", got)
	}
	// Paging: two at a time, every vendor once, in order.
	var paged []string
	q := near(lat, lng, "radius_km", "25", "limit", "2")
	for range 5 {
		p := searchFor(t, c, q)
		paged = append(paged, p.ids()...)
		if p.NextCursor == "" {
			break
		}
		q.Set("cursor", p.NextCursor)
	}
	if !slices.Equal(paged, all.ids()) {
		t.Fatalf("paged: %v, want %v", paged, all.ids())
	}

	// Party size with a start: a party of 3 fits the trattoria's 4 and the
	// osteria's 6, not the sushi bar's 2.
	at := slotAt(3, 19, 0)
	restaurants := near(lat, lng, "radius_km", "25", "kind", "restaurant", "start", at.Format(time.RFC3339), "party_size", "3")
	r := searchFor(t, c, restaurants)
	if got := r.ids(); !slices.Equal(got, []string{trattoria, osteria}) {
		t.Fatalf("party of 3 at %s: %v", at, got)
	}
	if av := r.Items[0].Available; !slices.ContainsFunc(av, at.Equal) || len(av) < 2 {
		t.Fatalf("free start times near %s: %v", at, av)
	}

	// Its only table booked at 19:00, the trattoria leaves the 19:00 results
	// (within the freshness bound), stays in the 12:00 ones, and comes back
	// when the booking is cancelled.
	st, raw := c.book(diner, "s1", bookingBody(trattoria, at, 2))
	b := wantBooking(t, http.StatusCreated, st, raw)
	italianAt := func(when time.Time) url.Values {
		return near(lat, lng, "radius_km", "25", "tags", "italian", "start", when.Format(time.RFC3339), "party_size", "2")
	}
	waitSearch(t, c, italianAt(at), "booked away at 19:00", func(r searchJSON) bool { return !slices.Contains(r.ids(), trattoria) })
	if got := searchFor(t, c, italianAt(at)).ids(); !slices.Equal(got, []string{osteria}) {
		t.Fatalf("19:00 after booking: %v", got)
	}
	noon := slotAt(3, 12, 0)
	if got := searchFor(t, c, italianAt(noon)); !slices.Equal(got.ids(), []string{trattoria, osteria}) || !slices.ContainsFunc(got.Items[0].Available, noon.Equal) {
		t.Fatalf("12:00 after booking 19:00: %+v", got)
	}
	// Near 19:00 the trattoria's free times skip the booked stay.
	r = searchFor(t, c, italianAt(at.Add(-3*time.Hour)))
	if len(r.Items) == 0 || r.Items[0].VendorID != trattoria || slices.ContainsFunc(r.Items[0].Available, func(s time.Time) bool {
		return s.After(at.Add(-90*time.Minute)) && s.Before(at.Add(90*time.Minute))
	}) {
		t.Fatalf("free times around 16:00 overlap the 19:00 booking: %+v", r)
	}
	st, raw = c.do("POST", "/v1/bookings/"+b.ID+"/cancel", diner, nil)
	wantBooking(t, http.StatusOK, st, raw)
	waitSearch(t, c, italianAt(at), "back after the cancellation", func(r searchJSON) bool { return slices.Contains(r.ids(), trattoria) })

	// Bad input: 400 naming the field.
	for _, tc := range []struct{ query, field string }{
		{"lat=91&lng=13", "lat"},
		{"lat=52&lng=181", "lng"},
		{"lat=52&lng=13&radius_km=-1", "radius_km"},
		{"lat=52&lng=13&radius_km=500", "radius_km"},
		{"lat=52&lng=13&kind=castle", "kind"},
		{"lat=52&lng=13&limit=1000", "limit"},
		{"lat=52&lng=13&cursor=bogus", "cursor"},
		{"lat=52&lng=13&start=" + url.QueryEscape(at.Format(time.RFC3339)) + "&party_size=101", "party_size"},
	} {
		st, raw := c.do("GET", "/v1/search?"+tc.query, "", nil)
		if st < 400 || st >= 500 {
			t.Fatalf("%s: %d %s", tc.query, st, raw)
		}
		c.wantError(st, raw, st, "invalid_input", tc.field)
	}
}
