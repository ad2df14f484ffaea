package domain

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

var start = time.Date(2027, 3, 5, 19, 0, 0, 0, time.UTC)

// confirmed is a CONFIRMED booking of party guests under terms, its
// deposit charged.
func confirmed(terms Terms, party, qty int) Booking {
	b := Booking{ID: "b", Status: Confirmed, During: Range{Start: start, End: start.Add(90 * time.Minute)},
		PartySize: party, Quantity: qty, Terms: terms, DepositCurrency: "EUR", Version: 3}
	b.DepositAmount = terms.Deposit(party, qty)
	b.DepositStatus = DepositCharged
	if b.DepositAmount == 0 {
		b.DepositStatus = DepositNone
	}
	return b
}

func TestTerms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		terms       Terms
		party, qty  int
		wantDeposit int64
	}{
		{"per booking, one unit", Terms{Rate: 1000}, 4, 1, 1000},
		{"per booking, two units", Terms{Rate: 1000}, 4, 2, 2000},
		{"per guest", Terms{Rate: 1500, PerGuest: true}, 4, 1, 6000},
		{"per guest ignores units", Terms{Rate: 1500, PerGuest: true}, 3, 2, 4500},
		{"no deposit", Terms{}, 6, 1, 0},
	}
	for _, tt := range tests {
		if got := tt.terms.Deposit(tt.party, tt.qty); got != tt.wantDeposit {
			t.Errorf("%s: deposit %d, want %d", tt.name, got, tt.wantDeposit)
		}
	}
	w := Terms{FreeCancelHours: 24}
	for _, c := range []struct {
		before time.Duration
		free   bool
	}{{25 * time.Hour, true}, {24*time.Hour + time.Second, true}, {24 * time.Hour, false}, {time.Hour, false}, {-time.Hour, false}} {
		if got := w.FreeCancel(start, start.Add(-c.before)); got != c.free {
			t.Errorf("cancel %s before a 24 h window: free %v, want %v", c.before, got, c.free)
		}
	}
}

func TestPlanReschedule(t *testing.T) {
	t.Parallel()
	later := Range{Start: start.Add(2 * time.Hour), End: start.Add(3*time.Hour + 30*time.Minute)}
	perGuest := Terms{Rate: 1500, PerGuest: true, FreeCancelHours: 24}
	tests := []struct {
		name                   string
		b                      Booking
		during                 Range
		party                  int
		wantDeposit, top, back int64
		wantChanges            bool
		wantCode               apperr.Code
	}{
		{"a larger party tops up the difference", confirmed(perGuest, 2, 1), Range{}, 6, 9000, 6000, 0, true, ""},
		{"a smaller party is owed the difference", confirmed(perGuest, 6, 1), Range{}, 2, 3000, 0, 6000, true, ""},
		{"a new time only costs nothing", confirmed(perGuest, 2, 1), later, 2, 3000, 0, 0, true, ""},
		{"per booking: the party does not change the deposit", confirmed(Terms{Rate: 1000}, 2, 1), Range{}, 4, 1000, 0, 0, true, ""},
		{"no deposit: nothing moves", confirmed(Terms{}, 2, 1), later, 8, 0, 0, 0, true, ""},
		{"the same time and party changes nothing", confirmed(perGuest, 2, 1), Range{}, 2, 3000, 0, 0, false, ""},
		{"party 0", confirmed(perGuest, 2, 1), Range{}, 0, 0, 0, 0, false, apperr.InvalidInput},
		{"party over the limit", confirmed(perGuest, 2, 1), Range{}, MaxPartySize + 1, 0, 0, 0, false, apperr.InvalidInput},
		{"not confirmed", func() Booking { b := confirmed(perGuest, 2, 1); b.Status = Cancelled; return b }(), Range{}, 3, 0, 0, 0, false, apperr.InvalidState},
		{"blocked", func() Booking { b := confirmed(perGuest, 2, 1); b.Status = Blocked; return b }(), Range{}, 3, 0, 0, 0, false, apperr.InvalidState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			during := tt.during
			if during.Start.IsZero() {
				during = tt.b.During
			}
			r, err := tt.b.PlanReschedule(during, tt.party)
			if tt.wantCode != "" {
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("err %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Deposit != tt.wantDeposit || r.TopUp != tt.top || r.Refund != tt.back || r.Changes(tt.b) != tt.wantChanges {
				t.Fatalf("plan %+v changes %v; want deposit %d top-up %d refund %d changes %v", r, r.Changes(tt.b), tt.wantDeposit, tt.top, tt.back, tt.wantChanges)
			}
			// The plan keeps the invariant: what was held plus the top-up
			// less the refund is the new deposit.
			if tt.b.Holds()+r.TopUp-r.Refund != r.Deposit {
				t.Fatalf("held %d + %d - %d != %d", tt.b.Holds(), r.TopUp, r.Refund, r.Deposit)
			}
			b := tt.b
			b.Reschedule(r, start)
			if b.Version != tt.b.Version+1 || b.PartySize != tt.party || b.DepositAmount != r.Deposit || !b.During.Start.Equal(during.Start) {
				t.Fatalf("applied: %+v", b)
			}
		})
	}
}

