package testenv

import (
	"context"
	"testing"
)

// AssertNoOverlappingHolds checks the booking invariant in the database
// itself: no two active holds on one unit overlap in time.
func (s *System) AssertNoOverlappingHolds(t testing.TB) {
	t.Helper()
	conn := PGConn(t, s.PGURL)
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM bookingdb.holds a JOIN bookingdb.holds b
		ON a.unit_id = b.unit_id AND a.booking_id < b.booking_id AND a.active AND b.active AND a.during && b.during`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d pairs of overlapping active holds", n)
	}
}
