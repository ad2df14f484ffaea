package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// Workers is how many requests the process handles at once, over all its
	// endpoints. While every worker is busy a request waits in its endpoint's
	// subscription buffer (ADR 0021). 0 means DefaultWorkers.
	Workers int
}

// DefaultWorkers is the worker pool of a service that does not choose one.
// Handlers wait on I/O (Postgres, Redis, other services) far more than they
// compute; 32 is about three times the default Postgres pool (PG_MAX_CONNS
// 12), so requests answered from the cache are not queued behind those
// waiting for a connection, while a burst stays bounded.
const DefaultWorkers = 32

// pendingPerWorker sizes each endpoint subscription's pending buffer (the
// requests received while every worker is busy): 256 per worker, 8192 with
// DefaultWorkers. nats.go's default, 500,000, would keep serving requests
// long after their callers gave up; over the limit NATS drops requests (the
// caller times out) and the endpoint's stats count a slow-consumer error.
const pendingPerWorker = 256

// Service is one nats.go micro service (ADR-32 service protocol) whose
// handlers run on a bounded worker pool: `nats micro ls` shows it once per
// process, and `nats micro info/stats/ping` answer for it with exact stats.
// It stands in for micro.AddService, which runs each endpoint's handler on
// its subscription, one request at a time (ADR 0021).
type Service struct {
	nc       *nats.Conn
	identity micro.ServiceIdentity
	desc     string
	started  time.Time

	endpoints []*endpoint
	verbSubs  []*nats.Subscription

	jobs chan job      // unbuffered: a send waits for an idle worker
	quit chan struct{} // closed by Stop once no subscription delivers any more
	wg   sync.WaitGroup

	mu sync.Mutex // guards every endpoint's stats

	stopOnce sync.Once
	stopErr  error
}

type endpoint struct {
	name, subject string
	handler       micro.Handler
	sub           *nats.Subscription
	inFlight      atomic.Int64
	stats         micro.EndpointStats // guarded by Service.mu
}

type job struct {
	e   *endpoint
	msg *nats.Msg
}

// micro's own checks (its expressions are not exported).
var (
	semVerRegexp = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	nameRegexp   = regexp.MustCompile(`^[A-Za-z0-9\-_]+$`)
)

// AddService registers spec on nc as one micro service with a pool of
// spec.Workers workers. Each endpoint is a queue subscription (group "q") on
// <group>.<name>, so requests are load-balanced across processes (replicas);
// within the process its callback hands each request to an idle worker and
// waits for one while all are busy. When AddService returns the server has
// every subscription.
func AddService(nc *nats.Conn, spec ServiceSpec) (*Service, error) {
	if err := spec.valid(); err != nil {
		return nil, fmt.Errorf("add micro service %s: %w", spec.Name, err)
	}
	workers := spec.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	s := &Service{
		nc: nc,
		identity: micro.ServiceIdentity{
			Name:    spec.Name,
			ID:      newID(),
			Version: spec.Version,
			// What `nats micro info` shows of the pool.
			Metadata: map[string]string{"workers": strconv.Itoa(workers)},
		},
		desc: spec.Description,
		jobs: make(chan job),
		quit: make(chan struct{}),
	}
	for range workers {
		s.wg.Go(s.work)
	}
	for _, e := range spec.Endpoints {
		ep := &endpoint{name: e.Name, subject: spec.Group + "." + e.Name, handler: e.Handler}
		ep.stats = micro.EndpointStats{Name: ep.name, Subject: ep.subject, QueueGroup: micro.DefaultQueueGroup}
		s.endpoints = append(s.endpoints, ep)
		if err := s.subscribe(ep, workers*pendingPerWorker); err != nil {
			return nil, errors.Join(fmt.Errorf("add endpoint %s: %w", ep.subject, err), s.Stop())
		}
	}
	s.started = time.Now().UTC()
	if err := s.subscribeVerbs(); err != nil {
		return nil, errors.Join(fmt.Errorf("add micro service %s: %w", spec.Name, err), s.Stop())
	}
	// Make sure the server has every subscription before callers are told we
	// are up; otherwise a first request can meet "no responders".
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		return nil, errors.Join(fmt.Errorf("add micro service %s: flush: %w", spec.Name, err), s.Stop())
	}
	return s, nil
}

