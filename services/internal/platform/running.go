package platform

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Running is a service being started, then running: everything its Start
// opened (connections, consumers, jobs, its micro service), each with how to
// stop it. Fail and Stop stop them in the reverse order of opening, so a
// service stops taking requests first and closes its connections last, and a
// Start that fails half-way leaves nothing behind. A service's Start is then
// a list of steps, each `if err != nil { return nil, run.Fail(err) }`.
type Running struct {
	name string
	log  *slog.Logger

	mu      sync.Mutex
	stops   []func() error
	stopped bool
	err     error
}

// NewRunning begins the start of the service name; the logger it returns
// names the service in every line.
func NewRunning(name string, log *slog.Logger) (*Running, *slog.Logger) {
	log = log.With(KeyService, name)
	return &Running{name: name, log: log}, log
}

// Endpoints are the options of the service's endpoints: its logger and a
// handler deadline of timeout.
func (r *Running) Endpoints(timeout time.Duration) EndpointOptions {
	return EndpointOptions{Log: r.log, Timeout: timeout}
}

// Defer adds f to what Stop runs (before everything added earlier).
func (r *Running) Defer(f func()) {
	r.DeferErr(func() error { f(); return nil })
}

// DeferErr is Defer for a stop that can fail; Stop reports its error.
func (r *Running) DeferErr(f func() error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stops = append(r.stops, f)
}

// Serve registers the service's micro endpoints (AddService, the service's
// name unless spec has one) as the last step of a start, so that it answers
// only once everything it needs runs, and logs that it started.
func (r *Running) Serve(nc *nats.Conn, spec ServiceSpec, endpoints []Endpoint) error {
	if spec.Name == "" {
		spec.Name = r.name
	}
	spec.Endpoints = append(spec.Endpoints, endpoints...)
	svc, err := AddService(nc, spec)
	if err != nil {
		return err
	}
	r.DeferErr(svc.Stop)
	workers := spec.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	r.log.Info(r.name+" service started", "workers", workers)
	return nil
}

// Fail stops whatever was started and returns err naming the service: what
// a Start returns when a step fails.
func (r *Running) Fail(err error) error {
	_ = r.stop()
	return fmt.Errorf("%s: %w", r.name, err)
}

// Stop stops taking requests, lets those in flight finish, stops the
// service's consumers and jobs and closes its connections: everything its
// Start added, last first. It may be called more than once.
func (r *Running) Stop() error {
	err := r.stop()
	r.log.Info(r.name + " service stopped")
	return err
}

func (r *Running) stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return r.err
	}
	r.stopped = true
	var errs []error
	for i := len(r.stops) - 1; i >= 0; i-- {
		if err := r.stops[i](); err != nil {
			errs = append(errs, err)
		}
	}
	r.stops = nil
	r.err = errors.Join(errs...)
	return r.err
}
