package app

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// cancelled stores a CANCELLED booking whose refund is still owed: its due
// (under the booking's refund key) tried attempts times already.
func (w *world) cancelled(id string, attempts int) (domain.Booking, domain.Due) {
	b := w.confirmed(id, 2, t0.Add(72*time.Hour))
	b.Status, b.DepositStatus, b.RefundAmount, b.RefundReason = domain.Cancelled, domain.DepositRefundPending, b.DepositAmount, "cancelled"
	b.Version++
	d := domain.Due{Key: b.RefundKey(), BookingID: id, Kind: domain.DueRefund, Amount: b.DepositAmount, Reason: "cancelled",
		Settles: true, Attempts: attempts, NextAttemptAt: t0.Add(-time.Second), CreatedAt: t0.Add(-time.Hour)}
	w.store.mu.Lock()
	w.store.bookings[id] = b
	w.store.dues[d.Key] = d
	w.store.mu.Unlock()
	return b, d
}

// blocked stores a BLOCKED hold whose deposit charge has not answered,
// expiring at exp.
func (w *world) blocked(id string, exp time.Time) domain.Booking {
	b := domain.Booking{ID: id, VendorID: vendorID, UserID: guestID, Status: domain.Blocked,
		During: domain.Range{Start: t0.Add(48 * time.Hour), End: t0.Add(50 * time.Hour)}, PartySize: 2, Quantity: 1,
		Terms: domain.Terms{Rate: rate, PerGuest: true}, DepositAmount: 2 * rate, DepositCurrency: "EUR",
		DepositStatus: domain.DepositPending, PaymentMethod: "pm_card_visa", ExpiresAt: &exp, Version: 1,
		CreatedAt: exp.Add(-10 * time.Minute), UpdatedAt: exp.Add(-10 * time.Minute)}
	w.store.mu.Lock()
	w.store.bookings[id] = b
	w.store.mu.Unlock()
	return b
}

// openChange stores an open change of a booking, expiring at exp.
func (w *world) openChange(id, bookingID, chargeKey string, exp time.Time) domain.Change {
	c := domain.Change{ID: id, BookingID: bookingID, Op: domain.OpUpdate, Actor: guestID, State: domain.ChangeOpen,
		FromVersion: 3, ChargeKey: chargeKey, ExpiresAt: exp, CreatedAt: exp.Add(-time.Minute)}
	if chargeKey != "" {
		c.ChargeAmount = rate
	}
	w.store.mu.Lock()
	w.store.changes[id] = c
	w.store.mu.Unlock()
	return c
}

func checkDeadlines(t *testing.T, calls []payCall) {
	t.Helper()
	for _, c := range calls {
		if !c.deadline || c.left <= 0 || c.left > 2*paymentTO {
			t.Errorf("payment call %s %s: deadline %v, %v left", c.op, c.key, c.deadline, c.left)
		}
	}
}

// One due whose payment fails does not keep the others from being paid;
// each payment call has its own deadline; the failed due is put off by its
// own back-off.
func TestSweepPaysEachDueOnItsOwn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bad  answer
	}{
		{"no answer", answer{err: errNoAnswer}},
		{"refused", answer{status: PayFailed}},
		{"pending", answer{status: "pending"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			var ids []string
			for i := range 7 {
				id := fmt.Sprintf("b%d", i)
				w.cancelled(id, 0)
				ids = append(ids, id)
			}
			badB, bad := w.cancelled("bad", 2)
			w.pay.script("refund", bad.Key, tt.bad)
			// A void owed of a change's top-up that was never taken.
			w.store.mu.Lock()
			w.store.dues["v1"] = domain.Due{Key: "v1", BookingID: "b0", Kind: domain.DueVoid, NextAttemptAt: t0}
			// And a due not due yet: left alone.
			w.store.dues["later"] = domain.Due{Key: "later", BookingID: "b1", Kind: domain.DueVoid, NextAttemptAt: t0.Add(time.Second)}
			w.store.mu.Unlock()

			s, err := w.app.Sweep(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if want := (Swept{Paid: len(ids) + 1, Failed: 1}); s != want {
				t.Errorf("swept %+v, want %+v", s, want)
			}
			for _, id := range ids {
				b := w.store.booking(t, id)
				if b.DepositStatus != domain.DepositRefunded || b.Version != 5 {
					t.Errorf("%s: deposit %s, version %d", id, b.DepositStatus, b.Version)
				}
				if held := w.pay.held(id); held != 0 {
					t.Errorf("%s: the ledger holds %d", id, held)
				}
			}
			if b := w.store.booking(t, "bad"); !reflect.DeepEqual(b, badB) {
				t.Errorf("the unpaid booking changed: %+v", b)
			}
			owed := w.store.owed()
			if len(owed) != 2 {
				t.Errorf("owed %+v, want the failed due and the later one", owed)
			}
			d := owed[bad.Key]
			if d.Attempts != 3 || !d.NextAttemptAt.Equal(t0.Add(domain.DueBackoff(3, jitter))) || d.LastError == "" {
				t.Errorf("the failed due: %+v", d)
			}
			if l := owed["later"]; !l.NextAttemptAt.Equal(t0.Add(time.Second)) || l.Attempts != 0 {
				t.Errorf("the later due was touched: %+v", l)
			}
			for _, c := range w.pay.callsOf("void") {
				if c.key == "later" {
					t.Error("a due not due yet was asked")
				}
			}
			checkDeadlines(t, w.pay.callsOf(""))
			warns := w.log.at("warn")
			if len(warns) != 1 || warns[0].arg("due") != bad.Key || len(w.log.at("error")) != 0 {
				t.Errorf("logged %+v", w.log.entries)
			}
		})
	}
}

