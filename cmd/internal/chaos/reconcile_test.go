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
	"github.com/slotmesh/slotmesh/cmd/internal/loadgen"
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
	later := time.Now().Add(time.Hour) // after the cutoff: still on its way
	id := map[string]string{}
	for _, k := range []string{"A", "B", "C", "E", "F", "G", "H", "J", "L", "M", "N", "O", "P", "Q"} {
		id[k] = uuid.NewString()
	}
	// A party of 2 at 500 a guest (the terms of migration 005), 1000 in
	// all unless amount says otherwise (a larger party's deposit).
	addBookingOf := func(k, status, deposit string, amount int64, expires *time.Time, version int) {
		t.Helper()
		must(`INSERT INTO bookingdb.bookings (id, vendor_id, user_id, status, during, party_size, quantity, deposit_amount, deposit_currency,
			deposit_status, payment_method, expires_at, version, created_at, updated_at, deposit_rate, deposit_per_guest, free_cancel_hours)
			VALUES ($1, $2, $3, $4, tstzrange($5, $6), $7 / 500, 1, $7, 'EUR', $8, 'pm_card_visa', $9, $10, $11, $11, 500, true, 24)`,
			id[k], vendor, user, status, start, start.Add(90*time.Minute), amount, deposit, expires, version, old)
	}
	addBooking := func(k, status, deposit string, expires *time.Time, version int) {
		t.Helper()
		addBookingOf(k, status, deposit, 1000, expires, version)
	}
	unit, unit2 := uuid.NewString(), uuid.NewString()
	hold := func(k, u string, active bool) error {
		return exec(`INSERT INTO bookingdb.holds (booking_id, unit_id, vendor_id, during, active) VALUES ($1, $2, $3, tstzrange($4, $5), $6)`,
			id[k], u, vendor, start, start.Add(90*time.Minute), active)
	}
	// payment is a payment of amount, refunded as said, last touched at.
	payment := func(bookingID, key, status string, amount, refunded int64, voidRequested bool, at time.Time) string {
		t.Helper()
		pid, ref := uuid.NewString(), ""
		if status == "succeeded" || status == "refunded" {
			ref = "ch_" + key
		}
		must(`INSERT INTO paymentdb.payments (id, key, booking_id, amount, refunded, currency, method, status, provider_ref, void_requested,
			lease_until, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'EUR', 'pm_card_visa', $6, $7, $8, $9, $9, $9)`,
			pid, key, bookingID, amount, refunded, status, ref, voidRequested, at)
		return pid
	}
	pay := func(bookingID, key, status, ref string, refunded int64) {
		t.Helper()
		must(`INSERT INTO paymentdb.payments (id, key, booking_id, amount, refunded, currency, method, status, provider_ref, lease_until, created_at, updated_at)
			VALUES ($1, $2, $3, 1000, $4, 'EUR', 'pm_card_visa', $5, $6, $7, $7, $7)`, uuid.NewString(), key, bookingID, refunded, status, ref, old)
	}
	refund := func(paymentID, bookingID, key, status string, amount int64, at time.Time) {
		t.Helper()
		ref := ""
		if status == "succeeded" {
			ref = "re_" + key
		}
		must(`INSERT INTO paymentdb.refunds (id, key, payment_id, booking_id, amount, requested, currency, status, provider_ref, lease_until, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5, 'EUR', $6, $7, $8, $8, $8)`, uuid.NewString(), key, paymentID, bookingID, amount, status, ref, at)
	}
	// change is a change of booking k that ended in state (toVersion 0:
	// not applied), charging its top-up under chargeKey ("" none).
	change := func(k, op, state, chargeKey string, fromVersion, toVersion int64, expires, at time.Time) {
		t.Helper()
		var to *int64
		if toVersion > 0 {
			to = &toVersion
		}
		var charge *string
		if chargeKey != "" {
			charge = &chargeKey
		}
		must(`INSERT INTO bookingdb.changes (id, booking_id, op, actor, key, request_hash, state, from_version, to_version, charge_key,
			charge_amount, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '\x00', $6, $7, $8, $9, 500, $10, $11, $11)`,
			uuid.NewString(), id[k], op, user, uuid.NewString(), state, fromVersion, to, charge, expires, at)
	}
	due := func(bookingID, key, kind string, amount int64, at time.Time) {
		t.Helper()
		must(`INSERT INTO bookingdb.dues (key, booking_id, kind, amount, reason, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'test', $5, $5)`,
			key, bookingID, kind, amount, at)
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
	// ... and E's refund, asked an hour ago, never answered.
	var eDeposit string
	if err := conn.QueryRow(ctx, `SELECT id::text FROM paymentdb.payments WHERE key = 'booking:E:deposit'`).Scan(&eDeposit); err != nil {
		t.Fatal(err)
	}
	refund(eDeposit, id["E"], "booking:E:refund", "pending", 1000, old)

	// Changes of one booking (the double click): a party of 2 grows
	// to 3, a top-up of 500 under the change's own key.
	// H: the change applied (the booking says 1500), and a losing request's
	// revert gave the top-up back: the booking holds less than its deposit,
	// and the change was both applied and reverted.
	addBookingOf("H", "CONFIRMED", "charged", 1500, nil, 3)
	payment(id["H"], "booking:H:deposit", "succeeded", 1000, 0, false, old)
	refund(payment(id["H"], "booking:H:change:1", "refunded", 500, 500, false, old), id["H"], "booking:H:change:1:revert", "succeeded", 500, old)
	change("H", "update", "applied", "booking:H:change:1", 2, 3, old, old)
	// J: the same, its top-up landing just now (after the cutoff): on its
	// way, not counted; its change still open (not past its expiry).
	addBookingOf("J", "CONFIRMED", "charged", 1500, nil, 2)
	payment(id["J"], "booking:J:deposit", "succeeded", 1000, 0, false, old)
	payment(id["J"], "booking:J:change:1", "succeeded", 500, 0, false, later)
	change("J", "update", "open", "booking:J:change:1", 2, 0, later, old)
	// L: grew to 3, then cancelled: the cancel (claimed before its refunds)
	// gave back the deposit and the top-up. Good.
	addBookingOf("L", "CANCELLED", "refunded", 1500, nil, 4)
	refund(payment(id["L"], "booking:L:deposit", "refunded", 1000, 1000, false, old), id["L"], "booking:L:refund:1", "succeeded", 1000, old)
	refund(payment(id["L"], "booking:L:change:1", "refunded", 500, 500, false, old), id["L"], "booking:L:refund:2", "succeeded", 500, old)
	change("L", "update", "applied", "booking:L:change:1", 2, 3, old, old.Add(-time.Minute))
	change("L", "cancel", "applied", "", 3, 4, old, old.Add(-30*time.Second))
	// M: the change applied, and its top-up is being voided.
	addBookingOf("M", "CONFIRMED", "charged", 1500, nil, 3)
	payment(id["M"], "booking:M:deposit", "succeeded", 1000, 0, false, old)
	payment(id["M"], "booking:M:change:1", "succeeded", 500, 0, true, old)
	change("M", "update", "applied", "booking:M:change:1", 2, 3, old, old)
	// N: the change aborted, its top-up still taken (and nothing owes it
	// back): more than the deposit, and aborted yet holding money.
	addBooking("N", "CONFIRMED", "charged", nil, 2)
	payment(id["N"], "booking:N:deposit", "succeeded", 1000, 0, false, old)
	payment(id["N"], "booking:N:change:1", "succeeded", 500, 0, false, old)
	change("N", "update", "aborted", "booking:N:change:1", 2, 0, old, old)
	// O: the same, with its void owed (a due): money in flight, more than
	// the deposit until the void lands.
	addBooking("O", "CONFIRMED", "charged", nil, 2)
	payment(id["O"], "booking:O:deposit", "succeeded", 1000, 0, false, old)
	payment(id["O"], "booking:O:change:1", "succeeded", 500, 0, false, old)
	change("O", "update", "aborted", "booking:O:change:1", 2, 0, old, old)
	due(id["O"], "booking:O:change:1", "void", 0, old)
	// P: the change aborted and its top-up voided (given back). Good.
	addBooking("P", "CONFIRMED", "charged", nil, 2)
	payment(id["P"], "booking:P:deposit", "succeeded", 1000, 0, false, old)
	payment(id["P"], "booking:P:change:1", "refunded", 500, 500, true, old)
	change("P", "update", "aborted", "booking:P:change:1", 2, 0, old, old)
	// B: a change left open past its expiry (the sweeper aborts those).
	change("B", "update", "open", "", 2, 0, old, old)
	// Q: a hold that ended, its deposit's void owed.
	addBooking("Q", "EXPIRED", "void_pending", nil, 2)
	due(id["Q"], "booking:Q:deposit", "void", 0, old)
	// A smaller party's refund owed since just now (after the cutoff).
	due(uuid.NewString(), "booking:R:change:1:refund", "refund", 500, later)

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
		CheckMoreThanDeposit:    3, // A; N and O (an aborted change's top-up)
		CheckLessThanDeposit:    2, // C (no payment at all), H (the top-up reverted); not J (on its way)
		CheckAppliedReverted:    3, // H (refunded), M (voided), N (aborted, still taken); not L, O, P
		CheckExpiredBlocked:     1, // F
		CheckLeakedHolds:        1, // G
		CheckMoneyInFlight:      6, // F's pending charge, E's refund, O's and Q's dues, Q void_pending, B's open change
		CheckRefundsPending:     5, // the dues of O, Q and R (any age), E's refund, Q void_pending
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
		`DELETE FROM bookingdb.changes`, `DELETE FROM bookingdb.dues`, `DELETE FROM paymentdb.refunds`,
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
	// A double click settled right: one change applied (its own top-up),
	// the other aborted (its top-up voided); then a smaller party whose
	// refund landed; and L's cancel, fully given back.
	addBookingOf("H", "CONFIRMED", "charged", 1000, nil, 4)
	payment(id["H"], "booking:H:deposit", "succeeded", 1000, 0, false, old)
	topUp := payment(id["H"], "booking:H:change:1", "refunded", 500, 500, false, old)
	payment(id["H"], "booking:H:change:2", "refunded", 500, 500, true, old)
	change("H", "update", "applied", "booking:H:change:1", 2, 3, old, old.Add(-time.Minute))
	change("H", "update", "aborted", "booking:H:change:2", 2, 0, old, old.Add(-time.Minute))
	change("H", "update", "applied", "", 3, 4, old, old.Add(-30*time.Second))
	refund(topUp, id["H"], "booking:H:change:3:refund", "succeeded", 500, old)
	addBookingOf("L", "CANCELLED", "refunded", 1500, nil, 4)
	refund(payment(id["L"], "booking:L:deposit", "refunded", 1000, 1000, false, old), id["L"], "booking:L:refund:1", "succeeded", 1000, old)
	refund(payment(id["L"], "booking:L:change:1", "refunded", 500, 500, false, old), id["L"], "booking:L:refund:2", "succeeded", 500, old)
	change("L", "update", "applied", "booking:L:change:1", 2, 3, old, old.Add(-time.Minute))
	change("L", "cancel", "applied", "", 3, 4, old, old.Add(-30*time.Second))
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

// TestMoneyChecks: every money check is in the report under its name;
// what may still move under load (money in flight, refunds pending) is
// judged only at the final reconciliation, the rest always; a query takes
// the cutoff exactly when it has a $1 for it.
func TestMoneyChecks(t *testing.T) {
	t.Parallel()
	cutoff := time.Now()
	for _, final := range []bool{false, true} {
		checks := moneyChecks(Options{Cutoff: cutoff, ExpiryGrace: time.Second, Final: final})
		names := map[string]bool{}
		for _, c := range checks {
			names[c.name] = true
			wantRequired := true
			if c.name == CheckMoneyInFlight || c.name == CheckRefundsPending {
				wantRequired = final
			}
			if c.required != wantRequired {
				t.Errorf("final %v: %s required %v, want %v", final, c.name, c.required, wantRequired)
			}
			if hasArg := strings.Contains(c.sql, "$1"); hasArg != (len(c.args) == 1) {
				t.Errorf("%s: $1 in the query %v, args %v", c.name, hasArg, c.args)
			}
			if strings.Contains(c.sql, "owed_refunds") {
				t.Errorf("%s reads owed_refunds (dropped by booking's migration 005)", c.name)
			}
		}
		for _, name := range []string{CheckLessThanDeposit, CheckMoreThanDeposit, CheckAppliedReverted, CheckRefundsPending, CheckMoneyInFlight} {
			if !names[name] {
				t.Errorf("check %q missing", name)
			}
		}
	}
	for _, tc := range []struct {
		name, sql string
		has       []string
	}{
		{CheckLessThanDeposit, SQLLessThanDeposit, []string{"LEFT JOIN paymentdb.payments", "COALESCE(sum(p.amount - p.refunded), 0) < b.deposit_amount", "updated_at < $1"}},
		{CheckAppliedReverted, SQLAppliedAndReverted, []string{"c.state = 'applied'", "p.void_requested", "paymentdb.refunds", "c.state = 'aborted'", "bookingdb.dues"}},
		{CheckMoneyInFlight, SQLMoneyInFlight, []string{"FROM bookingdb.dues WHERE created_at < $1", "state = 'open' AND expires_at < $1"}},
		{CheckRefundsPending, SQLRefundsPending, []string{"FROM bookingdb.dues", "paymentdb.refunds WHERE status = 'pending'", "'refund_pending', 'void_pending'"}},
	} {
		for _, h := range tc.has {
			if !strings.Contains(tc.sql, h) {
				t.Errorf("%s: the query lacks %q", tc.name, h)
			}
		}
	}
}

// TestReportJudgesRacesAndPending: the table shows the checks judged at
// the end without [info], and a race of the load that ended impossibly
// fails the run.
func TestReportJudgesRacesAndPending(t *testing.T) {
	t.Parallel()
	final := Reconciliation{}
	final.add(CheckMoneyInFlight, 0, true, nil)
	final.add(CheckRefundsPending, 2, true, []string{"due refund k1", "booking b1 refund_pending"})
	final.add(CheckDuplicateKafka, 1, false, nil)
	final.OK = false
	pending := &Report{Final: final, Load: &loadgen.Report{Mix: map[string]int{loadgen.OpRace: 3}}}
	pending.finish()
	tbl := pending.Table()
	for _, k := range []string{"refunds pending past the drain|", "2 !!", "[info]", "e.g. [due refund k1 booking b1 refund_pending]",
		"races (concurrent changes of one booking): none fired", "FAILED"} {
		if !strings.Contains(tbl, k) {
			t.Errorf("table lacks %q:\n%s", k, tbl)
		}
	}
	if strings.Contains(tbl, CheckRefundsPending+" [info]") || strings.Contains(tbl, CheckMoneyInFlight+" [info]") {
		t.Errorf("a check judged at the end marked [info]:\n%s", tbl)
	}

	for _, tc := range []struct {
		name  string
		races *loadgen.RaceReport
		ok    bool
		has   string
	}{
		{"no race in the mix", nil, true, "OK: every reconciliation count"},
		{"races, none impossible", &loadgen.RaceReport{Fired: map[string]int64{loadgen.RaceTwoCancels: 4}}, true, "4 races (two_cancels 4)"},
		{"an impossible race", &loadgen.RaceReport{Fired: map[string]int64{loadgen.RaceTwoCancels: 4},
			Impossible: map[string]int64{loadgen.ImpossibleTwoCancels: 1}, Examples: []string{"two_cancels b1 (cancelled under two keys): ..."}},
			false, "impossible race: two_cancels b1"},
	} {
		ok := Reconciliation{OK: true}
		ok.add(CheckRefundsPending, 0, true, nil)
		rep := &Report{Final: ok, Load: &loadgen.Report{Races: tc.races}}
		rep.finish()
		if rep.OK != tc.ok {
			t.Errorf("%s: OK %v, want %v", tc.name, rep.OK, tc.ok)
		}
		if tbl := rep.Table(); !strings.Contains(tbl, tc.has) {
			t.Errorf("%s: table lacks %q:\n%s", tc.name, tc.has, tbl)
		}
	}
}
