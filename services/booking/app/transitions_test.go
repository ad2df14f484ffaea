package app

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

type endFunc func(a *App, ctx context.Context, cmd EndCommand) (domain.Booking, error)

var (
	endCancel endFunc = (*App).Cancel
	endAvail  endFunc = (*App).Avail
	endNoShow endFunc = (*App).NoShow
)

// Ending a booking: the domain decides what comes back (by the booking's
// own terms and who ends it), the refund is a due under the booking's
// refund key written with the ending, and its first attempt is made in the
// request.
func TestEnd(t *testing.T) {
	t.Parallel()
	const deposit = 2 * rate
	tests := []struct {
		name       string
		end        endFunc
		actor      string
		start      time.Duration // from now
		refund     *answer       // scripted refund answer (nil: the ledger's)
		want       apperr.Code
		status     string
		deposit    string // its status after the request
		refunded   int64  // asked back
		versionAdd int64
	}{
		{"guest cancels before the window", endCancel, guestID, 72 * time.Hour, nil, "", domain.Cancelled, domain.DepositRefunded, deposit, 2},
		{"guest cancels inside the window", endCancel, guestID, 2 * time.Hour, nil, "", domain.Cancelled, domain.DepositKept, 0, 1},
		{"manager cancels inside the window", endCancel, managerID, 2 * time.Hour, nil, "", domain.Cancelled, domain.DepositRefunded, deposit, 2},
		{"manager cancels after the start", endCancel, managerID, -time.Hour, nil, "", domain.Cancelled, domain.DepositRefunded, deposit, 2},
		{"a stranger cancels", endCancel, strangerID, 72 * time.Hour, nil, apperr.Forbidden, domain.Confirmed, domain.DepositCharged, 0, 0},
		{"anonymous cancels", endCancel, "", 72 * time.Hour, nil, apperr.Unauthenticated, domain.Confirmed, domain.DepositCharged, 0, 0},
		{"guest cancels, the refund is refused", endCancel, guestID, 72 * time.Hour, &answer{status: PayFailed}, "", domain.Cancelled, domain.DepositRefundPending, deposit, 1},
		{"guest cancels, payment does not answer", endCancel, guestID, 72 * time.Hour, &answer{err: errNoAnswer}, "", domain.Cancelled, domain.DepositRefundPending, deposit, 1},
		{"manager avails", endAvail, managerID, -time.Hour, nil, "", domain.Availed, domain.DepositRefunded, deposit, 2},
		{"guest avails", endAvail, guestID, -time.Hour, nil, apperr.Forbidden, domain.Confirmed, domain.DepositCharged, 0, 0},
		{"manager marks a no-show after the grace", endNoShow, managerID, -domain.NoShowGrace - time.Minute, nil, "", domain.NoShow, domain.DepositKept, 0, 1},
		{"manager marks a no-show too early", endNoShow, managerID, -domain.NoShowGrace + time.Minute, nil, apperr.InvalidState, domain.Confirmed, domain.DepositCharged, 0, 0},
		{"guest marks a no-show", endNoShow, guestID, -time.Hour, nil, apperr.Forbidden, domain.Confirmed, domain.DepositCharged, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			b0 := w.confirmed("b1", 2, t0.Add(tt.start))
			if tt.refund != nil {
				w.pay.script("refund", "*", *tt.refund)
			}
			got, err := tt.end(w.app, t.Context(), EndCommand{Caller: Caller{Actor: tt.actor, Key: "e1"}, ID: "b1"})
			wantCode(t, err, tt.want)
			stored := w.store.booking(t, "b1")
			if stored.Status != tt.status || stored.DepositStatus != tt.deposit || stored.Version != b0.Version+tt.versionAdd {
				t.Errorf("booking %s, deposit %s, version %d; want %s, %s, %d",
					stored.Status, stored.DepositStatus, stored.Version, tt.status, tt.deposit, b0.Version+tt.versionAdd)
			}
			if tt.want != "" {
				if !reflect.DeepEqual(stored, b0) || len(w.store.changesOf("b1")) != 0 {
					t.Errorf("refused, yet the booking changed (%+v) or a change was stored", stored)
				}
				return
			}
			if !reflect.DeepEqual(got, stored) {
				t.Errorf("answered %+v\nstored %+v", got, stored)
			}
			c := w.onlyChange(t, "b1")
			if c.State != domain.ChangeApplied || c.ToVersion != b0.Version+1 || c.Actor != tt.actor || c.Key != "e1" {
				t.Errorf("change %+v", c)
			}
			written := w.store.writtenDues()
			refunds := w.pay.callsOf("refund")
			if tt.refunded == 0 {
				if len(written) != 0 || len(refunds) != 0 || stored.RefundAmount != 0 {
					t.Errorf("nothing to refund, yet dues %+v, refunds %+v, refund amount %d", written, refunds, stored.RefundAmount)
				}
				if held := w.pay.held("b1"); held != stored.Holds() || held != deposit {
					t.Errorf("the ledger holds %d, the booking %d", held, stored.Holds())
				}
				return
			}
			key := b0.RefundKey()
			if len(written) != 1 || written[0].Key != key || written[0].Kind != domain.DueRefund ||
				written[0].Amount != tt.refunded || !written[0].Settles {
				t.Fatalf("dues written %+v, want a settling refund of %d under %s", written, tt.refunded, key)
			}
			if len(refunds) != 1 || refunds[0].key != key || refunds[0].amount != tt.refunded || !refunds[0].deadline {
				t.Fatalf("refunds %+v, want one of %d under %s in the request", refunds, tt.refunded, key)
			}
			if stored.RefundAmount != tt.refunded {
				t.Errorf("refund amount %d", stored.RefundAmount)
			}
			d, owed := w.store.due(key)
			if settled := tt.deposit == domain.DepositRefunded; owed == settled {
				t.Fatalf("due owed %v with the deposit %s", owed, tt.deposit)
			}
			if owed && (d.Attempts != 1 || !d.NextAttemptAt.Equal(t0.Add(domain.DueBackoff(1, jitter)))) {
				t.Errorf("due after a failed attempt: %+v", d)
			}
			if !owed {
				if held := w.pay.held("b1"); held != stored.Holds() {
					t.Errorf("the ledger holds %d, the booking %d", held, stored.Holds())
				}
			}
		})
	}
}