// A due whose attempts reach domain.DueStuckAfter is counted stuck and
// logged at error level for the operator; one below it is a warning.
func TestSweepCountsStuckDues(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, stuck := w.cancelled("stuck", domain.DueStuckAfter-1)
	_, young := w.cancelled("young", domain.DueStuckAfter-2)
	w.cancelled("fine", domain.DueStuckAfter+3)
	w.pay.script("refund", stuck.Key, answer{err: errNoAnswer})
	w.pay.script("refund", young.Key, answer{status: PayFailed})

	s, err := w.app.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Swept{Paid: 1, Failed: 2, Stuck: 1}); s != want {
		t.Errorf("swept %+v, want %+v", s, want)
	}
	errs := w.log.at("error")
	if len(errs) != 1 || errs[0].arg("due") != stuck.Key || errs[0].arg("attempts") != domain.DueStuckAfter {
		t.Errorf("errors logged %+v", errs)
	}
	if warns := w.log.at("warn"); len(warns) != 1 || warns[0].arg("due") != young.Key {
		t.Errorf("warnings logged %+v", warns)
	}
	if d, _ := w.store.due(stuck.Key); d.Attempts != domain.DueStuckAfter || !d.Stuck() {
		t.Errorf("stuck due %+v", d)
	}
	// Still asked, at the longest back-off.
	if d, _ := w.store.due(stuck.Key); !d.NextAttemptAt.Equal(t0.Add(domain.DueBackoff(domain.DueStuckAfter, jitter))) {
		t.Errorf("stuck due's next attempt %v", d.NextAttemptAt)
	}
}

