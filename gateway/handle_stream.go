package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/nats-io/nats.go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// Live booking news for a vendor's managers: GET /v1/vendors/{id}/bookings/stream
// answers Server-Sent Events fed by the booking events (evt.booking.>). One core
// NATS subscription per gateway process, taken when the first stream opens and
// dropped when the last one closes, fans the events out by vendor id to each
// open stream's bounded buffer. See docs/console.md.

const (
	streamBuffer    = 64               // events a slow stream may lag behind before it is reset
	streamKeepAlive = 15 * time.Second // a comment line at least this often, so proxies keep the stream open
	streamRetryMS   = 1000             // the client's reconnection delay (SSE retry field)
	// streamDeadlineMargin: a stream ends this long before the request's
	// deadline (STREAM_TIMEOUT) with an "event: reconnect", so that the
	// client reconnects at once rather than seeing a broken stream.
	streamDeadlineMargin = 500 * time.Millisecond
)

// BookingEventOut is the data of an "event: booking" on the stream.
type BookingEventOut struct {
	Type    string     `json:"type" doc:"The booking event, e.g. evt.booking.booking.confirmed.v1"`
	From    string     `json:"from,omitempty" doc:"The status before the change"`
	At      time.Time  `json:"at" doc:"When it happened"`
	Booking BookingOut `json:"booking" doc:"The booking after the change (same shape as GET /v1/bookings/{id}); apply it when its version is newer than the one you hold"`
}

// streamEvent is one event on its way to a stream.
type streamEvent struct {
	id   string
	data []byte // BookingEventOut JSON
}

// streamConn is one open stream of one vendor.
type streamConn struct {
	vendorID string
	ch       chan streamEvent
	overflow chan struct{} // closed when the buffer was full: the stream resets
	once     sync.Once
}

// streamHub fans the booking events out to the open streams by vendor.
type streamHub struct {
	nc  *nats.Conn
	log *slog.Logger

	mu    sync.Mutex
	sub   *nats.Subscription
	conns map[string]map[*streamConn]struct{}
}

func newStreamHub(nc *nats.Conn, log *slog.Logger) *streamHub {
	return &streamHub{nc: nc, log: log, conns: map[string]map[*streamConn]struct{}{}}
}

// join opens a stream of vendorID's events; the subscription exists when it returns.
func (h *streamHub) join(vendorID string) (*streamConn, error) {
	c := &streamConn{vendorID: vendorID, ch: make(chan streamEvent, streamBuffer), overflow: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sub == nil {
		sub, err := h.nc.Subscribe(contracts.StreamBooking.Subjects[0], h.deliver)
		if err != nil {
			return nil, fmt.Errorf("subscribe to booking events: %w", err)
		}
		// The server must know the interest before the caller says "ready".
		if err := h.nc.Flush(); err != nil {
			_ = sub.Unsubscribe()
			return nil, fmt.Errorf("subscribe to booking events: %w", err)
		}
		h.sub = sub
	}
	set := h.conns[vendorID]
	if set == nil {
		set = map[*streamConn]struct{}{}
		h.conns[vendorID] = set
	}
	set[c] = struct{}{}
	return c, nil
}

// leave closes a stream; the last one to leave drops the subscription.
func (h *streamHub) leave(c *streamConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.conns[c.vendorID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.conns, c.vendorID)
		}
	}
	if len(h.conns) == 0 && h.sub != nil {
		if err := h.sub.Unsubscribe(); err != nil && h.nc.IsConnected() {
			h.log.Warn("stream: unsubscribe from booking events", "error", err)
		}
		h.sub = nil
	}
}

// open counts the open streams (tests).
func (h *streamHub) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.conns {
		n += len(set)
	}
	return n
}

// deliver runs on the subscription's goroutine: decode once, hand to each
// stream of the vendor without blocking (a full buffer resets that stream).
func (h *streamHub) deliver(m *nats.Msg) {
	var ev contracts.Event
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		h.log.Warn("stream: undecodable booking event", "subject", m.Subject, "error", err)
		return
	}
	var ch booking.Changed
	if err := ev.Decode(&ch); err != nil || ch.Booking.VendorID == "" {
		h.log.Warn("stream: booking event without a booking", "subject", m.Subject, "event_id", ev.ID, "error", err)
		return
	}
	h.mu.Lock()
	set := h.conns[ch.Booking.VendorID]
	if len(set) == 0 {
		h.mu.Unlock()
		return
	}
	targets := make([]*streamConn, 0, len(set))
	for c := range set {
		targets = append(targets, c)
	}
	h.mu.Unlock()
	typ := ev.Type
	if typ == "" {
		typ = m.Subject
	}
	data, err := json.Marshal(BookingEventOut{Type: typ, From: ch.From, At: ev.OccurredAt, Booking: bookingOut(ch.Booking)})
	if err != nil {
		h.log.Error("stream: encode booking event", "event_id", ev.ID, "error", err)
		return
	}
	se := streamEvent{id: ev.ID, data: data}
	for _, c := range targets {
		select {
		case c.ch <- se:
		default:
			c.once.Do(func() { close(c.overflow) })
		}
	}
}

