package app

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

func update(key, id string, party int) UpdateCommand {
	return UpdateCommand{Caller: Caller{Actor: guestID, Key: key}, Request: booking.UpdateRequest{ID: id, PartySize: &party}}
}

// A larger party charges exactly the difference of the booking's own
// per-guest rate, under the change's own key, and applies.
func TestUpdateLargerPartyChargesTheDifference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		from, to   int
		vendorRate int64 // the vendor's rate now: the booking keeps its own
		topUp      int64
	}{
		{"2 to 4", 2, 4, rate, 2 * rate},
		{"2 to 3", 2, 3, rate, rate},
		{"the vendor raised its rate since", 2, 6, 5 * rate, 4 * rate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			v := w.store.vendors[vendorID]
			v.DepositAmount = tt.vendorRate
			w.store.vendors[vendorID] = v
			b0 := w.confirmed("b1", tt.from, t0.Add(72*time.Hour))

			got, err := w.app.Update(t.Context(), update("k1", "b1", tt.to))
			wantCode(t, err, "")

			c := w.onlyChange(t, "b1")
			key := domain.TopUpKey("b1", c.ID)
			charges := w.pay.callsOf("charge")
			if len(charges) != 1 || charges[0].key != key || charges[0].amount != tt.topUp || charges[0].bookingID != "b1" {
				t.Fatalf("charges %+v, want one of %d under %s", charges, tt.topUp, key)
			}
			if !charges[0].deadline {
				t.Error("the top-up was charged without a deadline")
			}
			if c.State != domain.ChangeApplied || c.ChargeKey != key || c.ChargeAmount != tt.topUp ||
				c.FromVersion != b0.Version || c.ToVersion != got.Version || c.Op != domain.OpUpdate || c.Key != "k1" {
				t.Errorf("change %+v", c)
			}
			want := rate * int64(tt.to)
			if got.PartySize != tt.to || got.DepositAmount != want || got.DepositStatus != domain.DepositCharged ||
				got.Version != b0.Version+1 || got.Status != domain.Confirmed {
				t.Errorf("answer %+v", got)
			}
			if stored := w.store.booking(t, "b1"); !reflect.DeepEqual(stored, got) {
				t.Errorf("stored %+v\nanswered %+v", stored, got)
			}
			if ds := w.store.writtenDues(); len(ds) != 0 {
				t.Errorf("dues written: %+v", ds)
			}
			if held := w.pay.held("b1"); held != got.Holds() {
				t.Errorf("the ledger holds %d, the booking %d", held, got.Holds())
			}
			if tops, _ := w.store.TopUps(t.Context(), "b1"); len(tops) != 1 || tops[0] != key {
				t.Errorf("top-ups %v", tops)
			}
		})
	}
}

