package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// The stream hub on a bare embedded NATS server: fan-out by vendor, bounded
// buffers, one subscription taken and dropped with the streams. (The whole
// endpoint, with its authorisation, runs in gateway/console's browser tests.)

func hubConn(t *testing.T) *nats.Conn {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func publishBooking(t *testing.T, nc *nats.Conn, id, vendorID, status string) {
	t.Helper()
	data, _ := json.Marshal(booking.Changed{Booking: booking.Booking{ID: id, VendorID: vendorID, Status: status, Version: 1}})
	ev, _ := json.Marshal(contracts.Event{ID: "evt-" + id, Type: booking.EventConfirmed, Source: "booking",
		AggregateType: "booking", AggregateID: id, OccurredAt: time.Now(), SchemaVersion: 1, Data: data})
	if err := nc.Publish(booking.EventConfirmed, ev); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c *streamConn) streamEvent {
	t.Helper()
	select {
	case ev := <-c.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return streamEvent{}
	}
}

func TestStreamHubFanOutAndOverflow(t *testing.T) {
	t.Parallel()
	nc := hubConn(t)
	hub := newStreamHub(nc, slog.New(slog.DiscardHandler))
	a1, err := hub.join("vendor-a")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := hub.join("vendor-a")
	b1, _ := hub.join("vendor-b")
	if hub.open() != 3 || hub.sub == nil {
		t.Fatalf("open %d, sub %v", hub.open(), hub.sub)
	}
	publishBooking(t, nc, "bk1", "vendor-a", booking.StatusConfirmed)
	for _, c := range []*streamConn{a1, a2} {
		ev := recv(t, c)
		var out BookingEventOut
		if err := json.Unmarshal(ev.data, &out); err != nil || out.Booking.ID != "bk1" || out.Type != booking.EventConfirmed || ev.id != "evt-bk1" {
			t.Fatalf("event %s %s: %v", ev.id, ev.data, err)
		}
	}
	// Vendor b's stream did not get vendor a's event: one subscription
	// delivers in publish order, so a vendor-b event published after it is
	// the first b1 receives.
	publishBooking(t, nc, "bk2", "vendor-b", booking.StatusConfirmed)
	if ev := recv(t, b1); ev.id != "evt-bk2" {
		t.Fatalf("vendor b got another vendor's event: %s %s", ev.id, ev.data)
	}
	// Garbage on the subject is dropped, not delivered.
	_ = nc.Publish(booking.EventConfirmed, []byte("{"))
	// A stream that does not read overflows after streamBuffer events; the others do not.
	for i := range streamBuffer + 1 {
		publishBooking(t, nc, "x"+string(rune('a'+i%26))+strings.Repeat("y", i), "vendor-b", booking.StatusConfirmed)
	}
	select {
	case <-b1.overflow:
	case <-time.After(5 * time.Second):
		t.Fatal("a full buffer did not reset the stream")
	}
	select {
	case <-a1.overflow:
		t.Fatal("another vendor's stream was reset")
	default:
	}
	hub.leave(a1)
	hub.leave(b1)
	if hub.sub == nil {
		t.Fatal("the subscription was dropped with a stream still open")
	}
	hub.leave(a2)
	if hub.open() != 0 || hub.sub != nil {
		t.Fatalf("after the last stream: open %d, sub %v", hub.open(), hub.sub)
	}
}

// A client that goes away leaves the hub; the last one takes the
// subscription with it.
func TestStreamLeavesOnDisconnect(t *testing.T) {
	t.Parallel()
	nc := hubConn(t)
	s := &Server{log: slog.New(slog.DiscardHandler)}
	hub := newStreamHub(nc, s.log)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := hub.join("vendor-a")
		if err != nil {
			t.Error(err)
			return
		}
		defer hub.leave(c)
		s.serveStream(r.Context(), w, c)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	rd := bufio.NewReader(res.Body)
	readUntil := func(want string) string {
		var got strings.Builder
		for !strings.Contains(got.String(), want) {
			line, err := rd.ReadString('\n')
			got.WriteString(line)
			if err != nil {
				t.Fatalf("stream ended before %q: %v\n%s", want, err, got.String())
			}
		}
		return got.String()
	}
	readUntil("event: ready")
	readUntil("\n")
	publishBooking(t, nc, "bk1", "vendor-a", booking.StatusConfirmed)
	if got := readUntil("data: "); !strings.Contains(got, "id: evt-bk1\nevent: booking\n") {
		t.Fatalf("event: %q", got)
	}
	cancel()
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	poll.Eventually(t, 5*time.Second, "the stream to leave", func() error {
		hub.mu.Lock()
		subscribed := hub.sub != nil
		hub.mu.Unlock()
		if n := hub.open(); n != 0 || subscribed {
			return fmt.Errorf("open %d, subscribed %v", n, subscribed)
		}
		return nil
	})
}

// A stream ends with "reconnect" just before its request's deadline.
func TestStreamEndsBeforeDeadline(t *testing.T) {
	t.Parallel()
	nc := hubConn(t)
	s := &Server{log: slog.New(slog.DiscardHandler)}
	hub := newStreamHub(nc, s.log)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		c, _ := hub.join("vendor-a")
		defer hub.leave(c)
		s.serveStream(ctx, w, c)
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "event: ready") || !strings.HasSuffix(string(body), "event: reconnect\ndata: {\"reason\":\"request time limit\"}\n\n") {
		t.Fatalf("body %q", body)
	}
}
