package notification_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/testenv/poll"
)

// bookingEvent is an event of booking b at its version.
func (e *env) bookingEvent(typ string, b booking.Booking) contracts.Event {
	e.t.Helper()
	data, err := json.Marshal(booking.Changed{Booking: b})
	if err != nil {
		e.t.Fatal(err)
	}
	return contracts.Event{ID: uuid.Must(uuid.NewV7()).String(), Type: typ, Source: booking.Service, AggregateType: "booking",
		AggregateID: b.ID, OccurredAt: time.Now().UTC(), SchemaVersion: booking.SchemaVersion, Data: data}
}

// reminders counts an event's reminder rows by status.
func (e *env) reminders(bookingID string) map[string]int {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT status, count(*) FROM notification.deliveries
		WHERE booking_id = $1 AND channel = 'reminder' GROUP BY status`, bookingID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			e.t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

// TestReminders: a confirmed booking gets "your booking is in 1 hour" one
// hour before its start; a moved booking only the reminder of its new time;
// a cancelled one none — also when the cancellation (another topic) is
// handled before the confirmation.
func TestReminders(t *testing.T) {
	t.Parallel()
	e := start(t, map[string]string{"NOTIFY_REMINDER_BEFORE": "1h"})
	soon := time.Now().Add(time.Hour + 1500*time.Millisecond).UTC()
	mk := func(u string, version int64, start time.Time, status string) booking.Booking {
		return booking.Booking{ID: uuid.NewString(), Status: status, VendorID: e.vendorID, UserID: u, Start: start,
			End: start.Add(time.Hour), PartySize: 3, Version: version}
	}
	ann, bo, cy, di := e.user("Ann"), e.user("Bo"), e.user("Cy"), e.user("Di")

	a := mk(ann.ID, 2, soon, booking.StatusConfirmed)
	e.produce(e.bookingEvent(booking.EventConfirmed, a))

	b := mk(bo.ID, 2, soon, booking.StatusConfirmed)
	e.produce(e.bookingEvent(booking.EventConfirmed, b))
	bc := b
	bc.Version, bc.Status = 3, booking.StatusCancelled
	e.produce(e.bookingEvent(booking.EventCancelled, bc))

	c := mk(cy.ID, 3, soon, booking.StatusCancelled)
	e.produce(e.bookingEvent(booking.EventCancelled, c))
	poll.Eventually(t, 30*time.Second, "the cancellation recorded first", func() error {
		if r := e.reminders(c.ID); r[notification.StatusCancelled] != 1 {
			return fmt.Errorf("reminders %v", r)
		}
		return nil
	})
	cc := c
	cc.Version, cc.Status = 2, booking.StatusConfirmed
	e.produce(e.bookingEvent(booking.EventConfirmed, cc))

	d := mk(di.ID, 2, soon.Add(-time.Hour), booking.StatusConfirmed) // too soon for a reminder at first
	e.produce(e.bookingEvent(booking.EventConfirmed, d))
	du := d
	du.Version, du.Start = 3, soon.Add(500*time.Millisecond)
	e.produce(e.bookingEvent(booking.EventUpdated, du))
	dEarly := mk(di.ID, 2, soon.Add(10*time.Minute), booking.StatusConfirmed) // a second booking of Di's, moved earlier
	dEarly.ID = uuid.NewString()
	e.produce(e.bookingEvent(booking.EventConfirmed, dEarly))
	dMoved := dEarly
	dMoved.Version, dMoved.Start = 3, soon.Add(2*time.Hour)
	e.produce(e.bookingEvent(booking.EventUpdated, dMoved))

	reminderMails := func(addr string) []string {
		var out []string
		for _, m := range e.mailsTo(addr) {
			if strings.HasPrefix(m.Subject, "Reminder:") {
				out = append(out, m.Subject)
			}
		}
		return out
	}
	poll.Eventually(t, 30*time.Second, "Ann's and Di's reminders", func() error {
		if a, d := reminderMails(ann.Email), reminderMails(di.Email); len(a) != 1 || len(d) != 1 {
			return fmt.Errorf("Ann's %q, Di's %q", a, d)
		}
		return nil
	})
	if got := reminderMails(ann.Email)[0]; !strings.HasPrefix(got, "Reminder: Trattoria Roma in 1 hour, ") {
		t.Errorf("subject %q", got)
	}
	poll.Eventually(t, 10*time.Second, "the sent reminders recorded", func() error {
		if ra, rd := e.reminders(a.ID), e.reminders(d.ID); ra[notification.StatusSent] != 1 || rd[notification.StatusSent] != 1 {
			return fmt.Errorf("Ann's %v, Di's %v", ra, rd)
		}
		return nil
	})
	if r := e.reminders(b.ID); r[notification.StatusCancelled] < 1 || r[notification.StatusPending]+r[notification.StatusSent] != 0 { // the topics race: 1 or 2 cancelled rows
		t.Errorf("cancelled booking's reminders: %v", r)
	}
	if r := e.reminders(c.ID); r[notification.StatusCancelled] != 1 || len(r) != 1 {
		t.Errorf("late confirmation of a cancelled booking scheduled a reminder: %v", r)
	}
	if r := e.reminders(dEarly.ID); r[notification.StatusCancelled] != 1 || r[notification.StatusPending] != 1 {
		t.Errorf("moved booking's reminders: %v (want the old one cancelled, the new one pending)", r)
	}
	if n := len(reminderMails(bo.Email)) + len(reminderMails(cy.Email)); n != 0 {
		t.Errorf("%d reminders for cancelled bookings", n)
	}
	if n := len(reminderMails(di.Email)); n != 1 {
		t.Errorf("Di got %d reminders, want 1", n)
	}
}
