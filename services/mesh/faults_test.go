package mesh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// world is a running mesh with real users and a vendor, and a way to put
// booking events on BOOKING_EVENTS exactly as the booking service's outbox
// relay does (Nats-Msg-Id = event id).
type world struct {
	sys      *testenv.System
	js       jetstream.JetStream
	pool     *pgxpool.Pool
	vendorID string
	users    []string // user ids
	emails   map[string]string
}

func newWorld(t testing.TB, users int, env map[string]string) *world {
	t.Helper()
	w := &world{sys: testenv.StartAll(t, env), emails: map[string]string{}}
	var token string
	for i := range users {
		email := fmt.Sprintf("guest%d@example.com", i)
		var u struct{ ID string }
		call(t, w.sys.URL, "POST", "/v1/users", "", map[string]any{"email": email, "password": "correct horse", "name": fmt.Sprintf("Guest %d", i)}, http.StatusCreated, &u)
		w.users = append(w.users, u.ID)
		w.emails[u.ID] = email
		if i == 0 {
			var s struct{ Token string }
			call(t, w.sys.URL, "POST", "/v1/sessions", "", map[string]any{"email": email, "password": "correct horse"}, http.StatusOK, &s)
			token = s.Token
		}
	}
	var v struct{ ID string }
	call(t, w.sys.URL, "POST", "/v1/vendors", token, map[string]any{
		"kind": "restaurant", "name": "Trattoria Faults", "timezone": "Europe/Berlin", "address": "Torstr. 1, Berlin",
		"location": map[string]any{"lat": 52.53, "lng": 13.40}, "tags": []string{"italian"},
		"opening_hours": []map[string]any{{"weekday": "monday", "open": "12:00", "close": "23:00"}},
		"deposit":       map[string]any{"amount": 1000, "currency": "EUR", "per": "booking"},
		"cancellation":  map[string]any{"free_until_hours_before": 24},
	}, http.StatusCreated, &v)
	w.vendorID = v.ID
	var err error
	if w.js, err = jetstream.New(w.sys.Conn(t)); err != nil {
		t.Fatal(err)
	}
	if w.pool, err = pgxpool.New(context.Background(), w.sys.PGURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.pool.Close)
	return w
}

func call(t testing.TB, base, method, path, token string, body any, want int, out any) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, buf.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, buf.Bytes())
		}
	}
}

// bookingEvents are the two events of booking n: confirmed (version 2), then
// cancelled (version 3), both at occurred.
func (w *world) bookingEvents(n int, occurred time.Time) [2]contracts.Event {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("fault-booking-%d", n))).String()
	start := time.Date(2031, 3, 3, 19, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	b := booking.Booking{
		ID: id, VendorID: w.vendorID, UserID: w.users[n%len(w.users)],
		Start: start, End: start.Add(90 * time.Minute), PartySize: 2,
		Units:     []booking.Unit{{ID: uuid.NewString(), Name: "T1", Capacity: 2}},
		Deposit:   booking.Deposit{Amount: 1000, Currency: "EUR", Status: "charged"},
		CreatedAt: occurred, UpdatedAt: occurred,
	}
	var out [2]contracts.Event
	for i, step := range []struct {
		typ, status, from string
	}{{booking.EventConfirmed, booking.StatusConfirmed, booking.StatusBlocked}, {booking.EventCancelled, booking.StatusCancelled, booking.StatusConfirmed}} {
		b.Status, b.Version = step.status, int64(i+2)
		data, _ := json.Marshal(booking.Changed{Booking: b, From: step.from})
		out[i] = contracts.Event{
			ID: uuid.Must(uuid.NewV7()).String(), Type: step.typ, Source: booking.Service,
			AggregateType: "booking", AggregateID: id, OccurredAt: occurred, SchemaVersion: booking.SchemaVersion, Data: data,
		}
	}
	return out
}

