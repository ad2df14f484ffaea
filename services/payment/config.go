package payment

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Payment providers (PAYMENT_PROVIDER).
const (
	ProviderSim    = "sim"    // built-in simulated provider with Stripe's test cards (default)
	ProviderStripe = "stripe" // Stripe (stripe-go); STRIPE_API_BASE points it at stripe-mock in tests
)

// Config of the payment service.
type Config struct {
	platform.Config
	Workers           int           // SERVICE_WORKERS: concurrent handlers per process (ADR 0021)
	Provider          string        // PAYMENT_PROVIDER: sim or stripe
	StripeKey         string        // STRIPE_API_KEY (secret: never logged)
	StripeBase        string        // STRIPE_API_BASE: Stripe's API, or stripe-mock
	ReconcileInterval time.Duration // PAYMENT_RECONCILE_INTERVAL: how often the reconciler looks for unsettled work
	ReconcileGrace    time.Duration // PAYMENT_RECONCILE_GRACE: a pending row is re-driven only after this (and never before CALL_TIMEOUT)
	MaxAttempts       int           // PAYMENT_MAX_ATTEMPTS: provider calls before a charge is given up (failed, provider_timeout)
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:            platform.BaseFromEnv(getenv, &errs),
		Workers:           e.Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", platform.DefaultWorkers, &errs),
		Provider:          e.Str("PAYMENT_PROVIDER", ProviderSim),
		StripeKey:         e.Str("STRIPE_API_KEY", ""),
		StripeBase:        e.Str("STRIPE_API_BASE", "https://api.stripe.com"),
		ReconcileInterval: e.Duration("PAYMENT_RECONCILE_INTERVAL", 5*time.Second, &errs),
		ReconcileGrace:    e.Duration("PAYMENT_RECONCILE_GRACE", 10*time.Second, &errs),
		MaxAttempts:       e.Int("PAYMENT_MAX_ATTEMPTS", 5, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("SERVICE_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	switch c.Provider {
	case ProviderSim:
	case ProviderStripe:
		if c.StripeKey == "" {
			errs = append(errs, errors.New("STRIPE_API_KEY: required with PAYMENT_PROVIDER=stripe"))
		}
		if u, err := url.Parse(c.StripeBase); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("STRIPE_API_BASE: not an http(s) URL: %q", c.StripeBase))
		}
	default:
		errs = append(errs, fmt.Errorf("PAYMENT_PROVIDER: %q is not %s or %s", c.Provider, ProviderSim, ProviderStripe))
	}
	if c.ReconcileInterval < 10*time.Millisecond || c.ReconcileInterval > time.Hour {
		errs = append(errs, fmt.Errorf("PAYMENT_RECONCILE_INTERVAL: %s not in 10ms..1h", c.ReconcileInterval))
	}
	if c.ReconcileGrace < 10*time.Millisecond || c.ReconcileGrace > 24*time.Hour {
		errs = append(errs, fmt.Errorf("PAYMENT_RECONCILE_GRACE: %s not in 10ms..24h", c.ReconcileGrace))
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 100 {
		errs = append(errs, fmt.Errorf("PAYMENT_MAX_ATTEMPTS: %d not in 1..100", c.MaxAttempts))
	}
	return errors.Join(errs...)
}
