package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/gateway"
	"github.com/slotmesh/slotmesh/testenv"
)

// limitedGateway is a second gateway on sys's NATS with the rate limits
// env gives (ConfigFromEnv, as the mesh reads them), in a Redis prefix of
// its own so that each one starts with full budgets.
func limitedGateway(t *testing.T, sys *testenv.System, env map[string]string, log *slog.Logger) client {
	t.Helper()
	vars := map[string]string{"REDIS_URL": sys.Redis.URL, "REDIS_PREFIX": fmt.Sprintf("%srl%d:", sys.Redis.Prefix, time.Now().UnixNano())}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := gateway.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gw := gateway.NewServer(cfg, sys.Conn(t), log)
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		srv.Close()
		_ = gw.Close()
	})
	return client{t, srv.URL}
}

// want429 checks a refusal: 429, the API.md body with code rate_limited, and
// a Retry-After of whole seconds in 1..max.
func want429(t *testing.T, resp *http.Response, body []byte, max int) {
	t.Helper()
	c := client{t: t}
	c.wantError(http.StatusTooManyRequests, body, resp.StatusCode, "rate_limited", "")
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > max {
		t.Fatalf("Retry-After %q, want whole seconds in 1..%d", resp.Header.Get("Retry-After"), max)
	}
	var e apiError
	_ = json.Unmarshal(body, &e)
	if got, _ := e.Error.Details["retry_after_seconds"].(float64); int(got) != ra {
		t.Fatalf("details.retry_after_seconds %v, Retry-After %d", e.Error.Details["retry_after_seconds"], ra)
	}
}

// call sends a request with extra headers and returns the whole response.
func (c client) call(method, path, token string, header map[string]string, body any) (*http.Response, []byte) {
	c.t.Helper()
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

func TestRateLimitSignUpPerIP(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := limitedGateway(t, sys, map[string]string{"RATE_SIGNUP_PER_HOUR": "2"}, nil)
	for i := range 2 {
		resp, body := c.call("POST", "/v1/users", "", nil, map[string]any{"email": fmt.Sprintf("s%d@example.com", i), "password": "correct horse", "name": "S"})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("sign-up %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, body := c.call("POST", "/v1/users", "", nil, map[string]any{"email": "s3@example.com", "password": "correct horse", "name": "S"})
	want429(t, resp, body, 3600)
	// X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
	resp, body = c.call("POST", "/v1/users", "", map[string]string{"X-Forwarded-For": "198.51.100.7"},
		map[string]any{"email": "s4@example.com", "password": "correct horse", "name": "S"})
	want429(t, resp, body, 3600)
	// Nothing was written for the refused sign-ups.
	st, raw := client{t, sys.URL}.do("POST", "/v1/sessions", "", map[string]any{"email": "s3@example.com", "password": "correct horse"})
	client{t, sys.URL}.wantError(http.StatusUnauthorized, raw, st, "unauthenticated", "")
}

func TestRateLimitLoginPerIPBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	signUp(t, client{t, sys.URL}, "login@example.com")
	c := limitedGateway(t, sys, map[string]string{"RATE_LOGIN_PER_MIN": "3", "TRUSTED_PROXIES": "127.0.0.1, ::1"}, nil)
	creds := map[string]any{"email": "login@example.com", "password": "correct horse"}
	wrong := map[string]any{"email": "login@example.com", "password": "wrong password"}
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	// Failed attempts count: that is what the limit is for.
	for i, body := range []any{wrong, wrong, creds} {
		resp, raw := c.call("POST", "/v1/sessions", "", from("203.0.113.7"), body)
		if want := []int{401, 401, 200}[i]; resp.StatusCode != want {
			t.Fatalf("attempt %d: %d %s, want %d", i, resp.StatusCode, raw, want)
		}
	}
	resp, raw := c.call("POST", "/v1/sessions", "", from("203.0.113.7"), creds)
	want429(t, resp, raw, 60)
	// The client the trusted proxy names is what counts: another address
	// has its own budget, and the right-most untrusted hop is the client
	// (an entry the client wrote itself on the left cannot dodge the limit).
	resp, raw = c.call("POST", "/v1/sessions", "", from("203.0.113.8"), creds)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("another client: %d %s", resp.StatusCode, raw)
	}
	resp, raw = c.call("POST", "/v1/sessions", "", from("10.9.9.9, 203.0.113.7"), creds)
	want429(t, resp, raw, 60)
	resp, raw = c.call("POST", "/v1/sessions", "", from("203.0.113.7, 203.0.113.9, 127.0.0.1"), creds)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("client behind two proxies: %d %s", resp.StatusCode, raw)
	}
}

