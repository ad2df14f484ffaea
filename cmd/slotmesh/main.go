// Command slotmesh runs the reservation mesh: every service in one process
// (dev), one service per process (serve), the migrations (migrate), or a
// rebuild of the search index (search reindex).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/slotmesh/slotmesh/services/mesh"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `slotmesh — reservations for restaurants and hotels, as a mesh of NATS services.

usage:
  slotmesh dev               every service + gateway in one process, embedded NATS
  slotmesh serve <service>   one service against external NATS/Postgres/Redis (%v)
  slotmesh migrate           create the database if needed and apply all migrations
  slotmesh watch <topic>     print a Kafka topic's events as they arrive (KAFKA_BROKERS;
                             -from-beginning to replay what it holds)
  slotmesh booking dues      what bookings owe that payment has not given back yet (refunds,
                             voids), the stuck first (-stuck, -limit N; -retry: due now)
  slotmesh search reindex    rebuild the search index from the vendor and booking services
                             (-reset to empty it first: a new engine or a corrupted index)
  slotmesh seed              write the demo/benchmark catalogue: 500,000 vendors in 50 cities,
                             ~10M units (-scale 0.001 for a small one; -gateway URL to go
                             through HTTP); run it again to continue an interrupted seed
  slotmesh load              open-loop load against the gateway (-rate, -duration, -mix,
                             -gateway, -report DIR): HDR latencies, errors, JSON + Markdown
  slotmesh nats              the embedded nats-server (JetStream) as its own process (-port, -dir)
  slotmesh kafka             the in-process Kafka broker (kfake) as its own process (-port, -dir)
  slotmesh chaos             two replicas of every service as processes, load, and SIGKILL +
                             restart of one part at a time; reconciles after each (-short for CI)

Configuration is by environment: NATS_URL, PG_URL, REDIS_URL, REDIS_PREFIX, HTTP_ADDR,
LOG_LEVEL, LOG_FORMAT, JWT_PRIVATE_KEY_FILE, ... (see README.md). dev also reads
SLOTMESH_HOME (default .slotmesh), DEV_NATS_PORT (default 4223) and DEV_KAFKA_PORT
(default 9092; used when KAFKA_BROKERS is not set).
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usage, mesh.Services)
		return 2
	}
	var err error
	switch args[0] {
	case "dev":
		err = dev(ctx, getenv, stdout, stderr)
	case "serve":
		if len(args) != 2 {
			fmt.Fprintf(stderr, usage, mesh.Services)
			return 2
		}
		err = serve(ctx, args[1], getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, getenv, stdout)
	case "watch":
		err = watch(ctx, args[1:], getenv, stdout)
	case "booking":
		err = bookingCmd(ctx, args[1:], getenv, stdout, stderr)
	case "search":
		err = searchCmd(ctx, args[1:], getenv, stdout, stderr)
	case "seed":
		err = seedCmd(ctx, args[1:], getenv, stdout, stderr)
	case "load":
		err = loadCmd(ctx, args[1:], getenv, stdout, stderr)
	case "nats":
		err = natsCmd(ctx, args[1:], stdout, stderr)
	case "kafka":
		err = kafkaCmd(ctx, args[1:], stdout, stderr)
	case "chaos":
		err = chaosCmd(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintf(stdout, usage, mesh.Services)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n"+usage, args[0], mesh.Services)
		return 2
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "slotmesh:", err)
		return 1
	}
	return 0
}

// withDefaults overlays dev defaults on the environment: a variable that is
// set wins.
func withDefaults(getenv func(string) string, defaults map[string]string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return defaults[k]
	}
}

func dev(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	home := getenv("SLOTMESH_HOME")
	if home == "" {
		home = ".slotmesh"
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	natsPort := 4223
	if p := getenv("DEV_NATS_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("DEV_NATS_PORT: %w", err)
		}
		natsPort = n
	}
	natsURL, embedded := getenv("NATS_URL"), false
	if natsURL == "" {
		natsURL, embedded = fmt.Sprintf("nats://127.0.0.1:%d", natsPort), true
	}
	kafkaPort := 9092
	if p := getenv("DEV_KAFKA_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("DEV_KAFKA_PORT: %w", err)
		}
		kafkaPort = n
	}
	brokers, embeddedKafka := getenv("KAFKA_BROKERS"), false
	if brokers == "" {
		brokers, embeddedKafka = fmt.Sprintf("127.0.0.1:%d", kafkaPort), true
	}
	getenv = withDefaults(getenv, map[string]string{
		"NATS_URL":             natsURL,
		"KAFKA_BROKERS":        brokers,
		"JWT_PRIVATE_KEY_FILE": filepath.Join(home, "jwt_ed25519.pem"),
		"JWT_GENERATE_KEY":     "true",
	})
	cfg, err := mesh.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if embedded {
		srv, err := mesh.EmbeddedNATS("127.0.0.1", natsPort, filepath.Join(home, "nats"))
		if err != nil {
			return err
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	}
	if embeddedKafka {
		k, err := mesh.EmbeddedKafka(kafkaPort, filepath.Join(home, "kafka"))
		if err != nil {
			return err
		}
		defer k.Close()
	}
	log := mesh.NewLogger(stderr, cfg.Base.LogLevel, cfg.Base.LogFormat)
	if err := mesh.EnsureDatabase(ctx, cfg.Base.PGURL); err != nil {
		return fmt.Errorf("%w\n(is Postgres running? `go tool task deps` starts it)", err)
	}
	m, err := mesh.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Stop()
	return m.Gateway.ListenAndServe(ctx, func(addr string) {
		fmt.Fprintf(stdout, `
slotmesh dev is up (Ctrl-C stops it)
  HTTP gateway  http://%s   (try: curl localhost%s/readyz; API reference at /docs)
  NATS          %s   (go tool nats -s %s micro ls)
  Kafka         %s   (bootstrap address; watch a topic: slotmesh watch new_booking)
  services      %v
  Postgres      %s
  Redis         %s
  data          %s
`, displayAddr(addr), portOf(addr), natsURL, natsURL, brokers, mesh.Services, redactURL(cfg.Base.PGURL), cfg.Base.RedisURL, home)
	})
}

func serve(ctx context.Context, name string, getenv func(string) string, stdout, stderr io.Writer) error {
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

func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := mesh.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	if err := mesh.Migrate(ctx, cfg); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied to", redactURL(cfg.Base.PGURL))
	return nil
}
