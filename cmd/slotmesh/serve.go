package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/services/mesh"
)

// renamed maps a service's former name to its name: serve still takes the
// old one, with a warning, so a deployment can move over (ADR 0022).
var renamed = map[string]string{"bookings": bookingquery.Service}

// serveCmd is `slotmesh serve <service>`: one service (or the gateway) as
// a process of its own.
func serveCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", "<service>", fmt.Sprintf(`
Run one service, or the gateway, against the NATS, Postgres, Redis and Kafka of the
environment (NATS_URL, PG_URL, REDIS_URL, KAFKA_BROKERS, HTTP_ADDR, LOG_LEVEL, ...; see
README.md); start as many processes of each as you like. Ctrl-C or SIGTERM stops it.
services: %s`, strings.Join(mesh.Services, ", ")), stdout, stderr)
	if err := f.parse(args, 1); err != nil {
		return err
	}
	name := f.Arg(0)
	if now, ok := renamed[name]; ok {
		fmt.Fprintf(stderr, "slotmesh serve: %q is deprecated, use %q\n", name, now)
		name = now
	}
	cfg, err := mesh.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	log := mesh.NewLogger(stderr, cfg.Base.LogLevel, cfg.Base.LogFormat)
	m, err := mesh.Start(ctx, cfg, log, name)
	if err != nil {
		return err
	}
	defer m.Stop()
	if m.Gateway != nil {
		return m.Gateway.ListenAndServe(ctx, func(addr string) {
			fmt.Fprintf(stdout, "gateway listening on %s\n", addr)
		})
	}
	fmt.Fprintf(stdout, "%s serving on %s\n", name, cfg.Base.NATSURL)
	<-ctx.Done()
	return nil
}
