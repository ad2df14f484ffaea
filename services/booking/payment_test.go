package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// fast settles quickly: short holds, a quick sweeper and reconciler.
var fast = map[string]string{
	"HOLD_TTL": "3s", "PAYMENT_TIMEOUT": "1s", "SWEEP_INTERVAL": "200ms",
	"PAYMENT_RECONCILE_INTERVAL": "300ms", "PAYMENT_RECONCILE_GRACE": "500ms", "PAYMENT_MAX_ATTEMPTS": "2",
}

func startFast(t testing.TB) sys {
	t.Helper()
	s := testenv.StartAll(t, fast)
	nc := s.Conn(t)
	return sys{System: s, nc: nc, bookings: booking.NewClient(nc), vendors: nil}
}

// money is what a booking's payments kept: charged minus refunded.
func money(t testing.TB, pc *payment.Client, bookingID string) (charged, kept int64) {
	t.Helper()
	l, err := pc.Get(context.Background(), bookingID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Payments {
		if p.Status == payment.StatusSucceeded || p.Status == payment.StatusRefunded {
			charged += p.Amount
			kept += p.Amount - p.Refunded
		}
	}
	return charged, kept
}

func TestDepositChargedDeclinedAndRefunded(t *testing.T) {
	t.Parallel()
	s := startFast(t)
	s.vendors = vendorsClient(s)
	pc := payment.NewClient(s.nc)
	owner, diner := uuid.NewString(), uuid.NewString()
	v := s.restaurant(t, owner, 1500, 1, 4)
	at := slot(4, 13)
	req := booking.CreateRequest{VendorID: v.ID, Start: at, PartySize: 2, PaymentMethod: payment.CardDeclined}

	// Declined: 402, FAILED, the only unit free again at once.
	_, err := s.bookings.Create(as(diner, "d1"), req)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.PaymentDeclined || e.Details["booking_id"] == nil {
		t.Fatalf("declined: %v", err)
	}
	if _, err := s.bookings.Create(as(diner, "d1"), req); apperr.CodeOf(err) != apperr.PaymentDeclined {
		t.Fatalf("declined, same key again: %v", err)
	}
	req.PaymentMethod = payment.CardVisa
	b, err := s.bookings.Create(as(diner, "ok"), req)
	if err != nil || b.Status != booking.StatusConfirmed || b.Deposit.Status != "charged" || b.Deposit.Amount != 1500 {
		t.Fatalf("after a decline the slot must be free: %+v %v", b, err)
	}
	if charged, kept := money(t, pc, b.ID); charged != 1500 || kept != 1500 {
		t.Fatalf("ledger: charged %d kept %d", charged, kept)
	}
	// Cancel well before the free window closes: refunded in full.
	c, err := s.bookings.Cancel(as(diner, ""), b.ID)
	if err != nil || c.Status != booking.StatusCancelled || c.Refund == nil || c.Refund.Amount != 1500 || c.Refund.Status != "refunded" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if _, kept := money(t, pc, b.ID); kept != 0 {
		t.Fatalf("cancelled booking keeps %d", kept)
	}
	// Book again and avail: the deposit comes back.
	b2, err := s.bookings.Create(as(diner, "ok2"), req)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.bookings.Avail(as(owner, ""), b2.ID)
	if err != nil || a.Status != booking.StatusAvailed || a.Refund == nil || a.Refund.Status != "refunded" {
		t.Fatalf("avail: %+v %v", a, err)
	}
	if _, kept := money(t, pc, b2.ID); kept != 0 {
		t.Fatalf("availed booking keeps %d", kept)
	}
}

// perGuest starts a fast system with a restaurant of the given number of
// 6-seat tables whose deposit is 15.00 EUR per guest.
func perGuest(t *testing.T, units int) (s sys, pc *payment.Client, owner, diner string, v vendors.Vendor) {
	t.Helper()
	s = startFast(t)
	s.vendors = vendorsClient(s)
	owner, diner = uuid.NewString(), uuid.NewString()
	v = s.restaurantWith(t, owner, vendors.Deposit{Amount: 1500, Currency: "EUR", Per: "guest"}, units, 6)
	return s, payment.NewClient(s.nc), owner, diner, v
}

// TestLargerPartyThenCancelRefundsEveryCharge: a deposit per guest grows
// with the party (the difference is a charge of its own) and shrinks again;
// cancelling in time then gives back all of it, split across the charges,
// and availing another booking does the same.
func TestLargerPartyThenCancelRefundsEveryCharge(t *testing.T) {
	t.Parallel()
	s, pc, owner, diner, v := perGuest(t, 2)
	party := func(n int) *int { return &n }

	b, err := s.bookings.Create(as(diner, "g1"), booking.CreateRequest{VendorID: v.ID, Start: slot(5, 19), PartySize: 3, PaymentMethod: payment.CardVisa})
	if err != nil || b.Deposit.Amount != 4500 || b.Deposit.Status != "charged" {
		t.Fatalf("book 3: %+v %v", b, err)
	}
	b, err = s.bookings.Update(as(diner, "g1-5"), booking.UpdateRequest{ID: b.ID, PartySize: party(5)})
	if err != nil || b.Deposit.Amount != 7500 {
		t.Fatalf("party of 5: %+v %v", b, err)
	}
	if charged, kept := money(t, pc, b.ID); charged != 7500 || kept != 7500 {
		t.Fatalf("after the larger party: charged %d kept %d, want 7500/7500", charged, kept)
	}
	b, err = s.bookings.Update(as(diner, "g1-4"), booking.UpdateRequest{ID: b.ID, PartySize: party(4)})
	if err != nil || b.Deposit.Amount != 6000 {
		t.Fatalf("party of 4: %+v %v", b, err)
	}
	if _, kept := money(t, pc, b.ID); kept != 6000 {
		t.Fatalf("after the smaller party the ledger keeps %d, want 6000", kept)
	}
	c, err := s.bookings.Cancel(as(diner, ""), b.ID)
	if err != nil || c.Status != booking.StatusCancelled || c.Refund == nil || c.Refund.Amount != 6000 || c.Refund.Status != "refunded" || c.Deposit.Status != "refunded" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if _, kept := money(t, pc, b.ID); kept != 0 {
		t.Fatalf("cancelled booking keeps %d", kept)
	}

	b2, err := s.bookings.Create(as(diner, "g2"), booking.CreateRequest{VendorID: v.ID, Start: slot(6, 19), PartySize: 2, PaymentMethod: payment.CardVisa})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = s.bookings.Update(as(diner, "g2-6"), booking.UpdateRequest{ID: b2.ID, PartySize: party(6)}); err != nil {
		t.Fatal(err)
	}
	a, err := s.bookings.Avail(as(owner, ""), b2.ID)
	if err != nil || a.Status != booking.StatusAvailed || a.Refund == nil || a.Refund.Amount != 9000 || a.Refund.Status != "refunded" {
		t.Fatalf("avail: %+v %v", a, err)
	}
	if charged, kept := money(t, pc, b2.ID); charged != 9000 || kept != 0 {
		t.Fatalf("availed booking: charged %d kept %d, want 9000/0", charged, kept)
	}
}

// TestSmallerPartyRefundSurvivesPaymentOutage: the share of a per-guest
// deposit a smaller party no longer owes is recorded with the change, so a
// payment service that is down when the party shrinks delays the refund and
// never loses it.
func TestSmallerPartyRefundSurvivesPaymentOutage(t *testing.T) {
	t.Parallel()
	s, pc, _, diner, v := perGuest(t, 1)
	b, err := s.bookings.Create(as(diner, "s1"), booking.CreateRequest{VendorID: v.ID, Start: slot(5, 20), PartySize: 4, PaymentMethod: payment.CardVisa})
	if err != nil || b.Deposit.Amount != 6000 {
		t.Fatalf("book 4: %+v %v", b, err)
	}
	if err := s.Mesh.StopService("payment"); err != nil {
		t.Fatal(err)
	}
	two := 2
	b, err = s.bookings.Update(as(diner, "s1-2"), booking.UpdateRequest{ID: b.ID, PartySize: &two})
	if err != nil || b.PartySize != 2 || b.Deposit.Amount != 3000 {
		t.Fatalf("party of 2 while payment is down: %+v %v", b, err)
	}
	if err := s.Mesh.StartService(context.Background(), "payment"); err != nil {
		t.Fatal(err)
	}
	var kept int64
	poll.Eventually(t, 30*time.Second, "the owed 3000 to be refunded", func() error {
		if _, kept = money(t, pc, b.ID); kept != 3000 {
			return fmt.Errorf("kept %d", kept)
		}
		return nil
	})
	// Cancelling in time gives back the rest, and no more.
	c, err := s.bookings.Cancel(as(diner, ""), b.ID)
	if err != nil || c.Refund == nil || c.Refund.Amount != 3000 || c.Refund.Status != "refunded" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	if charged, kept := money(t, pc, b.ID); charged != 6000 || kept != 0 {
		t.Fatalf("after the cancel: charged %d kept %d, want 6000/0", charged, kept)
	}
}

// TestUnansweredPaymentExpiresWithoutOrphanCharge: the provider never
// answers; the booking stays BLOCKED, then expires, and no money is kept.
func TestUnansweredPaymentExpiresWithoutOrphanCharge(t *testing.T) {
	t.Parallel()
	s := startFast(t)
	s.vendors = vendorsClient(s)
	pc := payment.NewClient(s.nc)
	owner, diner := uuid.NewString(), uuid.NewString()
	v := s.restaurant(t, owner, 900, 1, 4)
	b, err := s.bookings.Create(as(diner, "t1"), booking.CreateRequest{VendorID: v.ID, Start: slot(4, 15), PartySize: 2, PaymentMethod: payment.CardTimeout})
	if err != nil || b.Status != booking.StatusBlocked || b.ExpiresAt == nil {
		t.Fatalf("unanswered payment: %+v %v", b, err)
	}
	poll.Eventually(t, 20*time.Second, "the hold to expire", func() error {
		got, err := s.bookings.Get(as(diner, ""), b.ID)
		if err != nil {
			return err
		}
		if got.Status != booking.StatusExpired || (got.Deposit.Status != "voided" && got.Deposit.Status != "refunded") {
			return fmt.Errorf("%s, deposit %s", got.Status, got.Deposit.Status)
		}
		return nil
	})
	if _, kept := money(t, pc, b.ID); kept != 0 {
		t.Fatalf("expired booking keeps %d", kept)
	}
	// The unit is free again.
	if _, err := s.bookings.Create(as(diner, "t2"), booking.CreateRequest{VendorID: v.ID, Start: slot(4, 15), PartySize: 2, PaymentMethod: payment.CardVisa}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

// TestPaymentServiceStoppedMidFlight stops the payment service while
// bookings are being made, then brings it back: every booking ends CONFIRMED,
// FAILED or EXPIRED (never stuck BLOCKED), and only CONFIRMED ones keep money.
func TestPaymentServiceStoppedMidFlight(t *testing.T) {
	t.Parallel()
	s := startFast(t)
	s.vendors = vendorsClient(s)
	pc := payment.NewClient(s.nc)
	owner := uuid.NewString()
	v := s.restaurant(t, owner, 700, 30, 4)
	const n = 30
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == n/3 {
				if err := s.Mesh.StopService("payment"); err != nil {
					t.Error(err)
				}
			}
			b, err := s.bookings.Create(as(uuid.NewString(), fmt.Sprint("m", i)), booking.CreateRequest{
				VendorID: v.ID, Start: slot(6, 10).Add(time.Duration(i%4) * 30 * time.Minute), PartySize: 2, PaymentMethod: payment.CardVisa})
			if err != nil {
				if !apperr.Is(err, apperr.SlotUnavailable) {
					t.Errorf("booking %d: %v", i, err)
				}
				return
			}
			ids[i] = b.ID
		}()
	}
	wg.Wait()
	if err := s.Mesh.StartService(context.Background(), "payment"); err != nil {
		t.Fatal(err)
	}
	made := 0
	for _, id := range ids {
		if id == "" {
			continue
		}
		made++
		var final booking.Booking
		poll.Eventually(t, 30*time.Second, "booking "+id+" to settle", func() error {
			got, err := s.bookings.Get(as(owner, ""), id)
			final = got
			if err != nil {
				return err
			}
			if got.Status == booking.StatusBlocked ||
				got.Deposit.Status == "void_pending" || got.Deposit.Status == "refund_pending" || got.Deposit.Status == "pending" {
				return fmt.Errorf("%s, deposit %s", got.Status, got.Deposit.Status)
			}
			return nil
		})
		_, kept := money(t, pc, id)
		switch final.Status {
		case booking.StatusConfirmed:
			if kept != 700 {
				t.Errorf("confirmed %s keeps %d", id, kept)
			}
		case booking.StatusExpired, booking.StatusFailed:
			if kept != 0 {
				t.Errorf("%s %s keeps %d: an orphan charge", final.Status, id, kept)
			}
		default:
			t.Errorf("booking %s ended %s", id, final.Status)
		}
	}
	if made == 0 {
		t.Fatal("no booking was made")
	}
	s.AssertNoOverlappingHolds(t)
}
