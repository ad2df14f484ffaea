package payment_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	paymentsvc "github.com/slotmesh/slotmesh/services/payment"
	"github.com/slotmesh/slotmesh/services/payment/adapters/sim"
	"github.com/slotmesh/slotmesh/services/payment/app"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type env struct {
	nc     *nats.Conn
	client *payment.Client
	sim    *sim.Provider
}

// start runs the payment service on a fresh NATS, database and Redis prefix,
// with provider (nil: the one the configuration names, the simulator by
// default) and a fast reconciler.
// extra overrides the environment.
func start(t testing.TB, provider app.Provider, extra map[string]string) env {
	t.Helper()
	n := testenv.StartNATS(t)
	rds := testenv.StartRedis(t)
	vars := map[string]string{
		"NATS_URL":                   n.URL,
		"PG_URL":                     testenv.Postgres(t),
		"REDIS_URL":                  rds.URL,
		"REDIS_PREFIX":               rds.Prefix,
		"CALL_TIMEOUT":               "2s",
		"PAYMENT_RECONCILE_INTERVAL": "50ms",
		"PAYMENT_RECONCILE_GRACE":    "200ms",
		"PAYMENT_MAX_ATTEMPTS":       "3",
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := paymentsvc.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if provider == nil {
		provider = paymentsvc.NewProvider(cfg)
	}
	svc, err := paymentsvc.StartWithProvider(context.Background(), cfg, platform.Discard(), provider)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop() })
	s, _ := svc.Provider().(*sim.Provider)
	if l, ok := provider.(*lossy); ok {
		s = l.Provider
	}
	nc := n.Connect(t)
	return env{nc: nc, client: payment.NewClient(nc), sim: s}
}

func newBooking() string { return uuid.Must(uuid.NewV7()).String() }

func newKey(what string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "booking:" + hex.EncodeToString(b) + ":" + what
}

