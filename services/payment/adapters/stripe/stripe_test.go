package stripe_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/adapters/providertest"
	"github.com/slotmesh/slotmesh/services/payment/adapters/stripe"
	"github.com/slotmesh/slotmesh/services/payment/app"
	"github.com/slotmesh/slotmesh/testenv"
)

const testKey = "sk_test_slotmesh"

// TestConformanceAgainstStripeMock runs the shared suite against stripe-mock.
func TestConformanceAgainstStripeMock(t *testing.T) {
	t.Parallel()
	base := testenv.StartStripeMock(t)
	const fixtures = "stripe-mock answers every card with the same fixture; it never declines (declines are covered by TestRecordedAnswers)"
	const noReplay = "stripe-mock does not replay idempotent requests (every answer has a fresh id); it only echoes Idempotency-Key, which TestRequestsCarryKeyAndParams checks"
	providertest.RunConformance(t, func(*testing.T) app.Provider {
		return stripe.New(stripe.Config{Key: testKey, BaseURL: base})
	},
		providertest.Skip(providertest.CaseDeclinedDeclines, fixtures),
		providertest.Skip(providertest.CaseSameKeySameDecline, fixtures),
		providertest.Skip(providertest.CaseSameKeySameRef, noReplay),
		providertest.Skip(providertest.CaseRefundSameKeySameRef, noReplay),
	)
}

// recorder is an http.RoundTripper that keeps every request it forwards.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	form         url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{method: req.Method, path: req.URL.Path, header: req.Header.Clone(), form: form})
	r.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	return http.DefaultTransport.RoundTrip(req)
}

// TestRequestsCarryKeyAndParams checks what the driver sends, against
// stripe-mock (which validates it with Stripe's OpenAPI spec).
func TestRequestsCarryKeyAndParams(t *testing.T) {
	t.Parallel()
	base := testenv.StartStripeMock(t)
	rec := &recorder{}
	p := stripe.New(stripe.Config{Key: testKey, BaseURL: base, HTTPClient: &http.Client{Transport: rec}})
	ctx := context.Background()
	ref, decline, err := p.Charge(ctx, "booking:b1:deposit", 2500, "EUR", payment.CardVisa)
	if err != nil || ref == "" || decline != "" {
		t.Fatalf("charge: %q %q %v", ref, decline, err)
	}
	rref, err := p.Refund(ctx, "booking:b1:refund:cancel", ref, 1000)
	if err != nil || rref == "" {
		t.Fatalf("refund: %q %v", rref, err)
	}
	if len(rec.reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(rec.reqs))
	}
	c, r := rec.reqs[0], rec.reqs[1]
	want := map[string]string{
		"amount": "2500", "currency": "eur", "confirm": "true", "payment_method": payment.CardVisa,
		"payment_method_types[0]": "card", "metadata[slotmesh_key]": "booking:b1:deposit",
	}
	if c.method != http.MethodPost || c.path != "/v1/payment_intents" || c.header.Get("Idempotency-Key") != "booking:b1:deposit" {
		t.Fatalf("charge request: %s %s, Idempotency-Key %q", c.method, c.path, c.header.Get("Idempotency-Key"))
	}
	for k, v := range want {
		if c.form.Get(k) != v {
			t.Errorf("charge form %s = %q, want %q (form %v)", k, c.form.Get(k), v, c.form)
		}
	}
	if !strings.HasPrefix(c.header.Get("Authorization"), "Bearer "+testKey) {
		t.Errorf("charge not authorised with the key")
	}
	if r.path != "/v1/refunds" || r.header.Get("Idempotency-Key") != "booking:b1:refund:cancel" ||
		r.form.Get("payment_intent") != ref || r.form.Get("amount") != "1000" {
		t.Fatalf("refund request: %s, key %q, form %v", r.path, r.header.Get("Idempotency-Key"), r.form)
	}
}

// stripeAPI serves recorded Stripe answers: the handler for a path answers
// with a status and body, and requests are counted.
type stripeAPI struct {
	mu     sync.Mutex
	routes map[string]func() (int, string)
	calls  map[string]int
}