// A top-up that is declined or not answered leaves the booking as it was
// and aborts the change; only a top-up that may have been taken is owed
// back (a void of its key, attempted at once).
func TestUpdateTopUpFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		charge    answer
		void      *answer // nil: the fake's ledger answers
		want      apperr.Code
		voidOwed  bool
		stillOwed bool // the void failed too: it stays a due
	}{
		{"declined", answer{status: PayFailed, decline: "card_declined"}, nil, apperr.PaymentDeclined, false, false},
		{"no answer", answer{err: errNoAnswer}, nil, apperr.Unavailable, true, false},
		{"no answer, taken after all", answer{err: errNoAnswer, landed: true}, nil, apperr.Unavailable, true, false},
		{"pending", answer{status: "pending"}, nil, apperr.Unavailable, true, false},
		{"no answer, nor to the void", answer{err: errNoAnswer}, &answer{err: errNoAnswer}, apperr.Unavailable, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
			w.pay.script("charge", "*", tt.charge)
			if tt.void != nil {
				w.pay.script("void", "*", *tt.void)
			}

			_, err := w.app.Update(t.Context(), update("k1", "b1", 4))
			wantCode(t, err, tt.want)
			if tt.want == apperr.PaymentDeclined {
				if e, _ := apperr.As(err); e.Details["decline_code"] != "card_declined" {
					t.Errorf("details %v", e.Details)
				}
			}

			if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, b0) {
				t.Errorf("booking changed: %+v", b)
			}
			c := w.onlyChange(t, "b1")
			if c.State != domain.ChangeAborted || c.Outcome == nil || c.Outcome.Code != tt.want {
				t.Errorf("change %+v", c)
			}
			key := domain.TopUpKey("b1", c.ID)
			written := w.store.writtenDues()
			voids := w.pay.callsOf("void")
			if !tt.voidOwed {
				if len(written) != 0 || len(voids) != 0 {
					t.Fatalf("declined, yet dues %+v, voids %+v", written, voids)
				}
			} else {
				if len(written) != 1 || written[0].Key != key || written[0].Kind != domain.DueVoid || written[0].BookingID != "b1" {
					t.Fatalf("dues written %+v, want the void of %s", written, key)
				}
				if len(voids) != 1 || voids[0].key != key || !voids[0].deadline {
					t.Fatalf("voids %+v, want one of %s (with a deadline)", voids, key)
				}
			}
			d, owed := w.store.due(key)
			if owed != tt.stillOwed {
				t.Fatalf("due of %s still owed: %v, want %v", key, owed, tt.stillOwed)
			}
			if owed && (d.Attempts != 1 || !d.NextAttemptAt.Equal(t0.Add(domain.DueBackoff(1, jitter))) || d.LastError == "") {
				t.Errorf("due after a failed attempt: %+v", d)
			}
			if !owed {
				if held := w.pay.held("b1"); held != b0.Holds() {
					t.Errorf("the ledger holds %d, the booking %d", held, b0.Holds())
				}
			}
			// The change is over: the booking can be changed again.
			w.pay.script("charge", "*", answer{status: PaySucceeded})
			if _, err := w.app.Update(t.Context(), update("k2", "b1", 4)); err != nil {
				t.Errorf("a new change after the failed one: %v", err)
			}
		})
	}
}

// While a change of a booking is open (its top-up being charged), any other
// change of it is 409 conflict and never reaches payment.
func TestUpdateWhileAChangeIsOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(ctx context.Context, w *world) error
	}{
		{"another size", func(ctx context.Context, w *world) error {
			_, err := w.app.Update(ctx, update("k2", "b1", 5))
			return err
		}},
		{"the same request again (in flight)", func(ctx context.Context, w *world) error {
			_, err := w.app.Update(ctx, update("k1", "b1", 4))
			return err
		}},
		{"no key", func(ctx context.Context, w *world) error {
			_, err := w.app.Update(ctx, update("", "b1", 3))
			return err
		}},
		{"a cancel", func(ctx context.Context, w *world) error {
			_, err := w.app.Cancel(ctx, EndCommand{Caller: Caller{Actor: guestID, Key: "c1"}, ID: "b1"})
			return err
		}},
		{"a manager's avail", func(ctx context.Context, w *world) error {
			_, err := w.app.Avail(ctx, EndCommand{Caller: Caller{Actor: managerID, Key: "a1"}, ID: "b1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.confirmed("b1", 2, t0.Add(72*time.Hour))
			var second error
			var callsThen []payCall
			ran := false
			w.pay.onCharge = func(string) {
				if ran {
					return
				}
				ran = true
				second = tt.call(t.Context(), w)
				callsThen = w.pay.callsOf("")
			}

			got, err := w.app.Update(t.Context(), update("k1", "b1", 4))
			wantCode(t, err, "")
			if !ran {
				t.Fatal("the second request never ran")
			}
			wantCode(t, second, apperr.Conflict)
			if len(callsThen) != 1 {
				t.Errorf("payment calls while the first was charging: %+v", callsThen)
			}
			if calls := w.pay.callsOf(""); len(calls) != 1 || calls[0].op != "charge" {
				t.Errorf("payment calls %+v, want the first's top-up only", calls)
			}
			c := w.onlyChange(t, "b1")
			if c.State != domain.ChangeApplied || got.PartySize != 4 || got.DepositAmount != 4*rate {
				t.Errorf("change %+v, booking %+v", c, got)
			}
			if held := w.pay.held("b1"); held != got.Holds() {
				t.Errorf("the ledger holds %d, the booking %d", held, got.Holds())
			}
		})
	}
}

// A smaller party owes the difference back: a refund due under the change's
// refund key, paid right after the commit; if payment does not give it
// back, it stays owed with its attempt counted and its next one put off.
func TestUpdateSmallerPartyRefunds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		refund answer
		paid   bool
	}{
		{"paid at once", answer{status: PaySucceeded}, true},
		{"refused", answer{status: PayFailed}, false},
		{"pending", answer{status: "pending"}, false},
		{"no answer", answer{err: errNoAnswer}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b0 := w.confirmed("b1", 4, t0.Add(72*time.Hour))
			w.pay.script("refund", "*", tt.refund)

			got, err := w.app.Update(t.Context(), update("k1", "b1", 2))
			wantCode(t, err, "")
			if got.PartySize != 2 || got.DepositAmount != 2*rate || got.Version != b0.Version+1 || got.DepositStatus != domain.DepositCharged {
				t.Errorf("answer %+v", got)
			}
			if n := len(w.pay.callsOf("charge")); n != 0 {
				t.Errorf("%d charges for a smaller party", n)
			}
			c := w.onlyChange(t, "b1")
			key := domain.ChangeRefundKey("b1", c.ID)
			written := w.store.writtenDues()
			if len(written) != 1 || written[0].Key != key || written[0].Kind != domain.DueRefund ||
				written[0].Amount != 2*rate || written[0].Settles {
				t.Fatalf("dues written %+v, want a refund of %d under %s", written, 2*rate, key)
			}
			refunds := w.pay.callsOf("refund")
			if len(refunds) != 1 || refunds[0].key != key || refunds[0].chargeKey != b0.ChargeKey() ||
				refunds[0].amount != 2*rate || !refunds[0].deadline {
				t.Fatalf("refunds %+v", refunds)
			}
			d, owed := w.store.due(key)
			if owed == tt.paid {
				t.Fatalf("owed %v after a %s refund", owed, tt.name)
			}
			if tt.paid {
				if held := w.pay.held("b1"); held != got.Holds() {
					t.Errorf("the ledger holds %d, the booking %d", held, got.Holds())
				}
				return
			}
			if d.Attempts != 1 || !d.NextAttemptAt.Equal(t0.Add(domain.DueBackoff(1, jitter))) || d.LastError == "" {
				t.Errorf("due after a failed attempt: %+v", d)
			}
		})
	}
}

