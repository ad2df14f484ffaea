package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
)

const booking = "01900000-0000-7000-8000-000000000001"

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func charge() Charge {
	return Charge{Key: "booking:1:deposit", BookingID: booking, Amount: 1500, Currency: "EUR", Method: "pm_card_visa"}
}

func TestStatusesAreTheWires(t *testing.T) {
	t.Parallel()
	for mine, theirs := range map[string]string{
		Pending: payment.StatusPending, Succeeded: payment.StatusSucceeded, Failed: payment.StatusFailed,
		Voided: payment.StatusVoided, Refunded: payment.StatusRefunded,
	} {
		if mine != theirs {
			t.Fatalf("%q != %q", mine, theirs)
		}
	}
}

func TestChargeValidateNamesEveryBadField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(c *Charge)
		fields []string
	}{
		{"valid", func(*Charge) {}, nil},
		{"longest key", func(c *Charge) { c.Key = strings.Repeat("é", MaxKeyLen) }, nil},
		{"max amount", func(c *Charge) { c.Amount = MaxAmount }, nil},
		{"empty key", func(c *Charge) { c.Key = "" }, []string{"key"}},
		{"long key", func(c *Charge) { c.Key = strings.Repeat("k", MaxKeyLen+1) }, []string{"key"}},
		{"control key", func(c *Charge) { c.Key = "a\nb" }, []string{"key"}},
		{"booking not a uuid", func(c *Charge) { c.BookingID = "42" }, []string{"booking_id"}},
		{"zero amount", func(c *Charge) { c.Amount = 0 }, []string{"amount"}},
		{"too much", func(c *Charge) { c.Amount = MaxAmount + 1 }, []string{"amount"}},
		{"lower-case currency", func(c *Charge) { c.Currency = "eur" }, []string{"currency"}},
		{"unknown currency", func(c *Charge) { c.Currency = "ABC" }, []string{"currency"}},
		{"no method", func(c *Charge) { c.Method = "" }, []string{"payment_method"}},
		{"long user id", func(c *Charge) { c.UserID = strings.Repeat("u", MaxUserIDLen+1) }, []string{"user_id"}},
		{"everything", func(c *Charge) { *c = Charge{} }, []string{"key", "booking_id", "amount", "currency", "payment_method"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ch := charge()
			c.change(&ch)
			checkFields(t, ch.Validate(), c.fields)
		})
	}
}

func checkFields(t *testing.T, err error, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("want valid, got %v", err)
		}
		return
	}
	ae, ok := apperr.As(err)
	if !ok || ae.Code != apperr.InvalidInput {
		t.Fatalf("want invalid_input naming %v, got %v", want, err)
	}
	got := ae.Details["fields"].([]apperr.FieldProblem)
	if len(got) != len(want) {
		t.Fatalf("fields %+v, want %v", got, want)
	}
	for i, f := range got {
		if f.Field != want[i] {
			t.Fatalf("fields %+v, want %v", got, want)
		}
	}
}

func TestRefundAndVoidValidate(t *testing.T) {
	t.Parallel()
	ok := RefundRequest{Key: "booking:1:refund", ChargeKey: "booking:1:deposit"}
	cases := []struct {
		name   string
		r      RefundRequest
		fields []string
	}{
		{"valid, amount 0 is the rest", ok, nil},
		{"void key reserved", RefundRequest{Key: "x:void", ChargeKey: "x"}, []string{"key"}},
		{"numbered void key reserved", RefundRequest{Key: "x:void:2", ChargeKey: "x"}, []string{"key"}},
		{"void-like key allowed", RefundRequest{Key: "x:voided", ChargeKey: "x"}, nil},
		{"negative", RefundRequest{Key: "r", ChargeKey: "x", Amount: -1}, []string{"amount"}},
		{"long reason", RefundRequest{Key: "r", ChargeKey: "x", Reason: strings.Repeat("r", MaxReasonLen+1)}, []string{"reason"}},
		{"nothing", RefundRequest{}, []string{"key", "charge_key"}},
	}
	for _, c := range cases {
		checkFields(t, c.r.Validate(), c.fields)
	}
	checkFields(t, VoidRequest{Key: "k", BookingID: booking}.Validate(), nil)
	checkFields(t, VoidRequest{}.Validate(), []string{"key", "booking_id"})
}

