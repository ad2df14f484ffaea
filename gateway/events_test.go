package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/testenv"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// TestBookingEventsLeaveTheMesh follows one booking out of the services the
// way an outsider sees it: its confirmation is a message on the new_booking
// Kafka topic (read with kafka-go, as any Kafka client would), the diner gets
// a confirmation email at the SMTP server, and once cancelled it moves from
// the current list to the past one (through the archive).
func TestBookingEventsLeaveTheMesh(t *testing.T) {
	t.Parallel()
	sys := testenv.StartAll(t, nil)
	c := client{t, sys.URL}
	_, owner := signUp(t, c, "owner@example.com")
	_, diner := signUp(t, c, "events.diner@example.com")
	v := onboard(t, c, owner, allWeek(0))
	addUnits(t, c, owner, v.ID, []map[string]any{{"name": "T1", "capacity": 4}})

	at := slotAt(3, 19, 0)
	st, raw := c.book(diner, "ev1", bookingBody(v.ID, at, 2))
	b := wantBooking(t, http.StatusCreated, st, raw)
	if b.Status != "CONFIRMED" {
		t.Fatalf("booking: %s", raw)
	}

	// On Kafka: key = booking id, event type and id in headers, the booking in the envelope.
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:     []string{sys.Kafka.Addr},
		GroupID:     "test-outsider",
		Topic:       contracts.TopicNewBooking,
		StartOffset: kafkago.FirstOffset,
		MaxWait:     100 * time.Millisecond,
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("no confirmed event for %s on %s: %v", b.ID, contracts.TopicNewBooking, err)
		}
		if string(m.Key) != b.ID {
			continue
		}
		var e contracts.Event
		if err := json.Unmarshal(m.Value, &e); err != nil {
			t.Fatalf("value is not an event envelope: %v: %s", err, m.Value)
		}
		var data booking.Changed
		if err := json.Unmarshal(e.Data, &data); err != nil {
			t.Fatal(err)
		}
		if header(m, contracts.HeaderEventType) != booking.EventConfirmed || header(m, contracts.HeaderEventID) != e.ID ||
			e.Type != booking.EventConfirmed || data.Booking.ID != b.ID || data.Booking.Status != "CONFIRMED" {
			t.Fatalf("message %s headers %v: %s", m.Key, m.Headers, m.Value)
		}
		break
	}

	// The confirmation email, once.
	mail := waitMail(t, sys.SMTP, "events.diner@example.com", "Booking confirmed", 1)
	if !strings.Contains(mail[0].Body, b.ID) && !strings.Contains(mail[0].Body, "19:00") {
		t.Fatalf("confirmation email says neither the booking nor its time: %s", mail[0].Body)
	}

	// Cancel: the booking leaves "current" and shows in "past" from the archive.
	st, raw = c.do("POST", "/v1/bookings/"+b.ID+"/cancel", diner, nil)
	if got := wantBooking(t, http.StatusOK, st, raw); got.Status != "CANCELLED" {
		t.Fatalf("cancel: %s", raw)
	}
	cancelled := time.Now()
	if cur := listBookings(t, c, diner, "/v1/users/me/bookings?scope=current"); len(cur.Items) != 0 {
		t.Fatalf("a cancelled booking is still current: %+v", cur.Items)
	}
	past := waitList(t, c, diner, "/v1/users/me/bookings?scope=past", 1)
	if past.Items[0].ID != b.ID || past.Items[0].Status != "CANCELLED" {
		t.Fatalf("past: %+v", past.Items)
	}
	t.Logf("cancelled -> in the past list after %s", time.Since(cancelled).Round(time.Millisecond))
	waitMail(t, sys.SMTP, "events.diner@example.com", "Booking cancelled", 1)
	if n := len(mails(sys.SMTP, "events.diner@example.com", "Booking confirmed")); n != 1 {
		t.Fatalf("%d confirmation emails, want 1", n)
	}
}

func header(m kafkago.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// mails are the messages the sink holds for to whose subject starts with subject.
func mails(s *testenv.SMTP, to, subject string) []testenv.SMTPMessage {
	var out []testenv.SMTPMessage
	for _, m := range s.Messages() {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) && strings.HasPrefix(m.Subject, subject) {
				out = append(out, m)
			}
		}
	}
	return out
}

// waitMail polls the sink until n such messages arrived (20 s at most).
func waitMail(t testing.TB, s *testenv.SMTP, to, subject string, n int) []testenv.SMTPMessage {
	t.Helper()
	var got []testenv.SMTPMessage
	poll.Eventually(t, 20*time.Second, fmt.Sprintf("%d %q emails to %s", n, subject, to), func() error {
		if got = mails(s, to, subject); len(got) < n {
			var all []string
			for _, m := range s.Messages() {
				all = append(all, strings.Join(m.To, ",")+": "+m.Subject)
			}
			return fmt.Errorf("%d of them; the sink holds %q", len(got), all)
		}
		return nil
	})
	return got
}
