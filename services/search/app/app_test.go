package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// line is a fake index: vendors on a line, vendor i at i+1 km, in order.
type line struct {
	n     int
	step  float64 // km between vendors; 0 = 1
	calls []int   // the Limit of every Nearest call
}

func (l *line) Upsert(context.Context, []app.Doc) error { return nil }
func (l *line) Count(context.Context) (int64, error)    { return int64(l.n), nil }
func (l *line) Reset(context.Context) error             { return nil }
func (l *line) Nearest(_ context.Context, q app.GeoQuery) ([]app.Hit, error) {
	l.calls = append(l.calls, q.Limit)
	var out []app.Hit
	for i := range l.n {
		h := app.Hit{VendorID: fmt.Sprintf("v%05d", i), Name: "V", Kind: "restaurant", DistanceKm: float64(i+1) * l.km()}
		if h.DistanceKm > q.RadiusKm || (q.After != nil && (h.DistanceKm < q.After.DistanceKm ||
			(h.DistanceKm == q.After.DistanceKm && h.VendorID <= q.After.VendorID))) {
			continue
		}
		if out = append(out, h); len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

var allDay = func() []schedule.Interval {
	out := make([]schedule.Interval, 7)
	for d := range out {
		out[d] = schedule.Interval{Weekday: d, Open: 0, Close: 1440}
	}
	return out
}()

func (l *line) km() float64 {
	if l.step == 0 {
		return 1
	}
	return l.step
}

// facts is a fake read model: every vendor open all day with one unit,
// those in free available.
type facts struct{ free func(id string) bool }

func (f facts) ApplyVendor(context.Context, domain.Vendor) (domain.Vendor, error) {
	return domain.Vendor{}, nil
}
func (f facts) ApplyUnits(context.Context, string, int64, []domain.Unit, int) (domain.Vendor, bool, error) {
	return domain.Vendor{}, false, nil
}
func (f facts) ApplyBooking(context.Context, domain.Booking) error { return nil }
func (f facts) Facts(_ context.Context, ids []string, _ int, span schedule.Range) (map[string]domain.Facts, error) {
	out := map[string]domain.Facts{}
	for _, id := range ids {
		fc := domain.Facts{Schedule: schedule.Schedule{ID: id, Kind: "restaurant", Timezone: "UTC", SlotMinutes: 30, StayMinutes: 60,
			Hours: allDay},
			Units: []domain.Unit{{ID: "u", Capacity: 4, Active: true}}}
		if !f.free(id) {
			fc.Holds = []domain.Hold{{UnitID: "u", During: span}}
		}
		out[id] = fc
	}
	return out, nil
}

func pageAll(t *testing.T, a *app.App, r search.SearchRequest) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for {
		res, err := a.Search(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(res.Items) > r.Limit {
			t.Fatalf("page of %d, limit %d", len(res.Items), r.Limit)
		}
		for _, it := range res.Items {
			ids = append(ids, it.VendorID)
		}
		if res.NextCursor == "" || pages > 1000 {
			return ids, pages
		}
		r.Cursor = res.NextCursor
	}
}

func TestSearchPagesAndOverFetch(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now.Add(24 * time.Hour)
	for _, c := range []struct {
		name   string
		n      int
		limit  int
		start  bool
		free   func(i int) bool
		radius float64
	}{
		{"no start", 95, 10, false, nil, 100},
		{"no start, exact pages", 40, 10, false, nil, 100},
		{"every third free", 95, 7, true, func(i int) bool { return i%3 == 0 }, 100},
		{"none free", 60, 5, true, func(int) bool { return false }, 100},
		{"one far free vendor past the scan budget", 99, 5, true, func(i int) bool { return i == app.ScanBudget+300 }, 100},
		{"radius cuts", 95, 10, true, func(i int) bool { return i%2 == 0 }, 30.5},
	} {
		l := &line{n: c.n}
		if c.name == "one far free vendor past the scan budget" {
			l.n, l.step = app.ScanBudget+500, 0.01
		}
		free := func(id string) bool {
			var i int
			_, _ = fmt.Sscanf(strings.TrimPrefix(id, "v"), "%d", &i)
			return c.free == nil || c.free(i)
		}
		a := &app.App{Index: l, Store: facts{free: free}, Clock: func() time.Time { return now }}
		r := search.SearchRequest{Lat: 1, Lng: 2, RadiusKm: c.radius, Limit: c.limit}
		if c.start {
			r.Start = &start
		}
		got, pages := pageAll(t, a, r)
		var want []string
		for i := range l.n {
			id := fmt.Sprintf("v%05d", i)
			if float64(i+1)*l.km() <= c.radius && (!c.start || free(id)) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d ids %v, want %d", c.name, len(got), got, len(want))
		}
		if c.name == "one far free vendor past the scan budget" && pages < 2 {
			t.Errorf("%s: scan budget not applied (%d pages)", c.name, pages)
		}
		for _, lim := range l.calls {
			if lim > 400 {
				t.Errorf("%s: a batch of %d", c.name, lim)
			}
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	for _, a := range []app.After{{DistanceKm: 0, VendorID: "a"}, {DistanceKm: 1.0000000000000002, VendorID: "x-y"}} {
		got, err := app.DecodeCursor(app.EncodeCursor(a))
		if err != nil || *got != a {
			t.Fatalf("round trip %+v: %+v %v", a, got, err)
		}
	}
	for _, bad := range []string{"x", "!!!", "YzE6e30", "YzI6eyJkIjoxLCJ2IjoiYSJ9"} {
		if _, err := app.DecodeCursor(bad); !apperr.Is(err, apperr.InvalidInput) {
			t.Errorf("cursor %q: %v", bad, err)
		} else if e, _ := apperr.As(err); e.Details["field"] != "cursor" {
			t.Errorf("cursor %q: field %v", bad, e.Details["field"])
		}
	}
}

type mapCache map[string][]byte

func (m mapCache) Get(_ context.Context, k string) ([]byte, bool, error) {
	b, ok := m[k]
	return b, ok, nil
}
func (m mapCache) Put(_ context.Context, k string, v []byte) error { m[k] = v; return nil }

func TestCacheKeyIsTheNormalisedRequest(t *testing.T) {
	t.Parallel()
	l := &line{n: 5}
	c := mapCache{}
	a := &app.App{Index: l, Store: facts{free: func(string) bool { return true }}, Cache: c}
	// The first ask is a one-off (no cache round trip); the second, the same
	// request normalised, is popular: it fills the cache; the third hits.
	for i, r := range []search.SearchRequest{
		{Tags: []string{"Vegan", "italian"}, Lat: 1, Lng: 2},
		{Tags: []string{" italian", "vegan", "VEGAN"}, Lat: 1, Lng: 2, RadiusKm: 5, Limit: 20},
		{Tags: []string{"vegan", "italian"}, Lat: 1, Lng: 2, Limit: 20},
	} {
		if _, err := a.Search(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if want := min(i, 1); len(c) != want {
			t.Fatalf("after ask %d: %d cache entries, want %d", i+1, len(c), want)
		}
	}
	if len(l.calls) != 2 {
		t.Fatalf("%d index calls, want 2 (the third ask is a cache hit)", len(l.calls))
	}
	// Another request is a one-off again: no entry.
	if _, err := a.Search(context.Background(), search.SearchRequest{Lat: 3, Lng: 4}); err != nil || len(c) != 1 {
		t.Fatalf("a one-off: %d entries, %v", len(c), err)
	}
}

type failing struct{ line }

func (f *failing) Nearest(context.Context, app.GeoQuery) ([]app.Hit, error) {
	return nil, fmt.Errorf("driver: %w", app.ErrBadQuery)
}

func TestIndexErrors(t *testing.T) {
	t.Parallel()
	a := &app.App{Index: &failing{}, Store: facts{}}
	if _, err := a.Search(context.Background(), search.SearchRequest{Lat: 1, Lng: 2}); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("bad query: %v", err)
	}
	_, err := a.Search(context.Background(), search.SearchRequest{Lat: 91, Lng: 2})
	if e, ok := apperr.As(err); !ok || e.Details["field"] != "lat" || errors.Is(err, app.ErrBadQuery) {
		t.Fatalf("validation: %v", err)
	}
}
