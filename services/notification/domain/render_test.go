package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		minor int64
		code  string
		want  string
	}{
		{1250, "EUR", "EUR 12.50"},
		{5, "usd", "USD 0.05"},
		{0, "EUR", "EUR 0.00"},
		{100000, "GBP", "GBP 1000.00"},
		{1200, "JPY", "JPY 1200"},
		{1500, "KWD", "KWD 1.500"},
		{7, "BHD", "BHD 0.007"},
		{-250, "EUR", "EUR -2.50"},
		{1234, "XYZ", "XYZ 12.34"},
	} {
		if got := domain.FormatMoney(tc.minor, tc.code); got != tc.want {
			t.Errorf("FormatMoney(%d, %s) = %q, want %q", tc.minor, tc.code, got, tc.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]domain.Kind{
		booking.EventConfirmed: domain.KindConfirmation,
		booking.EventUpdated:   domain.KindChange,
		booking.EventCancelled: domain.KindCancellation,
		booking.EventAvailed:   domain.KindThankYou,
	} {
		if got, ok := domain.KindOf(typ); !ok || got != want {
			t.Errorf("KindOf(%s) = %s %v", typ, got, ok)
		}
	}
	for _, typ := range []string{booking.EventBlocked, booking.EventNoShow, booking.EventExpired, "evt.other"} {
		if _, ok := domain.KindOf(typ); ok {
			t.Errorf("KindOf(%s): want not announced", typ)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	// 18:00 UTC on 12 Dec 2026 is 19:00 in Berlin (CET).
	start := time.Date(2026, 12, 12, 18, 0, 0, 0, time.UTC)
	dinner := booking.Booking{ID: "b-1", Start: start, End: start.Add(90 * time.Minute), PartySize: 4,
		Deposit: booking.Deposit{Amount: 2000, Currency: "EUR", Status: "charged"}}
	refunded := dinner
	refunded.Refund = &booking.Refund{Amount: 2000, Currency: "EUR", Status: "refunded"}
	kept := dinner
	kept.Refund = &booking.Refund{Status: "none", Reason: "late_cancellation"}
	stay := booking.Booking{ID: "b-2", Start: time.Date(2026, 12, 12, 14, 0, 0, 0, time.UTC),
		End: time.Date(2026, 12, 15, 10, 0, 0, 0, time.UTC), PartySize: 1}
	roma := domain.Vendor{Name: "Trattoria Roma", Kind: "restaurant", Timezone: "Europe/Berlin"}
	tokyo := domain.Vendor{Name: "Hotel Sakura", Kind: "hotel", Timezone: "Asia/Tokyo"}

	for _, tc := range []struct {
		name        string
		kind        domain.Kind
		b           booking.Booking
		v           domain.Vendor
		user        string
		subject     string
		contains    []string
		notContains []string
	}{
		{"confirmation", domain.KindConfirmation, dinner, roma, "Ann",
			"Booking confirmed: Trattoria Roma, Sat 12 Dec 2026, 19:00",
			[]string{"Hello Ann,", "is confirmed", "Saturday 12 December 2026, 19:00 CET – 20:30 CET", "4 guests", "EUR 20.00 (charged)", "b-1"},
			[]string{"Refund"}},
		{"change", domain.KindChange, dinner, roma, "",
			"Booking changed: Trattoria Roma, now Sat 12 Dec 2026, 19:00",
			[]string{"Hello,\n", "has changed", "19:00 CET"}, nil},
		{"cancellation with refund", domain.KindCancellation, refunded, roma, "Ann",
			"Booking cancelled: Trattoria Roma, Sat 12 Dec 2026, 19:00",
			[]string{"has been cancelled", "Refund:    EUR 20.00 refunded"}, nil},
		{"cancellation, deposit kept", domain.KindCancellation, kept, roma, "Ann",
			"Booking cancelled: Trattoria Roma, Sat 12 Dec 2026, 19:00",
			[]string{"none; the deposit is kept (late cancellation)"}, []string{"refunded to"}},
		{"thank you", domain.KindThankYou, refunded, roma, "Ann",
			"Thank you for visiting Trattoria Roma",
			[]string{"thank you for your visit", "EUR 20.00 refunded"}, nil},
		{"hotel, no deposit, vendor's zone", domain.KindConfirmation, stay, tokyo, "Ken",
			"Booking confirmed: Hotel Sakura, Sat 12 Dec 2026, 23:00",
			[]string{"Check-in:  Saturday 12 December 2026, 23:00 JST", "Check-out: Tuesday 15 December 2026, 19:00 JST", "3 nights", "1 guest\n"},
			[]string{"Deposit"}},
		{"unknown zone falls back to UTC", domain.KindConfirmation, dinner, domain.Vendor{Name: "X", Timezone: "Nowhere/Else"}, "",
			"Booking confirmed: X, Sat 12 Dec 2026, 18:00", []string{"18:00 UTC"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := domain.Render(tc.kind, tc.b, tc.v, tc.user)
			if m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			for _, s := range tc.contains {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, m.Body)
				}
			}
			for _, s := range tc.notContains {
				if strings.Contains(m.Body, s) {
					t.Errorf("body has %q:\n%s", s, m.Body)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
		lo, hi   time.Duration
	}{
		{1, time.Second, time.Minute, 500 * time.Millisecond, time.Second},
		{2, time.Second, time.Minute, time.Second, 2 * time.Second},
		{4, time.Second, time.Minute, 4 * time.Second, 8 * time.Second},
		{30, time.Second, time.Minute, 30 * time.Second, time.Minute},
	} {
		for range 50 {
			if d := domain.Backoff(tc.attempt, tc.min, tc.max); d < tc.lo || d > tc.hi {
				t.Fatalf("Backoff(%d) = %s, want in [%s, %s]", tc.attempt, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestRenderReminder(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 12, 18, 0, 0, 0, time.UTC)
	b := booking.Booking{ID: "b-1", Start: start, End: start.Add(90 * time.Minute), PartySize: 2,
		Deposit: booking.Deposit{Amount: 1000, Currency: "EUR", Status: "charged"}}
	v := domain.Vendor{Name: "Trattoria Roma", Kind: "restaurant", Timezone: "Europe/Berlin"}
	for _, tc := range []struct {
		lead    time.Duration
		subject string
		phrase  string
	}{
		{24 * time.Hour, "Reminder: Trattoria Roma in 24 hours, Sat 12 Dec 2026, 19:00", "is in 24 hours."},
		{time.Hour, "Reminder: Trattoria Roma in 1 hour, Sat 12 Dec 2026, 19:00", "is in 1 hour."},
		{90 * time.Minute, "Reminder: Trattoria Roma in 90 minutes, Sat 12 Dec 2026, 19:00", "is in 90 minutes."},
		{72 * time.Hour, "Reminder: Trattoria Roma in 3 days, Sat 12 Dec 2026, 19:00", "is in 3 days."},
	} {
		m := domain.RenderReminder(b, v, "Ann", tc.lead)
		if m.Subject != tc.subject {
			t.Errorf("subject %q, want %q", m.Subject, tc.subject)
		}
		for _, s := range []string{"Hello Ann,", tc.phrase, "19:00 CET", "2 guests", "b-1"} {
			if !strings.Contains(m.Body, s) {
				t.Errorf("body lacks %q:\n%s", s, m.Body)
			}
		}
		if strings.Contains(m.Body, "is confirmed") {
			t.Errorf("reminder reads like a confirmation:\n%s", m.Body)
		}
	}
}
