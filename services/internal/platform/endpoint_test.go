package platform_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

type decodeTarget struct {
	Name  string   `json:"name"`
	N     int      `json:"n"`
	Inner inner    `json:"inner"`
	Tags  []string `json:"tags"`
}

type inner struct {
	X int `json:"x"`
}

func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		body  string
		want  decodeTarget // when ok
		ok    bool
		field string // the Details["field"] of the error; "" when none is named
		msg   string // a substring of the error message
	}{
		{name: "valid", body: `{"name":"a","n":2,"inner":{"x":3},"tags":["p","q"]}`, ok: true,
			want: decodeTarget{Name: "a", N: 2, Inner: inner{X: 3}, Tags: []string{"p", "q"}}},
		{name: "empty object", body: `{}`, ok: true},
		{name: "empty body is {}", body: ``, ok: true},
		{name: "blank body is {}", body: " \r\n\t", ok: true},
		{name: "trailing whitespace", body: "{\"n\":1} \n", ok: true, want: decodeTarget{N: 1}},
		{name: "unknown field", body: `{"name":"a","admin":true}`, field: "admin", msg: "admin: unknown field"},
		{name: "unknown nested field", body: `{"inner":{"y":1}}`, field: "y", msg: "unknown field"},
		{name: "wrong type", body: `{"n":"two"}`, field: "n", msg: "n: must be an integer"},
		{name: "fraction for int", body: `{"n":1.5}`, field: "n", msg: "must be an integer"},
		{name: "wrong nested type", body: `{"inner":{"x":"s"}}`, field: "inner.x", msg: "inner.x: must be an integer"},
		{name: "wrong element type", body: `{"tags":["ok",1]}`, field: "tags", msg: "must be a string"},
		{name: "syntax error", body: `{"name" "a"}`, msg: "malformed JSON at byte"},
		{name: "truncated", body: `{"name":`, msg: "malformed JSON"},
		{name: "not JSON", body: `name=a`, msg: "malformed JSON"},
		{name: "trailing value", body: `{"n":1} {"n":2}`, msg: "trailing data"},
		{name: "trailing garbage", body: `{"n":1}x`, msg: "trailing data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got decodeTarget
			err := platform.DecodeStrict([]byte(c.body), &got)
			if c.ok {
				if err != nil {
					t.Fatalf("DecodeStrict(%q) = %v, want nil", c.body, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Fatalf("DecodeStrict(%q) decoded %+v, want %+v", c.body, got, c.want)
				}
				return
			}
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.InvalidInput || ae.Status() != 400 {
				t.Fatalf("DecodeStrict(%q) = %v, want an invalid_input *apperr.Error", c.body, err)
			}
			if f, named := ae.Details["field"]; c.field != "" && f != c.field || c.field == "" && named {
				t.Fatalf("DecodeStrict(%q): field %v (named %v), want %q", c.body, f, named, c.field)
			}
			if !strings.Contains(ae.Message, c.msg) {
				t.Fatalf("DecodeStrict(%q): message %q, want it to contain %q", c.body, ae.Message, c.msg)
			}
		})
	}
}

// Component test of the endpoint adapter and AddService on an embedded NATS.

const (
	testService = "ptest"
	testGroup   = "svc.ptest.v1"
)

type echoReq struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

func (r echoReq) Validate() error {
	if r.N < 0 {
		return apperr.Field("n", "must not be negative")
	}
	return nil
}

type whoResp struct {
	Actor       string        `json:"actor"`
	RequestID   string        `json:"request_id"`
	Idempotency string        `json:"idempotency"`
	Remaining   time.Duration `json:"remaining"` // until the handler's deadline; 0 without one
}

const secret = "password=hunter2"

func subject(op string) string { return testGroup + "." + op }