func visa(key, booking string, amount int64) payment.ChargeRequest {
	return payment.ChargeRequest{Key: key, BookingID: booking, UserID: "u1", Amount: amount, Currency: "EUR", PaymentMethod: payment.CardVisa}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkLedger asserts the ledger of a booking explains itself: for every
// payment the succeeded refunds add up to refunded, refunded <= amount, and
// a refunded payment gave everything back.
func checkLedger(t *testing.T, c *payment.Client, booking string) payment.Ledger {
	t.Helper()
	l, err := c.Get(ctxT(t), booking)
	if err != nil {
		t.Fatal(err)
	}
	given := map[string]int64{}
	for _, r := range l.Refunds {
		if r.BookingID != booking {
			t.Fatalf("refund %s of booking %s in the ledger of %s", r.Key, r.BookingID, booking)
		}
		if r.Status == "succeeded" {
			given[r.PaymentID] += r.Amount
		}
	}
	for _, p := range l.Payments {
		switch {
		case given[p.ID] != p.Refunded:
			t.Fatalf("payment %s: refunds add up to %d, refunded %d", p.Key, given[p.ID], p.Refunded)
		case p.Refunded < 0 || p.Refunded > p.Amount:
			t.Fatalf("payment %s: refunded %d of %d", p.Key, p.Refunded, p.Amount)
		case p.Status == payment.StatusRefunded && p.Refunded != p.Amount:
			t.Fatalf("payment %s: refunded status with %d of %d", p.Key, p.Refunded, p.Amount)
		case p.Status == payment.StatusVoided && (p.Amount != 0 || p.ProviderRef != ""):
			t.Fatalf("voided payment %s took money: %+v", p.Key, p)
		}
	}
	return l
}

// events reads PAYMENT_EVENTS from the start with a fresh durable consumer
// until want events arrived, then makes sure no more follow.
func events(t *testing.T, nc *nats.Conn, want int) []contracts.Event {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, contracts.StreamPayment.Name, jetstream.ConsumerConfig{
		Durable: "test_payment_events", AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []contracts.Event
	ids := map[string]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for len(got) <= want && time.Now().Before(deadline) {
		wait := 500 * time.Millisecond
		if len(got) == want { // all arrived: one more look for extras
			wait = time.Second
		}
		batch, err := cons.Fetch(want+1-len(got), jetstream.FetchMaxWait(wait))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var e contracts.Event
			if err := platform.DecodeStrict(m.Data(), &e); err != nil {
				t.Fatal(err)
			}
			if ids[e.ID] {
				t.Fatalf("event %s delivered twice", e.ID)
			}
			ids[e.ID] = true
			got = append(got, e)
			_ = m.Ack()
		}
		if n == 0 && len(got) == want {
			break
		}
	}
	if len(got) != want {
		types := make([]string, len(got))
		for i, e := range got {
			types[i] = e.Type
		}
		t.Fatalf("got %d events %v, want %d", len(got), types, want)
	}
	return got
}

func TestVisaChargeSucceedsWithEvent(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking, key := newBooking(), newKey("deposit")
	p, err := e.client.Charge(ctxT(t), visa(key, booking, 1500))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != payment.StatusSucceeded || p.ProviderRef == "" || p.Amount != 1500 || p.Currency != "EUR" || p.Key != key ||
		p.BookingID != booking || p.ID == "" || p.DeclineCode != "" || p.CreatedAt.IsZero() {
		t.Fatalf("charge: %+v", p)
	}
	if e.sim.Charges() != 1 || e.sim.Kept(key) != 1500 {
		t.Fatalf("provider: %d charges, kept %d", e.sim.Charges(), e.sim.Kept(key))
	}
	l := checkLedger(t, e.client, booking)
	if len(l.Payments) != 1 || l.Payments[0] != p || len(l.Refunds) != 0 {
		t.Fatalf("ledger: %+v", l)
	}
	evs := events(t, e.nc, 1)
	var data payment.Payment
	if err := evs[0].Decode(&data); err != nil {
		t.Fatal(err)
	}
	if evs[0].Type != payment.EventSucceeded || evs[0].AggregateID != p.ID || evs[0].Source != payment.Service || data != p {
		t.Fatalf("event %+v with %+v", evs[0], data)
	}
}

func TestDeclineIsAnAnswerNotAnError(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking := newBooking()
	req := visa(newKey("deposit"), booking, 1500)
	req.PaymentMethod = payment.CardDeclined
	p, err := e.client.Charge(ctxT(t), req)
	if err != nil || p.Status != payment.StatusFailed || p.DeclineCode != sim.DeclineCard || p.ProviderRef != "" {
		t.Fatalf("declined card: %+v %v", p, err)
	}
	req2 := visa(newKey("other"), booking, 1500)
	req2.PaymentMethod = "pm_card_stolen_from_nowhere"
	p2, err := e.client.Charge(ctxT(t), req2)
	if err != nil || p2.Status != payment.StatusFailed || p2.DeclineCode != sim.DeclineMethod {
		t.Fatalf("unknown method: %+v %v", p2, err)
	}
	again, err := e.client.Charge(ctxT(t), req)
	if err != nil || again != p {
		t.Fatalf("declined key again: %+v %v, want %+v", again, err, p)
	}
	if e.sim.Charges() != 0 || e.sim.Calls(req.Key) != 1 {
		t.Fatalf("a decline took money or was asked twice: %d charges, %d calls", e.sim.Charges(), e.sim.Calls(req.Key))
	}
	checkLedger(t, e.client, booking)
	for _, ev := range events(t, e.nc, 2) {
		if ev.Type != payment.EventFailed {
			t.Fatalf("event %s", ev.Type)
		}
	}
}

func TestSameKeyTwiceChargesOnce(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	req := visa(newKey("deposit"), newBooking(), 2000)
	first, err := e.client.Charge(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.Charge(ctxT(t), req)
	if err != nil || second != first {
		t.Fatalf("second answer %+v %v, first %+v", second, err, first)
	}
	upper := req
	upper.BookingID = strings.ToUpper(req.BookingID) // the same uuid
	if third, err := e.client.Charge(ctxT(t), upper); err != nil || third != first {
		t.Fatalf("booking id in upper case: %+v %v", third, err)
	}
	if e.sim.Charges() != 1 || e.sim.Calls(req.Key) != 1 {
		t.Fatalf("%d charges, %d provider calls; want 1 and 1", e.sim.Charges(), e.sim.Calls(req.Key))
	}
	l := checkLedger(t, e.client, req.BookingID)
	if len(l.Payments) != 1 {
		t.Fatalf("%d ledger rows", len(l.Payments))
	}
}

func TestSameKeyDifferentRequestIs422(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	req := visa(newKey("deposit"), newBooking(), 2000)
	if _, err := e.client.Charge(ctxT(t), req); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(r *payment.ChargeRequest){
		"amount":         func(r *payment.ChargeRequest) { r.Amount = 2001 },
		"currency":       func(r *payment.ChargeRequest) { r.Currency = "USD" },
		"payment_method": func(r *payment.ChargeRequest) { r.PaymentMethod = "pm_card_mastercard" },
		"booking_id":     func(r *payment.ChargeRequest) { r.BookingID = newBooking() },
	}
	for field, change := range cases {
		r := req
		change(&r)
		_, err := e.client.Charge(ctxT(t), r)
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.IdempotencyKey || ae.Status() != 422 || ae.Details["field"] != field {
			t.Fatalf("%s differs: %v", field, err)
		}
	}
	if e.sim.Charges() != 1 {
		t.Fatalf("%d charges", e.sim.Charges())
	}
}

func TestChargeValidationNamesTheField(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	ok := visa("k", newBooking(), 100)
	cases := []struct {
		field  string
		change func(r *payment.ChargeRequest)
	}{
		{"key", func(r *payment.ChargeRequest) { r.Key = "" }},
		{"key", func(r *payment.ChargeRequest) { r.Key = strings.Repeat("k", 201) }},
		{"booking_id", func(r *payment.ChargeRequest) { r.BookingID = "b1" }},
		{"amount", func(r *payment.ChargeRequest) { r.Amount = 0 }},
		{"amount", func(r *payment.ChargeRequest) { r.Amount = -5 }},
		{"amount", func(r *payment.ChargeRequest) { r.Amount = 10_000_001 }},
		{"currency", func(r *payment.ChargeRequest) { r.Currency = "XYZ" }},
		{"currency", func(r *payment.ChargeRequest) { r.Currency = "eur" }},
		{"payment_method", func(r *payment.ChargeRequest) { r.PaymentMethod = " " }},
	}
	for _, c := range cases {
		r := ok
		c.change(&r)
		_, err := e.client.Charge(ctxT(t), r)
		ae, isApp := apperr.As(err)
		if !isApp || ae.Code != apperr.InvalidInput || ae.Details["field"] != c.field {
			t.Errorf("%s (%+v): %v", c.field, r, err)
		}
	}
	r := ok
	r.Key, r.Amount, r.Currency = "", 0, "nope"
	_, err := e.client.Charge(ctxT(t), r)
	if ae, _ := apperr.As(err); ae == nil || len(ae.Details["fields"].([]any)) != 3 {
		t.Fatalf("three bad fields: %v", err)
	}
	if _, err := e.client.Charge(ctxT(t), visa(strings.Repeat("k", 200), ok.BookingID, 10_000_000)); err != nil {
		t.Fatalf("limits are inclusive: %v", err)
	}
	if e.sim.Charges() != 1 {
		t.Fatalf("%d charges", e.sim.Charges())
	}
}

// TestConcurrentChargesOneKey: 50 callers with one key make exactly one
// provider charge and one ledger row, and all get the same answer.
func TestConcurrentChargesOneKey(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	req := visa(newKey("deposit"), newBooking(), 4200)
	answers := make([]payment.Payment, 50)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			p, err := e.client.Charge(ctxT(t), req)
			if err != nil {
				t.Error(err)
			}
			answers[i] = p
		})
	}
	wg.Wait()
	for i, p := range answers {
		if p.Status != payment.StatusSucceeded || p.ID != answers[0].ID || p.ProviderRef != answers[0].ProviderRef {
			t.Fatalf("answer %d: %+v, answer 0: %+v", i, p, answers[0])
		}
	}
	if e.sim.Charges() != 1 || e.sim.Calls(req.Key) != 1 {
		t.Fatalf("%d provider charges, %d calls; want 1 and 1", e.sim.Charges(), e.sim.Calls(req.Key))
	}
	if l := checkLedger(t, e.client, req.BookingID); len(l.Payments) != 1 {
		t.Fatalf("%d ledger rows", len(l.Payments))
	}
	events(t, e.nc, 1)
}

