// Package stripe is the Stripe payment provider (stripe-go). A charge is a
// PaymentIntent created and confirmed in one call (confirm=true, card only,
// automatic capture) with our key as Stripe's Idempotency-Key, so a repeated
// call answers the first outcome and takes money once; a refund is a Refund
// of that PaymentIntent with the refund key as Idempotency-Key. Stripe keeps
// idempotency keys for at least 24 hours, longer than the reconciler takes to
// give a charge up.
//
// Outcomes: a PaymentIntent that comes back succeeded is money taken (its id
// is the ref); a card_error, or a request Stripe rejects as invalid (an
// unknown payment method, an amount below the minimum), is a decline with
// Stripe's decline_code (or its error code); a PaymentIntent that needs the
// customer (requires_action: 3-D Secure) cannot be completed by a deposit
// taken server-side, so it is cancelled and declined
// "authentication_required". Anything else (network, 5xx, rate limit,
// processing) is "no answer": the payment stays pending and is asked again
// with the same key.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/slotmesh/slotmesh/services/payment/app"
)

// DefaultBaseURL is Stripe's API.
const DefaultBaseURL = "https://api.stripe.com"

// Decline codes this driver makes itself.
const (
	DeclineAuthRequired = "authentication_required"
	DeclineCanceled     = "canceled"
	DeclineGeneric      = "card_declined"
)

// Config of the driver.
type Config struct {
	Key        string       // STRIPE_API_KEY (secret)
	BaseURL    string       // STRIPE_API_BASE; DefaultBaseURL when empty (stripe-mock in tests)
	HTTPClient *http.Client // nil: a client with a 30 s timeout (calls are bounded by their context too)
	Retries    int64        // stripe-go's own network retries (same idempotency key); default 2, -1 for none
}

// Provider is the Stripe driver.
type Provider struct{ c *stripego.Client }

var _ app.Provider = (*Provider)(nil)

// New returns the driver.
func New(cfg Config) *Provider {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	retries := cfg.Retries
	switch {
	case retries == 0:
		retries = 2
	case retries < 0:
		retries = 0
	}
	backends := stripego.NewBackendsWithConfig(&stripego.BackendConfig{
		URL:               stripego.String(strings.TrimRight(base, "/")),
		HTTPClient:        hc,
		MaxNetworkRetries: stripego.Int64(retries),
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull}, // we log at our edges
	})
	return &Provider{c: stripego.NewClient(cfg.Key, stripego.WithBackends(backends))}
}

// Charge creates and confirms a PaymentIntent.
func (p *Provider) Charge(ctx context.Context, key string, amount int64, currency, method string) (string, string, error) {
	params := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(amount),
		Currency:           stripego.String(strings.ToLower(currency)),
		PaymentMethod:      stripego.String(method),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Confirm:            stripego.Bool(true),
	}
	params.SetIdempotencyKey(key)
	params.AddMetadata("slotmesh_key", key)
	pi, err := p.c.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		if code, ok := declineOf(err); ok {
			return "", code, nil
		}
		return "", "", fmt.Errorf("stripe: create payment intent: %w", err)
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		return pi.ID, "", nil
	case stripego.PaymentIntentStatusRequiresPaymentMethod:
		code := DeclineGeneric
		if e := pi.LastPaymentError; e != nil {
			code = codeOf(e, code)
		}
		return "", code, nil
	case stripego.PaymentIntentStatusRequiresAction, stripego.PaymentIntentStatusRequiresConfirmation:
		// Nobody is there to authenticate: make sure it can never complete.
		cp := &stripego.PaymentIntentCancelParams{}
		cp.SetIdempotencyKey(key + ":cancel")
		if _, err := p.c.V1PaymentIntents.Cancel(ctx, pi.ID, cp); err != nil {
			return "", "", fmt.Errorf("stripe: cancel payment intent %s needing authentication: %w", pi.ID, err)
		}
		return "", DeclineAuthRequired, nil
	case stripego.PaymentIntentStatusCanceled:
		return "", DeclineCanceled, nil
	}
	return "", "", fmt.Errorf("stripe: payment intent %s is %s, not settled yet", pi.ID, pi.Status)
}

// Refund refunds amount of the PaymentIntent chargeRef.
func (p *Provider) Refund(ctx context.Context, key, chargeRef string, amount int64) (string, error) {
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(chargeRef),
		Amount:        stripego.Int64(amount),
	}
	params.SetIdempotencyKey(key)
	params.AddMetadata("slotmesh_key", key)
	r, err := p.c.V1Refunds.Create(ctx, params)
	if err != nil {
		var se *stripego.Error
		if errors.As(err, &se) && se.Type == stripego.ErrorTypeInvalidRequest && se.HTTPStatusCode/100 == 4 {
			return "", app.Refused(codeOf(se, "invalid_request"))
		}
		return "", fmt.Errorf("stripe: create refund: %w", err)
	}
	switch r.Status {
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		reason := string(r.Status)
		if r.FailureReason != "" {
			reason = string(r.FailureReason)
		}
		return "", app.Refused(reason)
	}
	// succeeded, or pending (Stripe settles card refunds asynchronously and
	// practically always): the refund is Stripe's to complete.
	return r.ID, nil
}

// declineOf reports the decline code of an error that is a definite "no":
// a card error, or a request Stripe refused as invalid (not a key reused
// with other parameters, not a rate limit or an outage).
func declineOf(err error) (string, bool) {
	var se *stripego.Error
	if !errors.As(err, &se) {
		return "", false
	}
	switch {
	case se.Type == stripego.ErrorTypeCard:
		return codeOf(se, DeclineGeneric), true
	case se.Type == stripego.ErrorTypeInvalidRequest && (se.HTTPStatusCode == http.StatusBadRequest || se.HTTPStatusCode == http.StatusNotFound):
		return codeOf(se, "invalid_request"), true
	}
	return "", false
}

// codeOf is a Stripe error's most specific code: decline_code, then code.
func codeOf(e *stripego.Error, def string) string {
	switch {
	case e.DeclineCode != "":
		return string(e.DeclineCode)
	case e.Code != "":
		return string(e.Code)
	}
	return def
}
