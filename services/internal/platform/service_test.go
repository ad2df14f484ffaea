package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// Component tests of the worker-pool micro service (ADR 0021) on an embedded
// NATS, checked the way `nats micro ls/info/stats/ping` sees it: requests on
// the $SRV subjects, decoded into micro's types.

// gather sends an empty request to subj and returns every answer that comes
// within 300 ms (a `nats micro` command waits for all instances the same way).
func gather(t *testing.T, nc *nats.Conn, subj string) []*nats.Msg {
	t.Helper()
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := nc.PublishRequest(subj, inbox, nil); err != nil {
		t.Fatal(err)
	}
	var out []*nats.Msg
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if errors.Is(err, nats.ErrTimeout) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

// one is the single answer to subj, decoded into T.
func one[T any](t *testing.T, nc *nats.Conn, subj string) T {
	t.Helper()
	msgs := gather(t, nc, subj)
	if len(msgs) != 1 {
		t.Fatalf("%s: %d answers, want 1 (one service instance)", subj, len(msgs))
	}
	var v T
	if err := json.Unmarshal(msgs[0].Data, &v); err != nil {
		t.Fatalf("%s: %v in %s", subj, err, msgs[0].Data)
	}
	return v
}

func microStats(t *testing.T, nc *nats.Conn, name string) map[string]*micro.EndpointStats {
	t.Helper()
	st := one[micro.Stats](t, nc, micro.APIPrefix+".STATS."+name)
	out := map[string]*micro.EndpointStats{}
	for _, e := range st.Endpoints {
		out[e.Name] = e
	}
	return out
}

func rawEndpoint(group, name string, h func(micro.Request)) platform.Endpoint {
	return platform.Endpoint{Group: group, Name: name, Handler: micro.HandlerFunc(h)}
}

func TestServiceIsOneMicroInstance(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const name, group = "solo", "svc.solo.v1"
	echo := func(r micro.Request) { _ = r.Respond(r.Data()) }
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: name, Version: "1.2.3-rc.1", Description: "one instance", Group: group, Workers: 5,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "a", echo), rawEndpoint(group, "b", echo)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	nc := n.Connect(t)
	id := svcs.ID()
	if id == "" || id != svcs.Info().ID || id != svcs.Stats().ID {
		t.Fatalf("ID %q, Info().ID %q, Stats().ID %q", id, svcs.Info().ID, svcs.Stats().ID)
	}

	// nats micro ls / ping: one instance, whichever subject is asked.
	for _, subj := range []string{"$SRV.PING", "$SRV.PING." + name, "$SRV.PING." + name + "." + id} {
		p := one[micro.Ping](t, nc, subj)
		if p.Type != micro.PingResponseType || p.Name != name || p.ID != id || p.Version != "1.2.3-rc.1" {
			t.Fatalf("%s = %+v", subj, p)
		}
	}

	// nats micro info.
	for _, subj := range []string{"$SRV.INFO", "$SRV.INFO." + name, "$SRV.INFO." + name + "." + id} {
		info := one[micro.Info](t, nc, subj)
		if info.Type != micro.InfoResponseType || info.Name != name || info.ID != id || info.Description != "one instance" ||
			info.Metadata["workers"] != "5" || len(info.Endpoints) != 2 {
			t.Fatalf("%s = %+v", subj, info)
		}
		for i, want := range []string{"a", "b"} {
			e := info.Endpoints[i]
			if e.Name != want || e.Subject != group+"."+want || e.QueueGroup != "q" {
				t.Fatalf("%s endpoint %d = %+v", subj, i, e)
			}
		}
	}

	// The endpoints answer, and nats micro stats counts them on the one instance.
	for i := range 3 {
		if m, err := nc.Request(group+".a", []byte{byte('0' + i)}, 5*time.Second); err != nil || string(m.Data) != string(rune('0'+i)) {
			t.Fatalf("a #%d: %v %v", i, m, err)
		}
	}
	poll.Eventually(t, 5*time.Second, "stats of a", func() error {
		if got := microStats(t, nc, name)["a"]; got == nil || got.NumRequests != 3 {
			return fmt.Errorf("%+v", got)
		}
		return nil
	})
	st := one[micro.Stats](t, nc, "$SRV.STATS."+name+"."+id)
	if st.Type != micro.StatsResponseType || st.ID != id || st.Started.IsZero() || len(st.Endpoints) != 2 {
		t.Fatalf("stats %+v", st)
	}
	a, b := st.Endpoints[0], st.Endpoints[1]
	if a.Name != "a" || a.Subject != group+".a" || a.QueueGroup != "q" || a.NumRequests != 3 || a.NumErrors != 0 ||
		a.ProcessingTime <= 0 || a.AverageProcessingTime != a.ProcessingTime/3 {
		t.Fatalf("stats of a %+v", a)
	}
	if b.Name != "b" || b.NumRequests != 0 || b.ProcessingTime != 0 {
		t.Fatalf("stats of b %+v", b)
	}
	var data struct {
		InFlight *int `json:"in_flight"`
		Pending  *int `json:"pending"`
		Dropped  *int `json:"dropped"`
	}
	if err := json.Unmarshal(a.Data, &data); err != nil || data.InFlight == nil || data.Pending == nil || data.Dropped == nil {
		t.Fatalf("stats data %s: %v", a.Data, err)
	}

	// A second AddService of the same name is a second instance (another
	// process, or a misconfiguration): ls sees both.
	again, err := platform.AddService(n.Connect(t), platform.ServiceSpec{Name: name, Version: "1.2.3", Group: group,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "a", echo)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(gather(t, nc, "$SRV.PING."+name)); got != 2 {
		t.Fatalf("two AddService: %d ping answers, want 2", got)
	}
	if err := again.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := len(gather(t, nc, "$SRV.PING."+name)); got != 1 {
		t.Fatalf("after one Stop: %d ping answers, want 1", got)
	}
}

// TestServiceStatsExact: 250 requests at once over two endpoints, a third of
// one endpoint's answered with an error, are each counted once.
func TestServiceStatsExact(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const name, group = "exact", "svc.exact.v1"
	work := natsrpc.NewOp[echoReq, echoReq](group, "work")
	other := natsrpc.NewOp[echoReq, echoReq](group, "other")
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: name, Version: "0.0.1", Group: group, Workers: 8,
		Endpoints: []platform.Endpoint{
			platform.Handle(work, platform.EndpointOptions{}, func(_ context.Context, r echoReq) (echoReq, error) {
				time.Sleep(time.Duration(r.N%5) * time.Millisecond)
				if r.N%3 == 0 {
					return echoReq{}, apperr.E(apperr.Conflict, "n %d", r.N)
				}
				return r, nil
			}),
			platform.Handle(other, platform.EndpointOptions{}, func(_ context.Context, r echoReq) (echoReq, error) { return r, nil }),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	nc := n.Connect(t)

	const works, others = 200, 50
	var wg sync.WaitGroup
	var wantErrors atomic.Int64
	for i := range works + others {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if i >= works {
				if got, err := other.Call(ctx, nc, echoReq{N: i}); err != nil || got.N != i {
					t.Errorf("other %d: %+v %v", i, got, err)
				}
				return
			}
			got, err := work.Call(ctx, nc, echoReq{N: i})
			if i%3 == 0 {
				wantErrors.Add(1)
				if apperr.CodeOf(err) != apperr.Conflict {
					t.Errorf("work %d: %v, want conflict", i, err)
				}
			} else if err != nil || got.N != i {
				t.Errorf("work %d: %+v %v", i, got, err)
			}
		})
	}
	wg.Wait()
	if wantErrors.Load() != 67 {
		t.Fatalf("sent %d erring requests, want 67", wantErrors.Load())
	}

	// A handler's request is counted once it returned, just after its reply.
	var st map[string]*micro.EndpointStats
	poll.Eventually(t, 5*time.Second, "every request counted", func() error {
		st = microStats(t, nc, name)
		if st["work"].NumRequests != works || st["other"].NumRequests != others {
			return fmt.Errorf("work %d, other %d requests", st["work"].NumRequests, st["other"].NumRequests)
		}
		return nil
	})
	w, o := st["work"], st["other"]
	if w.NumErrors != 67 || !strings.HasPrefix(w.LastError, "409:n ") {
		t.Errorf("work: %d errors, last %q; want 67, 409:n ...", w.NumErrors, w.LastError)
	}
	if o.NumErrors != 0 || o.LastError != "" {
		t.Errorf("other: %d errors, last %q; want none", o.NumErrors, o.LastError)
	}
	// 200 handlers sleeping 0-4 ms: 2 ms on average.
	if w.ProcessingTime < 300*time.Millisecond || w.AverageProcessingTime != w.ProcessingTime/works {
		t.Errorf("work: processing %v, average %v", w.ProcessingTime, w.AverageProcessingTime)
	}
	if o.ProcessingTime <= 0 || o.AverageProcessingTime != o.ProcessingTime/others {
		t.Errorf("other: processing %v, average %v", o.ProcessingTime, o.AverageProcessingTime)
	}
	// Nothing is counted twice.
	time.Sleep(100 * time.Millisecond)
	if again := svcs.Stats().Endpoints; again[0].NumRequests != works || again[0].NumErrors != 67 || again[1].NumRequests != others {
		t.Fatalf("stats moved on: %+v %+v", again[0], again[1])
	}
}