// The same key again answers the booking as it is, without a second
// refund; another key is a second ending: 409 invalid_state.
func TestEndReplayAndSecondEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b0 := w.confirmed("b1", 2, t0.Add(72*time.Hour))
	cmd := EndCommand{Caller: Caller{Actor: guestID, Key: "c1"}, ID: "b1"}
	first, err := w.app.Cancel(t.Context(), cmd)
	wantCode(t, err, "")
	if first.Status != domain.Cancelled || first.DepositStatus != domain.DepositRefunded {
		t.Fatalf("first %+v", first)
	}
	again, err := w.app.Cancel(t.Context(), cmd)
	wantCode(t, err, "")
	if !reflect.DeepEqual(again, first) {
		t.Errorf("replay %+v\nfirst %+v", again, first)
	}
	_, err = w.app.Cancel(t.Context(), EndCommand{Caller: Caller{Actor: guestID, Key: "c2"}, ID: "b1"})
	wantCode(t, err, apperr.InvalidState)
	_, err = w.app.Avail(t.Context(), EndCommand{Caller: Caller{Actor: managerID, Key: "a1"}, ID: "b1"})
	wantCode(t, err, apperr.InvalidState)
	_, err = w.app.Cancel(t.Context(), EndCommand{Caller: Caller{Actor: guestID}, ID: "b1"})
	wantCode(t, err, apperr.InvalidState)
	// The key of the cancel, by the manager or for another operation: not
	// the same request.
	_, err = w.app.Cancel(t.Context(), EndCommand{Caller: Caller{Actor: managerID, Key: "c1"}, ID: "b1"})
	wantCode(t, err, apperr.IdempotencyKey)
	_, err = w.app.Avail(t.Context(), EndCommand{Caller: Caller{Actor: managerID, Key: "c1"}, ID: "b1"})
	wantCode(t, err, apperr.IdempotencyKey)

	if refunds := w.pay.callsOf("refund"); len(refunds) != 1 || refunds[0].key != b0.RefundKey() {
		t.Errorf("refunds %+v, want one under %s", refunds, b0.RefundKey())
	}
	if n := len(w.store.writtenDues()); n != 1 {
		t.Errorf("%d dues written, want 1", n)
	}
	if n := len(w.store.changesOf("b1")); n != 1 {
		t.Errorf("%d changes, want 1", n)
	}
	if b := w.store.booking(t, "b1"); !reflect.DeepEqual(b, first) {
		t.Errorf("booking %+v\nwant %+v", b, first)
	}
	if held := w.pay.held("b1"); held != 0 {
		t.Errorf("the ledger holds %d after the refund", held)
	}
}

// A cancel after a grown party refunds the whole deposit it now holds,
// split across the deposit and the top-up, and the ledger ends at zero.
func TestCancelAfterGrowRefundsEveryCharge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.confirmed("b1", 2, t0.Add(72*time.Hour))
	if _, err := w.app.Update(t.Context(), update("k1", "b1", 5)); err != nil {
		t.Fatal(err)
	}
	got, err := w.app.Cancel(t.Context(), EndCommand{Caller: Caller{Actor: guestID, Key: "c1"}, ID: "b1"})
	wantCode(t, err, "")
	if got.DepositStatus != domain.DepositRefunded || got.RefundAmount != 5*rate {
		t.Errorf("answer %+v", got)
	}
	var sum int64
	for _, r := range w.pay.callsOf("refund") {
		sum += r.amount
	}
	if sum != 5*rate {
		t.Errorf("refunded %d, want %d", sum, 5*rate)
	}
	if held := w.pay.held("b1"); held != 0 {
		t.Errorf("the ledger holds %d", held)
	}
	if owed := w.store.owed(); len(owed) != 0 {
		t.Errorf("still owed %+v", owed)
	}
}
