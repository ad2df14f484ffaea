package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/slotmesh/slotmesh/services/mesh"
)

// devCmd is `slotmesh dev`: every service and the gateway in one process,
// with an embedded NATS server and Kafka broker unless the environment
// names others.
func devCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("dev", "", `
Run every service and the gateway in one process, against the Postgres and Redis of
PG_URL and REDIS_URL, with an embedded NATS server (JetStream) and an in-process Kafka
broker; Ctrl-C stops it. Besides the variables of serve it reads
  SLOTMESH_HOME   data of the embedded servers and the generated JWT key (default .slotmesh)
  DEV_NATS_PORT   port of the embedded NATS server (default 4223; NATS_URL set: that server)
  DEV_KAFKA_PORT  port of the embedded Kafka broker (default 9092; KAFKA_BROKERS set: those)`, stdout, stderr)
	if err := f.parse(args, 0); err != nil {
		return err
	}
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