func (spec ServiceSpec) valid() error {
	if !nameRegexp.MatchString(spec.Name) {
		return fmt.Errorf("%w: service name %q: letters, digits, - and _ only", micro.ErrConfigValidation, spec.Name)
	}
	if !semVerRegexp.MatchString(spec.Version) {
		return fmt.Errorf("%w: version %q is not semver", micro.ErrConfigValidation, spec.Version)
	}
	if !validSubject(spec.Group) {
		return fmt.Errorf("%w: group %q is not a subject", micro.ErrConfigValidation, spec.Group)
	}
	seen := map[string]bool{}
	for _, e := range spec.Endpoints {
		switch {
		case e.Group != spec.Group:
			return fmt.Errorf("endpoint %s is of group %q, not %q", e.Name, e.Group, spec.Group)
		case !nameRegexp.MatchString(e.Name):
			return fmt.Errorf("%w: endpoint name %q: letters, digits, - and _ only", micro.ErrConfigValidation, e.Name)
		case seen[e.Name]:
			return fmt.Errorf("%w: endpoint %s twice", micro.ErrConfigValidation, e.Name)
		case e.Handler == nil:
			return fmt.Errorf("%w: endpoint %s has no handler", micro.ErrConfigValidation, e.Name)
		}
		seen[e.Name] = true
	}
	return nil
}

// validSubject reports a literal subject: dot-separated, non-empty tokens
// without wildcards or white space.
func validSubject(s string) bool {
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return false
		}
	}
	return true
}

// newID is a fresh NUID, as micro gives each instance (the tail of a new
// inbox subject is one; nuid itself is not a direct dependency).
func newID() string { return strings.TrimPrefix(nats.NewInbox(), nats.InboxPrefix) }

// subscribe starts ep's queue subscription. Its callback runs on the
// subscription's own goroutine and blocks until a worker takes the request,
// so the requests waiting for a worker stay in NATS' pending buffer, bounded
// by pendingMsgs (and the default 64 MiB).
func (s *Service) subscribe(ep *endpoint, pendingMsgs int) error {
	sub, err := s.nc.QueueSubscribe(ep.subject, micro.DefaultQueueGroup, func(m *nats.Msg) {
		select {
		case s.jobs <- job{ep, m}:
		case <-s.quit:
			// Only when the connection closed under a delivery: no reply
			// can be sent any more.
		}
	})
	if err != nil {
		return err
	}
	ep.sub = sub
	if err := sub.SetPendingLimits(pendingMsgs, nats.DefaultSubPendingBytesLimit); err != nil {
		return err
	}
	// Over a pending limit NATS drops requests: count each such episode as
	// an error, as micro does.
	slow := sub.StatusChanged(nats.SubscriptionSlowConsumer)
	s.wg.Go(func() {
		for {
			select {
			case _, ok := <-slow:
				if !ok { // the subscription is closed
					return
				}
				s.mu.Lock()
				ep.stats.NumErrors++
				ep.stats.LastError = nats.ErrSlowConsumer.Error()
				s.mu.Unlock()
			case <-s.quit: // a closed connection does not close slow
				return
			}
		}
	})
	return nil
}

// work serves requests until Stop.
func (s *Service) work() {
	for {
		select {
		case j := <-s.jobs:
			s.serve(j.e, j.msg)
		case <-s.quit:
			return
		}
	}
}

// serve runs ep's handler on one request and records it once the handler
// returned, as micro does: a request, its processing time, and an error when
// the handler answered with Error or could not send its answer.
func (s *Service) serve(ep *endpoint, m *nats.Msg) {
	ep.inFlight.Add(1)
	req := &request{msg: m}
	start := time.Now()
	ep.handler.Handle(req)
	took := time.Since(start)
	ep.inFlight.Add(-1)

	s.mu.Lock()
	defer s.mu.Unlock()
	st := &ep.stats
	st.NumRequests++
	st.ProcessingTime += took
	st.AverageProcessingTime = st.ProcessingTime / time.Duration(st.NumRequests)
	if req.err != nil {
		st.NumErrors++
		st.LastError = req.err.Error()
	}
}

