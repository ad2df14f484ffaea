package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), nil, func(string) string { return "" }, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage:") {
		t.Fatalf("no args: code %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: code %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"serve", "nosuch"}, func(string) string { return "" }, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `unknown service "nosuch"`) {
		t.Fatalf("serve nosuch: code %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"dev"}, func(k string) string {
		return map[string]string{"STREAM_REPLICAS": "9", "TOKEN_TTL": "soon"}[k]
	}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "STREAM_REPLICAS") || !strings.Contains(errOut.String(), "TOKEN_TTL") {
		t.Fatalf("bad config must name every bad variable: code %d, stderr %q", code, errOut.String())
	}
}

// TestDevUpAndCleanShutdown runs `slotmesh dev` as a user would, checks the
// banner, /readyz, sign-up through the gateway and the micro service list on
// the printed NATS URL, then cancels (Ctrl-C) and expects a clean exit.
func TestDevUpAndCleanShutdown(t *testing.T) {
	t.Parallel()
	rds := testenv.StartRedis(t)
	natsPort := freePort(t)
	env := map[string]string{
		"SLOTMESH_HOME":     t.TempDir(),
		"DEV_NATS_PORT":     strconv.Itoa(natsPort),
		"HTTP_ADDR":         "127.0.0.1:0",
		"PG_URL":            testenv.Postgres(t),
		"REDIS_URL":         rds.URL,
		"REDIS_PREFIX":      rds.Prefix,
		"ARGON2_MEMORY_KIB": "1024",
		"ARGON2_TIME":       "1",
		"LOG_LEVEL":         "warn",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"dev"}, func(k string) string { return env[k] }, &stdout, &stderr) }()

	re := regexp.MustCompile(`HTTP gateway\s+(http://\S+)`)
	var base string
	poll.Eventually(t, 30*time.Second, "the banner", func() error {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			return nil
		}
		select {
		case code := <-done:
			t.Fatalf("dev exited early with %d: %s %s", code, stdout.String(), stderr.String())
		default:
		}
		return fmt.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	})
	natsURL := "nats://127.0.0.1:" + strconv.Itoa(natsPort)
	if !strings.Contains(stdout.String(), natsURL) {
		t.Fatalf("banner does not print the NATS URL %s: %s", natsURL, stdout.String())
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	resp, err = http.Post(base+"/v1/users", "application/json",
		strings.NewReader(`{"email":"dev@example.com","password":"correct horse","name":"Dev"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("sign-up %d", resp.StatusCode)
	}
	// The user service is listed by the micro discovery API on the printed URL.
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg, err := nc.Request("$SRV.INFO.user", nil, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Name      string `json:"name"`
		Endpoints []struct {
			Subject string `json:"subject"`
		} `json:"endpoints"`
	}
	if err := json.Unmarshal(msg.Data, &info); err != nil || info.Name != "user" || len(info.Endpoints) == 0 {
		t.Fatalf("micro info: %s %v", msg.Data, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("dev exited %d after Ctrl-C: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("dev did not stop after Ctrl-C")
	}
}
