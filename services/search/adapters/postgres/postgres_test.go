package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/adapters/indextest"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
	"github.com/slotmesh/slotmesh/testenv"
)

var (
	poolOnce sync.Once
	shared   *pgxpool.Pool
	poolErr  error
)

// pool is one migrated database for the package (the conformance suite's
// cases share one index by design).
func pool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	poolOnce.Do(func() {
		url := testenv.Postgres(&keep{T: t})
		ctx := context.Background()
		if shared, poolErr = pg.Connect(ctx, url, postgres.Schema); poolErr == nil {
			poolErr = postgres.Migrate(ctx, shared)
		}
	})
	if poolErr != nil {
		t.Fatal(poolErr)
	}
	return shared
}

// keep lends testenv.Postgres a TB whose cleanups never run: the database
// lives as long as the package's test binary (testenv's unique name keeps it
// apart; the server is a test server).
type keep struct{ *testing.T }

func (k *keep) Cleanup(func()) {}

func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) app.Index { return postgres.NewIndex(pool(t)) })
}

func TestMigrateTwice(t *testing.T) {
	p := pool(t)
	if err := postgres.Migrate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func restaurant(id string, version int64) domain.Vendor {
	return domain.Vendor{ID: id, Version: version, Kind: "restaurant", Name: "R " + id, Tags: []string{"italian"},
		Lat: 52.5, Lng: 13.4, Active: true, ActiveUnits: 1,
		Schedule: schedule.Schedule{ID: id, Kind: "restaurant", Timezone: "Europe/Berlin", SlotMinutes: 30, StayMinutes: 90,
			Hours: []schedule.Interval{{Weekday: 0, Open: 720, Close: 1380}, {Weekday: 4, Open: 1200, Close: 1560}}}}
}

func TestStoreVendorVersions(t *testing.T) {
	t.Parallel()
	s := postgres.NewStore(pool(t))
	ctx := context.Background()
	id := "v-" + time.Now().Format("150405.000000000")
	v2 := restaurant(id, 2)
	got, err := s.ApplyVendor(ctx, v2)
	if err != nil || got.Version != 2 || got.Name != v2.Name || got.Schedule.Timezone != "Europe/Berlin" ||
		!slices.Equal(got.Schedule.Hours, v2.Schedule.Hours) || got.Schedule.ID != id || got.Schedule.Kind != "restaurant" {
		t.Fatalf("apply v2: %+v %v", got, err)
	}
	v1 := restaurant(id, 1)
	v1.Name = "older"
	if got, err = s.ApplyVendor(ctx, v1); err != nil || got.Version != 2 || got.Name != v2.Name {
		t.Fatalf("older applied: %+v %v", got, err)
	}
	// Units at v3: count and version move; an older units event leaves units newer than it.
	got, known, err := s.ApplyUnits(ctx, id, 3, []domain.Unit{{ID: "u1", Capacity: 4, Active: true}, {ID: "u2", Capacity: 2, Active: true}}, 2)
	if err != nil || !known || got.Version != 3 || got.ActiveUnits != 2 {
		t.Fatalf("units v3: %+v %v %v", got, known, err)
	}
	got, _, err = s.ApplyUnits(ctx, id, 2, []domain.Unit{{ID: "u1", Capacity: 8, Active: false}}, 0)
	if err != nil || got.Version != 3 || got.ActiveUnits != 2 {
		t.Fatalf("older units: %+v %v", got, err)
	}
	if _, known, err := s.ApplyUnits(ctx, "unknown-"+id, 1, []domain.Unit{{ID: "x", Capacity: 1, Active: true}}, 1); known || err != nil {
		t.Fatalf("unknown vendor: known=%v err=%v", known, err)
	}
	start := time.Date(2030, 1, 7, 18, 0, 0, 0, time.UTC)
	facts, err := s.Facts(ctx, []string{id, "missing"}, 3, domain.HoldSpan(start))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := facts[id]
	if _, missing := facts["missing"]; !ok || missing || len(f.Units) != 1 || f.Units[0].ID != "u1" || f.Units[0].Capacity != 4 {
		t.Fatalf("facts: %+v", facts)
	}
}

func TestStoreHolds(t *testing.T) {
	t.Parallel()
	s := postgres.NewStore(pool(t))
	ctx := context.Background()
	vid := "h-" + time.Now().Format("150405.000000000")
	if _, err := s.ApplyVendor(ctx, restaurant(vid, 1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ApplyUnits(ctx, vid, 2, []domain.Unit{{ID: "u1", Capacity: 4, Active: true}, {ID: "u2", Capacity: 4, Active: true}}, 2); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 1, 7, 18, 0, 0, 0, time.UTC)
	during := schedule.Range{Start: start, End: start.Add(90 * time.Minute)}
	apply := func(version int64, holding bool, units ...string) {
		t.Helper()
		if err := s.ApplyBooking(ctx, domain.Booking{ID: "b-" + vid, VendorID: vid, Version: version, Status: "X",
			Units: units, During: during, Holding: holding}); err != nil {
			t.Fatal(err)
		}
	}
	holds := func() []string {
		t.Helper()
		facts, err := s.Facts(ctx, []string{vid}, 2, domain.HoldSpan(start))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range facts[vid].Holds {
			if !h.During.Start.Equal(during.Start) || !h.During.End.Equal(during.End) {
				t.Fatalf("hold %+v", h)
			}
			out = append(out, h.UnitID)
		}
		slices.Sort(out)
		return out
	}
	apply(1, true, "u1")
	if got := holds(); !slices.Equal(got, []string{"u1"}) {
		t.Fatalf("blocked: %v", got)
	}
	apply(3, true, "u2") // moved to another unit
	if got := holds(); !slices.Equal(got, []string{"u2"}) {
		t.Fatalf("updated: %v", got)
	}
	apply(2, true, "u1") // older, late
	apply(3, true, "u1") // the same version again
	if got := holds(); !slices.Equal(got, []string{"u2"}) {
		t.Fatalf("older or repeated version changed holds: %v", got)
	}
	apply(4, false, "u2") // cancelled
	if got := holds(); len(got) != 0 {
		t.Fatalf("cancelled still holds: %v", got)
	}
	apply(3, true, "u2") // a replay of the confirmed event after the cancellation
	if got := holds(); len(got) != 0 {
		t.Fatalf("replay brought the hold back: %v", got)
	}
	// Holds outside the span are not read.
	far, err := s.Facts(ctx, []string{vid}, 2, domain.HoldSpan(start.Add(30*24*time.Hour)))
	if err != nil || len(far[vid].Holds) != 0 {
		t.Fatalf("far facts %+v %v", far, err)
	}
	n, err := s.Prune(ctx, start.Add(24*time.Hour))
	if err != nil || n < 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
}

// TestConcurrentUpserts: many writers of one vendor's versions leave the
// highest, with exactly its cells.
func TestConcurrentUpserts(t *testing.T) {
	t.Parallel()
	ix := postgres.NewIndex(pool(t))
	ctx := context.Background()
	id := "c-" + time.Now().Format("150405.000000000")
	var wg sync.WaitGroup
	for v := int64(1); v <= 20; v++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := app.Doc{VendorID: id, Kind: "hotel", Name: "Hotel", Tags: []string{"spa", "pool"}, Lat: -33.9, Lng: 151.2 + float64(v)*0.001,
				Active: v%2 == 0, Version: v}
			if err := ix.Upsert(ctx, []app.Doc{d}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	hits, err := ix.Nearest(ctx, app.GeoQuery{Kind: "hotel", Tags: []string{"pool"}, Lat: -33.9, Lng: 151.2, RadiusKm: 10, Limit: 10})
	if err != nil || len(hits) != 1 || hits[0].VendorID != id {
		t.Fatalf("hits %+v %v", hits, err)
	}
	want := domain.DistanceKm(-33.9, 151.2, -33.9, 151.22)
	if d := hits[0].DistanceKm; d < want-1e-6 || d > want+1e-6 {
		t.Fatalf("distance %f, want %f (version 20)", d, want)
	}
}
