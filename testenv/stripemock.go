package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const howToGetStripeMock = "stripe-mock is pinned as a Go tool in go.mod: from the module root, " +
	"`go mod download && go tool -n stripe-mock` must print its path " +
	"(re-pin with `go get -tool github.com/stripe/stripe-mock@latest`)"

var stripeMock struct {
	once     sync.Once
	bin      string
	fixtures []byte
	err      error
}

// StartStripeMock runs stripe-mock (Stripe's API double, pinned as a Go tool)
// on a free loopback port for t and returns its base URL, for
// STRIPE_API_BASE; the process is killed when t ends. stripe-mock checks
// requests against Stripe's OpenAPI spec and answers fixture objects; the
// fixtures are its own except that a PaymentIntent comes back succeeded
// (what a confirmed test card gives) instead of requires_payment_method.
// It never declines and does not replay idempotent requests. If it cannot
// be built or started, t fails saying how to get it; it never skips.
func StartStripeMock(t testing.TB) string {
	t.Helper()
	stripeMock.once.Do(func() { stripeMock.bin, stripeMock.fixtures, stripeMock.err = buildStripeMock() })
	if stripeMock.err != nil {
		t.Fatalf("testenv: stripe-mock: %v\n%s", stripeMock.err, howToGetStripeMock)
	}
	fixtures := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(fixtures, stripeMock.fixtures, 0o600); err != nil {
		t.Fatalf("testenv: stripe-mock fixtures: %v", err)
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before stripe-mock binds it
		url, stop, err := runStripeMock(stripeMock.bin, fixtures)
		if err == nil {
			t.Cleanup(stop)
			return url
		}
		lastErr = err
	}
	t.Fatalf("testenv: start stripe-mock: %v\n%s", lastErr, howToGetStripeMock)
	return ""
}

// buildStripeMock builds (or finds in the build cache) the pinned tool and
// prepares its fixtures.
func buildStripeMock() (string, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "tool", "-n", "stripe-mock").Output()
	if err != nil {
		return "", nil, fmt.Errorf("build: go tool -n stripe-mock: %w%s", err, stderrOf(err))
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		return "", nil, fmt.Errorf("build: %w", err)
	}
	out, err = exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/stripe/stripe-mock").Output()
	if err != nil {
		return "", nil, fmt.Errorf("locate its module: %w%s", err, stderrOf(err))
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "embedded", "openapi", "fixtures3.json"))
	if err != nil {
		return "", nil, fmt.Errorf("read its fixtures: %w", err)
	}
	fixtures, err := succeededPaymentIntents(raw)
	return bin, fixtures, err
}

// succeededPaymentIntents rewrites stripe-mock's PaymentIntent fixture to a
// succeeded one.
func succeededPaymentIntents(raw []byte) ([]byte, error) {
	var doc struct {
		Resources map[string]map[string]json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode fixtures: %w", err)
	}
	pi, ok := doc.Resources["payment_intent"]
	if !ok {
		return nil, errors.New("fixtures have no payment_intent")
	}
	pi["status"] = json.RawMessage(`"succeeded"`)
	pi["last_payment_error"] = json.RawMessage(`null`)
	pi["next_action"] = json.RawMessage(`null`)
	pi["canceled_at"] = json.RawMessage(`null`)
	return json.Marshal(doc)
}

func runStripeMock(bin, fixtures string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	logs := &syncWriter{}
	// -https-addr too: stripe-mock otherwise also listens for HTTPS on its
	// fixed default port 12112 (-http-addr does not turn that off), which
	// two test processes on one machine cannot both have.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+strconv.Itoa(port), "-https-addr", "127.0.0.1:0", "-fixtures", fixtures)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("stripe-mock exited (%v): %s", err, logs.String())
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, url+"/v1/balance", nil)
		req.SetBasicAuth("sk_test_testenv", "")
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			return url, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("stripe-mock did not answer on %s within 30s: %s", url, logs.String())
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}

// syncWriter collects the process's output from both its pipes.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 64<<10 { // keep the start: that is where failures to start show
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