// TestRateLimitFailedLoginsPerAccount: wrong passwords are counted per
// account from any address (a distributed guess), right ones are not; a
// spent account answers 429 even to the right password, other accounts are
// untouched, and concurrent guesses get exactly the budget.
func TestRateLimitFailedLoginsPerAccount(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	for _, e := range []string{"victim@example.com", "bystander@example.com", "race@example.com"} {
		signUp(t, client{t, sys.URL}, e)
	}
	c := limitedGateway(t, sys, map[string]string{"RATE_LOGIN_FAILS_PER_HOUR": "3", "RATE_LOGIN_PER_MIN": "0", "TRUSTED_PROXIES": "127.0.0.1, ::1"}, nil)
	login := func(ip, email, password string) (*http.Response, []byte) {
		return c.call("POST", "/v1/sessions", "", map[string]string{"X-Forwarded-For": ip}, map[string]any{"email": email, "password": password})
	}
	for i := range 5 { // right passwords never spend the budget
		if resp, raw := login("203.0.113.1", "victim@example.com", "correct horse"); resp.StatusCode != http.StatusOK {
			t.Fatalf("login %d: %d %s", i, resp.StatusCode, raw)
		}
	}
	for i := range 3 { // three guesses, each from another address
		if resp, raw := login(fmt.Sprintf("198.51.100.%d", i+1), "victim@example.com", "guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401", i, resp.StatusCode, raw)
		}
	}
	resp, raw := login("198.51.100.9", "victim@example.com", "correct horse")
	want429(t, resp, raw, 1200) // the password is not even checked
	resp, raw = login("198.51.100.10", " Victim@Example.COM ", "guess")
	want429(t, resp, raw, 1200) // one account however the email is written
	if resp, raw := login("198.51.100.9", "bystander@example.com", "correct horse"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another account: %d %s", resp.StatusCode, raw)
	}

	// 20 concurrent guesses from 20 addresses: exactly 3 are checked.
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Go(func() {
			resp, _ := login(fmt.Sprintf("192.0.2.%d", i+1), "race@example.com", "guess")
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	n := map[int]int{}
	for _, code := range codes {
		n[code]++
	}
	if n[http.StatusUnauthorized] != 3 || n[http.StatusTooManyRequests] != 17 {
		t.Fatalf("concurrent guesses: %v, want 3 x 401 and 17 x 429", n)
	}
}

func TestRateLimitBookingPerUserAndPerIP(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	m := client{t, sys.URL}
	_, owner := signUp(t, m, "rl-owner@example.com")
	_, ann := signUp(t, m, "rl-ann@example.com")
	_, bob := signUp(t, m, "rl-bob@example.com")
	_, cid := signUp(t, m, "rl-cid@example.com")
	v := onboard(t, m, owner, allWeek(0))
	addUnits(t, m, owner, v.ID, newUnits("R", 6))
	c := limitedGateway(t, sys, map[string]string{"RATE_BOOK_PER_MIN": "2", "RATE_BOOK_IP_PER_MIN": "4"}, nil)
	slot := 0
	book := func(token string) (*http.Response, []byte) {
		slot++
		return c.call("POST", "/v1/bookings", token, map[string]string{"Idempotency-Key": fmt.Sprint("rl-", slot)},
			bookingBody(v.ID, slotAt(3, 10+slot, 0), 2))
	}
	for range 2 {
		if resp, raw := book(ann); resp.StatusCode != http.StatusCreated {
			t.Fatalf("ann books: %d %s", resp.StatusCode, raw)
		}
	}
	resp, raw := book(ann)
	want429(t, resp, raw, 60)
	if !strings.Contains(string(raw), "per user") {
		t.Fatalf("refusal does not say which limit: %s", raw)
	}
	// Bob, from the same address, has his own budget ...
	if resp, raw := book(bob); resp.StatusCode != http.StatusCreated {
		t.Fatalf("bob books: %d %s", resp.StatusCode, raw)
	}
	// ... until the address's budget (4) is spent.
	resp, raw = book(cid)
	want429(t, resp, raw, 60)
	if !strings.Contains(string(raw), "per client address") {
		t.Fatalf("refusal does not say which limit: %s", raw)
	}
	// Without a token it is 401 before any budget is looked at.
	resp, raw = book("")
	client{t: t}.wantError(http.StatusUnauthorized, raw, resp.StatusCode, "unauthenticated", "")
	// Other operations are not limited.
	for range 10 {
		if st, raw := c.do("GET", "/v1/vendors/"+v.ID, "", nil); st != http.StatusOK {
			t.Fatalf("vendor read: %d %s", st, raw)
		}
	}
}

// TestRateLimiterFailsOpen: with Redis unreachable every request goes
// through (a Redis outage must not lock users out) and the gateway logs it.
func TestRateLimiterFailsOpen(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	signUp(t, client{t, sys.URL}, "open@example.com")
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := limitedGateway(t, sys, map[string]string{"RATE_LOGIN_PER_MIN": "1", "REDIS_URL": "redis://127.0.0.1:1/0"}, log)
	began := time.Now()
	for i := range 4 {
		resp, raw := c.call("POST", "/v1/sessions", "", nil, map[string]any{"email": "open@example.com", "password": "correct horse"})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login %d with Redis down: %d %s", i, resp.StatusCode, raw)
		}
	}
	if el := time.Since(began); el > 5*time.Second {
		t.Fatalf("4 logins with Redis down took %s: the limiter must give up quickly", el)
	}
	if !strings.Contains(buf.String(), "rate limiter unavailable") {
		t.Fatalf("no log line about the limiter: %s", buf.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent log writers.
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