func TestMatches(t *testing.T) {
	t.Parallel()
	p := NewPayment("p1", charge(), t0, t0)
	if err := p.Matches(charge()); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(c *Charge){
		"amount":         func(c *Charge) { c.Amount++ },
		"currency":       func(c *Charge) { c.Currency = "USD" },
		"payment_method": func(c *Charge) { c.Method = "pm_card_mastercard" },
		"booking_id":     func(c *Charge) { c.BookingID = "01900000-0000-7000-8000-000000000002" },
	}
	for field, change := range cases {
		c := charge()
		change(&c)
		ae, ok := apperr.As(p.Matches(c))
		if !ok || ae.Code != apperr.IdempotencyKey || ae.Details["field"] != field {
			t.Fatalf("%s: %v", field, ae)
		}
	}
	v := NewVoided("p2", VoidRequest{Key: "k", BookingID: booking}, t0)
	c := charge()
	c.Amount = 99 // a voided key stored no amount: only the booking counts
	if err := v.Matches(c); err != nil {
		t.Fatal(err)
	}
	if err := v.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestSettle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		status, code, ref, dec string
		void                   bool
		changed                bool
		wantStatus             string
		wantVoid               bool
	}{
		{"pending + ref", Pending, "", "ch_1", "", false, true, Succeeded, false},
		{"pending + decline", Pending, "", "", "card_declined", false, true, Failed, false},
		{"pending voided + ref: keeps the void", Pending, "", "ch_1", "", true, true, Succeeded, true},
		{"already succeeded", Succeeded, "", "ch_1", "", false, false, Succeeded, false},
		{"already declined", Failed, "card_declined", "", "card_declined", false, false, Failed, false},
		{"given up, then it landed: give it back", Failed, DeclineProviderTimeout, "ch_1", "", false, true, Succeeded, true},
		{"given up, then declined", Failed, DeclineProviderTimeout, "", "card_declined", false, false, Failed, false},
	}
	for _, c := range cases {
		p := NewPayment("p", charge(), t0, t0)
		p.Status, p.DeclineCode, p.VoidRequested = c.status, c.code, c.void
		if c.status == Succeeded {
			p.ProviderRef = "ch_1"
		}
		changed := p.Settle(c.ref, c.dec, t0.Add(time.Second))
		if changed != c.changed || p.Status != c.wantStatus || p.VoidRequested != c.wantVoid {
			t.Errorf("%s: changed %v, %s, void %v", c.name, changed, p.Status, p.VoidRequested)
		}
		if err := p.Check(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.wantVoid && c.wantStatus == Succeeded && !p.OwesVoidRefund() {
			t.Errorf("%s: a voided success must owe its refund", c.name)
		}
	}
}

func succeeded(amount int64) Payment {
	c := charge()
	c.Amount = amount
	p := NewPayment("p", c, t0, t0)
	p.Settle("ch_1", "", t0)
	return p
}

