package vendors

import (
	"errors"
	"fmt"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Config of the vendor service.
type Config struct {
	platform.Config
	Workers int // SERVICE_WORKERS: concurrent handlers per process (ADR 0021)
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := Config{
		Config:  platform.BaseFromEnv(getenv, &errs),
		Workers: platform.Env(getenv).Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", platform.DefaultWorkers, &errs),
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
	return errors.Join(errs...)
}