// TestTermsStayTheBookings: a vendor's later policy changes nothing for a
// booking made before — its deposit rule and its cancellation window are
// its own.
func TestTermsStayTheBookings(t *testing.T) {
	t.Parallel()
	v := Vendor{DepositAmount: 1500, DepositPerGuest: true, FreeCancelHours: 24, DepositCurrency: "EUR"}
	b := confirmed(v.Terms(), 2, 1)
	v.DepositAmount, v.FreeCancelHours = 5000, 24*365 // the vendor raises both afterwards
	r, err := b.PlanReschedule(b.During, 4)
	if err != nil || r.TopUp != 3000 {
		t.Fatalf("re-priced by the vendor's new rule: %+v %v", r, err)
	}
	e, err := b.PlanCancel(false, start.Add(-48*time.Hour))
	if err != nil || e.Refund != 3000 {
		t.Fatalf("the vendor's new window kept the deposit: %+v %v", e, err)
	}
}

func TestPlanEndings(t *testing.T) {
	t.Parallel()
	terms := Terms{Rate: 2000, FreeCancelHours: 24}
	early, late := start.Add(-48*time.Hour), start.Add(-2*time.Hour)
	tests := []struct {
		name       string
		b          Booking
		plan       func(Booking) (Ending, error)
		wantStatus string
		wantRefund int64
		wantDep    string
		wantCode   apperr.Code
	}{
		{"guest cancels in time: refunded", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanCancel(false, early) },
			Cancelled, 2000, DepositRefundPending, ""},
		{"guest cancels late: kept", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanCancel(false, late) },
			Cancelled, 0, DepositKept, ""},
		{"the vendor cancels late: refunded in full", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanCancel(true, late) },
			Cancelled, 2000, DepositRefundPending, ""},
		{"the vendor cancels after the start: refunded in full", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanCancel(true, start.Add(time.Hour)) },
			Cancelled, 2000, DepositRefundPending, ""},
		{"no deposit: nothing to give back", confirmed(Terms{}, 2, 1), func(b Booking) (Ending, error) { return b.PlanCancel(false, early) },
			Cancelled, 0, DepositNone, ""},
		{"avail: refunded", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanAvail() },
			Availed, 2000, DepositRefundPending, ""},
		{"no-show after the grace: kept", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanNoShow(start.Add(NoShowGrace)) },
			NoShow, 0, DepositKept, ""},
		{"no-show before the grace", confirmed(terms, 2, 1), func(b Booking) (Ending, error) { return b.PlanNoShow(start.Add(NoShowGrace - time.Second)) },
			"", 0, "", apperr.InvalidState},
		{"cancel a cancelled booking", func() Booking { b := confirmed(terms, 2, 1); b.Status = Cancelled; return b }(),
			func(b Booking) (Ending, error) { return b.PlanCancel(false, early) }, "", 0, "", apperr.InvalidState},
		{"avail a cancelled booking", func() Booking { b := confirmed(terms, 2, 1); b.Status = Cancelled; return b }(),
			func(b Booking) (Ending, error) { return b.PlanAvail() }, "", 0, "", apperr.InvalidState},
		{"cancel a blocked booking", func() Booking { b := confirmed(terms, 2, 1); b.Status = Blocked; return b }(),
			func(b Booking) (Ending, error) { return b.PlanCancel(false, early) }, "", 0, "", apperr.InvalidState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := tt.plan(tt.b)
			if tt.wantCode != "" {
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("err %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b := tt.b
			if err := b.End(e, start); err != nil {
				t.Fatal(err)
			}
			if b.Status != tt.wantStatus || e.Refund != tt.wantRefund || b.DepositStatus != tt.wantDep || b.Version != tt.b.Version+1 || e.Reason == "" {
				t.Fatalf("ended %s, deposit %s, refund %d (%q); want %s %s %d", b.Status, b.DepositStatus, e.Refund, e.Reason, tt.wantStatus, tt.wantDep, tt.wantRefund)
			}
			// Money: what it says it holds once the refund is paid.
			if e.Refund > 0 {
				if b.RefundAmount != e.Refund || !b.SettleDeposit(DueRefund, PaymentSucceeded, start) || b.Holds() != 0 {
					t.Fatalf("after the refund it holds %d (%s)", b.Holds(), b.DepositStatus)
				}
			} else if b.Holds() != tt.b.Holds() {
				t.Fatalf("kept: holds %d, want %d", b.Holds(), tt.b.Holds())
			}
		})
	}
}

