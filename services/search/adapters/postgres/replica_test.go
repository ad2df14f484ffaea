package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	wire "github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// A replica answers as the read model and cells index do: filled through
// its own writes, by following another replica's, and warmed afterwards.
func TestReplicaAnswersAsTheReadModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := time.Now().In(berlin).AddDate(0, 0, 2)
	at := time.Date(d.Year(), d.Month(), d.Day(), 19, 0, 0, 0, berlin)
	vs, bs := loadFixture(at)
	p := freshPool(t)

	follower := postgres.NewReplica(p)
	if _, err := follower.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	go follower.Follow(fctx, 20*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))

	writer := postgres.NewReplica(p)
	if _, err := writer.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	wa := &app.App{Index: writer.Index, Store: writer}
	cells := postgres.NewIndex(p)
	for _, lv := range vs {
		v, err := writer.ApplyVendor(ctx, lv.Vendor)
		if err != nil {
			t.Fatal(err)
		}
		if v, _, err = writer.ApplyUnits(ctx, v.ID, v.Version, lv.Units, v.ActiveUnits); err != nil {
			t.Fatal(err)
		}
		if err := wa.Index.Upsert(ctx, []app.Doc{app.DocOf(v)}); err != nil {
			t.Fatal(err)
		}
		if err := cells.Upsert(ctx, []app.Doc{app.DocOf(v)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bs {
		if err := writer.ApplyBooking(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for n, _ := follower.Index.Count(ctx); n < int64(len(vs)); n, _ = follower.Index.Count(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("the follower holds %d of %d vendors", n, len(vs))
		}
		time.Sleep(10 * time.Millisecond)
	}
	warmed := postgres.NewReplica(p)
	if _, err := warmed.Warm(ctx); err != nil {
		t.Fatal(err)
	}

	want := &app.App{Index: cells, Store: postgres.NewStore(p)}
	for _, q := range []wire.SearchRequest{
		{Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100},
		{Kind: "restaurant", Tags: []string{"pizza", "sushi"}, Lat: 48.86, Lng: 2.35, RadiusKm: 5, Limit: 50},
		{Kind: "restaurant", Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100, Start: &at, PartySize: 2},
		{Kind: "restaurant", Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100, Start: &at, PartySize: 5},
		{Kind: "hotel", Lat: 48.86, Lng: 2.35, RadiusKm: 20, Limit: 100, Start: &at, PartySize: 1},
		{Lat: 48.86, Lng: 2.35, RadiusKm: 20, Limit: 100, Text: "place"},
	} {
		w, err := want.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Items) == 0 {
			t.Errorf("query %+v finds nothing: a useless check", q)
		}
		for name, r := range map[string]*postgres.Replica{"writer": writer, "follower": follower, "warmed": warmed} {
			// The follower sees the writer's bookings (their holds) within
			// a few Follow intervals.
			deadline := time.Now().Add(5 * time.Second)
			for {
				got, err := (&app.App{Index: r.Index, Store: r}).Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if reflect.DeepEqual(w, got) {
					break
				}
				if name != "follower" || time.Now().After(deadline) {
					t.Errorf("%s, query %+v:\nread model %+v\nreplica    %+v", name, q, w, got)
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
}