// Holds past their expiry are released, their deposit key's void owed and
// asked in the same sweep; one whose release fails is put off and the
// others still expire.
func TestSweepExpiresHolds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.blocked("h1", t0.Add(-3*time.Minute))
	w.blocked("h2", t0.Add(-2*time.Minute))
	w.blocked("h3", t0.Add(-time.Minute))
	live := w.blocked("live", t0.Add(time.Minute))
	w.pay.seed("h3", domain.Booking{ID: "h3"}.ChargeKey(), 2*rate) // its charge landed after all
	w.store.changeErr["h1"] = errors.New("connection reset")

	s, err := w.app.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Swept{Expired: 2, Paid: 2, Failed: 1}); s != want {
		t.Errorf("swept %+v, want %+v", s, want)
	}
	if b := w.store.booking(t, "h1"); b.Status != domain.Blocked {
		t.Errorf("h1 %s", b.Status)
	}
	w.store.mu.Lock()
	later, ok := w.store.sweepAt["h1"]
	_, others := w.store.sweepAt["h2"]
	w.store.mu.Unlock()
	if !ok || !later.Equal(t0.Add(domain.DueBackoff(1, jitter))) || others {
		t.Errorf("put off: h1 %v at %v; h2 %v", ok, later, others)
	}
	want := map[string]struct {
		deposit  string
		refunded int64
	}{
		"h2": {domain.DepositVoided, 0},          // nothing was taken
		"h3": {domain.DepositRefunded, 2 * rate}, // taken: given back
	}
	for id, wb := range want {
		b := w.store.booking(t, id)
		if b.Status != domain.Expired || b.DepositStatus != wb.deposit || b.RefundAmount != wb.refunded || b.Version != 3 || b.ExpiresAt != nil {
			t.Errorf("%s: %s, deposit %s, refund %d, version %d", id, b.Status, b.DepositStatus, b.RefundAmount, b.Version)
		}
		if held := w.pay.held(id); held != 0 {
			t.Errorf("%s: the ledger holds %d", id, held)
		}
	}
	if b := w.store.booking(t, "live"); !reflect.DeepEqual(b, live) {
		t.Errorf("a live hold changed: %+v", b)
	}
	voids := map[string]bool{}
	for _, c := range w.pay.callsOf("void") {
		voids[c.key] = true
	}
	if !voids["booking:h2:deposit"] || !voids["booking:h3:deposit"] || len(voids) != 2 {
		t.Errorf("voids %v", voids)
	}
	checkDeadlines(t, w.pay.callsOf(""))
	if warns := w.log.at("warn"); len(warns) != 1 || warns[0].arg("booking_id") != "h1" {
		t.Errorf("logged %+v", w.log.entries)
	}
	if owed := w.store.owed(); len(owed) != 0 {
		t.Errorf("still owed %+v", owed)
	}

	// Put off: the next sweep before its time leaves it; after it, it expires.
	w.store.changeErr["h1"] = nil
	if s, _ := w.app.Sweep(t.Context()); s.Total() != 0 {
		t.Errorf("a sweep before the put-off time: %+v", s)
	}
	w.app.Clock = func() time.Time { return later }
	if s, _ := w.app.Sweep(t.Context()); s.Expired != 1 || w.store.booking(t, "h1").Status != domain.Expired {
		t.Errorf("a sweep after the put-off time: %+v", s)
	}
}

// Open changes past their time are aborted; only one with a top-up owes
// the void of its key, asked in the same sweep.
func TestSweepAbortsAbandonedChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.confirmed("b1", 2, t0.Add(72*time.Hour))
	w.confirmed("b2", 2, t0.Add(72*time.Hour))
	w.confirmed("b3", 2, t0.Add(72*time.Hour))
	topUp := domain.TopUpKey("b1", "c1")
	w.openChange("c1", "b1", topUp, t0.Add(-time.Second))
	w.pay.seed("b1", topUp, rate) // it landed
	w.openChange("c2", "b2", "", t0.Add(-time.Second))
	w.openChange("c3", "b3", domain.TopUpKey("b3", "c3"), t0.Add(time.Second)) // still running

	s, err := w.app.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Swept{Abandoned: 2, Paid: 1}); s != want {
		t.Errorf("swept %+v, want %+v", s, want)
	}
	for _, id := range []string{"b1", "b2"} {
		c := w.onlyChange(t, id)
		if c.State != domain.ChangeAborted || c.Outcome == nil {
			t.Errorf("%s: change %+v", id, c)
		}
	}
	if c := w.onlyChange(t, "b3"); c.State != domain.ChangeOpen {
		t.Errorf("a running change was aborted: %+v", c)
	}
	written := w.store.writtenDues()
	if len(written) != 1 || written[0].Key != topUp || written[0].Kind != domain.DueVoid || written[0].Settles {
		t.Fatalf("dues written %+v, want the void of %s", written, topUp)
	}
	if voids := w.pay.callsOf("void"); len(voids) != 1 || voids[0].key != topUp {
		t.Errorf("voids %+v", voids)
	}
	checkDeadlines(t, w.pay.callsOf(""))
	for _, id := range []string{"b1", "b2"} {
		if held, b := w.pay.held(id), w.store.booking(t, id); held != b.Holds() {
			t.Errorf("%s: the ledger holds %d, the booking %d", id, held, b.Holds())
		}
	}
	// The booking can be changed again.
	if _, err := w.app.Update(t.Context(), update("k", "b2", 3)); err != nil {
		t.Errorf("after the abandoned change: %v", err)
	}
}