func TestVoidBeforeChargeSpendsTheKey(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking, key := newBooking(), newKey("deposit")
	v, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking, Reason: "hold expired"})
	if err != nil || v.Status != payment.StatusVoided || v.Amount != 0 || v.Key != key {
		t.Fatalf("void: %+v %v", v, err)
	}
	p, err := e.client.Charge(ctxT(t), visa(key, booking, 1500))
	if err != nil || p.Status != payment.StatusVoided || p.ID != v.ID || p.ProviderRef != "" {
		t.Fatalf("charge of a voided key: %+v %v", p, err)
	}
	if e.sim.Calls(key) != 0 || e.sim.Charges() != 0 {
		t.Fatalf("the provider was called %d times", e.sim.Calls(key))
	}
	again, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking})
	if err != nil || again.ID != v.ID || again.Status != payment.StatusVoided {
		t.Fatalf("void again: %+v %v", again, err)
	}
	if _, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: newBooking()}); apperr.CodeOf(err) != apperr.IdempotencyKey {
		t.Fatalf("void of another booking's key: %v", err)
	}
	if _, err := e.client.Charge(ctxT(t), visa(key, newBooking(), 1500)); apperr.CodeOf(err) != apperr.IdempotencyKey {
		t.Fatalf("charge of another booking's voided key: %v", err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: key + ":r", ChargeKey: key}); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("refund of a voided key: %v", err)
	}
	checkLedger(t, e.client, booking)
	evs := events(t, e.nc, 1)
	if evs[0].Type != payment.EventVoided || evs[0].AggregateID != v.ID {
		t.Fatalf("event %+v", evs[0])
	}
}