// TestServiceWorkersBoundConcurrency: slow handlers overlap, at most Workers
// of them at a time over all the endpoints.
func TestServiceWorkersBoundConcurrency(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const group, workers = "svc.pool.v1", 4
	var inFlight, most atomic.Int64
	slow := func(r micro.Request) {
		cur := inFlight.Add(1)
		for {
			m := most.Load()
			if cur <= m || most.CompareAndSwap(m, cur) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		inFlight.Add(-1)
		_ = r.Respond(r.Data())
	}
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: "pool", Version: "0.0.1", Group: group, Workers: workers,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "a", slow), rawEndpoint(group, "b", slow)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	nc := n.Connect(t)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			subj := group + ".a"
			if i%2 == 1 {
				subj = group + ".b"
			}
			if _, err := nc.Request(subj, []byte("x"), 10*time.Second); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	t.Logf("40 requests of 30 ms on %d workers: at most %d at once, %v", workers, most.Load(), took)
	if m := most.Load(); m < 2 || m > workers {
		t.Fatalf("at most %d handlers at once, want 2..%d", m, workers)
	}
	// Serially 40 x 30 ms = 1.2 s; 4 at a time 0.3 s.
	if took > time.Second {
		t.Errorf("40 requests took %v: not concurrent", took)
	}
}