func TestRefundsReserveAndNeverExceed(t *testing.T) {
	t.Parallel()
	p := succeeded(1000)
	r1, err := p.RequestRefund("r1", RefundRequest{Key: "a", Amount: 600}, t0, t0)
	if err != nil || r1.Amount != 600 || p.Left() != 400 || p.Refunded != 0 {
		t.Fatalf("reserve 600: %+v %v, left %d", r1, err, p.Left())
	}
	if _, err := p.RequestRefund("r2", RefundRequest{Key: "b", Amount: 401}, t0, t0); apperr.CodeOf(err) != apperr.RuleViolation {
		t.Fatalf("over the reservation: %v", err)
	}
	rest, err := p.RequestRefund("r3", RefundRequest{Key: "c"}, t0, t0)
	if err != nil || rest.Amount != 400 || rest.Requested != 0 || p.Left() != 0 {
		t.Fatalf("the rest: %+v %v", rest, err)
	}
	if _, err := p.RequestRefund("r4", RefundRequest{Key: "d"}, t0, t0); apperr.CodeOf(err) != apperr.RuleViolation {
		t.Fatalf("nothing left: %v", err)
	}
	if !p.FailRefund("a", "expired_card", t0) || p.Left() != 600 {
		t.Fatalf("a refused refund frees its reservation: left %d", p.Left())
	}
	if !p.SettleRefund("c", "re_1", t0) || p.Refunded != 400 || p.Status != Succeeded {
		t.Fatalf("settle 400: %+v", p)
	}
	if p.SettleRefund("c", "re_1", t0) {
		t.Fatal("settled twice")
	}
	r5, _ := p.RequestRefund("r5", RefundRequest{Key: "e"}, t0, t0)
	if !p.SettleRefund(r5.Key, "re_2", t0) || p.Status != Refunded || p.Refunded != 1000 || p.Kept() != 0 {
		t.Fatalf("refunded in full: %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.RequestRefund("r6", RefundRequest{Key: "f", Amount: 1}, t0, t0); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("refund of a refunded payment: %v", err)
	}
	pending := NewPayment("p", charge(), t0, t0)
	if _, err := pending.RequestRefund("r", RefundRequest{Key: "g"}, t0, t0); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("refund of a pending payment: %v", err)
	}
}

func TestVoid(t *testing.T) {
	t.Parallel()
	for _, status := range []string{Failed, Voided, Refunded} {
		p := succeeded(100)
		p.Status = status
		if p.RequestVoid("x", t0) {
			t.Errorf("void of a %s payment changed it", status)
		}
	}
	p := NewPayment("p", charge(), t0, t0)
	if !p.RequestVoid("hold expired", t0) || p.RequestVoid("again", t0) || p.OwesVoidRefund() {
		t.Fatalf("void of a pending payment: %+v", p)
	}
	p.Settle("ch_1", "", t0)
	if !p.OwesVoidRefund() {
		t.Fatal("a voided success owes its refund")
	}
	if _, err := p.RequestRefund("r0", RefundRequest{Key: "user", Amount: 500}, t0, t0); err != nil {
		t.Fatal(err)
	}
	r, ok := p.StartVoidRefund("r1", t0, t0)
	if !ok || r.Key != "booking:1:deposit:void" || r.Amount != 1000 || r.Reason != "hold expired" {
		t.Fatalf("void refund: %+v %v", r, ok)
	}
	if _, ok := p.StartVoidRefund("r2", t0, t0); ok || p.OwesVoidRefund() {
		t.Fatal("a second void refund while one is pending")
	}
	p.FailRefund("user", "expired_card", t0)
	p.FailRefund(r.Key, "expired_card", t0)
	r2, ok := p.StartVoidRefund("r3", t0, t0)
	if !ok || r2.Key != "booking:1:deposit:void:2" || r2.Amount != 1500 || !IsVoidRefundKey(r2.Key) {
		t.Fatalf("after a refused void refund: %+v %v", r2, ok)
	}
	p.SettleRefund(r2.Key, "re_1", t0)
	if p.Status != Refunded || p.Kept() != 0 || p.OwesVoidRefund() {
		t.Fatalf("voided key keeps money: %+v", p)
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestGiveUp(t *testing.T) {
	t.Parallel()
	p := NewPayment("p", charge(), t0, t0)
	if !p.GiveUp(t0) || p.Status != Failed || p.DeclineCode != DeclineProviderTimeout || p.GiveUp(t0) {
		t.Fatalf("give up: %+v", p)
	}
}

func TestCheckFindsABrokenLedger(t *testing.T) {
	t.Parallel()
	p := succeeded(100)
	p.Refunded = 50 // no refund says so
	if p.Check() == nil {
		t.Fatal("refunded without refunds passed")
	}
	q := succeeded(100)
	q.Status = Refunded
	if q.Check() == nil {
		t.Fatal("refunded status with nothing given back passed")
	}
}