// A party grown (its top-up a charge of its own) then shrunk gives the
// top-up back first, then the rest from the deposit: the ledger ends at
// what the booking holds.
func TestUpdateGrowThenShrink(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
	if _, err := w.app.Update(t.Context(), update("k1", "b1", 4)); err != nil {
		t.Fatal(err)
	}
	got, err := w.app.Update(t.Context(), update("k2", "b1", 1))
	wantCode(t, err, "")
	cs := w.store.changesOf("b1")
	if len(cs) != 2 {
		t.Fatalf("changes %+v", cs)
	}
	grow, shrink := cs[0], cs[1]
	key := domain.ChangeRefundKey("b1", shrink.ID)
	want := map[string]int64{
		key + "@" + grow.ChargeKey: 2 * rate, // the top-up, all of it
		key:                        rate,     // the rest from the deposit
	}
	refunds := w.pay.callsOf("refund")
	if len(refunds) != len(want) {
		t.Fatalf("refunds %+v", refunds)
	}
	for _, r := range refunds {
		if want[r.key] != r.amount {
			t.Errorf("refund %s of %d, want %d", r.key, r.amount, want[r.key])
		}
	}
	if got.DepositAmount != rate || got.Version != b0.Version+2 {
		t.Errorf("answer %+v", got)
	}
	if held := w.pay.held("b1"); held != got.Holds() || held != rate {
		t.Errorf("the ledger holds %d, the booking %d", held, got.Holds())
	}
	if owed := w.store.owed(); len(owed) != 0 {
		t.Errorf("still owed %+v", owed)
	}
}

