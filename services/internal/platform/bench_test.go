package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/testenv"
)

// BenchmarkRoundTrip compares one request-reply round trip on one embedded
// NATS: a bare nc.Subscribe echo answering nc.Request with the same JSON bytes,
// against the micro runner (AddService: one service whose DefaultWorkers
// workers run Handle with strict decoding and Validate) called through
// natsrpc.Call with a small JSON request. The _parallel variants keep many
// requests in flight; bare_nats_4q is the bare echo with 4 queue subscribers
// (the runner's concurrency before ADR 0021).
func BenchmarkRoundTrip(b *testing.B) {
	n := testenv.StartNATS(b)
	srv := n.Connect(b)
	cli := n.Connect(b)

	const bareSubj, bareQSubj = "bench.bare.echo", "bench.bareq.echo"
	if _, err := srv.Subscribe(bareSubj, func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		b.Fatal(err)
	}
	for range 4 {
		if _, err := srv.QueueSubscribe(bareQSubj, "q", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
			b.Fatal(err)
		}
	}
	svcs, err := platform.AddService(srv, platform.ServiceSpec{
		Name: "bench", Version: "0.0.0-dev", Group: "svc.bench.v1",
		Endpoints: []platform.Endpoint{platform.Handle(natsrpc.NewOp[echoReq, echoReq]("svc.bench.v1", "echo"), platform.EndpointOptions{},
			func(_ context.Context, r echoReq) (echoReq, error) { return r, nil })},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svcs.Stop() })
	if err := srv.Flush(); err != nil {
		b.Fatal(err)
	}
	const microSubj = "svc.bench.v1.echo"
	req := echoReq{Text: "hello", N: 42}
	body, err := json.Marshal(req)
	if err != nil {
		b.Fatal(err)
	}

	bare := func(subj string) func() error {
		return func() error {
			m, err := cli.Request(subj, body, 5*time.Second)
			if err == nil && len(m.Data) != len(body) {
				return fmt.Errorf("echo %q", m.Data)
			}
			return err
		}
	}
	runner := func() error {
		got, err := natsrpc.Call[echoReq, echoReq](context.Background(), cli, microSubj, req)
		if err == nil && got != req {
			return fmt.Errorf("echo %+v", got)
		}
		return err
	}

	for _, bm := range []struct {
		name string
		call func() error
	}{
		{"bare_nats", bare(bareSubj)},
		{"micro_runner", runner},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if err := bm.call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
	for _, bm := range []struct {
		name string
		call func() error
	}{
		{"bare_nats_parallel", bare(bareSubj)},
		{"bare_nats_4q_parallel", bare(bareQSubj)},
		{"micro_runner_parallel", runner},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetParallelism(8) // 8 x GOMAXPROCS callers in flight
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bm.call(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