func TestVoidAfterSuccessRefundsInFull(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking, key := newBooking(), newKey("deposit")
	p, err := e.client.Charge(ctxT(t), visa(key, booking, 3000))
	if err != nil || p.Status != payment.StatusSucceeded {
		t.Fatal(p, err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: key + ":refund:goodwill", ChargeKey: key, Amount: 1000}); err != nil {
		t.Fatal(err)
	}
	v, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking, Reason: "booking failed"})
	if err != nil || v.Status != payment.StatusRefunded || v.Refunded != 3000 || v.ID != p.ID {
		t.Fatalf("void after success: %+v %v", v, err)
	}
	again, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking})
	if err != nil || again != v {
		t.Fatalf("void again: %+v %v", again, err)
	}
	if e.sim.Kept(key) != 0 || e.sim.Charges() != 1 {
		t.Fatalf("provider keeps %d", e.sim.Kept(key))
	}
	l := checkLedger(t, e.client, booking)
	var sum int64
	for _, r := range l.Refunds {
		sum += r.Amount
	}
	if len(l.Refunds) != 2 || sum != 3000 || l.Refunds[1].Key != key+":void" || l.Refunds[1].Amount != 2000 || l.Refunds[1].Reason != "booking failed" {
		t.Fatalf("ledger refunds: %+v", l.Refunds)
	}
	want := []string{payment.EventSucceeded, payment.EventRefunded, payment.EventVoided, payment.EventRefunded}
	for i, ev := range events(t, e.nc, len(want)) {
		if ev.Type != want[i] || ev.AggregateID != p.ID {
			t.Fatalf("event %d: %s on %s, want %s", i, ev.Type, ev.AggregateID, want[i])
		}
	}
}

