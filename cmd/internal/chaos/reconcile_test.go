package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/mesh"
	"github.com/slotmesh/slotmesh/testenv"
)

// TestReconcileFindsEveryKindOfBadRow runs the reconciliation against a real
// Postgres with the services' own schemas, seeded with good rows and one
// (or two) deliberately bad rows per check, and a made-up Kafka content.
// The overlap is inserted after dropping the exclusion constraint (which is
// first shown to refuse it): the query must find what the constraint
// prevents.
func TestReconcileFindsEveryKindOfBadRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pgURL := testenv.Postgres(t)
	cfg, err := mesh.ConfigFromEnv(func(k string) string {
		if k == "PG_URL" {
			return pgURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := mesh.Migrate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	}
	must := func(sql string, args ...any) {
		t.Helper()
		if err := exec(sql, args...); err != nil {
			t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
		}
	}
	old := time.Now().Add(-time.Hour)
	start := time.Now().Add(48 * time.Hour)
	vendor, user := uuid.NewString(), uuid.NewString()
	id := map[string]string{}
	for _, k := range []string{"A", "B", "C", "E", "F", "G"} {
		id[k] = uuid.NewString()
	}
	addBooking := func(k, status, deposit string, expires *time.Time, version int) {
		t.Helper()
		must(`INSERT INTO bookingdb.bookings (id, vendor_id, user_id, status, during, party_size, quantity, deposit_amount, deposit_currency,
			deposit_status, payment_method, expires_at, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, tstzrange($5, $6), 2, 1, 1000, 'EUR', $7, 'pm_card_visa', $8, $9, $10, $10)`,
			id[k], vendor, user, status, start, start.Add(90*time.Minute), deposit, expires, version, old)
	}
	unit, unit2 := uuid.NewString(), uuid.NewString()
	hold := func(k, u string, active bool) error {
		return exec(`INSERT INTO bookingdb.holds (booking_id, unit_id, vendor_id, during, active) VALUES ($1, $2, $3, tstzrange($4, $5), $6)`,
			id[k], u, vendor, start, start.Add(90*time.Minute), active)
	}
	pay := func(bookingID, key, status, ref string, refunded int64) {
		t.Helper()
		must(`INSERT INTO paymentdb.payments (id, key, booking_id, amount, refunded, currency, method, status, provider_ref, lease_until, created_at, updated_at)
			VALUES ($1, $2, $3, 1000, $4, 'EUR', 'pm_card_visa', $5, $6, $7, $7, $7)`, uuid.NewString(), key, bookingID, refunded, status, ref, old)
	}
	// A: confirmed, charged (and, bad, charged a second time), holds unit.
	addBooking("A", "CONFIRMED", "charged", nil, 2)
	if err := hold("A", unit, true); err != nil {
		t.Fatal(err)
	}
	pay(id["A"], "booking:A:deposit", "succeeded", "ch_a", 0)
	pay(id["A"], "booking:A:again", "succeeded", "ch_a2", 0)
	// B: confirmed and charged, its hold overlaps A's on the same unit.
	addBooking("B", "CONFIRMED", "charged", nil, 2)
	pay(id["B"], "booking:B:deposit", "succeeded", "ch_b", 0)
	if err := hold("B", unit, true); err == nil || !strings.Contains(err.Error(), "holds_no_overlap") {
		t.Fatalf("the exclusion constraint should refuse the overlapping hold, got %v", err)
	}
	must(`ALTER TABLE bookingdb.holds DROP CONSTRAINT holds_no_overlap`)
	if err := hold("B", unit, true); err != nil {
		t.Fatal(err)
	}
	// C: confirmed, no charge at all.
	addBooking("C", "CONFIRMED", "charged", nil, 2)
	// A charge for a booking that does not exist.
	pay(uuid.NewString(), "booking:ghost:deposit", "succeeded", "ch_ghost", 0)
	// E: cancelled and said refunded, but the ledger still holds the money.
	addBooking("E", "CANCELLED", "refunded", nil, 3)
	pay(id["E"], "booking:E:deposit", "succeeded", "ch_e", 0)
	// F: BLOCKED an hour past its expiry.
	expired := time.Now().Add(-time.Hour)
	addBooking("F", "BLOCKED", "pending", &expired, 1)
	// G: expired, but its hold is still active (and its charge voided: fine).
	addBooking("G", "EXPIRED", "voided", nil, 2)
	if err := hold("G", unit2, true); err != nil {
		t.Fatal(err)
	}
	// A charge the provider never answered, an hour ago.
	pay(id["F"], "booking:F:deposit", "pending", "", 0)
	// A fully refunded payment: good.
	pay(uuid.NewString(), "booking:refunded:deposit", "refunded", "ch_r", 1000)

	// Events: A confirmed (on Kafka twice: allowed), E cancelled (not on
	// Kafka, not archived, not notified), F blocked (never published).
	event := func(schema, typ, agg string, version int64, published bool) string {
		t.Helper()
		e := contracts.Event{ID: uuid.NewString(), Type: typ, AggregateID: agg, OccurredAt: old,
			Data: json.RawMessage(fmt.Sprintf(`{"booking":{"version":%d}}`, version))}
		raw, _ := json.Marshal(e)
		var pub *time.Time
		if published {
			pub = &old
		}
		must(`INSERT INTO `+schema+`.outbox (event_id, subject, payload, created_at, published_at) VALUES ($1, $2, $3, $4, $5)`, e.ID, typ, raw, old, pub)
		return e.ID
	}
	eA := event("bookingdb", booking.EventConfirmed, id["A"], 2, true)
	event("bookingdb", booking.EventCancelled, id["E"], 3, true)
	event("bookingdb", booking.EventBlocked, id["F"], 1, false)
	event("userdb", "evt.user.user.created.v1", user, 0, true)
	kafka := KafkaSeen{eA: {contracts.TopicNewBooking, contracts.TopicNewBooking}, "not-in-any-outbox": {contracts.TopicNewBooking}}
	delivery := func(eventID string) {
		must(`INSERT INTO notification.deliveries (id, event_id, event_type, channel, vendor_id, recipient, subject, body, status, next_attempt_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'email', $4, 'a@example.com', 's', 'b', 'pending', $5, $5, $5)`, uuid.NewString(), eventID, booking.EventConfirmed, vendor, old)
	}
	delivery(eA)
	must(`INSERT INTO archive.bookings (id, user_id, vendor_id, status, start_at, version, data) VALUES ($1, $2, $3, 'CANCELLED', $4, 9, '{}')`,
		uuid.NewString(), user, vendor, start)
	must(`INSERT INTO search.bookings (booking_id, vendor_id, version, status, end_at) VALUES ($1, $2, 2, 'CONFIRMED', $3), ($4, $2, 2, 'CONFIRMED', $3), ($5, $2, 5, 'CONFIRMED', $3)`,
		id["A"], vendor, start, id["E"], uuid.NewString())

	rec, err := Reconcile(ctx, conn, kafka, Options{Cutoff: time.Now(), ExpiryGrace: 5 * time.Second, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		CheckOverlappingHolds:   1, // A/B
		CheckConfirmedNoCharge:  1, // C
		CheckChargeNoBooking:    2, // the ghost, E
		CheckMoreThanDeposit:    1, // A
		CheckExpiredBlocked:     1, // F
		CheckLeakedHolds:        1, // G
		CheckMoneyInFlight:      1, // F's pending charge
		CheckUnpublished:        1, // F blocked
		CheckMissingKafka:       2, // E cancelled, F blocked
		CheckPhantomKafka:       1,
		CheckDuplicateKafka:     1, // A confirmed, twice
		CheckMissingArchive:     1, // E
		CheckArchiveAhead:       1, // the row no event explains
		CheckMissingNotify:      1, // E cancelled
		CheckNotifyTwice:        0, // UNIQUE (event_id, channel) makes it impossible
		CheckSearchBehind:       2, // E at v2 < v3, F missing
		CheckSearchAhead:        1,
		CheckUserEventsOutboxed: 1,
	}
	for _, c := range rec.Checks {
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected check %q", c.Name)
			continue
		}
		if c.Value != w {
			t.Errorf("%s = %d (%s), want %d", c.Name, c.Value, c.Detail, w)
		}
		delete(want, c.Name)
	}
	for name := range want {
		t.Errorf("check %q missing", name)
	}
	if rec.OK {
		t.Error("reconciliation OK with bad rows")
	}

	// The same database with the bad rows removed (and the overlap gone)
	// reconciles clean.
	for _, sql := range []string{
		`DELETE FROM bookingdb.holds`, `DELETE FROM paymentdb.payments`, `DELETE FROM bookingdb.bookings`,
		`DELETE FROM bookingdb.outbox`, `DELETE FROM userdb.outbox`, `DELETE FROM archive.bookings`, `DELETE FROM search.bookings`,
		`DELETE FROM notification.deliveries`,
	} {
		must(sql)
	}
	addBooking("A", "CONFIRMED", "charged", nil, 2)
	if err := hold("A", unit, true); err != nil {
		t.Fatal(err)
	}
	pay(id["A"], "booking:A:deposit", "succeeded", "ch_a", 0)
	eA = event("bookingdb", booking.EventConfirmed, id["A"], 2, true)
	delivery(eA)
	must(`INSERT INTO search.bookings (booking_id, vendor_id, version, status, end_at) VALUES ($1, $2, 2, 'CONFIRMED', $3)`, id["A"], vendor, start)
	rec, err = Reconcile(ctx, conn, KafkaSeen{eA: {contracts.TopicNewBooking}}, Options{Cutoff: time.Now(), ExpiryGrace: 5 * time.Second, Final: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.OK {
		t.Errorf("a clean database does not reconcile: %+v", rec.Checks)
	}
}

// TestWindows: the per-second buckets sum into windows.
func TestWindows(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	s := NewSeconds(t0)
	for i := range 10 {
		at := t0.Add(time.Duration(i) * time.Second)
		s.Observe("search", at, time.Duration(i+1)*time.Millisecond, 200, "")
		if i >= 5 {
			s.Observe("book", at, 100*time.Millisecond, 503, "unavailable")
		}
	}
	w := s.Window(t0.Add(5*time.Second), t0.Add(10*time.Second))
	if w.Requests != 10 || w.Errors != 5 || w.ErrorRate != 0.5 || w.Codes["503 unavailable"] != 5 {
		t.Fatalf("window %+v", w)
	}
	if w.P99Ms < 99 || w.P99Ms > 101 {
		t.Fatalf("p99 %v", w.P99Ms)
	}
	if all := s.All(); len(all) != 10 || all[9].Requests != 2 || all[0].Errors != 0 {
		t.Fatalf("seconds %+v", all)
	}
}
