// Package archivetest is the conformance suite every archive driver
// (app.Store) passes, as go-cloud's drivertest is for its drivers: idempotent
// put, higher version wins, ordering, cursors across pages, filters, the
// user and vendor views, not found and bad cursors.
package archivetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/app"
)

// Run runs the suite on the store newStore returns. The store may be shared
// by every case (each uses its own random user, vendor and booking ids), so
// a driver needs one database or keyspace for the whole suite.
func Run(t *testing.T, newStore func(t *testing.T) app.Store) {
	s := newStore(t)
	for _, c := range []struct {
		name string
		fn   func(*testing.T, app.Store)
	}{
		{"PutGetRoundTrip", testRoundTrip},
		{"PutIsIdempotent", testIdempotent},
		{"HigherVersionWins", testHigherVersionWins},
		{"ConcurrentPutsConverge", testConcurrentPuts},
		{"NewestStartFirst", testOrdering},
		{"CursorsAcrossPages", testCursors},
		{"VendorAcrossMonths", testVendorMonths},
		{"Filters", testFilters},
		{"UserAndVendorViews", testViews},
		{"NotFound", testNotFound},
		{"BadCursor", testBadCursor},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, s)
		})
	}
}

// ID is a random id with a readable prefix.
func ID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// base is the start of the suite's calendar.
var base = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

// Booking is a final booking of user at vendor starting at start.
func Booking(id, user, vendor string, start time.Time, status string, version int64) booking.Booking {
	return booking.Booking{
		ID: id, Status: status, VendorID: vendor, UserID: user,
		Start: start.UTC(), End: start.Add(90 * time.Minute).UTC(), PartySize: 2,
		Units:   []booking.Unit{{ID: "unit-1", Name: "T1", Capacity: 4}},
		Deposit: booking.Deposit{Amount: 1000, Currency: "EUR", Status: "refunded"},
		Refund:  &booking.Refund{Amount: 1000, Currency: "EUR", Status: "refunded"},
		Version: version, CreatedAt: start.Add(-48 * time.Hour).UTC(), UpdatedAt: start.Add(2 * time.Hour).UTC(),
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, s app.Store, bs ...booking.Booking) {
	t.Helper()
	for _, b := range bs {
		if err := s.Put(ctx(t), b); err != nil {
			t.Fatalf("Put %s: %v", b.ID, err)
		}
	}
}

func same(t *testing.T, got, want booking.Booking) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("booking differs\n got %s\nwant %s", g, w)
	}
}

// all pages through r with limit, returning the ids in order and the page count.
func all(t *testing.T, s app.Store, r archive.ListRequest, limit int) ([]string, int) {
	t.Helper()
	r.Limit = limit
	var ids []string
	pages := 0
	for {
		p, err := s.List(ctx(t), r)
		if err != nil {
			t.Fatalf("List %+v: %v", r, err)
		}
		pages++
		if len(p.Items) > limit {
			t.Fatalf("page of %d items over limit %d", len(p.Items), limit)
		}
		for _, b := range p.Items {
			ids = append(ids, b.ID)
		}
		if p.NextCursor == "" {
			return ids, pages
		}
		if pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		r.Cursor = p.NextCursor
	}
}

func equalIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func testRoundTrip(t *testing.T, s app.Store) {
	b := Booking(ID("b"), ID("u"), ID("v"), base, booking.StatusAvailed, 4)
	exp := base.Add(-time.Hour)
	b.ExpiresAt = &exp
	put(t, s, b)
	got, err := s.Get(ctx(t), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(t, got, b)
}

func testIdempotent(t *testing.T, s app.Store) {
	user := ID("u")
	b := Booking(ID("b"), user, ID("v"), base, booking.StatusCancelled, 3)
	put(t, s, b, b, b)
	ids, _ := all(t, s, archive.ListRequest{UserID: user}, 10)
	equalIDs(t, "user view after three puts", ids, []string{b.ID})
	ids, _ = all(t, s, archive.ListRequest{VendorID: b.VendorID}, 10)
	equalIDs(t, "vendor view after three puts", ids, []string{b.ID})
}

func testHigherVersionWins(t *testing.T, s app.Store) {
	user, vendor := ID("u"), ID("v")
	id := ID("b")
	v5 := Booking(id, user, vendor, base, booking.StatusAvailed, 5)
	v3 := Booking(id, user, vendor, base, booking.StatusCancelled, 3)
	put(t, s, v5, v3) // the older one arrives late
	got, err := s.Get(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	same(t, got, v5)

	id2 := ID("b")
	put(t, s, Booking(id2, user, vendor, base.Add(time.Hour), booking.StatusNoShow, 2),
		Booking(id2, user, vendor, base.Add(time.Hour), booking.StatusAvailed, 7))
	got, err = s.Get(ctx(t), id2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 7 || got.Status != booking.StatusAvailed {
		t.Fatalf("got version %d status %s, want 7 AVAILED", got.Version, got.Status)
	}
	p, err := s.List(ctx(t), archive.ListRequest{UserID: user, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.Items[0].Version != 7 || p.Items[1].Version != 5 {
		t.Fatalf("list after version races: %+v", p.Items)
	}
}

func testConcurrentPuts(t *testing.T, s app.Store) {
	user, vendor, id := ID("u"), ID("v"), ID("b")
	const n = 8
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for v := int64(1); v <= n; v++ {
		for range 2 { // every version twice, as two deliveries would
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.Put(ctx(t), Booking(id, user, vendor, base, booking.StatusAvailed, v))
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx(t), id)
	if err != nil || got.Version != n {
		t.Fatalf("after concurrent puts: version %d, %v; want %d", got.Version, err, n)
	}
	p, err := s.List(ctx(t), archive.ListRequest{VendorID: vendor, Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].Version != n {
		t.Fatalf("vendor view after concurrent puts: %+v, %v", p.Items, err)
	}
}

func testOrdering(t *testing.T, s app.Store) {
	user, vendor := ID("u"), ID("v")
	// Two share a start: then booking id, descending.
	bs := []booking.Booking{
		Booking("b-a-"+user, user, vendor, base, booking.StatusAvailed, 1),
		Booking("b-c-"+user, user, vendor, base.Add(-24*time.Hour), booking.StatusAvailed, 1),
		Booking("b-b-"+user, user, vendor, base.Add(72*time.Hour), booking.StatusCancelled, 1),
		Booking("b-d-"+user, user, vendor, base, booking.StatusNoShow, 1),
	}
	put(t, s, bs...)
	want := []string{"b-b-" + user, "b-d-" + user, "b-a-" + user, "b-c-" + user}
	ids, _ := all(t, s, archive.ListRequest{UserID: user}, 50)
	equalIDs(t, "user order", ids, want)
	ids, _ = all(t, s, archive.ListRequest{VendorID: vendor}, 50)
	equalIDs(t, "vendor order", ids, want)
}

func testCursors(t *testing.T, s app.Store) {
	user, vendor := ID("u"), ID("v")
	var want []string
	for i := range 7 {
		b := Booking(fmt.Sprintf("b-%02d-%s", i, user), user, vendor, base.Add(-time.Duration(i)*time.Hour), booking.StatusAvailed, 1)
		want = append(want, b.ID)
		put(t, s, b)
	}
	for _, limit := range []int{1, 3, 7, 8} {
		ids, pages := all(t, s, archive.ListRequest{UserID: user}, limit)
		equalIDs(t, fmt.Sprintf("user pages of %d", limit), ids, want)
		if max := (7+limit-1)/limit + 1; pages > max {
			t.Fatalf("limit %d: %d pages, want at most %d", limit, pages, max)
		}
		ids, _ = all(t, s, archive.ListRequest{VendorID: vendor}, limit)
		equalIDs(t, fmt.Sprintf("vendor pages of %d", limit), ids, want)
	}
	p, err := s.List(ctx(t), archive.ListRequest{UserID: user, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 3 || p.NextCursor == "" {
		t.Fatalf("first page of 3: %d items, cursor %q", len(p.Items), p.NextCursor)
	}
}

func testVendorMonths(t *testing.T, s app.Store) {
	vendor := ID("v")
	var want []string
	// Ten bookings over five months, two a month, newest first.
	for i := range 10 {
		start := base.AddDate(0, -i/2, -(i % 2))
		b := Booking(fmt.Sprintf("b-%02d-%s", i, vendor), ID("u"), vendor, start, booking.StatusAvailed, 1)
		want = append(want, b.ID)
		put(t, s, b)
	}
	for _, limit := range []int{1, 2, 3, 10, 50} {
		ids, _ := all(t, s, archive.ListRequest{VendorID: vendor}, limit)
		equalIDs(t, fmt.Sprintf("vendor months, pages of %d", limit), ids, want)
	}
	from, to := base.AddDate(0, -3, 0), base.AddDate(0, -1, 0)
	ids, _ := all(t, s, archive.ListRequest{VendorID: vendor, From: &from, To: &to}, 1)
	// start in [base-3 months, base-1 month): i = 3 (base-1m-1d), 4, 5, 6 (base-3m)
	equalIDs(t, "vendor months window", ids, want[3:7])
}

func testFilters(t *testing.T, s app.Store) {
	user, vendor := ID("u"), ID("v")
	statuses := []string{booking.StatusAvailed, booking.StatusCancelled, booking.StatusNoShow, booking.StatusAvailed, booking.StatusExpired, booking.StatusFailed}
	var ids []string
	for i, st := range statuses {
		b := Booking(fmt.Sprintf("b-%02d-%s", i, user), user, vendor, base.Add(-time.Duration(i)*24*time.Hour), st, 1)
		ids = append(ids, b.ID)
		put(t, s, b)
	}
	from, to := base.Add(-4*24*time.Hour), base.Add(-24*time.Hour)
	for _, c := range []struct {
		name string
		r    archive.ListRequest
		want []string
	}{
		{"status", archive.ListRequest{UserID: user, Status: booking.StatusAvailed}, []string{ids[0], ids[3]}},
		{"from inclusive", archive.ListRequest{UserID: user, From: &from}, ids[:5]},
		{"to exclusive", archive.ListRequest{UserID: user, To: &to}, ids[2:]},
		{"from to", archive.ListRequest{VendorID: vendor, From: &from, To: &to}, ids[2:5]},
		{"from to status", archive.ListRequest{VendorID: vendor, From: &from, To: &to, Status: booking.StatusNoShow}, ids[2:3]},
		{"nothing", archive.ListRequest{UserID: user, Status: booking.StatusFailed, From: &from, To: &to}, nil},
	} {
		for _, limit := range []int{1, 50} {
			got, _ := all(t, s, c.r, limit)
			equalIDs(t, fmt.Sprintf("%s, pages of %d", c.name, limit), got, c.want)
		}
	}
}

func testViews(t *testing.T, s app.Store) {
	u1, u2, v1, v2 := ID("u"), ID("u"), ID("v"), ID("v")
	b1 := Booking("b1-"+u1, u1, v1, base, booking.StatusAvailed, 1)
	b2 := Booking("b2-"+u1, u1, v2, base.Add(-time.Hour), booking.StatusAvailed, 1)
	b3 := Booking("b3-"+u2, u2, v1, base.Add(-2*time.Hour), booking.StatusCancelled, 1)
	put(t, s, b1, b2, b3)
	for _, c := range []struct {
		r    archive.ListRequest
		want []string
	}{
		{archive.ListRequest{UserID: u1}, []string{b1.ID, b2.ID}},
		{archive.ListRequest{UserID: u2}, []string{b3.ID}},
		{archive.ListRequest{VendorID: v1}, []string{b1.ID, b3.ID}},
		{archive.ListRequest{VendorID: v2}, []string{b2.ID}},
		{archive.ListRequest{UserID: ID("nobody")}, nil},
	} {
		got, _ := all(t, s, c.r, 10)
		equalIDs(t, fmt.Sprintf("%+v", c.r), got, c.want)
	}
	p, err := s.List(ctx(t), archive.ListRequest{VendorID: v1, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	same(t, p.Items[0], b1)
}

func testNotFound(t *testing.T, s app.Store) {
	_, err := s.Get(ctx(t), ID("missing"))
	if !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Get of a missing booking: %v, want not_found", err)
	}
}

func testBadCursor(t *testing.T, s app.Store) {
	for _, c := range []string{"garbage!", "Zm9v", "cGcxfHh8eQ"} {
		_, err := s.List(ctx(t), archive.ListRequest{UserID: ID("u"), Cursor: c, Limit: 5})
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.InvalidInput || ae.Details["field"] != "cursor" {
			t.Fatalf("cursor %q: %v, want invalid_input on field cursor", c, err)
		}
	}
}