// The request whose change was abandoned meanwhile is told so, changes
// nothing, and its top-up is given back.
func TestUpdateAbandonedMeanwhile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
	ran := false
	w.pay.onCharge = func(string) {
		if ran {
			return
		}
		ran = true
		// The request stalls past its change's time; the sweeper aborts it.
		w.app.Clock = func() time.Time { return t0.Add(2 * time.Minute) }
		if s, err := w.app.Sweep(t.Context()); err != nil || s.Abandoned != 1 {
			t.Errorf("sweep %+v, %v", s, err)
		}
	}
	_, err := w.app.Update(t.Context(), update("k1", "b1", 4))
	if err == nil {
		t.Fatal("an abandoned change applied")
	}
	if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, b0) {
		t.Errorf("booking changed: %+v", b)
	}
	if held := w.pay.held("b1"); held != b0.Holds() {
		t.Errorf("the ledger holds %d, the booking %d", held, b0.Holds())
	}
	if owed := w.store.owed(); len(owed) != 0 {
		t.Errorf("still owed %+v", owed)
	}
}

// A due that settles its booking's deposit, once paid, settles it in a new
// version with its event; one that does not leaves the booking alone.
func TestPayDueSettles(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b0, d := w.cancelled("b1", 0)
	settled, err := w.app.payDue(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	if settled == nil || settled.DepositStatus != domain.DepositRefunded || settled.Version != b0.Version+1 ||
		settled.Status != domain.Cancelled || settled.RefundAmount != b0.RefundAmount {
		t.Fatalf("settled %+v", settled)
	}
	if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, *settled) {
		t.Errorf("stored %+v", b)
	}
	if _, owed := w.store.due(d.Key); owed {
		t.Error("the paid due is still owed")
	}
	w.store.mu.Lock()
	n := len(w.store.events)
	w.store.mu.Unlock()
	if n != 1 {
		t.Errorf("%d events, want the settled version's", n)
	}

	// A smaller party's refund does not settle the deposit.
	b2 := w.confirmed("b2", 4, t0.Add(72*time.Hour))
	d2 := domain.Due{Key: domain.ChangeRefundKey("b2", "c9"), BookingID: "b2", Kind: domain.DueRefund, Amount: rate, NextAttemptAt: t0}
	w.store.mu.Lock()
	w.store.dues[d2.Key] = d2
	w.store.mu.Unlock()
	got, err := w.app.payDue(t.Context(), d2)
	if err != nil || got != nil {
		t.Fatalf("payDue: %+v, %v", got, err)
	}
	if b := w.store.booking(t, "b2"); !reflect.DeepEqual(b, b2) {
		t.Errorf("booking changed: %+v", b)
	}
	if _, owed := w.store.due(d2.Key); owed {
		t.Error("the paid due is still owed")
	}
	if held := w.pay.held("b2"); held != 3*rate {
		t.Errorf("the ledger holds %d", held)
	}
}

// A hold confirmed, or a change applied, between the sweep's read and its
// own transaction is left as it is: nothing expired, aborted or owed, and
// the counts say so.
func TestSweepRowsSettledMeanwhile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.blocked("h1", t0.Add(-time.Minute))
	w.blocked("h2", t0.Add(-time.Minute))
	w.confirmed("b1", 2, t0.Add(72*time.Hour))
	topUp := domain.TopUpKey("b1", "c1")
	w.openChange("c1", "b1", topUp, t0.Add(-time.Second))
	w.pay.seed("b1", topUp, rate)
	w.store.onListed = func(kind string) {
		w.store.mu.Lock()
		defer w.store.mu.Unlock()
		switch kind {
		case "expired": // h1's charge answered: confirmed
			b := w.store.bookings["h1"]
			b.Status, b.DepositStatus, b.ExpiresAt = domain.Confirmed, domain.DepositCharged, nil
			b.Version++
			w.store.bookings["h1"] = b
		case "abandoned": // c1's request applied it after all
			c := w.store.changes["c1"]
			c.Apply(4)
			w.store.changes["c1"] = c
		}
	}

	s, err := w.app.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Swept{Expired: 1, Paid: 1}); s != want {
		t.Errorf("swept %+v, want %+v (h2 expired and its void paid)", s, want)
	}
	if b := w.store.booking(t, "h1"); b.Status != domain.Confirmed || b.DepositStatus != domain.DepositCharged {
		t.Errorf("h1: %s, deposit %s", b.Status, b.DepositStatus)
	}
	if c := w.onlyChange(t, "b1"); c.State != domain.ChangeApplied {
		t.Errorf("c1: %+v", c)
	}
	for _, d := range w.store.writtenDues() {
		if d.BookingID != "h2" {
			t.Errorf("due written %+v", d)
		}
	}
	if voids := w.pay.callsOf("void"); len(voids) != 1 || voids[0].key != "booking:h2:deposit" {
		t.Errorf("voids %+v", voids)
	}
}
