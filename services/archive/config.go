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
	Instances  int    // SERVICE_INSTANCES: micro instances (concurrent handlers) per process
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
		Instances:  e.Int("SERVICE_INSTANCES", 4, &errs),
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
	if c.Instances < 1 || c.Instances > 256 {
		errs = append(errs, fmt.Errorf("SERVICE_INSTANCES: %d not in 1..256", c.Instances))
	}
	if c.Consumers < 1 || c.Consumers > 64 {
		errs = append(errs, fmt.Errorf("ARCHIVE_CONSUMERS: %d not in 1..64", c.Consumers))
	}
	return errors.Join(errs...)
}