// TestTimeoutThenVoidKeepsNoMoney: the provider never answers; the call
// fails and the payment stays pending; a void is recorded; the reconciler
// asks again until it gives up (failed, provider_timeout): nothing is kept.
func TestTimeoutThenVoidKeepsNoMoney(t *testing.T) {
	t.Parallel()
	e := start(t, nil, map[string]string{"CALL_TIMEOUT": "600ms", "PAYMENT_MAX_ATTEMPTS": "3"})
	booking, key := newBooking(), newKey("deposit")
	req := visa(key, booking, 1500)
	req.PaymentMethod = payment.CardTimeout
	_, err := e.client.Charge(ctxT(t), req)
	if c := apperr.CodeOf(err); c != apperr.Timeout && c != apperr.Unavailable {
		t.Fatalf("charge with a provider that never answers: %v", err)
	}
	l := checkLedger(t, e.client, booking)
	if len(l.Payments) != 1 || l.Payments[0].Status != payment.StatusPending {
		t.Fatalf("after the timeout: %+v", l.Payments)
	}
	v, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking, Reason: "hold expired"})
	if err != nil || v.Status != payment.StatusPending {
		t.Fatalf("void of a pending charge: %+v %v", v, err)
	}
	var final payment.Payment
	poll.Eventually(t, 20*time.Second, "the reconciler settles the pending charge", func() error {
		if final = checkLedger(t, e.client, booking).Payments[0]; final.Status == payment.StatusPending {
			return fmt.Errorf("payment %+v", final)
		}
		return nil
	})
	if final.Status != payment.StatusFailed || final.DeclineCode != "provider_timeout" {
		t.Fatalf("settled as %+v", final)
	}
	if e.sim.Calls(key) != 3 || e.sim.Taken(key) || e.sim.Kept(key) != 0 {
		t.Fatalf("provider: %d calls, taken %v", e.sim.Calls(key), e.sim.Taken(key))
	}
	again, err := e.client.Charge(ctxT(t), req)
	if err != nil || again != final {
		t.Fatalf("charge after give-up: %+v %v", again, err)
	}
	evs := events(t, e.nc, 2)
	if evs[0].Type != payment.EventVoided || evs[1].Type != payment.EventFailed {
		t.Fatalf("events %s, %s", evs[0].Type, evs[1].Type)
	}
}

// lossy is the simulator behind a network that loses the answer of the
// first charge call for each key in lose: the money is taken, the caller
// hears nothing.
type lossy struct {
	*sim.Provider
	mu   sync.Mutex
	lose map[string]bool
}

func (l *lossy) Charge(ctx context.Context, key string, amount int64, currency, method string) (string, string, error) {
	ref, decline, err := l.Provider.Charge(ctx, key, amount, currency, method)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lose[key] {
		delete(l.lose, key)
		return "", "", fmt.Errorf("read answer: %w", context.DeadlineExceeded)
	}
	return ref, decline, err
}

// TestLostAnswerThenVoidIsRefunded: the provider took the money but its
// answer was lost; the booking voids the key; the reconciler learns of the
// charge (same key, same answer) and refunds it in full at once.
func TestLostAnswerThenVoidIsRefunded(t *testing.T) {
	t.Parallel()
	booking, key := newBooking(), newKey("deposit")
	e := start(t, &lossy{Provider: sim.New(), lose: map[string]bool{key: true}}, nil)
	if _, err := e.client.Charge(ctxT(t), visa(key, booking, 2500)); apperr.CodeOf(err) != apperr.Timeout {
		t.Fatalf("lost answer: %v", err)
	}
	if !e.sim.Taken(key) {
		t.Fatal("the provider should have taken the money")
	}
	if v, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking}); err != nil || v.Status != payment.StatusPending {
		t.Fatalf("void: %+v %v", v, err)
	}
	var final payment.Payment
	poll.Eventually(t, 20*time.Second, "the reconciler settles and refunds", func() error {
		if final = checkLedger(t, e.client, booking).Payments[0]; final.Status != payment.StatusRefunded {
			return fmt.Errorf("payment %+v", final)
		}
		return nil
	})
	l := checkLedger(t, e.client, booking)
	if final.Refunded != 2500 || len(l.Refunds) != 1 || l.Refunds[0].Key != key+":void" || l.Refunds[0].Status != "succeeded" {
		t.Fatalf("ledger: %+v", l)
	}
	if e.sim.Kept(key) != 0 || e.sim.Charges() != 1 {
		t.Fatalf("provider keeps %d after %d charges", e.sim.Kept(key), e.sim.Charges())
	}
	want := []string{payment.EventVoided, payment.EventSucceeded, payment.EventRefunded}
	for i, ev := range events(t, e.nc, len(want)) {
		if ev.Type != want[i] {
			t.Fatalf("event %d: %s, want %s", i, ev.Type, want[i])
		}
	}
}