// subscribeVerbs answers PING, INFO and STATS on the three subjects micro
// uses for each: $SRV.<verb>, $SRV.<verb>.<name> and $SRV.<verb>.<name>.<id>.
// They are answered on the subscriptions' goroutines, not by the workers, so
// a saturated pool still answers `nats micro ping`.
func (s *Service) subscribeVerbs() error {
	ping, err := json.Marshal(micro.Ping{ServiceIdentity: s.identity, Type: micro.PingResponseType})
	if err != nil {
		return err
	}
	for _, v := range []struct {
		verb   micro.Verb
		answer func() any
	}{
		{micro.PingVerb, func() any { return json.RawMessage(ping) }},
		{micro.InfoVerb, func() any { return s.Info() }},
		{micro.StatsVerb, func() any { return s.Stats() }},
	} {
		for _, ids := range [][2]string{{"", ""}, {s.identity.Name, ""}, {s.identity.Name, s.identity.ID}} {
			subj, err := micro.ControlSubject(v.verb, ids[0], ids[1])
			if err != nil {
				return err
			}
			sub, err := s.nc.Subscribe(subj, func(m *nats.Msg) {
				body, err := json.Marshal(v.answer())
				if err == nil {
					err = m.Respond(body)
				}
				if err != nil {
					_ = (&request{msg: m}).Error("500", fmt.Sprintf("Error handling %s request: %s", v.verb, err), nil)
				}
			})
			if err != nil {
				return err
			}
			s.verbSubs = append(s.verbSubs, sub)
		}
	}
	return nil
}

// ID is the service's instance id, as `nats micro ls` lists it.
func (s *Service) ID() string { return s.identity.ID }

// Info is what $SRV.INFO answers.
func (s *Service) Info() micro.Info {
	eps := make([]micro.EndpointInfo, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		eps = append(eps, micro.EndpointInfo{Name: ep.name, Subject: ep.subject, QueueGroup: micro.DefaultQueueGroup})
	}
	return micro.Info{
		ServiceIdentity: s.identityCopy(),
		Type:            micro.InfoResponseType,
		Description:     s.desc,
		Endpoints:       eps,
	}
}

// endpointData is the Data of an endpoint's stats: what is in the pool and
// its buffer right now, and what the buffer dropped in all.
type endpointData struct {
	InFlight int64 `json:"in_flight"`
	Pending  int   `json:"pending"`
	Dropped  int   `json:"dropped"`
}

// Stats is what $SRV.STATS answers: per endpoint the requests served, the
// error replies, the last of them ("<code>:<description>"), the handlers'
// total and average processing time, and in Data the requests in flight,
// waiting in the buffer and dropped.
func (s *Service) Stats() micro.Stats {
	out := micro.Stats{
		ServiceIdentity: s.identityCopy(),
		Type:            micro.StatsResponseType,
		Started:         s.started,
		Endpoints:       make([]*micro.EndpointStats, 0, len(s.endpoints)),
	}
	for _, ep := range s.endpoints {
		d := endpointData{InFlight: ep.inFlight.Load()}
		if n, _, err := ep.sub.Pending(); err == nil { // not once stopped
			d.Pending = n
		}
		if n, err := ep.sub.Dropped(); err == nil {
			d.Dropped = n
		}
		data, _ := json.Marshal(d)
		s.mu.Lock()
		st := ep.stats
		s.mu.Unlock()
		st.Data = data
		out.Endpoints = append(out.Endpoints, &st)
	}
	return out
}

func (s *Service) identityCopy() micro.ServiceIdentity {
	id := s.identity
	id.Metadata = maps.Clone(id.Metadata)
	return id
}

