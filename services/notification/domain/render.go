package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"golang.org/x/text/currency"
)

// Kind is what a message tells the user.
type Kind string

// The kinds of message, one per booking event notification handles.
const (
	KindConfirmation Kind = "confirmation"
	KindChange       Kind = "change"
	KindCancellation Kind = "cancellation"
	KindThankYou     Kind = "thank_you"
)

// KindOf is the message kind of a booking event type; false for the events
// notification does not announce.
func KindOf(eventType string) (Kind, bool) {
	switch eventType {
	case booking.EventConfirmed:
		return KindConfirmation, true
	case booking.EventUpdated:
		return KindChange, true
	case booking.EventCancelled:
		return KindCancellation, true
	case booking.EventAvailed:
		return KindThankYou, true
	}
	return "", false
}

// WebhookType is the webhook "type" of a kind.
func (k Kind) WebhookType() string {
	switch k {
	case KindConfirmation:
		return notification.TypeBookingConfirmed
	case KindChange:
		return notification.TypeBookingUpdated
	case KindCancellation:
		return notification.TypeBookingCancelled
	default:
		return notification.TypeBookingAvailed
	}
}

// Vendor is what a message says about the vendor.
type Vendor struct {
	Name     string
	Kind     string // restaurant | hotel
	Timezone string // IANA
}

// Message is a rendered email.
type Message struct {
	Subject string
	Body    string
}

// Render is the email of a kind for a booking: subject and plain-text body,
// times in the vendor's time zone, money from minor units. name is the
// user's name ("" greets without one).
func Render(k Kind, b booking.Booking, v Vendor, name string) Message {
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil || v.Timezone == "" {
		loc = time.UTC
	}
	start, end := b.Start.In(loc), b.End.In(loc)
	vendor := v.Name
	if vendor == "" {
		vendor = "your booking's venue"
	}
	when := start.Format("Mon 2 Jan 2006, 15:04")

	var subject, lead, closing string
	switch k {
	case KindConfirmation:
		subject = fmt.Sprintf("Booking confirmed: %s, %s", vendor, when)
		lead = fmt.Sprintf("your booking at %s is confirmed.", vendor)
		closing = "We look forward to seeing you."
	case KindChange:
		subject = fmt.Sprintf("Booking changed: %s, now %s", vendor, when)
		lead = fmt.Sprintf("your booking at %s has changed. These are the new details.", vendor)
		closing = "We look forward to seeing you."
	case KindCancellation:
		subject = fmt.Sprintf("Booking cancelled: %s, %s", vendor, when)
		lead = fmt.Sprintf("your booking at %s has been cancelled.", vendor)
		closing = "We hope to see you another time."
	default:
		subject = fmt.Sprintf("Thank you for visiting %s", vendor)
		lead = fmt.Sprintf("thank you for your visit to %s.", vendor)
		closing = "We hope you enjoyed it and come back soon."
	}

	var w strings.Builder
	if name != "" {
		fmt.Fprintf(&w, "Hello %s,\n\n", name)
	} else {
		w.WriteString("Hello,\n\n")
	}
	w.WriteString(lead + "\n\n")
	line := func(label, value string) { fmt.Fprintf(&w, "%-10s %s\n", label+":", value) }
	line("Where", vendor)
	if v.Kind == "hotel" {
		line("Check-in", longTime(start))
		line("Check-out", longTime(end))
		nights := nightsBetween(start, end)
		line("Nights", plural(nights, "night", "nights"))
	} else {
		line("When", longTime(start)+" – "+untilTime(start, end))
	}
	line("Guests", plural(b.PartySize, "guest", "guests"))
	if d := b.Deposit; d.Amount > 0 {
		line("Deposit", FormatMoney(d.Amount, d.Currency)+depositNote(d.Status))
	}
	if r := b.Refund; r != nil && (k == KindCancellation || k == KindThankYou) {
		switch {
		case r.Status == "refunded" && r.Amount > 0:
			line("Refund", FormatMoney(r.Amount, r.Currency)+" refunded to your payment method")
		case r.Status == "pending" && r.Amount > 0:
			line("Refund", FormatMoney(r.Amount, r.Currency)+" on its way to your payment method")
		case r.Status == "none" && b.Deposit.Amount > 0:
			reason := ""
			if r.Reason != "" {
				reason = " (" + strings.ReplaceAll(r.Reason, "_", " ") + ")"
			}
			line("Refund", "none; the deposit is kept"+reason)
		}
	}
	line("Booking", b.ID)
	w.WriteString("\n" + closing + "\n\n-- \nslotmesh\n")
	return Message{Subject: subject, Body: w.String()}
}

func longTime(t time.Time) string { return t.Format("Monday 2 January 2006, 15:04 MST") }

// untilTime is the end of a stay: the time alone on the same day, with the
// date otherwise.
func untilTime(start, end time.Time) string {
	y1, m1, d1 := start.Date()
	y2, m2, d2 := end.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return end.Format("15:04 MST")
	}
	return longTime(end)
}

func nightsBetween(start, end time.Time) int {
	a := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
	return max(int(b.Sub(a).Hours()/24), 1)
}

func depositNote(status string) string {
	switch status {
	case "charged":
		return " (charged)"
	case "refunded":
		return " (refunded)"
	case "kept":
		return " (kept)"
	case "pending":
		return " (being charged)"
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// FormatMoney writes an amount in minor units with its ISO 4217 code and the
// currency's number of decimals: 1250 EUR is "EUR 12.50", 1200 JPY is
// "JPY 1200", 1500 KWD is "KWD 1.500". An unknown code is taken to have two
// decimals.
func FormatMoney(minor int64, code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	scale := 2
	if u, err := currency.ParseISO(code); err == nil {
		scale, _ = currency.Standard.Rounding(u)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	return strings.TrimSpace(code + " " + sign + s)
}

// RenderReminder is the reminder email sent lead before a booking starts:
// "your booking is in N hours".
func RenderReminder(b booking.Booking, v Vendor, name string, lead time.Duration) Message {
	m := Render(KindConfirmation, b, v, name)
	vendor := v.Name
	if vendor == "" {
		vendor = "your booking's venue"
	}
	in := leadText(lead)
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil || v.Timezone == "" {
		loc = time.UTC
	}
	subject := fmt.Sprintf("Reminder: %s %s, %s", vendor, in, b.Start.In(loc).Format("Mon 2 Jan 2006, 15:04"))
	greeting, rest, _ := strings.Cut(m.Body, "\n\n")
	_, details, _ := strings.Cut(rest, "\n\n")
	body := greeting + "\n\n" + fmt.Sprintf("a reminder: your booking at %s is %s.", vendor, in) + "\n\n" + details
	return Message{Subject: subject, Body: body}
}

// leadText says a lead time the way people do: "in 24 hours", "in 1 hour",
// "in 90 minutes", "in 2 days".
func leadText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return "in " + plural(int(d/(24*time.Hour)), "day", "days")
	case d >= time.Hour && d%time.Hour == 0:
		return "in " + plural(int(d/time.Hour), "hour", "hours")
	default:
		return "in " + plural(max(int(d/time.Minute), 1), "minute", "minutes")
	}
}