func testEndpoints(o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(natsrpc.NewOp[echoReq, echoReq](testGroup, "echo"), o, func(_ context.Context, r echoReq) (echoReq, error) { return r, nil }),
		platform.Handle(natsrpc.NewOp[echoReq, echoReq](testGroup, "conflict"), o, func(_ context.Context, r echoReq) (echoReq, error) {
			return echoReq{}, apperr.E(apperr.Conflict, "slot %s is taken", r.Text).With("slot", r.Text)
		}),
		platform.Handle(natsrpc.NewOp[echoReq, echoReq](testGroup, "wrapped"), o, func(_ context.Context, r echoReq) (echoReq, error) {
			return echoReq{}, fmt.Errorf("adapter: load: %w", apperr.E(apperr.NotFound, "thing not found"))
		}),
		platform.Handle(natsrpc.NewOp[echoReq, echoReq](testGroup, "plain"), o, func(_ context.Context, r echoReq) (echoReq, error) {
			return echoReq{}, errors.New("dial db " + secret + ": connection refused")
		}),
		platform.Handle(natsrpc.NewOp[echoReq, echoReq](testGroup, "panic"), o, func(_ context.Context, r echoReq) (echoReq, error) {
			panic("boom " + secret)
		}),
		platform.Handle(natsrpc.NewOp[echoReq, chan int](testGroup, "badresp"), o, func(_ context.Context, r echoReq) (chan int, error) {
			return make(chan int), nil // cannot be encoded
		}),
		platform.Handle(natsrpc.NewOp[struct{}, whoResp](testGroup, "who"), o, func(ctx context.Context, _ struct{}) (whoResp, error) {
			w := whoResp{Actor: natsrpc.Actor(ctx), RequestID: natsrpc.RequestID(ctx), Idempotency: natsrpc.IdempotencyKey(ctx)}
			if d, ok := ctx.Deadline(); ok {
				w.Remaining = time.Until(d)
			}
			return w, nil
		}),
	}
}

type component struct {
	nc   *nats.Conn
	svcs *platform.Service
	logs *logRecorder
}

