package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/search"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
	"github.com/slotmesh/slotmesh/testenv"
)

// freshPool is a new, migrated, empty database for one test.
func freshPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	p, err := pg.ConnectN(ctx, testenv.Postgres(t), postgres.Schema, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	if err := postgres.Migrate(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadFixture is a small world with every case the loader must get right:
// hotels and restaurants, vendors without tags, suspended ones, ones without
// an active unit, inactive and small units, and bookings that hold (one
// naming a unit twice), that were cancelled, and of unknown vendors.
func loadFixture(at time.Time) ([]postgres.LoadVendor, []domain.Booking) {
	r := rand.New(rand.NewPCG(3, 5))
	tags := []string{"italian", "Pizza", "sushi", "vegan", "spa"}
	var hours []schedule.Interval
	for d := range 7 {
		hours = append(hours, schedule.Interval{Weekday: d, Open: 11 * 60, Close: 23 * 60})
	}
	var vs []postgres.LoadVendor
	var bs []domain.Booking
	for i := range 300 {
		id := fmt.Sprintf("load-%04d", i)
		kind := "restaurant"
		if i%7 == 0 {
			kind = "hotel"
		}
		var tl []string
		for k := range r.IntN(4) {
			tl = append(tl, tags[(i+k)%len(tags)])
		}
		lat, lng := 52.52+r.NormFloat64()*0.03, 13.40+r.NormFloat64()*0.05
		if i%2 == 1 {
			lat, lng = 48.86+r.NormFloat64()*0.03, 2.35+r.NormFloat64()*0.05
		}
		lv := postgres.LoadVendor{Vendor: domain.Vendor{ID: id, Version: int64(1 + r.IntN(5)), Kind: kind, Name: "Place " + id,
			Tags: app.NormTags(tl), Lat: lat, Lng: lng, Active: i%11 != 0,
			Schedule: schedule.Schedule{ID: id, Kind: kind, Timezone: "Europe/Berlin", Hours: hours, SlotMinutes: 30, StayMinutes: 90,
				CheckIn: 15 * 60, CheckOut: 11 * 60}}}
		for u := range r.IntN(5) {
			unit := domain.Unit{ID: fmt.Sprintf("%s-u%d", id, u), Capacity: 2 + 2*(u%3), Active: u%4 != 3}
			lv.Units = append(lv.Units, unit)
			if unit.Active {
				lv.Vendor.ActiveUnits++
			}
		}
		vs = append(vs, lv)
		if len(lv.Units) > 0 && i%3 == 0 {
			var held []string
			for _, u := range lv.Units {
				held = append(held, u.ID)
			}
			if i%9 == 0 {
				held = append(held, held[0])
			}
			status, holding := "CONFIRMED", true
			if i%5 == 0 {
				status, holding = "CANCELLED", false
			}
			bs = append(bs, domain.Booking{ID: id + "-b", VendorID: id, Version: 3, Status: status, Units: held, Holding: holding,
				During: schedule.Range{Start: at.Add(-30 * time.Minute), End: at.Add(time.Hour)}})
		}
	}
	bs = append(bs, domain.Booking{ID: "ghost-b", VendorID: "ghost", Version: 1, Status: "BLOCKED", Units: []string{"ghost-u"},
		Holding: true, During: schedule.Range{Start: at, End: at.Add(time.Hour)}})
	return vs, bs
}

// dump is every table's rows as text, in order (updated_at aside).
func dump(t *testing.T, p *pgxpool.Pool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for table, cols := range map[string]string{
		"vendors": "vendor_id, version, kind, name, tags, lat, lng, active, active_units, timezone, hours, slot_minutes, stay_minutes, check_in, check_out",
		"units":   "*", "docs": "*", "cells": "*", "bookings": "*", "holds": "*",
	} {
		var s *string
		if err := p.QueryRow(context.Background(), `SELECT string_agg(r::text, E'\n' ORDER BY r::text) FROM (SELECT `+cols+` FROM `+table+`) r`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			out[table] = ""
		} else {
			out[table] = *s
		}
	}
	return out
}

func TestLoadEqualsEventPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := time.Now().In(berlin).AddDate(0, 0, 2)
	at := time.Date(d.Year(), d.Month(), d.Day(), 19, 0, 0, 0, berlin)
	vs, bs := loadFixture(at)

	events, loaded := freshPool(t), freshPool(t)
	es, ex := postgres.NewStore(events), postgres.NewIndex(events)
	for _, lv := range vs {
		v, err := es.ApplyVendor(ctx, lv.Vendor)
		if err != nil {
			t.Fatal(err)
		}
		if v, _, err = es.ApplyUnits(ctx, v.ID, v.Version, lv.Units, v.ActiveUnits); err != nil {
			t.Fatal(err)
		}
		if err := ex.Upsert(ctx, []app.Doc{app.DocOf(v)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bs {
		if err := es.ApplyBooking(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	ls, lx := postgres.NewStore(loaded), postgres.NewIndex(loaded)
	progress := 0
	st, err := ls.Load(ctx, slices.Values(vs), slices.Values(bs), postgres.LoadOptions{Index: true, Progress: func(n int) { progress += n }})
	if err != nil {
		t.Fatal(err)
	}
	if progress != len(vs) || st.Vendors != int64(len(vs)) || st.Bookings != int64(len(bs)) || st.Docs != int64(len(vs)) || st.Cells == 0 {
		t.Fatalf("progress %d, stats %+v", progress, st)
	}

	want, got := dump(t, events), dump(t, loaded)
	for table := range want {
		if want[table] != got[table] {
			t.Errorf("%s differs: %s", table, firstDiff(want[table], got[table]))
		}
	}

	// The same answers, with and without a start, for a few parties.
	ae := &app.App{Index: ex, Store: es}
	al := &app.App{Index: lx, Store: ls}
	for _, q := range []search.SearchRequest{
		{Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100},
		{Kind: "restaurant", Tags: []string{"pizza", "sushi"}, Lat: 48.86, Lng: 2.35, RadiusKm: 5, Limit: 50},
		{Kind: "restaurant", Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100, Start: &at, PartySize: 2},
		{Kind: "restaurant", Lat: 52.52, Lng: 13.40, RadiusKm: 10, Limit: 100, Start: &at, PartySize: 5},
		{Kind: "hotel", Lat: 48.86, Lng: 2.35, RadiusKm: 20, Limit: 100, Start: &at, PartySize: 1},
		{Lat: 48.86, Lng: 2.35, RadiusKm: 20, Limit: 100, Text: "place"},
	} {
		we, err := ae.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		wl, err := al.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(we.Items) == 0 {
			t.Errorf("query %+v finds nothing: a useless check", q)
		}
		if !reflect.DeepEqual(we, wl) {
			t.Errorf("query %+v:\nevents %+v\nload   %+v", q, we, wl)
		}
	}

	// A second load meets full tables: it fails and writes nothing.
	before := dump(t, loaded)
	_, err = ls.Load(ctx, slices.Values(vs[:1]), slices.Values(bs[:0]), postgres.LoadOptions{Index: true})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("load into a full model: %v", err)
	}
	if after := dump(t, loaded); !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed load wrote: %v", after)
	}
}

// firstDiff names the first line where two dumps differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d: events %q, load %q (%d and %d lines)", i+1, a, b, len(w), len(g))
		}
	}
	return "equal"
}