type streamInput struct {
	ID string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
}

const streamDoc = "Server-Sent Events (text/event-stream) with every change of the vendor's bookings, as it happens, " +
	"for the vendor's managers. Authenticate with the Authorization header (read the stream with fetch(); " +
	"EventSource cannot send headers). Events:\n\n" +
	"- `event: ready` once the subscription is live: load the day with GET /v1/vendors/{id}/bookings now, then apply the events;\n" +
	"- `event: booking`, `id: <event id>`, data BookingEventOut: the booking after a change (apply it when its version is newer);\n" +
	"- `event: reset`: the stream fell behind and ends; reload and reconnect;\n" +
	"- `event: reconnect`: the request's time limit is near and the stream ends; reconnect (and reload);\n" +
	"- a comment line (`: keep-alive`) every 15 s.\n\n" +
	"Events are not replayed: a client that reconnects reloads the list after `ready`. An event may arrive twice; compare versions."

// registerStream adds the live stream route (called from routes).
func (s *Server) registerStream() {
	hub := newStreamHub(s.nc, s.log)
	reg := s.api.OpenAPI().Components.Schemas
	huma.Register(s.api, huma.Operation{OperationID: "streamVendorBookings", Method: http.MethodGet,
		Path: "/v1/vendors/{id}/bookings/stream", Summary: "Live changes of a vendor's bookings, as Server-Sent Events (managers)",
		Tags: []string{"bookings"}, Security: bearer, Description: streamDoc,
		Responses: map[string]*huma.Response{"200": {
			Description: "An event stream (text/event-stream); each booking event's data is a BookingEventOut",
			Content: map[string]*huma.MediaType{"text/event-stream": {
				Schema: reg.Schema(reflect.TypeFor[BookingEventOut](), true, "BookingEventOut")}},
		}},
		Errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable}},
		func(ctx context.Context, in *streamInput) (*huma.StreamResponse, error) {
			return s.handleStream(ctx, hub, in)
		})
}

func (s *Server) handleStream(ctx context.Context, hub *streamHub, in *streamInput) (*huma.StreamResponse, error) {
	a, err := s.vendors.Authorize(ctx, in.ID, actor(ctx))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if a.Role == "" {
		return nil, s.fail(ctx, apperr.E(apperr.Forbidden, "only the vendor's managers may follow its bookings"))
	}
	conn, err := hub.join(in.ID)
	if err != nil {
		s.log.Error("stream: join", "request_id", natsrpc.RequestID(ctx), "error", err)
		return nil, s.fail(ctx, apperr.E(apperr.Unavailable, "live updates are unavailable, try again"))
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer hub.leave(conn)
		_, w := humago.Unwrap(hctx)
		s.serveStream(hctx.Context(), w, conn)
	}}, nil
}

// serveStream writes the stream until the client goes, the buffer overflows
// or the request's deadline nears.
func (s *Server) serveStream(ctx context.Context, w http.ResponseWriter, c *streamConn) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)

	var end <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(max(time.Until(dl)-streamDeadlineMargin, 0))
		defer t.Stop()
		end = t.C
		_ = rc.SetWriteDeadline(dl) // the server's WriteTimeout must not cut the stream sooner
		_ = rc.SetReadDeadline(dl)  // nor its ReadTimeout (the background read would end the request)
	}
	write := func(f string, args ...any) bool {
		if _, err := fmt.Fprintf(w, f, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: %d\nevent: ready\ndata: {\"vendor_id\":%q}\n\n", streamRetryMS, c.vendorID) {
		return
	}
	keep := time.NewTicker(streamKeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end:
			write("event: reconnect\ndata: {\"reason\":\"request time limit\"}\n\n")
			return
		case <-c.overflow:
			write("event: reset\ndata: {\"reason\":\"the stream fell behind; reload and reconnect\"}\n\n")
			return
		case <-keep.C:
			if !write(": keep-alive\n\n") {
				return
			}
		case ev := <-c.ch:
			if !writeEvent(w, ev) || rc.Flush() != nil {
				return
			}
		}
	}
}

func writeEvent(w io.Writer, ev streamEvent) bool {
	id := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, ev.id)
	_, err := fmt.Fprintf(w, "id: %s\nevent: booking\ndata: %s\n\n", id, ev.data)
	return err == nil
}
