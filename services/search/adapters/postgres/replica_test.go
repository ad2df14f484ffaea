package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/testenv/poll"
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
	poll.Eventually(t, 10*time.Second, "the follower to hold every vendor", func() error {
		if n, _ := follower.Index.Count(ctx); n < int64(len(vs)) {
			return fmt.Errorf("the follower holds %d of %d vendors", n, len(vs))
		}
		return nil
	})
	warmed := postgres.NewReplica(p)
	if _, err := warmed.Warm(ctx); err != nil {
		t.Fatal(err)
	}

	want := &app.App{Index: cells, Store: postgres.NewStore(p)}
	for _, q := range []search.SearchRequest{
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
		search := func(r *postgres.Replica) error {
			got, err := (&app.App{Index: r.Index, Store: r}).Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(w, got) {
				return fmt.Errorf("query %+v:\nread model %+v\nreplica    %+v", q, w, got)
			}
			return nil
		}
		for name, r := range map[string]*postgres.Replica{"writer": writer, "warmed": warmed} {
			if err := search(r); err != nil {
				t.Errorf("%s, %v", name, err)
			}
		}
		// The follower sees the writer's bookings (their holds) within a
		// few Follow intervals.
		poll.Eventually(t, 5*time.Second, "the follower to answer as the read model", func() error { return search(follower) })
	}
}
