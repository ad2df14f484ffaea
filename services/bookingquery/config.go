package bookingquery

import (
	"errors"
	"fmt"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Config of booking management.
type Config struct {
	platform.Config
	Workers int // BOOKINGQUERY_WORKERS: concurrent handlers per process (ADR 0021)
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := Config{
		Config:  platform.BaseFromEnv(getenv, &errs),
		Workers: platform.Env(getenv).Workers("BOOKINGQUERY_WORKERS", "BOOKINGS_INSTANCES", platform.DefaultWorkers, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("BOOKINGQUERY_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	return errors.Join(errs...)
}
