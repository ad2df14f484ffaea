package archive

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slotmesh/slotmesh/services/archive/adapters/cassandra"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// Archive drivers (ARCHIVE_URL).
const (
	DriverPostgres  = "postgres"  // "" or "postgres": the schema "archive" on PG_URL (default)
	DriverCassandra = "cassandra" // cassandra://host1,host2/keyspace?consistency=quorum
)

// Config of the archive service.
type Config struct {
	platform.Config
	Kafka      kafka.Config
	ArchiveURL string // ARCHIVE_URL: "" or "postgres" (PG_URL), or cassandra://host1,host2/keyspace?consistency=quorum
	Workers    int    // SERVICE_WORKERS: concurrent handlers per process (ADR 0021)
	Consumers  int    // ARCHIVE_CONSUMERS: consumer-group members in this process (parallel partitions)
}

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:     platform.BaseFromEnv(getenv, &errs),
		Kafka:      kafka.FromEnv(getenv, &errs),
		ArchiveURL: e.Str("ARCHIVE_URL", ""),
		Workers:    e.Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", platform.DefaultWorkers, &errs),
		Consumers:  e.Int("ARCHIVE_CONSUMERS", 2, &errs),
	}
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Driver is the archive driver ARCHIVE_URL names.
func (c Config) Driver() string {
	if c.ArchiveURL == "" || c.ArchiveURL == DriverPostgres {
		return DriverPostgres
	}
	// Not url.Parse: a Cassandra host list with ports is no valid URL host.
	if scheme, _, ok := strings.Cut(c.ArchiveURL, "://"); ok {
		return strings.ToLower(scheme)
	}
	return ""
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(), c.Kafka.Validate()}
	switch c.Driver() {
	case DriverPostgres:
	case DriverCassandra:
		if _, err := cassandra.ParseURL(c.ArchiveURL); err != nil {
			errs = append(errs, fmt.Errorf("ARCHIVE_URL: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("ARCHIVE_URL: %q is neither postgres nor a cassandra:// URL", platform.RedactURL(c.ArchiveURL)))
	}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("SERVICE_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	if c.Consumers < 1 || c.Consumers > 64 {
		errs = append(errs, fmt.Errorf("ARCHIVE_CONSUMERS: %d not in 1..64", c.Consumers))
	}
	return errors.Join(errs...)
}
