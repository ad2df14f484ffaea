package booking

import (
	"errors"
	"fmt"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Config of the booking service.
type Config struct {
	platform.Config
	Workers        int           // BOOKING_WORKERS: concurrent handlers per process (ADR 0021)
	HoldTTL        time.Duration // HOLD_TTL: a BLOCKED hold's life while its payment is unknown
	PaymentTimeout time.Duration // PAYMENT_TIMEOUT: one deposit charge
	SweepEvery     time.Duration // SWEEP_INTERVAL
	HoldRetries    int           // HOLD_RETRIES: after an exclusion-constraint conflict
	ChangeTTL      time.Duration // CHANGE_TTL: an open change of a booking not ended by then is abandoned
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:         platform.BaseFromEnv(getenv, &errs),
		Workers:        e.Workers("BOOKING_WORKERS", "BOOKING_INSTANCES", 16, &errs),
		HoldTTL:        e.Duration("HOLD_TTL", 2*time.Minute, &errs),
		PaymentTimeout: e.Duration("PAYMENT_TIMEOUT", 3*time.Second, &errs),
		SweepEvery:     e.Duration("SWEEP_INTERVAL", time.Second, &errs),
		HoldRetries:    e.Int("HOLD_RETRIES", 4, &errs),
	}
	if getenv("PG_MAX_CONNS") == "" {
		c.PGMaxConns = c.Workers + 8 // a connection per concurrent handler, and the relay, sweeper and consumers
	}
	if getenv("CALL_TIMEOUT") == "" {
		c.CallTimeout = 10 * time.Second // a booking waits for payment
	}
	// An open change is abandoned only once no request can still be
	// making it: by default a minute, or twice a longer call deadline.
	c.ChangeTTL = e.Duration("CHANGE_TTL", max(time.Minute, 2*c.CallTimeout), &errs)
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("BOOKING_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	if c.HoldTTL < time.Second {
		errs = append(errs, fmt.Errorf("HOLD_TTL: %s is too short", c.HoldTTL))
	}
	if c.PaymentTimeout <= 0 || c.PaymentTimeout >= c.CallTimeout {
		errs = append(errs, fmt.Errorf("PAYMENT_TIMEOUT: %s must be positive and below CALL_TIMEOUT %s", c.PaymentTimeout, c.CallTimeout))
	}
	if c.SweepEvery <= 0 {
		errs = append(errs, errors.New("SWEEP_INTERVAL: must be positive"))
	}
	if c.ChangeTTL < 2*c.CallTimeout {
		errs = append(errs, fmt.Errorf("CHANGE_TTL: %s must be at least twice CALL_TIMEOUT %s (a change is abandoned only once nobody can still be making it)", c.ChangeTTL, c.CallTimeout))
	}
	if c.HoldRetries < 0 || c.HoldRetries > 20 {
		errs = append(errs, fmt.Errorf("HOLD_RETRIES: %d not in 0..20", c.HoldRetries))
	}
	return errors.Join(errs...)
}
