package booking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// The money invariant (ADR 0017), checked in the databases themselves: for
// every booking, the payment ledger's net (charged less refunded) is what
// the booking says it holds — its deposit while charged or kept, nothing
// once refunded, voided or failed — once nothing is owed any more.

// moneyState is one booking's side of the invariant, read from both
// services' schemas.
type moneyState struct {
	ID, Status, Deposit string
	Amount, Net         int64
}

// drained waits until nothing is in flight for the bookings: no dues, no
// open change, no pending charge or refund, no deposit still settling.
func drained(t testing.TB, s sys, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	conn := testenv.PGConn(t, s.PGURL)
	var left string
	poll.Eventually(t, d, "money to drain", func() error {
		err := conn.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM bookingdb.dues) || ' dues, ' ||
			(SELECT count(*) FROM bookingdb.changes WHERE state = 'open') || ' open changes, ' ||
			(SELECT count(*) FROM paymentdb.payments WHERE status = 'pending') || ' pending charges, ' ||
			(SELECT count(*) FROM paymentdb.refunds WHERE status = 'pending') || ' pending refunds, ' ||
			(SELECT count(*) FROM paymentdb.payments WHERE status = 'succeeded' AND void_requested) || ' voids owing, ' ||
			(SELECT count(*) FROM bookingdb.bookings WHERE deposit_status IN ('refund_pending', 'void_pending')
			   OR status = 'BLOCKED') || ' bookings settling'`).Scan(&left)
		if err != nil {
			return err
		}
		if left != "0 dues, 0 open changes, 0 pending charges, 0 pending refunds, 0 voids owing, 0 bookings settling" {
			return errors.New(left)
		}
		return nil
	})
}

// checkMoney asserts the invariant for every booking, and that no change
// was both applied and reverted: an applied change's top-up was never
// voided, an aborted change's top-up holds nothing.
func checkMoney(t testing.TB, s sys) []moneyState {
	t.Helper()
	ctx := context.Background()
	conn := testenv.PGConn(t, s.PGURL)
	rows, err := conn.Query(ctx, `SELECT b.id::text, b.status, b.deposit_status, b.deposit_amount,
		coalesce((SELECT sum(p.amount - p.refunded) FROM paymentdb.payments p
		  WHERE p.booking_id = b.id AND p.status IN ('succeeded', 'refunded')), 0)
		FROM bookingdb.bookings b ORDER BY b.created_at`)
	if err != nil {
		t.Fatal(err)
	}
	states, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (moneyState, error) {
		var m moneyState
		err := r.Scan(&m.ID, &m.Status, &m.Deposit, &m.Amount, &m.Net)
		return m, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range states {
		want := int64(0)
		if m.Deposit == "charged" || m.Deposit == "kept" {
			want = m.Amount
		}
		if m.Net != want {
			t.Errorf("booking %s %s, deposit %d %s: the ledger holds %d, want %d", m.ID, m.Status, m.Amount, m.Deposit, m.Net, want)
		}
	}
	var bad []string
	rows, err = conn.Query(ctx, `SELECT c.state || ' change ' || c.id::text || ' of ' || c.booking_id::text || ': top-up ' ||
		p.status || ', void ' || p.void_requested || ', holds ' || (p.amount - p.refunded)
		FROM bookingdb.changes c JOIN paymentdb.payments p ON p.key = c.charge_key
		WHERE (c.state = 'applied' AND p.void_requested)
		   OR (c.state = 'aborted' AND p.status IN ('succeeded', 'refunded') AND p.amount > p.refunded)`)
	if err != nil {
		t.Fatal(err)
	}
	if bad, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("a change both applied and reverted, or reverted and still holding: %s", b)
	}
	return states
}

func party(n int) *int { return &n }

// TestDoubleClickPartyChange is the trial of issue 13: a per-guest deposit,
// a party of 2, three identical PATCHes to 6 at once. Exactly one change
// applies; the others are 409 conflict (or, arriving after it, change
// nothing); the ledger holds exactly the new deposit, every time.
func TestDoubleClickPartyChange(t *testing.T) {
	t.Parallel()
	s, _, _, diner, v := perGuest(t, 6)
	for trial := range 6 {
		b, err := s.bookings.Create(as(diner, fmt.Sprint("dc", trial)), booking.CreateRequest{VendorID: v.ID, Start: slot(5+trial, 19), PartySize: 2, PaymentMethod: payment.CardVisa})
		if err != nil || b.Deposit.Amount != 3000 {
			t.Fatalf("book: %+v %v", b, err)
		}
		key := ""
		if trial%2 == 1 {
			key = fmt.Sprint("six-", trial) // the same Idempotency-Key on every click
		}
		var wg sync.WaitGroup
		answers := make([]error, 3)
		got := make([]booking.Booking, 3)
		start := make(chan struct{})
		for i := range 3 {
			wg.Go(func() {
				<-start
				got[i], answers[i] = s.bookings.Update(as(diner, key), booking.UpdateRequest{ID: b.ID, PartySize: party(6)})
			})
		}
		close(start)
		wg.Wait()
		applied := 0
		for i, err := range answers {
			switch {
			case err == nil && got[i].PartySize == 6 && got[i].Version == b.Version+1 && got[i].Deposit.Amount == 9000:
				applied++
			case apperr.CodeOf(err) == apperr.Conflict:
			default:
				t.Errorf("trial %d click %d: %+v %v", trial, i, got[i], err)
			}
		}
		if applied < 1 {
			t.Errorf("trial %d: no click was applied: %v", trial, answers)
		}
		final, err := s.bookings.Get(as(diner, ""), b.ID)
		if err != nil || final.Version != b.Version+1 || final.PartySize != 6 || final.Deposit.Amount != 9000 {
			t.Fatalf("trial %d: the booking is %+v %v; want one change: party 6, deposit 9000, version %d", trial, final, err, b.Version+1)
		}
	}
	drained(t, s, 30*time.Second)
	for _, m := range checkMoney(t, s) {
		if m.Amount != 9000 || m.Net != 9000 {
			t.Errorf("booking %s: deposit %d, ledger %d; want 9000 both", m.ID, m.Amount, m.Net)
		}
	}
}

// TestChangeAgainstCancel: a PATCH and a cancel of one booking at once.
// Whichever claims the booking first wins; the other is 409 and touches no
// money: a cancelled booking holds nothing, a changed one its new deposit.
func TestChangeAgainstCancel(t *testing.T) {
	t.Parallel()
	s, _, _, diner, v := perGuest(t, 4)
	for trial := range 8 {
		b, err := s.bookings.Create(as(diner, fmt.Sprint("pc", trial)), booking.CreateRequest{VendorID: v.ID, Start: slot(5+trial%4, 12+trial), PartySize: 3, PaymentMethod: payment.CardVisa})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var upErr, cancelErr error
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			_, upErr = s.bookings.Update(as(diner, ""), booking.UpdateRequest{ID: b.ID, PartySize: party(1 + 4*(trial%2))})
		})
		wg.Go(func() {
			<-start
			_, cancelErr = s.bookings.Cancel(as(diner, fmt.Sprint("c", trial)), b.ID)
		})
		close(start)
		wg.Wait()
		for _, err := range []error{upErr, cancelErr} {
			if c := apperr.CodeOf(err); err != nil && c != apperr.Conflict && c != apperr.InvalidState {
				t.Errorf("trial %d: %v", trial, err)
			}
		}
		if cancelErr != nil && upErr != nil {
			t.Errorf("trial %d: neither went through: %v / %v", trial, upErr, cancelErr)
		}
	}
	drained(t, s, 30*time.Second)
	checkMoney(t, s)
}

// TestTopUpWithoutAnswerIsVoided: payment is down when a larger party's
// difference is asked. The answer is 503 and the booking is unchanged; the
// void of the top-up's key is owed durably and made once payment is back,
// so a charge that landed could never stand.
func TestTopUpWithoutAnswerIsVoided(t *testing.T) {
	t.Parallel()
	s, pc, _, diner, v := perGuest(t, 2)
	b, err := s.bookings.Create(as(diner, "t1"), booking.CreateRequest{VendorID: v.ID, Start: slot(6, 20), PartySize: 2, PaymentMethod: payment.CardVisa})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Mesh.StopService("payment"); err != nil {
		t.Fatal(err)
	}
	_, err = s.bookings.Update(as(diner, "t1-up"), booking.UpdateRequest{ID: b.ID, PartySize: party(5)})
	if c := apperr.CodeOf(err); c != apperr.Unavailable {
		t.Fatalf("a top-up with payment down: %v, want unavailable", err)
	}
	got, err := s.bookings.Get(as(diner, ""), b.ID)
	if err != nil || got.PartySize != 2 || got.Version != b.Version || got.Deposit.Amount != 3000 {
		t.Fatalf("the booking changed: %+v %v", got, err)
	}
	// The same key again answers the same outcome, without a second try.
	if _, err := s.bookings.Update(as(diner, "t1-up"), booking.UpdateRequest{ID: b.ID, PartySize: party(5)}); apperr.CodeOf(err) != apperr.Unavailable {
		t.Fatalf("replay: %v", err)
	}
	if err := s.Mesh.StartService(context.Background(), "payment"); err != nil {
		t.Fatal(err)
	}
	drained(t, s, 30*time.Second)
	l, err := pc.Get(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	spent := false
	for _, p := range l.Payments {
		if strings.Contains(p.Key, ":change:") {
			spent = p.Status == payment.StatusVoided || p.Status == payment.StatusRefunded
		}
	}
	if !spent {
		t.Fatalf("the unanswered top-up's key was never voided: %+v", l.Payments)
	}
	// A new try is a new change under a new key, and goes through.
	up, err := s.bookings.Update(as(diner, "t1-up2"), booking.UpdateRequest{ID: b.ID, PartySize: party(5)})
	if err != nil || up.Deposit.Amount != 7500 {
		t.Fatalf("again with payment back: %+v %v", up, err)
	}
	checkMoney(t, s)
}

// TestQuantityTwoBookersNeverFail: three bookers of two units each, on a
// vendor with three units, at once and again: each can lock one unit and
// wait for another's (a deadlock Postgres breaks by failing one); the
// platform retries it, so each gets a clean answer — one booking, the
// others slot_unavailable — never an internal error.
func TestQuantityTwoBookersNeverFail(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := uuid.NewString()
	v := s.restaurant(t, owner, 0, 3, 4)
	const bookers = 3
	for round := range 40 {
		at := slot(3+round/8, 6+2*(round%8)) // 90-minute stays, two hours apart
		var wg sync.WaitGroup
		errs := make([]error, bookers)
		start := make(chan struct{})
		for i := range bookers {
			wg.Go(func() {
				<-start
				_, errs[i] = s.bookings.Create(as(uuid.NewString(), uuid.NewString()), booking.CreateRequest{VendorID: v.ID, Start: at, PartySize: 2, Quantity: 2, PaymentMethod: payment.CardVisa})
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.CodeOf(err) == apperr.SlotUnavailable:
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d bookings of both units, want 1 (%v)", round, ok, errs)
		}
	}
	s.AssertNoOverlappingHolds(t)
}

// TestDeadlockedHoldIsRetried makes the deadlock of two bookers that lock
// each other's units happen for sure: a booker of two units takes the one
// free unit and waits for the other, which a second transaction holds;
// that transaction then asks for the booker's unit. Postgres breaks the
// cycle by failing the booker (its deadlock_timeout is the shorter); the
// booking service runs its transaction again and answers a clean booking
// once the other lets go — before the retry it answered 500.
func TestDeadlockedHoldIsRetried(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := uuid.NewString()
	v := s.restaurant(t, owner, 0, 2, 4)
	at := slot(4, 12)
	ctx := context.Background()
	// Booking's copy of the units (fed by events; an availability read
	// makes sure it has them).
	if _, err := s.bookings.Availability(ctx, booking.AvailabilityRequest{VendorID: v.ID, Date: at.Format("2006-01-02"), PartySize: 2}); err != nil {
		t.Fatal(err)
	}
	other := testenv.PGConn(t, s.PGURL)
	var units []string
	poll.Eventually(t, 10*time.Second, "booking's copy of both units", func() error {
		rows, err := other.Query(ctx, `SELECT id::text FROM bookingdb.units WHERE vendor_id = $1 ORDER BY capacity, id`, v.ID)
		if err == nil {
			units, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return err
		}
		if len(units) != 2 {
			return fmt.Errorf("units %v", units)
		}
		return nil
	})
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL deadlock_timeout = '30s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM bookingdb.units WHERE id = $1 FOR UPDATE`, units[1]); err != nil {
		t.Fatal(err)
	}
	booked := make(chan error, 1)
	go func() {
		bctx, cancel := context.WithTimeout(as(uuid.NewString(), "dl"), 30*time.Second)
		defer cancel()
		_, err := s.bookings.Create(bctx, booking.CreateRequest{VendorID: v.ID, Start: at, PartySize: 2, Quantity: 2, PaymentMethod: payment.CardVisa})
		booked <- err
	}()
	watch := testenv.PGConn(t, s.PGURL)
	poll.Eventually(t, 10*time.Second, "the booker to wait for the held unit", func() error {
		var n int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = 'slotmesh-bookingdb' AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("%d sessions waiting for a lock", n)
		}
		return nil
	})
	// Now ask for the booker's unit: a cycle. The booker is the victim.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM bookingdb.units WHERE id = $1 FOR UPDATE`, units[0]); err != nil {
		t.Fatalf("the other transaction was the deadlock's victim: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-booked; err != nil {
		t.Fatalf("the deadlocked booking: %v, want it retried and booked", err)
	}
	s.AssertNoOverlappingHolds(t)
}
