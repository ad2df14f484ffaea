package testenv

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/services/mesh"
)

// System is the whole mesh in-process: every service and the gateway on an
// embedded NATS and an in-process Kafka broker, against a fresh Postgres
// database and a Redis prefix.
type System struct {
	URL   string // the gateway's base URL
	NATS  *NATS
	Redis *Redis
	Kafka *Kafka
	SMTP  *SMTP // the mail sink the notification service sends to (SMTP_URL)
	PGURL string
	Mesh  *mesh.Mesh
}

// StartAll starts the system for t; extra environment entries override the
// test defaults (cheap password hashing, a temp JWT key).
func StartAll(t testing.TB, env map[string]string) *System {
	t.Helper()
	n := StartNATS(t)
	r := StartRedis(t)
	pg := Postgres(t)
	k := StartKafka(t)
	mail := StartSMTP(t)
	vars := map[string]string{
		"KAFKA_BROKERS":        k.Addr,
		"KAFKA_PARTITIONS":     "3",
		"NATS_URL":             n.URL,
		"PG_URL":               pg,
		"REDIS_URL":            r.URL,
		"REDIS_PREFIX":         r.Prefix,
		"JWT_PRIVATE_KEY_FILE": t.TempDir() + "/jwt.pem",
		"JWT_GENERATE_KEY":     "true",
		"ARGON2_MEMORY_KIB":    "1024",
		"ARGON2_TIME":          "1",
		"LOG_LEVEL":            "warn",
		"RATE_LIMITS":          "off", // tests sign up and book from one address; rate tests turn them on
		"SMTP_URL":             mail.URL(),
		"NOTIFY_BACKOFF_MIN":   "50ms",
		"NOTIFY_BACKOFF_MAX":   "1s",
		"NOTIFY_POLL_INTERVAL": "50ms",
		"NOTIFY_SEND_TIMEOUT":  "2s",
		"NOTIFY_LEASE":         "5s",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := mesh.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("testenv: config: %v", err)
	}
	m, err := mesh.Start(context.Background(), cfg, mesh.NewLogger(testWriter{t}, cfg.Base.LogLevel, "text"))
	if err != nil {
		t.Fatalf("testenv: start mesh: %v", err)
	}
	srv := httptest.NewServer(m.Gateway)
	t.Cleanup(func() {
		srv.Close()
		m.Stop()
	})
	return &System{URL: srv.URL, NATS: n, Redis: r, Kafka: k, SMTP: mail, PGURL: pg, Mesh: m}
}

// Conn is a NATS connection to the system's server, closed with the test.
func (s *System) Conn(t testing.TB) *nats.Conn { return s.NATS.Connect(t) }

// testWriter sends log lines to t.Log, so they show only for failing tests.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}