// Stop drains the service: the server stops sending it requests, the ones
// already received (in flight or waiting for a worker) are answered, then
// the monitoring subjects go and the workers exit. It returns once every
// handler has returned (so a handler must not call it); later calls return
// the first call's result.
func (s *Service) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Service) stop() error {
	var errs []error
	var closed []<-chan nats.SubStatus
	for _, ep := range s.endpoints {
		if ep.sub == nil {
			continue
		}
		// Closed once the drain is over: the server had the unsubscribe,
		// and every message received before it went through the callback
		// (nats.go counts a message pending until its callback returned).
		closed = append(closed, ep.sub.StatusChanged(nats.SubscriptionClosed))
		if err := ep.sub.Drain(); err != nil && !drainMoot(err) {
			errs = append(errs, fmt.Errorf("drain %s: %w", ep.subject, err))
			_ = ep.sub.Unsubscribe()
		}
	}
	// A connection closed under the drain never reports the subscription
	// closed: look at it now and then.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for _, ch := range closed {
	wait:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break wait
				}
			case <-tick.C:
				if s.nc.IsClosed() {
					break wait
				}
			}
		}
	}
	for _, sub := range s.verbSubs {
		if err := sub.Unsubscribe(); err != nil && !drainMoot(err) {
			errs = append(errs, fmt.Errorf("unsubscribe %s: %w", sub.Subject, err))
		}
	}
	if len(s.verbSubs) > 0 && !s.nc.IsClosed() {
		// Once Stop returns, `nats micro ping` meets no responders.
		if err := s.nc.FlushTimeout(5 * time.Second); err != nil && !drainMoot(err) {
			errs = append(errs, fmt.Errorf("flush: %w", err))
		}
	}
	// No callback can hand over a request any more: idle workers exit, busy
	// ones when their handler returns.
	close(s.quit)
	s.wg.Wait()
	return errors.Join(errs...)
}

// drainMoot reports a drain or unsubscribe that has nothing to do: the
// connection is closed or draining (then it closes the subscription itself).
func drainMoot(err error) bool {
	return errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) ||
		errors.Is(err, nats.ErrBadSubscription)
}

// request is the micro.Request a handler gets: micro's own request type, but
// exported only as an interface. It is used by one worker at a time; the
// handler must answer before it returns.
type request struct {
	msg *nats.Msg
	err error // set when the answer was an error or could not be sent
}

var _ micro.Request = (*request)(nil)

// Respond sends data as the answer.
func (r *request) Respond(data []byte, opts ...micro.RespondOpt) error {
	m := &nats.Msg{Data: data}
	for _, opt := range opts {
		opt(m)
	}
	if err := r.msg.RespondMsg(m); err != nil {
		r.err = fmt.Errorf("%w: %s", micro.ErrRespond, err)
		return r.err
	}
	return nil
}

// RespondJSON sends v, JSON-encoded, as the answer.
func (r *request) RespondJSON(v any, opts ...micro.RespondOpt) error {
	data, err := json.Marshal(v)
	if err != nil {
		return micro.ErrMarshalResponse
	}
	return r.Respond(data, opts...)
}

// Error answers with the micro error headers Nats-Service-Error (the
// description) and Nats-Service-Error-Code, and data as the body; the
// endpoint's stats count it, with "<code>:<description>" as its last error.
func (r *request) Error(code, description string, data []byte, opts ...micro.RespondOpt) error {
	if code == "" {
		return fmt.Errorf("%w: error code", micro.ErrArgRequired)
	}
	if description == "" {
		return fmt.Errorf("%w: description", micro.ErrArgRequired)
	}
	m := &nats.Msg{Header: nats.Header{
		micro.ErrorHeader:     []string{description},
		micro.ErrorCodeHeader: []string{code},
	}}
	for _, opt := range opts {
		opt(m)
	}
	m.Data = data
	if err := r.msg.RespondMsg(m); err != nil {
		r.err = err
		return err
	}
	r.err = serviceError{code, description}
	return nil
}

// Data is the request's body.
func (r *request) Data() []byte { return r.msg.Data }

// Headers are the request's headers.
func (r *request) Headers() micro.Headers { return micro.Headers(r.msg.Header) }

// Subject is the subject the request was sent to.
func (r *request) Subject() string { return r.msg.Subject }

// Reply is the request's reply subject.
func (r *request) Reply() string { return r.msg.Reply }

// serviceError is an error answer as micro's stats record it.
type serviceError struct{ code, description string }

func (e serviceError) Error() string { return e.code + ":" + e.description }