func (s *stripeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[r.URL.Path]++
	route, ok := s.routes[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	status, body := route()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_recorded")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func serve(t *testing.T, routes map[string]func() (int, string)) (*stripe.Provider, *stripeAPI) {
	t.Helper()
	api := &stripeAPI{routes: routes, calls: map[string]int{}}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return stripe.New(stripe.Config{Key: testKey, BaseURL: srv.URL, Retries: -1}), api
}

func answer(status int, body string) func() (int, string) {
	return func() (int, string) { return status, body }
}

// Recorded Stripe bodies (trimmed to the fields the driver reads).
const (
	cardDeclinedInsufficient = `{"error":{"charge":"ch_3Q","code":"card_declined","decline_code":"insufficient_funds",
		"doc_url":"https://stripe.com/docs/error-codes/card-declined","message":"Your card has insufficient funds.",
		"payment_intent":{"id":"pi_3Q","object":"payment_intent","status":"requires_payment_method"},"type":"card_error"}}`
	cardDeclinedGeneric = `{"error":{"code":"card_declined","message":"Your card was declined.","type":"card_error"}}`
	noSuchPaymentMethod = `{"error":{"code":"resource_missing","message":"No such PaymentMethod: 'pm_nope'",
		"param":"payment_method","type":"invalid_request_error"}}`
	amountTooSmall = `{"error":{"code":"amount_too_small","message":"Amount must be at least €0.50 eur",
		"param":"amount","type":"invalid_request_error"}}`
	apiError       = `{"error":{"message":"An unknown error occurred","type":"api_error"}}`
	rateLimited    = `{"error":{"code":"rate_limit","message":"Too many requests","type":"invalid_request_error"}}`
	idempotencyErr = `{"error":{"message":"Keys for idempotent requests can only be used with the same parameters they were first used with.","type":"idempotency_error"}}`
	piSucceeded    = `{"id":"pi_ok","object":"payment_intent","amount":1500,"currency":"eur","status":"succeeded"}`
	piRequiresPM   = `{"id":"pi_rpm","object":"payment_intent","status":"requires_payment_method",
		"last_payment_error":{"code":"card_declined","decline_code":"do_not_honor","type":"card_error"}}`
	piRequiresAction = `{"id":"pi_3ds","object":"payment_intent","status":"requires_action","next_action":{"type":"use_stripe_sdk"}}`
	piCanceled3DS    = `{"id":"pi_3ds","object":"payment_intent","status":"canceled"}`
	piProcessing     = `{"id":"pi_slow","object":"payment_intent","status":"processing"}`
	refundOK         = `{"id":"re_ok","object":"refund","amount":500,"payment_intent":"pi_ok","status":"succeeded"}`
	refundPending    = `{"id":"re_pending","object":"refund","amount":500,"payment_intent":"pi_ok","status":"pending"}`
	refundFailed     = `{"id":"re_failed","object":"refund","amount":500,"status":"failed","failure_reason":"expired_or_canceled_card"}`
	alreadyRefunded  = `{"error":{"code":"charge_already_refunded","message":"Charge ch_3Q has already been refunded.","type":"invalid_request_error"}}`
)

// TestRecordedAnswers maps Stripe's recorded answers to outcomes: declines
// are answers, outages are errors, a PaymentIntent needing 3-D Secure is
// cancelled and declined.
func TestRecordedAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		status  int
		body    string
		ref     string
		decline string
		err     bool
	}{
		{"succeeded", 200, piSucceeded, "pi_ok", "", false},
		{"card declined with decline code", 402, cardDeclinedInsufficient, "", "insufficient_funds", false},
		{"card declined without decline code", 402, cardDeclinedGeneric, "", "card_declined", false},
		{"unknown payment method", 400, noSuchPaymentMethod, "", "resource_missing", false},
		{"amount below the minimum", 400, amountTooSmall, "", "amount_too_small", false},
		{"requires_payment_method", 200, piRequiresPM, "", "do_not_honor", false},
		{"processing is no answer yet", 200, piProcessing, "", "", true},
		{"api error is no answer", 500, apiError, "", "", true},
		{"rate limited is no answer", 429, rateLimited, "", "", true},
		{"idempotency error is no answer", 400, idempotencyErr, "", "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, _ := serve(t, map[string]func() (int, string){"/v1/payment_intents": answer(c.status, c.body)})
			ref, decline, err := p.Charge(context.Background(), "k", 1500, "EUR", payment.CardVisa)
			if ref != c.ref || decline != c.decline || (err != nil) != c.err {
				t.Fatalf("got %q, %q, %v; want %q, %q, error %v", ref, decline, err, c.ref, c.decline, c.err)
			}
		})
	}
	t.Run("requires_action is cancelled and declined", func(t *testing.T) {
		t.Parallel()
		p, api := serve(t, map[string]func() (int, string){
			"/v1/payment_intents":               answer(200, piRequiresAction),
			"/v1/payment_intents/pi_3ds/cancel": answer(200, piCanceled3DS),
		})
		ref, decline, err := p.Charge(context.Background(), "k3ds", 1500, "EUR", "pm_card_threeDSecure2Required")
		if ref != "" || decline != stripe.DeclineAuthRequired || err != nil {
			t.Fatalf("got %q, %q, %v", ref, decline, err)
		}
		if api.calls["/v1/payment_intents/pi_3ds/cancel"] != 1 {
			t.Fatalf("cancel calls: %v", api.calls)
		}
	})
	refunds := []struct {
		name    string
		status  int
		body    string
		ref     string
		refused string // the refusal code; "" when not refused
		err     bool
	}{
		{"refund succeeded", 200, refundOK, "re_ok", "", false},
		{"refund pending is Stripe's to finish", 200, refundPending, "re_pending", "", false},
		{"refund failed is refused", 200, refundFailed, "", "expired_or_canceled_card", true},
		{"already refunded is refused", 400, alreadyRefunded, "", "charge_already_refunded", true},
		{"refund api error is no answer", 500, apiError, "", "", true},
	}
	for _, c := range refunds {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, _ := serve(t, map[string]func() (int, string){"/v1/refunds": answer(c.status, c.body)})
			ref, err := p.Refund(context.Background(), "rk", "pi_ok", 500)
			refused := errors.Is(err, app.ErrRefused)
			if ref != c.ref || (err != nil) != c.err || refused != (c.refused != "") || refused && app.RefusalCode(err) != c.refused {
				t.Fatalf("got %q, %v (refused %v); want %q, refused %q", ref, err, refused, c.ref, c.refused)
			}
		})
	}
}

// TestDeadlineIsNoAnswer: a Stripe that does not answer within the call's
// deadline is an error (the payment stays pending), not a decline.
func TestDeadlineIsNoAnswer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	p := stripe.New(stripe.Config{Key: testKey, BaseURL: srv.URL, Retries: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ref, decline, err := p.Charge(ctx, "slow", 1500, "EUR", payment.CardVisa)
	if err == nil || ref != "" || decline != "" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %q, %q, %v; want a deadline error", ref, decline, err)
	}
}
