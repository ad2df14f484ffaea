package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/testenv"
)

type sys struct {
	*testenv.System
	nc       *nats.Conn
	bookings *booking.Client
	vendors  *vendors.Client
}

func vendorsClient(s sys) *vendors.Client { return vendors.NewClient(s.nc) }

func start(t testing.TB) sys {
	t.Helper()
	s := testenv.StartAll(t, nil)
	nc := s.Conn(t)
	return sys{System: s, nc: nc, bookings: booking.NewClient(nc), vendors: vendors.NewClient(nc)}
}

// as is a context of a user with an idempotency key.
func as(user, key string) context.Context {
	ctx := natsrpc.WithActor(context.Background(), user)
	if key != "" {
		ctx = natsrpc.WithIdempotencyKey(ctx, key)
	}
	return ctx
}

// openAllWeek is a restaurant open every day 00:00-24:00 in Berlin, 30-minute
// slots, 90-minute stays.
func (s sys) restaurant(t testing.TB, owner string, deposit int64, units int, capacity int) vendors.Vendor {
	t.Helper()
	return s.restaurantWith(t, owner, vendors.Deposit{Amount: deposit, Currency: "EUR", Per: "booking"}, units, capacity)
}

// restaurantWith is restaurant with any deposit policy.
func (s sys) restaurantWith(t testing.TB, owner string, deposit vendors.Deposit, units int, capacity int) vendors.Vendor {
	t.Helper()
	var hours []vendors.OpeningHours
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		hours = append(hours, vendors.OpeningHours{Weekday: d, Open: "00:00", Close: "24:00"})
	}
	slot, stay := 30, 90
	v, err := s.vendors.Create(as(owner, ""), vendors.CreateRequest{Profile: vendors.Profile{
		Kind: "restaurant", Name: "Test", Timezone: "Europe/Berlin", Address: "Somewhere 1",
		Location: vendors.Location{Lat: 52.5, Lng: 13.4}, Tags: []string{"italian"}, OpeningHours: hours,
		SlotMinutes: slot, StayMinutes: stay,
		Deposit: deposit, Cancellation: vendors.Cancellation{FreeUntilHoursBefore: 24},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if units > 0 {
		us := make([]vendors.NewUnit, units)
		for i := range us {
			us[i] = vendors.NewUnit{Name: fmt.Sprintf("T%02d", i), Capacity: capacity}
		}
		if _, err := s.vendors.AddUnits(as(owner, ""), vendors.AddUnitsRequest{VendorID: v.ID, Units: us}); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// slot is a start time on the grid, days ahead at hh:00 Berlin time.
func slot(days, hour int) time.Time {
	loc, _ := time.LoadLocation("Europe/Berlin")
	n := time.Now().In(loc).AddDate(0, 0, days)
	return time.Date(n.Year(), n.Month(), n.Day(), hour, 0, 0, 0, loc)
}

// TestTwoHundredBookersTenUnits: 200 concurrent bookers on a vendor with 10
// units of one capacity for one slot: exactly 10 CONFIRMED, 190
// slot_unavailable, no other outcome, and no overlap in the database.
func TestTwoHundredBookersTenUnits(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := uuid.NewString()
	v := s.restaurant(t, owner, 0, 10, 4)
	at := slot(3, 19)
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(as(uuid.NewString(), uuid.NewString()), 60*time.Second)
			defer cancel()
			b, err := s.bookings.Create(ctx, booking.CreateRequest{VendorID: v.ID, Start: at, PartySize: 2, PaymentMethod: "pm_card_visa"})
			results[i] = err
			if err == nil {
				if b.Status != booking.StatusConfirmed {
					results[i] = fmt.Errorf("status %s", b.Status)
				}
				ids[i] = b.ID
			}
		}()
	}
	wg.Wait()
	confirmed, unavailable := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			confirmed++
		case apperr.CodeOf(err) == apperr.SlotUnavailable:
			unavailable++
		default:
			t.Errorf("unexpected outcome: %v", err)
		}
	}
	if confirmed != 10 || unavailable != 190 {
		t.Fatalf("confirmed %d, unavailable %d; want 10 and 190", confirmed, unavailable)
	}
	s.AssertNoOverlappingHolds(t)
	// The slot is gone from availability; the next one is there.
	av, err := s.bookings.Availability(context.Background(), booking.AvailabilityRequest{VendorID: v.ID, Date: at.Format("2006-01-02"), PartySize: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range av.Slots {
		if sl.Start.Equal(at) {
			t.Fatalf("a full slot is offered: %v", sl)
		}
	}
	if len(av.Slots) == 0 {
		t.Fatal("no slots at all")
	}
}

func TestIdempotencyAndTransitions(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner, diner := uuid.NewString(), uuid.NewString()
	v := s.restaurant(t, owner, 0, 2, 4)
	at := slot(5, 12)
	req := booking.CreateRequest{VendorID: v.ID, Start: at, PartySize: 3, PaymentMethod: "pm_card_visa"}
	b1, err := s.bookings.Create(as(diner, "k1"), req)
	if err != nil || b1.Status != booking.StatusConfirmed || len(b1.Units) != 1 || !b1.End.Equal(at.Add(90*time.Minute)) {
		t.Fatalf("create: %+v %v", b1, err)
	}
	b2, err := s.bookings.Create(as(diner, "k1"), req)
	if err != nil || b2.ID != b1.ID {
		t.Fatalf("same key again: %+v %v", b2, err)
	}
	req2 := req
	req2.PartySize = 4
	if _, err := s.bookings.Create(as(diner, "k1"), req2); apperr.CodeOf(err) != apperr.IdempotencyKey {
		t.Fatalf("same key, other body: %v", err)
	}
	if _, err := s.bookings.Create(as(diner, ""), req); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("no key: %v", err)
	}
	// A full slot answers slot_unavailable with nearby free times, and the
	// answer is kept with its key.
	b3, err := s.bookings.Create(as(diner, "k2"), req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.bookings.Create(as(diner, "k3"), req)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.SlotUnavailable || e.Details["available"] == nil {
		t.Fatalf("full: %v", err)
	}
	// Someone else reads nothing; the owner (a manager) may.
	if _, err := s.bookings.Get(as(uuid.NewString(), ""), b1.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("stranger reads: %v", err)
	}
	if got, err := s.bookings.Get(as(owner, ""), b1.ID); err != nil || got.ID != b1.ID {
		t.Fatalf("manager reads: %v", err)
	}
	// Move it to another time: atomic.
	later := at.Add(3 * time.Hour)
	moved, err := s.bookings.Update(as(diner, ""), booking.UpdateRequest{ID: b1.ID, Start: &later})
	if err != nil || !moved.Start.Equal(later) || moved.Version != b1.Version+1 {
		t.Fatalf("move: %+v %v", moved, err)
	}
	// Now the first slot has a free unit again.
	if _, err := s.bookings.Create(as(diner, "k4"), req); err != nil {
		t.Fatalf("slot freed by the move: %v", err)
	}
	// Avail by a diner is forbidden; by the manager it works; twice is fine.
	if _, err := s.bookings.Avail(as(diner, ""), b1.ID); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("diner avails: %v", err)
	}
	av, err := s.bookings.Avail(as(owner, ""), b1.ID)
	if err != nil || av.Status != booking.StatusAvailed {
		t.Fatalf("avail: %+v %v", av, err)
	}
	if _, err := s.bookings.Cancel(as(diner, ""), b1.ID); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("cancel an availed booking: %v", err)
	}
	// No-show before the start is refused.
	if _, err := s.bookings.NoShow(as(owner, ""), b3.ID); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("early no-show: %v", err)
	}
	c, err := s.bookings.Cancel(as(diner, ""), b3.ID)
	if err != nil || c.Status != booking.StatusCancelled {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	s.AssertNoOverlappingHolds(t)
	page, err := s.bookings.List(as(diner, ""), booking.ListRequest{Scope: "current"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("current: %+v %v", page, err)
	}
	page, err = s.bookings.List(as(diner, ""), booking.ListRequest{Scope: "past"})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("past: %d %v", len(page.Items), err)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner, diner := uuid.NewString(), uuid.NewString()
	v := s.restaurant(t, owner, 0, 1, 4)
	cases := []struct {
		name  string
		req   booking.CreateRequest
		code  apperr.Code
		field string
	}{
		{"party 0", booking.CreateRequest{VendorID: v.ID, Start: slot(2, 12), PartySize: 0, PaymentMethod: "pm_card_visa"}, apperr.InvalidInput, "party_size"},
		{"no payment method", booking.CreateRequest{VendorID: v.ID, Start: slot(2, 12), PartySize: 2}, apperr.InvalidInput, "payment_method"},
		{"past", booking.CreateRequest{VendorID: v.ID, Start: slot(-2, 12), PartySize: 2, PaymentMethod: "pm_card_visa"}, apperr.InvalidInput, "start"},
		{"off grid", booking.CreateRequest{VendorID: v.ID, Start: slot(2, 12).Add(10 * time.Minute), PartySize: 2, PaymentMethod: "pm_card_visa"}, apperr.RuleViolation, "start"},
		{"too big a party", booking.CreateRequest{VendorID: v.ID, Start: slot(2, 12), PartySize: 5, PaymentMethod: "pm_card_visa"}, apperr.SlotUnavailable, ""},
	}
	for i, c := range cases {
		_, err := s.bookings.Create(as(diner, fmt.Sprint("v", i)), c.req)
		e, ok := apperr.As(err)
		if !ok || e.Code != c.code || (c.field != "" && e.Details["field"] != c.field) {
			t.Errorf("%s: want %s on %q, got %v", c.name, c.code, c.field, err)
		}
	}
	if _, err := s.bookings.Create(as(diner, "unknown"), booking.CreateRequest{VendorID: uuid.NewString(), Start: slot(2, 12), PartySize: 2, PaymentMethod: "pm_card_visa"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown vendor: %v", err)
	}
}
