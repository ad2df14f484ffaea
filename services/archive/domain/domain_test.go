package domain_test

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/domain"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	ok := booking.Booking{ID: "b", UserID: "u", VendorID: "v", Status: booking.StatusAvailed, Start: time.Unix(1e9, 0)}
	for _, c := range []struct {
		name   string
		edit   func(*booking.Booking)
		fields int
	}{
		{"final", func(*booking.Booking) {}, 0},
		{"every final status", func(b *booking.Booking) { b.Status = booking.StatusFailed }, 0},
		{"confirmed", func(b *booking.Booking) { b.Status = booking.StatusConfirmed }, 1},
		{"blocked", func(b *booking.Booking) { b.Status = booking.StatusBlocked }, 1},
		{"empty", func(b *booking.Booking) { *b = booking.Booking{} }, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := ok
			c.edit(&b)
			err := domain.Check(b)
			if c.fields == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ae, isApp := apperr.As(err)
			if !isApp || ae.Code != apperr.InvalidInput || len(ae.Details["fields"].([]apperr.FieldProblem)) != c.fields {
				t.Fatalf("%v, want invalid_input naming %d fields", err, c.fields)
			}
		})
	}
	for _, s := range domain.FinalStatuses {
		if !domain.IsFinal(s) {
			t.Errorf("%s not final", s)
		}
	}
}
