package postgres_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/testenv"
)

// migrateTo applies bookingdb's own migrations up to version, into the
// version table postgres.Migrate reads (so it goes on from there).
func migrateTo(t *testing.T, pool *pgxpool.Pool, version int32) {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), postgres.Schema+".schema_version")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(postgres.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	if v, err := m.GetCurrentVersion(ctx); err != nil || v != version {
		t.Fatalf("at version %d (%v), want %d", v, err, version)
	}
}

// TestMigration005 migrates data written under 004: bookings take their
// vendor's terms, what was owed (final refunds, voids, smaller parties'
// refunds) becomes dues, ended bookings' keys become applied changes.
func TestMigration005(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t))
	migrateTo(t, pool, 4)
	t0 := now()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	perGuest, perBooking := newID(), newID()
	for _, v := range []struct {
		id       string
		amount   int64
		perGuest bool
		hours    int
	}{{perGuest, 1500, true, 48}, {perBooking, 2000, false, 12}} {
		exec(`INSERT INTO vendors (id, version, kind, timezone, opening_hours, slot_minutes, stay_minutes, check_in, check_out,
			deposit_amount, deposit_currency, deposit_per_guest, free_cancel_hours, active)
			VALUES ($1, 1, 'restaurant', 'UTC', '[]', 30, 90, 0, 0, $2, 'EUR', $3, $4, true)`, v.id, v.amount, v.perGuest, v.hours)
	}
	type old struct {
		id, vendor, status, deposit string
		party, quantity             int
		amount, refund              int64
		version                     int64
		finalKey                    *string
	}
	key := func(s string) *string { return &s }
	var (
		refundPending = old{id: newID(), vendor: perGuest, status: domain.Cancelled, deposit: domain.DepositRefundPending, party: 3, quantity: 1, amount: 4500, refund: 4500, version: 2}
		voidPending   = old{id: newID(), vendor: perGuest, status: domain.Expired, deposit: domain.DepositVoidPending, party: 2, quantity: 1, amount: 3000, version: 2}
		cancelled     = old{id: newID(), vendor: perBooking, status: domain.Cancelled, deposit: domain.DepositKept, party: 6, quantity: 2, amount: 4000, version: 3, finalKey: key("cancel-key")}
		availed       = old{id: newID(), vendor: perGuest, status: domain.Availed, deposit: domain.DepositRefundPending, party: 2, quantity: 1, amount: 3000, refund: 3000, version: 2, finalKey: key("avail-key")}
		confirmed     = old{id: newID(), vendor: perGuest, status: domain.Confirmed, deposit: domain.DepositCharged, party: 4, quantity: 1, amount: 6000, version: 2}
		orphan        = old{id: newID(), vendor: newID(), status: domain.Confirmed, deposit: domain.DepositCharged, party: 5, quantity: 2, amount: 5000, version: 1}
	)
	users := map[string]string{}
	start := at(0).Start
	for _, b := range []old{refundPending, voidPending, cancelled, availed, confirmed, orphan} {
		users[b.id] = newID()
		exec(`INSERT INTO bookings (id, vendor_id, user_id, status, during, party_size, quantity, deposit_amount, deposit_currency,
			deposit_status, payment_method, refund_amount, refund_reason, version, created_at, updated_at, final_key)
			VALUES ($1, $2, $3, $4, tstzrange($5, $6), $7, $8, $9, 'EUR', $10, 'pm_card_visa', $11, $12, $13, $14, $14, $15)`,
			b.id, b.vendor, users[b.id], b.status, start, start.Add(90*time.Minute), b.party, b.quantity, b.amount,
			b.deposit, b.refund, "reason of "+b.status, b.version, t0, b.finalKey)
	}
	owedKey := "booking:" + confirmed.id + ":update:1:refund"
	owedNext := t0.Add(5 * time.Minute)
	exec(`INSERT INTO owed_refunds (key, booking_id, amount, reason, attempts, next_at, created_at)
		VALUES ($1, $2, 1500, 'smaller party', 3, $3, $4)`, owedKey, confirmed.id, owedNext, t0.Add(-time.Hour))

	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrating 004 data: %v", err)
	}
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrating again: %v", err)
	}
	d := db{pool: pool, repo: postgres.New(pool)}

	// Terms: the per-guest rate is the deposit over the party, the
	// per-booking one the deposit over the units; no vendor copy: per
	// booking, 24 hours.
	for _, tt := range []struct {
		b    old
		want domain.Terms
	}{
		{refundPending, domain.Terms{Rate: 1500, PerGuest: true, FreeCancelHours: 48}},
		{voidPending, domain.Terms{Rate: 1500, PerGuest: true, FreeCancelHours: 48}},
		{availed, domain.Terms{Rate: 1500, PerGuest: true, FreeCancelHours: 48}},
		{confirmed, domain.Terms{Rate: 1500, PerGuest: true, FreeCancelHours: 48}},
		{cancelled, domain.Terms{Rate: 2000, PerGuest: false, FreeCancelHours: 12}},
		{orphan, domain.Terms{Rate: 2500, PerGuest: false, FreeCancelHours: 24}},
	} {
		got := d.get(t, tt.b.id)
		if got.Terms != tt.want || got.Terms.Deposit(got.PartySize, got.Quantity) != got.DepositAmount {
			t.Errorf("booking %s (%s): terms %+v, want %+v", tt.b.id, tt.b.status, got.Terms, tt.want)
		}
	}
	if v, err := d.repo.GetVendor(ctx, perGuest); err != nil || v.HorizonDays != domain.DefaultHorizonDays {
		t.Errorf("vendor after 005: %+v %v", v, err)
	}

	// Dues: the final refunds, the void, the owed refund; nothing else.
	type dueRow struct {
		booking, kind string
		amount        int64
		settles       bool
		attempts      int
	}
	want := map[string]dueRow{
		"booking:" + refundPending.id + ":refund": {refundPending.id, domain.DueRefund, 4500, true, 0},
		"booking:" + availed.id + ":refund":       {availed.id, domain.DueRefund, 3000, true, 0},
		"booking:" + voidPending.id + ":deposit":  {voidPending.id, domain.DueVoid, 0, true, 0},
		owedKey:                                   {confirmed.id, domain.DueRefund, 1500, false, 3},
	}
	rows, err := pool.Query(ctx, `SELECT key, booking_id::text, kind, amount, settles, attempts, next_attempt_at FROM dues`)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for rows.Next() {
		var k string
		var r dueRow
		var next time.Time
		if err := rows.Scan(&k, &r.booking, &r.kind, &r.amount, &r.settles, &r.attempts, &next); err != nil {
			t.Fatal(err)
		}
		if w, ok := want[k]; !ok || w != r {
			t.Errorf("due %s: %+v, want %+v (listed: %v)", k, r, w, ok)
		}
		if k == owedKey && !next.Equal(owedNext) {
			t.Errorf("the owed refund's next attempt %s, want %s", next, owedNext)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("%d dues, want %d", seen, len(want))
	}
	// The sweeper takes them: the three due now, the owed one at its time.
	taken, err := d.repo.Take(ctx, time.Now().Add(time.Second), t0.Add(time.Hour), 10)
	if err != nil || len(taken) != 3 {
		t.Errorf("take after 005: %v %v, want the three final ones", keysOf(taken), err)
	}

	// The ended bookings' keys are applied changes; a booking ended without
	// a key has none.
	for _, tt := range []struct {
		b  old
		op string
	}{{cancelled, domain.OpCancel}, {availed, domain.OpAvail}} {
		var op, state, k string
		var from, to int64
		if err := pool.QueryRow(ctx, `SELECT op, state, key, from_version, to_version FROM changes WHERE booking_id = $1`, tt.b.id).
			Scan(&op, &state, &k, &from, &to); err != nil {
			t.Fatalf("the change of %s: %v", tt.b.status, err)
		}
		if op != tt.op || state != domain.ChangeApplied || k != *tt.b.finalKey || to != tt.b.version || from != tt.b.version-1 {
			t.Errorf("the change of %s: %s %s %q v%d->v%d", tt.b.status, op, state, k, from, to)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM changes`); n != 2 {
		t.Errorf("%d changes, want 2", n)
	}
	// The cancel's request again is answered as it ended.
	b := d.get(t, cancelled.id)
	_, _, prior, err := d.repo.Claim(ctx, domain.Change{ID: newID(), BookingID: b.ID, Op: domain.OpCancel, Actor: users[b.ID],
		Key: "cancel-key", Hash: []byte("new hash"), State: domain.ChangeOpen, ExpiresAt: t0, CreatedAt: t0}, notCalled(t))
	if err != nil || prior == nil || prior.Replay(domain.OpCancel, users[b.ID], []byte("new hash")) != nil {
		t.Errorf("the cancel again: %+v %v", prior, err)
	}

	// What 005 replaces is gone.
	var owedTable, moneyIndex *string
	if err := pool.QueryRow(ctx, `SELECT to_regclass('owed_refunds')::text, to_regclass('bookings_money_due')::text`).Scan(&owedTable, &moneyIndex); err != nil {
		t.Fatal(err)
	}
	if owedTable != nil || moneyIndex != nil {
		t.Errorf("still there: owed_refunds %v, bookings_money_due %v", owedTable, moneyIndex)
	}
	if n := d.count(t, `SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'bookings' AND column_name = 'final_key'`, postgres.Schema); n != 0 {
		t.Error("bookings.final_key is still there")
	}
}