// TestRetryAfterLostAnswerAnswersTheCharge: a caller retrying the key after
// the first driver's lease ran out takes the charge over and gets the
// provider's (first) answer; money moved once.
func TestRetryAfterLostAnswerAnswersTheCharge(t *testing.T) {
	t.Parallel()
	booking, key := newBooking(), newKey("deposit")
	// A slow reconciler, so the retry (not the reconciler) settles it.
	e := start(t, &lossy{Provider: sim.New(), lose: map[string]bool{key: true}}, map[string]string{
		"PAYMENT_RECONCILE_INTERVAL": "1h", "CALL_TIMEOUT": "500ms",
	})
	if _, err := e.client.Charge(ctxT(t), visa(key, booking, 900)); apperr.CodeOf(err) != apperr.Timeout {
		t.Fatalf("lost answer: %v", err)
	}
	var p payment.Payment
	poll.Eventually(t, 10*time.Second, "a retry settles the charge", func() error {
		var err error
		if p, err = e.client.Charge(ctxT(t), visa(key, booking, 900)); err != nil {
			return err
		}
		if p.Status != payment.StatusSucceeded {
			return fmt.Errorf("payment %+v", p)
		}
		return nil
	})
	if e.sim.Charges() != 1 || e.sim.Calls(key) != 2 || p.ProviderRef == "" {
		t.Fatalf("%d charges, %d calls, %+v", e.sim.Charges(), e.sim.Calls(key), p)
	}
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking, key := newBooking(), newKey("deposit")
	if _, err := e.client.Charge(ctxT(t), visa(key, booking, 1500)); err != nil {
		t.Fatal(err)
	}
	part := payment.RefundRequest{Key: key + ":refund:1", ChargeKey: key, Amount: 500, Reason: "late table"}
	r1, err := e.client.Refund(ctxT(t), part)
	if err != nil || r1.Status != "succeeded" || r1.Amount != 500 || r1.Currency != "EUR" || r1.BookingID != booking || r1.Reason != "late table" {
		t.Fatalf("refund 500: %+v %v", r1, err)
	}
	again, err := e.client.Refund(ctxT(t), part)
	if err != nil || again != r1 {
		t.Fatalf("refund key again: %+v %v, want %+v", again, err, r1)
	}
	other := part
	other.Amount = 400
	if _, err := e.client.Refund(ctxT(t), other); apperr.CodeOf(err) != apperr.IdempotencyKey {
		t.Fatalf("refund key with another amount: %v", err)
	}
	tooMuch := payment.RefundRequest{Key: key + ":refund:2", ChargeKey: key, Amount: 1001}
	_, err = e.client.Refund(ctxT(t), tooMuch)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.RuleViolation || ae.Status() != 422 || ae.Details["field"] != "amount" {
		t.Fatalf("refund more than left: %v", err)
	}
	rest, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: key + ":refund:3", ChargeKey: key}) // amount 0: the rest
	if err != nil || rest.Amount != 1000 || rest.Status != "succeeded" {
		t.Fatalf("refund the rest: %+v %v", rest, err)
	}
	if again, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: key + ":refund:3", ChargeKey: key}); err != nil || again != rest {
		t.Fatalf("refund-the-rest key again: %+v %v", again, err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: key + ":refund:4", ChargeKey: key, Amount: 1}); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("refund of a refunded payment: %v", err)
	}
	l := checkLedger(t, e.client, booking)
	if l.Payments[0].Status != payment.StatusRefunded || l.Payments[0].Refunded != 1500 || len(l.Refunds) != 2 {
		t.Fatalf("ledger: %+v", l)
	}
	if e.sim.Kept(key) != 0 {
		t.Fatalf("provider keeps %d", e.sim.Kept(key))
	}

	declined := visa(newKey("declined"), booking, 100)
	declined.PaymentMethod = payment.CardDeclined
	if _, err := e.client.Charge(ctxT(t), declined); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: "r-declined", ChargeKey: declined.Key}); apperr.CodeOf(err) != apperr.InvalidState {
		t.Fatalf("refund of a failed charge: %v", err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: "r-none", ChargeKey: "no-such-charge"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("refund of an unknown charge: %v", err)
	}
	second := newKey("second")
	if _, err := e.client.Charge(ctxT(t), visa(second, booking, 700)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: part.Key, ChargeKey: second, Amount: 500}); apperr.CodeOf(err) != apperr.IdempotencyKey {
		t.Fatalf("refund key reused for another charge: %v", err)
	}
	for _, bad := range []payment.RefundRequest{
		{Key: second + ":void", ChargeKey: second},
		{Key: "", ChargeKey: second},
		{Key: "r", ChargeKey: second, Amount: -1},
		{Key: "r", ChargeKey: ""},
	} {
		if _, err := e.client.Refund(ctxT(t), bad); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Fatalf("refund %+v: %v", bad, err)
		}
	}
}

