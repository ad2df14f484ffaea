package bookings

import (
	"errors"
	"fmt"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Config of booking management.
type Config struct {
	platform.Config
	Instances int // BOOKINGS_INSTANCES: concurrent handlers
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	c := Config{
		Config:    platform.BaseFromEnv(getenv, &errs),
		Instances: platform.Env(getenv).Int("BOOKINGS_INSTANCES", 4, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.Instances < 1 || c.Instances > 256 {
		errs = append(errs, fmt.Errorf("BOOKINGS_INSTANCES: %d not in 1..256", c.Instances))
	}
	return errors.Join(errs...)
}