func TestSettleDeposit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from, kind, payment, want string
		changed                         bool
	}{
		{"refund paid", DepositRefundPending, DueRefund, PaymentSucceeded, DepositRefunded, true},
		{"void of a charge that was taken", DepositVoidPending, DueVoid, PaymentRefunded, DepositRefunded, true},
		{"void before any charge", DepositVoidPending, DueVoid, PaymentVoided, DepositVoided, true},
		{"void of a declined charge", DepositVoidPending, DueVoid, PaymentFailed, DepositVoided, true},
		{"a refund of a deposit not pending", DepositCharged, DueRefund, PaymentSucceeded, DepositCharged, false},
		{"settled twice", DepositRefunded, DueRefund, PaymentSucceeded, DepositRefunded, false},
	}
	for _, tt := range tests {
		b := Booking{DepositStatus: tt.from, DepositAmount: 900, Version: 2}
		changed := b.SettleDeposit(tt.kind, tt.payment, start)
		if changed != tt.changed || b.DepositStatus != tt.want || (changed && b.Version != 3) || (!changed && b.Version != 2) {
			t.Errorf("%s: %s changed %v v%d; want %s %v", tt.name, b.DepositStatus, changed, b.Version, tt.want, tt.changed)
		}
	}
}

func TestCheckHorizon(t *testing.T) {
	t.Parallel()
	now := start
	tests := []struct {
		name  string
		ahead time.Duration
		days  int
		ok    bool
	}{
		{"tomorrow", 24 * time.Hour, 365, true},
		{"on the last day", 365 * 24 * time.Hour, 365, true},
		{"a day past it", 366 * 24 * time.Hour, 365, false},
		{"unset means a year", 366 * 24 * time.Hour, 0, false},
		{"two years allowed", 700 * 24 * time.Hour, 730, true},
		{"year 9999", time.Duration(1<<62 - 1), 730, false},
	}
	for _, tt := range tests {
		err := CheckHorizon(now.Add(tt.ahead), now, tt.days)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
		if e, ok := apperr.As(err); err != nil && (!ok || e.Code != apperr.RuleViolation || e.Details["field"] != "start") {
			t.Errorf("%s: want rule_violation on start, got %v", tt.name, err)
		}
	}
}