// TestConcurrentRefundsNeverExceedTheCharge: many refunds at once, each
// under its own key: exactly the charge is given back, never more.
func TestConcurrentRefundsNeverExceedTheCharge(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking, key := newBooking(), newKey("deposit")
	if _, err := e.client.Charge(ctxT(t), visa(key, booking, 1000)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var given int64
	for i := range 30 {
		wg.Go(func() {
			r, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: fmt.Sprintf("%s:r%d", key, i), ChargeKey: key, Amount: 100})
			switch c := apperr.CodeOf(err); {
			case err == nil:
				mu.Lock()
				given += r.Amount
				mu.Unlock()
			case c != apperr.RuleViolation && c != apperr.InvalidState:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	l := checkLedger(t, e.client, booking)
	if given != 1000 || l.Payments[0].Refunded != 1000 || l.Payments[0].Status != payment.StatusRefunded || e.sim.Kept(key) != 0 {
		t.Fatalf("given %d, ledger %+v, provider keeps %d", given, l.Payments[0], e.sim.Kept(key))
	}
}

func TestGetValidatesAndAnswersEmptyLedgers(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	l, err := e.client.Get(ctxT(t), newBooking())
	if err != nil || l.Payments == nil || l.Refunds == nil || len(l.Payments) != 0 {
		t.Fatalf("empty ledger: %+v %v", l, err)
	}
	if _, err := e.client.Get(ctxT(t), "nope"); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("bad booking id: %v", err)
	}
}

// TestEventsExactlyOncePerOutcome: replays write nothing; every outcome
// writes one event.
func TestEventsExactlyOncePerOutcome(t *testing.T) {
	t.Parallel()
	e := start(t, nil, nil)
	booking := newBooking()
	ok, declined, voided := newKey("ok"), newKey("declined"), newKey("voided")
	dreq := visa(declined, booking, 100)
	dreq.PaymentMethod = payment.CardDeclined
	for range 3 { // each request three times: one outcome each
		if _, err := e.client.Charge(ctxT(t), visa(ok, booking, 1200)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Charge(ctxT(t), dreq); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Refund(ctxT(t), payment.RefundRequest{Key: ok + ":refund", ChargeKey: ok, Amount: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: voided, BookingID: booking}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: declined, BookingID: booking}); err != nil { // failed: nothing to void
			t.Fatal(err)
		}
	}
	count := map[string]int{}
	for _, ev := range events(t, e.nc, 4) {
		count[ev.Type]++
		if ev.SchemaVersion != payment.SchemaVersion || ev.AggregateType != "payment" {
			t.Fatalf("envelope %+v", ev)
		}
	}
	want := map[string]int{payment.EventSucceeded: 1, payment.EventFailed: 1, payment.EventRefunded: 1, payment.EventVoided: 1}
	for k, n := range want {
		if count[k] != n {
			t.Fatalf("events %v, want %v", count, want)
		}
	}
}

// TestHammer: many callers charge, void and refund a few keys at random
// (half the keys are voided at some point, half never). Afterwards every
// key's ledger explains itself and matches the provider, and no voided key
// keeps money.
func TestHammer(t *testing.T) {
	t.Parallel()
	e := start(t, nil, map[string]string{"SERVICE_WORKERS": "8"})
	const keys, workers, opsEach = 8, 16, 50
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	booking := newBooking()
	names := make([]string, keys)
	for i := range names {
		names[i] = newKey(fmt.Sprintf("k%d", i))
	}
	var mu sync.Mutex
	voided := map[string]bool{}
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		rng := mrand.New(mrand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for range opsEach {
				n := rng.IntN(keys)
				key := names[n]
				var err error
				op := "charge"
				switch x := rng.IntN(10); {
				case x < 4:
					amount := int64(1000 + 10*n)
					if rng.IntN(10) == 0 {
						amount++ // now and then: the same key with another amount
					}
					_, err = e.client.Charge(ctxT(t), visa(key, booking, amount))
				case x < 5 && n%2 == 0:
					op = "void"
					_, err = e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking})
					if err == nil {
						mu.Lock()
						voided[key] = true
						mu.Unlock()
					}
				default:
					op = "refund"
					_, err = e.client.Refund(ctxT(t), payment.RefundRequest{
						Key: fmt.Sprintf("%s:refund:%d", key, rng.IntN(4)), ChargeKey: key, Amount: int64(rng.IntN(5) * 150),
					})
				}
				code := apperr.CodeOf(err)
				if err == nil {
					code = "ok"
				}
				mu.Lock()
				outcomes[op+" "+string(code)]++
				mu.Unlock()
				switch code {
				case "ok", apperr.IdempotencyKey, apperr.RuleViolation, apperr.InvalidState, apperr.NotFound:
				default:
					t.Errorf("worker %d %s %s: %v", w, op, key, err)
				}
			}
		})
	}
	wg.Wait()
	var l payment.Ledger
	poll.Eventually(t, 20*time.Second, "nothing pending", func() error {
		l = checkLedger(t, e.client, booking)
		for _, p := range l.Payments {
			if p.Status == payment.StatusPending {
				return fmt.Errorf("payment %s pending", p.Key)
			}
		}
		for _, r := range l.Refunds {
			if r.Status == "pending" {
				return fmt.Errorf("refund %s pending", r.Key)
			}
		}
		return nil
	})
	taken := 0
	for _, p := range l.Payments {
		kept := p.Amount - p.Refunded
		switch p.Status {
		case payment.StatusSucceeded, payment.StatusRefunded:
			taken++
		default:
			kept = 0
		}
		if e.sim.Kept(p.Key) != kept || e.sim.Taken(p.Key) != (p.ProviderRef != "") {
			t.Errorf("%s: ledger %+v keeps %d, provider keeps %d", p.Key, p, kept, e.sim.Kept(p.Key))
		}
		if voided[p.Key] && (kept != 0 || p.Status == payment.StatusSucceeded) {
			t.Errorf("voided key %s keeps %d: %+v", p.Key, kept, p)
		}
	}
	if e.sim.Charges() != taken {
		t.Fatalf("provider took money %d times, ledger shows %d charges", e.sim.Charges(), taken)
	}
	t.Logf("hammer: %d payments, %d refunds, %d voided keys, %d charges; outcomes %v", len(l.Payments), len(l.Refunds), len(voided), taken, outcomes)
}

