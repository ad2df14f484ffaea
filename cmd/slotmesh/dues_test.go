package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/testenv"
)

// TestBookingDues: the operator's view of what bookings owe — the count,
// the stuck first, -stuck alone, and -retry making them due now.
func TestBookingDues(t *testing.T) {
	t.Parallel()
	pgURL := testenv.Postgres(t)
	env := func(k string) string { return map[string]string{"PG_URL": pgURL}[k] }
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"migrate"}, env, &out, &errOut); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut.String())
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO bookingdb.dues (key, booking_id, kind, amount, reason, attempts, next_attempt_at, last_error) VALUES
		('booking:b1:refund', '00000000-0000-0000-0000-0000000000b1', 'refund', 4500, 'cancelled', 1, now() + interval '1 minute', 'unavailable'),
		('booking:b2:deposit', '00000000-0000-0000-0000-0000000000b2', 'void', 0, 'hold expired', 12, now() + interval '9 minutes', 'refund refused')`); err != nil {
		t.Fatal(err)
	}
	dues := func(args ...string) string {
		t.Helper()
		out.Reset()
		errOut.Reset()
		if code := run(ctx, append([]string{"booking", "dues"}, args...), env, &out, &errOut); code != 0 {
			t.Fatalf("booking dues %v: %d %s", args, code, errOut.String())
		}
		return out.String()
	}
	all := dues()
	if !strings.Contains(all, "2 dues owed, 1 stuck") || strings.Index(all, "booking:b2:deposit") > strings.Index(all, "booking:b1:refund") ||
		!strings.Contains(all, "4500") || !strings.Contains(all, "refund refused") {
		t.Fatalf("booking dues:\n%s", all)
	}
	if stuck := dues("-stuck"); strings.Contains(stuck, "booking:b1:refund") || !strings.Contains(stuck, "booking:b2:deposit") {
		t.Fatalf("booking dues -stuck:\n%s", stuck)
	}
	if got := dues("-retry", "-stuck"); !strings.HasPrefix(got, "1 dues are due now") {
		t.Fatalf("booking dues -retry -stuck: %s", got)
	}
	var due int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bookingdb.dues WHERE next_attempt_at <= now()`).Scan(&due); err != nil || due != 1 {
		t.Fatalf("%d dues due now after -retry -stuck (%v), want 1", due, err)
	}
	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"booking", "owed"}, env, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "usage: slotmesh booking dues") {
		t.Fatalf("booking owed: %d %s", code, errOut.String())
	}
}