// TestServiceRequest: the micro.Request a handler gets behaves as micro's.
func TestServiceRequest(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const name, group = "req", "svc.req.v1"
	checks := make(chan error, 1)
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: name, Version: "0.0.1", Group: group,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "raw", func(r micro.Request) {
			var errs []error
			if r.Subject() != group+".raw" || r.Reply() == "" || r.Headers().Get("X-In") != "in" {
				errs = append(errs, fmt.Errorf("subject %q, reply %q, headers %v", r.Subject(), r.Reply(), r.Headers()))
			}
			if err := r.Error("", "d", nil); !errors.Is(err, micro.ErrArgRequired) {
				errs = append(errs, fmt.Errorf("Error without a code: %v", err))
			}
			if err := r.Error("400", "", nil); !errors.Is(err, micro.ErrArgRequired) {
				errs = append(errs, fmt.Errorf("Error without a description: %v", err))
			}
			if err := r.RespondJSON(make(chan int)); !errors.Is(err, micro.ErrMarshalResponse) {
				errs = append(errs, fmt.Errorf("RespondJSON(chan): %v", err))
			}
			checks <- errors.Join(errs...)
			switch string(r.Data()) {
			case "json":
				_ = r.RespondJSON(map[string]int{"n": 1}, micro.WithHeaders(micro.Headers{"X-Out": {"out"}}))
			case "fail":
				_ = r.Error("422", "no good", []byte(`{"why":1}`), micro.WithHeaders(micro.Headers{"X-Out": {"out"}}))
			}
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	nc := n.Connect(t)
	req := func(body string) *nats.Msg {
		t.Helper()
		m, err := nc.RequestMsg(&nats.Msg{Subject: group + ".raw", Data: []byte(body), Header: nats.Header{"X-In": {"in"}}}, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-checks; err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := req("json"); string(m.Data) != `{"n":1}` || m.Header.Get("X-Out") != "out" || m.Header.Get(micro.ErrorCodeHeader) != "" {
		t.Fatalf("RespondJSON: %q %v", m.Data, m.Header)
	}
	if m := req("fail"); string(m.Data) != `{"why":1}` || m.Header.Get(micro.ErrorCodeHeader) != "422" ||
		m.Header.Get(micro.ErrorHeader) != "no good" || m.Header.Get("X-Out") != "out" {
		t.Fatalf("Error: %q %v", m.Data, m.Header)
	}
	poll.Eventually(t, 5*time.Second, "both counted", func() error {
		if st := svcs.Stats().Endpoints[0]; st.NumRequests != 2 || st.NumErrors != 1 || st.LastError != "422:no good" {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})
}

// TestServiceStopDrains: Stop stops new requests at once, answers the ones
// received (in flight and waiting for a worker), then returns.
func TestServiceStopDrains(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const name, group = "drain", "svc.drain.v1"
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: name, Version: "0.0.1", Group: group, Workers: 2,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "slow", func(r micro.Request) {
			started <- struct{}{}
			<-release
			_ = r.Respond(append([]byte("done "), r.Data()...))
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	nc := n.Connect(t)
	replies, err := nc.SubscribeSync("drain.reply.>")
	if err != nil {
		t.Fatal(err)
	}
	const sent = 5 // 2 in flight, 3 waiting for a worker
	for i := range sent {
		if err := nc.PublishRequest(group+".slow", fmt.Sprintf("drain.reply.%d", i), fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil { // the server routed them all
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the handlers did not start")
		}
	}

	stopped := make(chan error, 1)
	go func() { stopped <- svcs.Stop() }()
	// New requests meet no responders while the received ones are in flight;
	// nats micro still sees the service draining.
	probes := 0 // sent before the server had the unsubscribe: received, answered late
	poll.Eventually(t, 5*time.Second, "no responders for new requests", func() error {
		if _, err := nc.Request(group+".slow", nil, 200*time.Millisecond); !errors.Is(err, nats.ErrNoResponders) {
			probes++
			return fmt.Errorf("request during Stop: %v", err)
		}
		return nil
	})
	if p := one[micro.Ping](t, nc, "$SRV.PING."+name); p.ID != svcs.ID() {
		t.Fatalf("ping during Stop: %+v", p)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) with handlers in flight", err)
	case <-time.After(100 * time.Millisecond):
	}

	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not return")
	}
	// Every received request was answered before Stop returned.
	got := map[string]bool{}
	for range sent {
		m, err := replies.NextMsg(time.Second)
		if err != nil {
			t.Fatalf("answers %v: %v", got, err)
		}
		got[m.Subject+"="+string(m.Data)] = true
	}
	for i := range sent {
		if k := fmt.Sprintf("drain.reply.%d=done %d", i, i); !got[k] {
			t.Fatalf("answers %v, want %s", got, k)
		}
	}
	if st := svcs.Stats().Endpoints[0]; st.NumRequests != sent+probes {
		t.Fatalf("stats after Stop: %+v", st)
	}
	if _, err := nc.Request("$SRV.PING."+name, nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("ping after Stop: %v, want no responders", err)
	}
	if _, err := nc.Request(group+".slow", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("request after Stop: %v, want no responders", err)
	}
	if err := svcs.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestServiceStopOnClosedConnection: Stop returns when the connection closed
// first (nats.go then never reports the subscriptions closed).
func TestServiceStopOnClosedConnection(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const group = "svc.closed.v1"
	nc := n.Connect(t)
	svcs, err := platform.AddService(nc, platform.ServiceSpec{
		Name: "closed", Version: "0.0.1", Group: group,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "a", func(r micro.Request) { _ = r.Respond(nil) })},
	})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	stopped := make(chan error, 1)
	go func() { stopped <- svcs.Stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hangs on a closed connection")
	}
}

// TestServicePendingLimit: requests beyond the pending buffer (256 per
// worker) are dropped by NATS and show in the stats as a slow-consumer error
// and in Data as dropped; the requests it holds are still served.
func TestServicePendingLimit(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	const name, group = "full", "svc.full.v1"
	release := make(chan struct{})
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: name, Version: "0.0.1", Group: group, Workers: 1,
		Endpoints: []platform.Endpoint{rawEndpoint(group, "a", func(r micro.Request) {
			<-release
			_ = r.Respond(nil)
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(func() {
		unblock() // Stop waits for the handlers
		_ = svcs.Stop()
	})
	nc := n.Connect(t)
	replies, err := nc.SubscribeSync("full.reply")
	if err != nil {
		t.Fatal(err)
	}
	const sent = 400
	for i := range sent {
		if err := nc.PublishRequest(group+".a", "full.reply", fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	var data struct {
		InFlight int `json:"in_flight"`
		Pending  int `json:"pending"`
		Dropped  int `json:"dropped"`
	}
	poll.Eventually(t, 5*time.Second, "a slow-consumer error", func() error {
		st := microStats(t, nc, name)["a"]
		if err := json.Unmarshal(st.Data, &data); err != nil {
			return err
		}
		// An error per slow-consumer episode (as micro counts them): one
		// or a few, as the buffer frees a place now and then.
		// All arrived: one with the worker, the buffer full (256, give or
		// take the one being handed over), the rest dropped.
		if st.NumErrors < 1 || st.LastError != nats.ErrSlowConsumer.Error() ||
			data.InFlight != 1 || data.Pending < 250 || data.Pending > 256 || data.InFlight+data.Pending+data.Dropped != sent {
			return fmt.Errorf("%+v, data %s", st, st.Data)
		}
		return nil
	})
	// Everything NATS kept is answered and counted once the handler moves.
	unblock()
	kept := sent - data.Dropped
	for i := range kept {
		if _, err := replies.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("reply %d of %d: %v", i, kept, err)
		}
	}
	poll.Eventually(t, 5*time.Second, "every kept request counted", func() error {
		if st := svcs.Stats().Endpoints[0]; st.NumRequests != kept {
			return fmt.Errorf("%d requests, want %d", st.NumRequests, kept)
		}
		return nil
	})
}

// TestAddServiceRejects: a bad spec is refused whole; nothing half-registered
// is left answering, neither an endpoint nor the service's PING.
func TestAddServiceRejects(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	nc := n.Connect(t)
	const group = "svc.rej.v1"
	ok := rawEndpoint(group, "ok", func(r micro.Request) { _ = r.Respond(nil) })
	for _, tc := range []struct {
		name string
		spec platform.ServiceSpec
		want string
	}{
		{"bad service name", platform.ServiceSpec{Name: "a.b", Version: "0.0.1", Group: group, Endpoints: []platform.Endpoint{ok}}, "service name"},
		{"wildcard group", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: "svc.*", Endpoints: []platform.Endpoint{ok}}, "group"},
		{"empty group token", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: "svc..v1", Endpoints: []platform.Endpoint{ok}}, "group"},
		{"twice", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: group, Endpoints: []platform.Endpoint{ok, ok}}, "twice"},
		{"no handler", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: group,
			Endpoints: []platform.Endpoint{ok, {Group: group, Name: "nil"}}}, "no handler"},
		{"dotted endpoint", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: group, Workers: 3,
			Endpoints: []platform.Endpoint{ok, rawEndpoint(group, "bad.name", func(micro.Request) {})}}, "endpoint name"},
		{"not semver", platform.ServiceSpec{Name: "rej", Version: "v1", Group: group, Endpoints: []platform.Endpoint{ok}}, "semver"},
		{"endpoint of another group", platform.ServiceSpec{Name: "rej", Version: "0.0.1", Group: group,
			Endpoints: []platform.Endpoint{ok, rawEndpoint("svc.other.v1", "x", func(micro.Request) {})}}, "of group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svcs, err := platform.AddService(nc, tc.spec)
			if err == nil {
				_ = svcs.Stop()
				t.Fatalf("AddService(%+v) succeeded", tc.spec)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to mention %q", err, tc.want)
			}
			if _, err := nc.Request(group+".ok", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
				t.Fatalf("ok after a failed AddService: %v, want no responders", err)
			}
			if _, err := nc.Request(micro.APIPrefix+".PING.rej", nil, time.Second); !errors.Is(err, nats.ErrNoResponders) {
				t.Fatalf("PING after a failed AddService: %v, want no responders", err)
			}
		})
	}
}