// publish puts the events of bookings [from, to) on the stream, pipelined,
// and waits for the stream's acks. It returns the event ids.
func (w *world) publish(t testing.TB, from, to int) []string {
	t.Helper()
	var ids []string
	for n := from; n < to; n++ {
		for _, e := range w.bookingEvents(n, time.Now()) {
			raw, _ := json.Marshal(e)
			if _, err := w.js.PublishAsync(e.Type, raw, jetstream.WithMsgID(e.ID)); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		if (n-from)%500 == 499 {
			w.acked(t)
		}
	}
	w.acked(t)
	return ids
}

func (w *world) acked(t testing.TB) {
	t.Helper()
	select {
	case <-w.js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("publish acks did not come in 30 s")
	}
}

func (w *world) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := w.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestEventsSurviveKafkaBridgeAndSMTPOutages is the system fault test of the
// event path: 10,000 booking events (5,000 bookings confirmed, then
// cancelled) go through JetStream, the bridge, Kafka and two consumer groups
// while the SMTP server is down, the Kafka broker restarts and the bridge
// restarts. Every event must reach every group and be applied once: the
// archive holds each of the 5,000 cancelled bookings, the notification
// store one email delivery per event, all sent, the SMTP server received
// each message (by Message-ID, which is the event id) exactly once, and the
// search read model has every booking at its final version.
func TestEventsSurviveKafkaBridgeAndSMTPOutages(t *testing.T) {
	t.Parallel()
	const bookings = 5000
	w := newWorld(t, 10, map[string]string{
		"NOTIFY_REMINDER_BEFORE": "0",   // one email per event, nothing scheduled
		"NOTIFY_MAX_ATTEMPTS":    "100", // ~100 s of retries (back-off <= 1 s): the outage must not exhaust them
		"NOTIFY_PARALLEL":        "16",
	})
	nc := w.sys.Conn(t)
	archived := func() int {
		return w.count(t, `SELECT count(*) FROM archive.bookings WHERE vendor_id = $1`, w.vendorID)
	}
	deliveries := func(status string) int {
		return w.count(t, `SELECT count(*) FROM notification.deliveries WHERE vendor_id = $1 AND channel = 'email' AND status LIKE $2`, w.vendorID, status)
	}

	// SMTP is down from the start: deliveries pile up and retry.
	w.sys.SMTP.Stop()
	var ids []string
	ids = append(ids, w.publish(t, 0, 1000)...)
	poll.Eventually(t, 60*time.Second, "archive under way", func() error {
		if n := archived(); n < 100 {
			return fmt.Errorf("%d archived", n)
		}
		return nil
	})

	// The Kafka broker goes down mid-stream, until the bridge has seen it fail.
	w.sys.Kafka.Stop()
	downAt := time.Now()
	ids = append(ids, w.publish(t, 1000, 2000)...)
	poll.Eventually(t, 30*time.Second, "the bridge sees Kafka down", func() error {
		st, err := bridge.GetStats(context.Background(), nc)
		if err != nil {
			return err
		}
		for _, r := range st.Routes {
			if r.LastErrorAt != nil && r.LastErrorAt.After(downAt) && time.Since(downAt) > 2*time.Second {
				return nil
			}
		}
		return errors.New("no Kafka failure reported yet")
	})
	w.sys.Kafka.Start(t)
	ids = append(ids, w.publish(t, 2000, 3000)...)

	// SMTP returns; then the bridge restarts mid-stream.
	w.sys.SMTP.Start(t)
	if err := w.sys.Mesh.StopService("bridge"); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, w.publish(t, 3000, 4000)...)
	if err := w.sys.Mesh.StartService(context.Background(), "bridge"); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, w.publish(t, 4000, bookings)...)
	if len(ids) != 2*bookings {
		t.Fatalf("published %d events", len(ids))
	}

	// The search read model is the third consumer group: each booking at
	// its last version, cancelled, holding nothing.
	searched := func() int {
		return w.count(t, `SELECT count(*) FROM search.bookings WHERE vendor_id = $1 AND version = 3 AND status = 'CANCELLED'`, w.vendorID)
	}
	poll.Eventually(t, 4*time.Minute, "every event applied", func() error {
		if a, sent, s := archived(), deliveries("sent"), searched(); a != bookings || sent != 2*bookings || s != bookings {
			return fmt.Errorf("%d/%d archived, %d/%d emails sent, %d messages at the SMTP server, %d/%d in search",
				a, bookings, sent, 2*bookings, len(w.sys.SMTP.Messages()), s, bookings)
		}
		return nil
	})
	if n := w.count(t, `SELECT count(*) FROM search.holds WHERE vendor_id = $1`, w.vendorID); n != 0 {
		t.Fatalf("%d holds of cancelled bookings left in the search read model", n)
	}
	// Applied once: no extra rows, no delivery left over, no dead letter.
	if n := deliveries("%"); n != 2*bookings {
		t.Fatalf("%d email deliveries, want %d", n, 2*bookings)
	}
	if n := w.count(t, `SELECT count(*) FROM archive.bookings WHERE vendor_id = $1 AND (status <> 'CANCELLED' OR version <> 3)`, w.vendorID); n != 0 {
		t.Fatalf("%d archived bookings not at their final version", n)
	}
	// Sent once: the SMTP server holds every event's message exactly once
	// (the sender has stopped: nothing is pending).
	byID := map[string]int{}
	for _, m := range w.sys.SMTP.Messages() {
		byID[strings.Trim(m.MessageID, "<>")]++
	}
	var missing, twice []string
	for _, id := range ids {
		switch byID[id+"@notification.slotmesh"] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 || len(twice) > 0 || len(byID) != len(ids) {
		t.Fatalf("SMTP server: %d messages for %d events; %d missing (e.g. %.3v), %d more than once (e.g. %.3v)",
			len(byID), len(ids), len(missing), missing, len(twice), twice)
	}
	t.Logf("%d events: %d archived, %d emails, each once", len(ids), archived(), len(byID))
}