// The same Idempotency-Key answers as its change ended, without moving
// money again; with another body it is 422.
func TestUpdateIdempotencyKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.confirmed("b1", 2, t0.Add(72*time.Hour))
	first, err := w.app.Update(t.Context(), update("k1", "b1", 4))
	wantCode(t, err, "")

	again, err := w.app.Update(t.Context(), update("k1", "b1", 4))
	wantCode(t, err, "")
	if !reflect.DeepEqual(again, first) {
		t.Errorf("replay %+v\nfirst %+v", again, first)
	}
	_, err = w.app.Update(t.Context(), update("k1", "b1", 5))
	wantCode(t, err, apperr.IdempotencyKey)
	if _, err = w.app.Cancel(t.Context(), EndCommand{Caller: Caller{Actor: guestID, Key: "k1"}, ID: "b1"}); !apperr.Is(err, apperr.IdempotencyKey) {
		t.Errorf("a cancel under an update's key: %v", err)
	}
	if n := len(w.pay.callsOf("charge")); n != 1 {
		t.Errorf("%d charges, want 1", n)
	}
	if n := len(w.store.changesOf("b1")); n != 1 {
		t.Errorf("%d changes, want 1", n)
	}

	// A declined change answers its decline again, and is not charged again.
	w.pay.script("charge", "*", answer{status: PayFailed, decline: "insufficient_funds"})
	_, err = w.app.Update(t.Context(), update("k2", "b1", 6))
	wantCode(t, err, apperr.PaymentDeclined)
	_, err = w.app.Update(t.Context(), update("k2", "b1", 6))
	wantCode(t, err, apperr.PaymentDeclined)
	if n := len(w.pay.callsOf("charge")); n != 2 {
		t.Errorf("%d charges, want 2", n)
	}
	if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, first) {
		t.Errorf("booking %+v\nwant %+v", b, first)
	}
}

// A change that cannot apply (too few free units for the new party) after
// its top-up was charged gives the top-up back at once.
func TestUpdateSlotUnavailableVoidsTheTopUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		void      *answer
		stillOwed bool
	}{
		{"voided", nil, false},
		{"void not answered", &answer{err: errNoAnswer}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
			w.store.noUnits = true
			if tt.void != nil {
				w.pay.script("void", "*", *tt.void)
			}
			_, err := w.app.Update(t.Context(), update("k1", "b1", 6))
			wantCode(t, err, apperr.SlotUnavailable)

			c := w.onlyChange(t, "b1")
			key := domain.TopUpKey("b1", c.ID)
			if c.State != domain.ChangeAborted || c.Outcome == nil || c.Outcome.Code != apperr.SlotUnavailable {
				t.Errorf("change %+v", c)
			}
			if charges := w.pay.callsOf("charge"); len(charges) != 1 || charges[0].key != key || charges[0].amount != 4*rate {
				t.Errorf("charges %+v", charges)
			}
			voids := w.pay.callsOf("void")
			if len(voids) != 1 || voids[0].key != key || !voids[0].deadline {
				t.Fatalf("voids %+v, want one of %s", voids, key)
			}
			if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, b0) {
				t.Errorf("booking changed: %+v", b)
			}
			if _, owed := w.store.due(key); owed != tt.stillOwed {
				t.Errorf("void of %s owed: %v, want %v", key, owed, tt.stillOwed)
			}
			if !tt.stillOwed {
				if held := w.pay.held("b1"); held != b0.Holds() {
					t.Errorf("the ledger holds %d, the booking %d", held, b0.Holds())
				}
			}
		})
	}
}

// Only the booking's user changes it; nothing changed is an answer, not a
// change of money.
func TestUpdateChecks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
	tests := []struct {
		name string
		cmd  UpdateCommand
		want apperr.Code
	}{
		{"anonymous", UpdateCommand{Request: booking.UpdateRequest{ID: "b1", PartySize: ptr(3)}}, apperr.Unauthenticated},
		{"not the guest", UpdateCommand{Caller: Caller{Actor: managerID}, Request: booking.UpdateRequest{ID: "b1", PartySize: ptr(3)}}, apperr.Forbidden},
		{"no such booking", update("", "nope", 3), apperr.NotFound},
		{"party too large", update("", "b1", domain.MaxPartySize+1), apperr.InvalidInput},
		{"blank key", update("  ", "b1", 3), apperr.InvalidInput},
		{"the same party", update("", "b1", 2), ""},
	}
	for _, tt := range tests {
		got, err := w.app.Update(t.Context(), tt.cmd)
		if tt.want == "" {
			if err != nil || !reflect.DeepEqual(got, b0) {
				t.Errorf("%s: %v, %+v", tt.name, err, got)
			}
			continue
		}
		if !apperr.Is(err, tt.want) {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	if calls := w.pay.callsOf(""); len(calls) != 0 {
		t.Errorf("payment calls %+v", calls)
	}
	if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, b0) {
		t.Errorf("booking changed: %+v", b)
	}
}