// TestStripeProviderThroughTheService: PAYMENT_PROVIDER=stripe against
// stripe-mock, end to end through NATS.
func TestStripeProviderThroughTheService(t *testing.T) {
	t.Parallel()
	e := start(t, nil, map[string]string{
		"PAYMENT_PROVIDER": "stripe", "STRIPE_API_KEY": "sk_test_slotmesh", "STRIPE_API_BASE": testenv.StartStripeMock(t),
	})
	booking, key := newBooking(), newKey("deposit")
	p, err := e.client.Charge(ctxT(t), visa(key, booking, 1500))
	if err != nil || p.Status != payment.StatusSucceeded || !strings.HasPrefix(p.ProviderRef, "pi_") {
		t.Fatalf("charge through Stripe: %+v %v", p, err)
	}
	v, err := e.client.Void(ctxT(t), payment.VoidRequest{Key: key, BookingID: booking})
	if err != nil || v.Status != payment.StatusRefunded || v.Refunded != 1500 {
		t.Fatalf("void through Stripe: %+v %v", v, err)
	}
	if l := checkLedger(t, e.client, booking); len(l.Refunds) != 1 || l.Refunds[0].Status != "succeeded" {
		t.Fatalf("ledger: %+v", l)
	}
}

// BenchmarkCharge measures charges per second through NATS with the
// simulated provider: one new key per charge (insert, provider, settle with
// its event), many callers at once.
func BenchmarkCharge(b *testing.B) {
	e := start(b, nil, map[string]string{"PAYMENT_RECONCILE_INTERVAL": "1s"})
	booking := newBooking()
	prefix := newKey("bench")
	var n sync.Mutex
	seq := 0
	next := func() string {
		n.Lock()
		defer n.Unlock()
		seq++
		return fmt.Sprintf("%s:%d", prefix, seq)
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := e.client.Charge(context.Background(), visa(next(), booking, 1500))
			if err != nil || p.Status != payment.StatusSucceeded {
				b.Errorf("%+v %v", p, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "charges/s")
}
