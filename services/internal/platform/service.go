package platform

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
)

// ServiceSpec describes a micro service: its name, semver version, the group
// its endpoints live in and the endpoints.
type ServiceSpec struct {
	Name        string
	Version     string // semver, e.g. 0.1.0
	Description string
	Group       string // e.g. svc.user.v1
	Endpoints   []Endpoint
	// Instances is how many micro service instances to add on the connection.
	// micro runs one endpoint's handler serially per subscription; several
	// instances in the same queue group give a process concurrency while keeping
	// micro's stats exact. 0 means 4.
	Instances int
}

// Services is a set of running micro service instances.
type Services []micro.Service

// AddServices registers spec on nc. Requests are load-balanced by the queue
// group across instances and across processes (replicas).
func AddServices(nc *nats.Conn, spec ServiceSpec) (Services, error) {
	n := spec.Instances
	if n <= 0 {
		n = 4
	}
	var out Services
	for i := 0; i < n; i++ {
		svc, err := micro.AddService(nc, micro.Config{
			Name:        spec.Name,
			Version:     spec.Version,
			Description: spec.Description,
		})
		if err != nil {
			_ = out.Stop()
			return nil, fmt.Errorf("add micro service %s: %w", spec.Name, err)
		}
		out = append(out, svc)
		g := svc.AddGroup(spec.Group)
		for _, e := range spec.Endpoints {
			if err := g.AddEndpoint(e.Name, e.Handler); err != nil {
				_ = out.Stop()
				return nil, fmt.Errorf("add endpoint %s.%s: %w", spec.Group, e.Name, err)
			}
		}
	}
	// Make sure the server has every subscription before callers are told we
	// are up; otherwise a first request can meet "no responders".
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		_ = out.Stop()
		return nil, fmt.Errorf("add micro service %s: flush: %w", spec.Name, err)
	}
	return out, nil
}

// Stop drains every instance: requests in flight finish, no new ones arrive.
func (s Services) Stop() error {
	var errs []error
	for _, svc := range s {
		if err := svc.Stop(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
