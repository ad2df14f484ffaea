package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// TestRandomisedConcurrentInvariants books, moves, cancels and avails at
// random across many users and slots for a fixed time, with some cards
// declining, then checks the invariants:
//   - no two active holds on a unit overlap;
//   - every charge is matched by a booking that holds it (CONFIRMED, or a
//     NO_SHOW / late cancellation that keeps it) or by a refund;
//   - no booking is BLOCKED past its expiry.
func TestRandomisedConcurrentInvariants(t *testing.T) {
	t.Parallel()
	s := startFast(t)
	s.vendors = vendorsClient(s)
	pc := payment.NewClient(s.nc)
	owner := uuid.NewString()
	v := s.restaurant(t, owner, 500, 6, 4)
	slots := []time.Time{slot(3, 12), slot(3, 13), slot(3, 14), slot(4, 12), slot(4, 19)}
	users := make([]string, 6)
	for i := range users {
		users[i] = uuid.NewString()
	}
	var mu sync.Mutex
	var mine []string // booking ids made
	unexpected := func(op string, err error) {
		switch apperr.CodeOf(err) {
		case apperr.SlotUnavailable, apperr.PaymentDeclined, apperr.InvalidState, apperr.Conflict:
		default:
			t.Errorf("%s: unexpected %v", op, err)
		}
	}
	deadline := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	for w, user := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var own []string
			for op := 0; time.Now().Before(deadline) && op < 60; op++ {
				switch r := rng.IntN(10); {
				case r < 5 || len(own) == 0:
					card := payment.CardVisa
					if rng.IntN(5) == 0 {
						card = payment.CardDeclined
					}
					b, err := s.bookings.Create(as(user, uuid.NewString()), booking.CreateRequest{
						VendorID: v.ID, Start: slots[rng.IntN(len(slots))], PartySize: 1 + rng.IntN(4), PaymentMethod: card})
					if err != nil {
						unexpected("create", err)
						if id, _ := apperr.As(err); id != nil && id.Details["booking_id"] != nil {
							mu.Lock()
							mine = append(mine, fmt.Sprint(id.Details["booking_id"]))
							mu.Unlock()
						}
						continue
					}
					own = append(own, b.ID)
					mu.Lock()
					mine = append(mine, b.ID)
					mu.Unlock()
				case r < 7:
					to := slots[rng.IntN(len(slots))]
					if _, err := s.bookings.Update(as(user, ""), booking.UpdateRequest{ID: own[rng.IntN(len(own))], Start: &to}); err != nil {
						unexpected("update", err)
					}
				case r < 9:
					if _, err := s.bookings.Cancel(as(user, ""), own[rng.IntN(len(own))]); err != nil {
						unexpected("cancel", err)
					}
				default:
					if _, err := s.bookings.Avail(as(owner, ""), own[rng.IntN(len(own))]); err != nil {
						unexpected("avail", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(mine) < 20 {
		t.Fatalf("only %d bookings made; the test exercised too little", len(mine))
	}
	s.AssertNoOverlappingHolds(t)

	// Let holds expire and refunds settle, then check the money.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.PGURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	poll.Eventually(t, 30*time.Second, "every booking to settle", func() error {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM bookingdb.bookings WHERE status = 'BLOCKED'
			OR deposit_status IN ('pending', 'refund_pending', 'void_pending')`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("%d bookings settling", n)
		}
		return nil
	})
	var stuck int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bookingdb.bookings WHERE status = 'BLOCKED' AND expires_at < now()`).Scan(&stuck); err != nil || stuck != 0 {
		t.Fatalf("%d bookings BLOCKED past expiry (%v)", stuck, err)
	}
	rows, err := conn.Query(ctx, `SELECT id::text, status, deposit_status FROM bookingdb.bookings`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, status, deposit string }
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.status, &r.deposit); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	for _, r := range all {
		charged, kept := money(t, pc, r.id)
		holdsMoney := r.status == booking.StatusConfirmed || r.status == booking.StatusNoShow ||
			(r.status == booking.StatusCancelled && r.deposit == "kept")
		switch {
		case holdsMoney && kept == 0:
			t.Errorf("booking %s %s (deposit %s) holds no money (charged %d)", r.id, r.status, r.deposit, charged)
		case !holdsMoney && kept != 0:
			t.Errorf("booking %s %s (deposit %s) keeps %d: a charge with no booking holding it and no refund", r.id, r.status, r.deposit, kept)
		}
	}
	// And every payment belongs to a booking.
	var orphans int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM paymentdb.payments p WHERE NOT EXISTS
		(SELECT 1 FROM bookingdb.bookings b WHERE b.id = p.booking_id)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Fatalf("%d payments without a booking (%v)", orphans, err)
	}
	t.Logf("%d bookings checked", len(all))
}
