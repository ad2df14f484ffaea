package testenv

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// NATS is an embedded nats-server with JetStream, on a random port with its
// store in a temp dir.
type NATS struct {
	mu   sync.Mutex
	opts server.Options
	srv  *server.Server
	URL  string
}

// StartNATS starts an embedded nats-server for t.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	n := &NATS{opts: server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoSigs:    true,
		NoLog:     true,
		// As in production (deploy/nats): a 10,000-unit onboarding reply is ~2 MiB.
		MaxPayload: 8 << 20,
		// Keep JetStream's footprint small: many test packages run at once.
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  1 << 30,
	}}
	if err := n.start(); err != nil {
		t.Fatalf("testenv: start nats-server: %v", err)
	}
	t.Cleanup(n.Stop)
	return n
}

func (n *NATS) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	opts := n.opts
	srv, err := server.NewServer(&opts)
	if err != nil {
		return err
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return fmt.Errorf("nats-server not ready in 10s")
	}
	n.srv = srv
	if n.opts.Port == server.RANDOM_PORT {
		// Pin the port the OS chose, so a restart comes back where clients look.
		n.opts.Port = srv.Addr().(*net.TCPAddr).Port
	}
	n.URL = srv.ClientURL()
	return nil
}

// Server is the running server (nil while stopped).
func (n *NATS) Server() *server.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv
}

// Stop shuts the server down (clients see a disconnect). Safe to call twice.
func (n *NATS) Stop() {
	n.mu.Lock()
	srv := n.srv
	n.srv = nil
	n.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Start starts a stopped server again on the same port with the same store,
// so JetStream data survives and clients reconnect.
func (n *NATS) Start(t testing.TB) {
	t.Helper()
	if err := n.start(); err != nil {
		t.Fatalf("testenv: restart nats-server: %v", err)
	}
}

// Restart stops and starts the server.
func (n *NATS) Restart(t testing.TB) {
	t.Helper()
	n.Stop()
	n.Start(t)
}

// Connect opens a client connection that reconnects forever; it is closed at
// the end of the test.
func (n *NATS) Connect(t testing.TB, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append([]nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(50 * time.Millisecond),
		nats.Name(t.Name()),
	}, opts...)
	nc, err := nats.Connect(n.URL, opts...)
	if err != nil {
		t.Fatalf("testenv: connect to nats: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}
