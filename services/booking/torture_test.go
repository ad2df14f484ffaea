package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/payment"
)

// TestMoneyTorture hits many bookings of a per-guest deposit with random
// concurrent interleavings of their changes — identical double-click
// PATCHes (with and without one Idempotency-Key), PATCHes to different
// sizes and times, PATCH against cancel, cancel against avail, two cancels
// with different keys — while the payment service is stopped and started
// again under them. Then it waits for the money to drain and checks, in
// the databases, for every booking: the ledger's net is what the booking
// says it holds; nothing is pending; no change was both applied and
// reverted. Every answer must be one a client can act on (never a 500).
//
// SLOTMESH_TORTURE_SEED replays a run (its seed is logged).
func TestMoneyTorture(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SLOTMESH_TORTURE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (SLOTMESH_TORTURE_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	n := 24
	if testing.Short() {
		n = 12
	}
	s, _, owner, diner, v := perGuest(t, 8)
	ctx := context.Background()

	// The bookings, two hours apart, with room to move to the free hour
	// between them and to grow (8 tables of 6).
	type booked struct {
		b     booking.Booking
		times []time.Time // where a PATCH may move it
	}
	books := make([]booked, n)
	for i := range books {
		at := slot(3+i/6, 8+2*(i%6))
		b, err := s.bookings.Create(as(diner, fmt.Sprint("tb", i)), booking.CreateRequest{VendorID: v.ID, Start: at,
			PartySize: 1 + rng.IntN(4), PaymentMethod: payment.CardVisa})
		if err != nil {
			t.Fatalf("book %d: %v", i, err)
		}
		books[i] = booked{b: b, times: []time.Time{at.Add(time.Hour), at.Add(30 * time.Minute), slot(3+(i+1)/6, 8+2*((i+1)%6))}}
	}

	var mu sync.Mutex
	answers := map[string]int{}
	answer := func(what string, err error) {
		code := "ok"
		if err != nil {
			code = string(apperr.CodeOf(err))
		}
		mu.Lock()
		answers[what+" "+code]++
		mu.Unlock()
		if err == nil {
			return
		}
		switch apperr.CodeOf(err) {
		case apperr.Conflict, apperr.InvalidState, apperr.SlotUnavailable, apperr.Unavailable, apperr.Timeout:
		default:
			t.Errorf("%s: %v", what, err)
		}
	}
	patch := func(id, key string, r booking.UpdateRequest) func() {
		r.ID = id
		return func() { _, err := s.bookings.Update(as(diner, key), r); answer("patch", err) }
	}
	cancel := func(id, who, key string) func() {
		return func() { _, err := s.bookings.Cancel(as(who, key), id); answer("cancel", err) }
	}
	avail := func(id, key string) func() {
		return func() { _, err := s.bookings.Avail(as(owner, key), id); answer("avail", err) }
	}
	key := func() string { return uuid.NewString() }
	// scenarios: each returns the requests to send at once.
	scenarios := []func(bk booked) []func(){
		func(bk booked) []func() { // double-click, no key
			r := booking.UpdateRequest{PartySize: party(1 + rng.IntN(6))}
			return []func(){patch(bk.b.ID, "", r), patch(bk.b.ID, "", r), patch(bk.b.ID, "", r)}
		},
		func(bk booked) []func() { // double-click under one key
			r, k := booking.UpdateRequest{PartySize: party(1 + rng.IntN(6))}, key()
			return []func(){patch(bk.b.ID, k, r), patch(bk.b.ID, k, r), patch(bk.b.ID, k, r)}
		},
		func(bk booked) []func() { // different sizes
			return []func(){patch(bk.b.ID, key(), booking.UpdateRequest{PartySize: party(6)}), patch(bk.b.ID, key(), booking.UpdateRequest{PartySize: party(1)})}
		},
		func(bk booked) []func() { // different times (and a size)
			a, b := bk.times[rng.IntN(len(bk.times))], bk.times[rng.IntN(len(bk.times))]
			return []func(){patch(bk.b.ID, key(), booking.UpdateRequest{Start: &a}), patch(bk.b.ID, key(), booking.UpdateRequest{Start: &b, PartySize: party(5)})}
		},
		func(bk booked) []func() { // PATCH against cancel
			return []func(){patch(bk.b.ID, key(), booking.UpdateRequest{PartySize: party(1 + rng.IntN(6))}), cancel(bk.b.ID, diner, key())}
		},
		func(bk booked) []func() { // the vendor cancels while the guest changes
			return []func(){patch(bk.b.ID, "", booking.UpdateRequest{PartySize: party(6)}), cancel(bk.b.ID, owner, key())}
		},
		func(bk booked) []func() { // cancel against avail
			return []func(){cancel(bk.b.ID, diner, key()), avail(bk.b.ID, key())}
		},
		func(bk booked) []func() { // two cancels, two keys
			return []func(){cancel(bk.b.ID, diner, key()), cancel(bk.b.ID, diner, key())}
		},
		func(bk booked) []func() { // a change, then another, then the end, each double-clicked
			k := key()
			return []func(){
				func() {
					up := patch(bk.b.ID, k, booking.UpdateRequest{PartySize: party(6)})
					up()
					up()
				},
				func() {
					down := patch(bk.b.ID, "", booking.UpdateRequest{PartySize: party(2)})
					down()
					down()
				},
				avail(bk.b.ID, key()),
			}
		},
	}

	// Payment goes away and comes back twice while the changes run.
	outage := make(chan struct{})
	orng := rand.New(rand.NewPCG(seed, 0x07a6e)) // its own: the main one is not shared across goroutines
	go func() {
		defer close(outage)
		for range 2 {
			time.Sleep(time.Duration(50+orng.IntN(250)) * time.Millisecond)
			if err := s.Mesh.StopService("payment"); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Duration(200+orng.IntN(600)) * time.Millisecond)
			if err := s.Mesh.StartService(ctx, "payment"); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for _, bk := range books {
		reqs := scenarios[rng.IntN(len(scenarios))](bk)
		delay := time.Duration(rng.IntN(1500)) * time.Millisecond
		wg.Go(func() {
			time.Sleep(delay)
			var each sync.WaitGroup
			go1 := make(chan struct{})
			for _, r := range reqs {
				each.Go(func() { <-go1; r() })
			}
			close(go1)
			each.Wait()
		})
	}
	wg.Wait()
	<-outage
	drained(t, s, 90*time.Second)
	states := checkMoney(t, s)
	t.Logf("answers: %v", answers)
	byStatus := map[string]int{}
	for _, m := range states {
		byStatus[m.Status+"/"+m.Deposit]++
	}
	t.Logf("bookings: %v", byStatus)
	if len(states) != n {
		t.Fatalf("%d bookings, want %d", len(states), n)
	}
}
