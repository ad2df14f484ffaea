package booking_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// TestScan pages through the current bookings as search's reindex does:
// BLOCKED or CONFIRMED and ending in the future, in id order, each as Get
// shows it, the count on the first page only; cancelled and ended bookings
// are left out; bad limits and cursors are invalid_input.
func TestScan(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner, diner := uuid.NewString(), uuid.NewString()
	v := s.restaurant(t, owner, 0, 4, 4)
	book := func(key string, hour int) booking.Booking {
		t.Helper()
		b, err := s.bookings.Create(as(diner, key), booking.CreateRequest{VendorID: v.ID, Start: slot(2, hour), PartySize: 2, PaymentMethod: "pm_card_visa"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	keep1, keep2, cancelled, ended := book("a", 12), book("b", 13), book("c", 14), book("d", 15)
	if _, err := s.bookings.Cancel(as(diner, ""), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	// A confirmed booking whose time has passed (the vendor never settled
	// it) holds nothing search needs.
	pool, err := pg.Connect(context.Background(), s.PGURL, postgres.Schema)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(context.Background(), `UPDATE bookings SET during = tstzrange(now() - interval '3 hours', now() - interval '90 minutes') WHERE id = $1`, ended.ID); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	var got []booking.Booking
	r := booking.ScanRequest{Limit: 1}
	for page := 0; ; page++ {
		p, err := s.bookings.Scan(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int64{true: 2, false: 0}[page == 0]; p.Total != want {
			t.Fatalf("page %d: total %d, want %d", page, p.Total, want)
		}
		got = append(got, p.Items...)
		if r.Cursor = p.NextCursor; r.Cursor == "" {
			break
		}
	}
	want := []booking.Booking{keep1, keep2}
	slices.SortFunc(want, func(a, b booking.Booking) int { return strings.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Fatalf("scanned %d bookings, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		cur, err := s.bookings.Get(as(diner, ""), w.ID)
		if err != nil {
			t.Fatal(err)
		}
		g := got[i]
		if g.ID != cur.ID || g.Status != booking.StatusConfirmed || g.Version != cur.Version || !g.Start.Equal(cur.Start) ||
			!g.End.Equal(cur.End) || len(g.Units) != 1 || g.Units[0].ID != cur.Units[0].ID || g.VendorID != v.ID {
			t.Fatalf("scanned %+v, get %+v", g, cur)
		}
	}
	one, err := s.bookings.Scan(ctx, booking.ScanRequest{})
	if err != nil || len(one.Items) != 2 || one.NextCursor != "" {
		t.Fatalf("one page: %+v %v", one, err)
	}
	for _, r := range []booking.ScanRequest{{Limit: -1}, {Limit: booking.MaxScanLimit + 1}, {Cursor: "nope"}, {Cursor: "!!"}} {
		if _, err := s.bookings.Scan(ctx, r); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Fatalf("scan %+v: %v", r, err)
		}
	}

	// The page and the count are reads of the partial index of current
	// bookings (whatever the planner would pick on this tiny table).
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`EXPLAIN SELECT id FROM bookings b WHERE b.status IN ('BLOCKED', 'CONFIRMED') AND upper(b.during) > now() AND b.id > '00000000-0000-0000-0000-000000000000' ORDER BY b.id LIMIT 200`,
		`EXPLAIN SELECT count(*) FROM bookings WHERE status IN ('BLOCKED', 'CONFIRMED') AND upper(during) > now()`,
	} {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if rows.Err() != nil || !strings.Contains(strings.Join(plan, "\n"), "bookings_current_scan") {
			t.Fatalf("%s\nplan:\n%s %v", q, strings.Join(plan, "\n"), rows.Err())
		}
	}
}