func startComponent(t *testing.T) *component {
	t.Helper()
	n := testenv.StartNATS(t)
	logs := &logRecorder{}
	srvConn := n.Connect(t)
	svcs, err := platform.AddService(srvConn, platform.ServiceSpec{
		Name:      testService,
		Version:   "0.0.0-dev",
		Group:     testGroup,
		Endpoints: testEndpoints(platform.EndpointOptions{Log: slog.New(logs), Timeout: 2 * time.Second}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	return &component{nc: n.Connect(t), svcs: svcs, logs: logs}
}

func call[Resp any](t *testing.T, ctx context.Context, nc *nats.Conn, op string, req any) (Resp, *apperr.Error) {
	t.Helper()
	resp, err := natsrpc.Call[any, Resp](ctx, nc, subject(op), req)
	if err == nil {
		return resp, nil
	}
	ae, ok := apperr.As(err)
	if !ok {
		t.Fatalf("%s: %v is not an *apperr.Error", op, err)
	}
	return resp, ae
}

func TestEndpointAdapter(t *testing.T) {
	t.Parallel()
	c := startComponent(t)
	ctx := natsrpc.WithRequestID(context.Background(), "req-123")

	if n, want := len(c.svcs.Info().Endpoints), len(testEndpoints(platform.EndpointOptions{})); n != want {
		t.Fatalf("AddService registered %d endpoints, want %d", n, want)
	}

	t.Run("echo", func(t *testing.T) {
		got, ae := call[echoReq](t, ctx, c.nc, "echo", echoReq{Text: "héllo", N: 3})
		if ae != nil || got != (echoReq{Text: "héllo", N: 3}) {
			t.Fatalf("echo = %+v, %v", got, ae)
		}
	})

	t.Run("validate", func(t *testing.T) {
		_, ae := call[echoReq](t, ctx, c.nc, "echo", echoReq{N: -1})
		if ae == nil || ae.Code != apperr.InvalidInput || ae.Details["field"] != "n" {
			t.Fatalf("Validate failure = %v, want invalid_input on n", ae)
		}
	})

	t.Run("unknown field", func(t *testing.T) {
		_, ae := call[echoReq](t, ctx, c.nc, "echo", map[string]any{"text": "a", "admin": true})
		if ae == nil || ae.Code != apperr.InvalidInput || ae.Details["field"] != "admin" {
			t.Fatalf("unknown field = %v, want invalid_input on admin", ae)
		}
	})

	t.Run("apperr", func(t *testing.T) {
		_, ae := call[echoReq](t, ctx, c.nc, "conflict", echoReq{Text: "s1"})
		if ae == nil || ae.Code != apperr.Conflict || ae.Status() != 409 ||
			ae.Message != "slot s1 is taken" || ae.Details["slot"] != "s1" {
			t.Fatalf("conflict = %#v", ae)
		}
		// The micro headers carry the status and message (what nats micro and
		// non-Go clients see).
		reply, err := c.nc.Request(subject("conflict"), []byte(`{"text":"s2"}`), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if reply.Header.Get(natsrpc.HeaderErrorCode) != "409" || reply.Header.Get(natsrpc.HeaderError) != "slot s2 is taken" {
			t.Fatalf("micro error headers %v", reply.Header)
		}
	})

	t.Run("wrapped apperr", func(t *testing.T) {
		_, ae := call[echoReq](t, ctx, c.nc, "wrapped", echoReq{})
		if ae == nil || ae.Code != apperr.NotFound || ae.Status() != 404 || ae.Message != "thing not found" {
			t.Fatalf("wrapped = %v, want not_found", ae)
		}
	})

	t.Run("plain error", func(t *testing.T) {
		ctx := natsrpc.WithRequestID(context.Background(), "req-plain")
		_, ae := call[echoReq](t, ctx, c.nc, "plain", echoReq{})
		if ae == nil || ae.Code != apperr.Internal || ae.Status() != 500 || ae.Message != "internal error" ||
			ae.Details["request_id"] != "req-plain" {
			t.Fatalf("plain error = %#v, want internal error with the request id", ae)
		}
		assertNoLeak(t, c.nc, "plain")
		c.logs.waitFor(t, func(r logged) bool {
			return r.level == slog.LevelError && r.attrs["request_id"] == "req-plain" &&
				r.attrs["endpoint"] == "plain" && strings.Contains(r.attrs["error"], secret)
		})
	})

	t.Run("panic", func(t *testing.T) {
		ctx := natsrpc.WithRequestID(context.Background(), "req-panic")
		_, ae := call[echoReq](t, ctx, c.nc, "panic", echoReq{})
		if ae == nil || ae.Code != apperr.Internal || ae.Status() != 500 || ae.Message != "internal error" {
			t.Fatalf("panic = %#v, want internal error", ae)
		}
		assertNoLeak(t, c.nc, "panic")
		c.logs.waitFor(t, func(r logged) bool {
			return r.level == slog.LevelError && r.attrs["request_id"] == "req-panic" && strings.Contains(r.attrs["error"], "panic: boom")
		})
		// The workers still answer.
		for i := range 40 {
			got, ae := call[echoReq](t, ctx, c.nc, "echo", echoReq{N: i})
			if ae != nil || got.N != i {
				t.Fatalf("echo #%d after a panic = %+v, %v", i, got, ae)
			}
		}
	})

	t.Run("unencodable response", func(t *testing.T) {
		_, ae := call[echoReq](t, ctx, c.nc, "badresp", echoReq{})
		if ae == nil || ae.Code != apperr.Internal || ae.Message != "internal error" {
			t.Fatalf("badresp = %v, want internal error", ae)
		}
	})

	t.Run("context", func(t *testing.T) {
		ctx := natsrpc.WithIdempotencyKey(natsrpc.WithActor(natsrpc.WithRequestID(context.Background(), "req-who"), "user-7"), "idem-1")
		got, ae := call[whoResp](t, ctx, c.nc, "who", struct{}{})
		if ae != nil || got.Actor != "user-7" || got.RequestID != "req-who" || got.Idempotency != "idem-1" {
			t.Fatalf("who = %+v, %v", got, ae)
		}
		if got.Remaining <= 0 || got.Remaining > 2*time.Second {
			t.Fatalf("handler deadline in %v, want within the 2s endpoint timeout", got.Remaining)
		}
		got, ae = call[whoResp](t, context.Background(), c.nc, "who", struct{}{})
		if ae != nil || got.Actor != "" || got.RequestID != "" || got.Idempotency != "" {
			t.Fatalf("who without headers = %+v, %v", got, ae)
		}
	})

	t.Run("header-breaking field name", func(t *testing.T) {
		// The unknown field's name ends up in the Nats-Service-Error header: a
		// CR/LF in it must not break or forge the reply headers.
		body := []byte(`{"a\r\nNats-Service-Error-Code: 200\r\n":1}`)
		reply, err := c.nc.Request(subject("echo"), body, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if codes := reply.Header.Values(natsrpc.HeaderErrorCode); len(codes) != 1 || codes[0] != "400" {
			t.Fatalf("error code headers %q, want just 400", codes)
		}
		if ae, ok := apperr.As(natsrpc.ReplyError(reply)); !ok || ae.Code != apperr.InvalidInput {
			t.Fatalf("reply error %v, want invalid_input", natsrpc.ReplyError(reply))
		}
	})

	// micro's stats count every error reply, per endpoint.
	t.Run("stats", func(t *testing.T) {
		want := map[string][2]int{ // endpoint: {requests, errors}
			// echo: itself, validate, unknown field, 40 after the panic, header-breaking.
			"echo":     {1 + 1 + 1 + 40 + 1, 3},
			"conflict": {2, 2},
			"wrapped":  {1, 1},
			"plain":    {2, 2}, // natsrpc.Call and assertNoLeak
			"panic":    {2, 2},
			"badresp":  {1, 1},
			"who":      {2, 0},
		}
		var got map[string][2]int
		var lastErr map[string][]string
		// Stats are updated after the reply is sent: poll.
		poll.Eventually(t, 10*time.Second, "micro stats {requests errors} as counted", func() error {
			if got, lastErr = endpointStats(c.svcs); fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("%v, want %v", got, want)
			}
			return nil
		})
		// The last error of each endpoint: "<status>:<message>".
		for ep, want := range map[string]string{
			"echo":     "400:",
			"conflict": "409:slot s",
			"wrapped":  "404:thing not found",
			"plain":    "500:internal error",
			"panic":    "500:internal error",
			"badresp":  "500:internal error",
		} {
			if len(lastErr[ep]) == 0 {
				t.Errorf("%s: no last error recorded", ep)
			}
			for _, got := range lastErr[ep] {
				if !strings.HasPrefix(got, want) {
					t.Errorf("%s: last error %q, want %q...", ep, got, want)
				}
			}
		}
		if len(lastErr["who"]) != 0 {
			t.Errorf("who: last errors %q, want none", lastErr["who"])
		}
	})

	t.Run("stopped", func(t *testing.T) {
		if err := c.svcs.Stop(); err != nil {
			t.Fatal(err)
		}
		poll.Eventually(t, 5*time.Second, "echo unavailable after Stop", func() error {
			_, ae := call[echoReq](t, context.Background(), c.nc, "echo", echoReq{})
			if ae != nil && ae.Code == apperr.Unavailable && ae.Status() == 503 {
				return nil
			}
			return fmt.Errorf("echo answered %v", ae)
		})
	})
}

// assertNoLeak checks the raw reply of op carries nothing of the secret.
func assertNoLeak(t *testing.T, nc *nats.Conn, op string) {
	t.Helper()
	reply, err := nc.Request(subject(op), []byte(`{}`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(reply.Data) + fmt.Sprint(reply.Header)
	if strings.Contains(raw, "hunter2") || strings.Contains(raw, "boom") || strings.Contains(raw, "goroutine") {
		t.Fatalf("%s reply leaks internals: %s", op, raw)
	}
	if reply.Header.Get(natsrpc.HeaderErrorCode) != "500" || reply.Header.Get(natsrpc.HeaderError) != "internal error" {
		t.Fatalf("%s micro error headers %v", op, reply.Header)
	}
}

// endpointStats is the micro stats {requests errors} per endpoint name, and
// each endpoint's last error.
func endpointStats(svcs *platform.Service) (map[string][2]int, map[string][]string) {
	counts := map[string][2]int{}
	last := map[string][]string{}
	for _, e := range svcs.Stats().Endpoints {
		counts[e.Name] = [2]int{e.NumRequests, e.NumErrors}
		if e.LastError != "" {
			last[e.Name] = append(last[e.Name], e.LastError)
		}
	}
	return counts, last
}

// TestEmptyMessageErrorStillReplies: a handler returning an *apperr.Error
// with an empty message must still get an error reply.
func TestEmptyMessageErrorStillReplies(t *testing.T) {
	t.Parallel()
	n := testenv.StartNATS(t)
	svcs, err := platform.AddService(n.Connect(t), platform.ServiceSpec{
		Name: "empty", Version: "0.0.0-dev", Group: "svc.empty.v1", Workers: 1,
		Endpoints: []platform.Endpoint{platform.Handle(natsrpc.NewOp[struct{}, struct{}]("svc.empty.v1", "get"), platform.EndpointOptions{}, func(context.Context, struct{}) (struct{}, error) {
			return struct{}{}, &apperr.Error{Code: apperr.NotFound}
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svcs.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = natsrpc.Call[struct{}, struct{}](ctx, n.Connect(t), "svc.empty.v1.get", struct{}{})
	if apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("got %v, want not_found", err)
	}
}

// logRecorder is a slog.Handler keeping every record with its attributes as
// strings.
type logRecorder struct {
	mu   sync.Mutex
	recs []logged
}

type logged struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l := logged{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		l.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, l)
	return nil
}

// waitFor polls until exactly one record matches, failing on a timeout or
// on a second match (errors are logged once).
func (h *logRecorder) waitFor(t *testing.T, match func(logged) bool) {
	t.Helper()
	poll.Eventually(t, 5*time.Second, "the error logged", func() error {
		h.mu.Lock()
		n := 0
		for _, r := range h.recs {
			if match(r) {
				n++
			}
		}
		h.mu.Unlock()
		switch {
		case n == 0:
			return errors.New("not logged")
		case n > 1:
			t.Fatalf("the error was logged %d times, want once", n)
		}
		return nil
	})
}
