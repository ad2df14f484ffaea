package domain

import "time"

// Terms are the money rules a booking was made under. They are copied from
// the vendor when the booking is made and travel with it: a vendor that
// later raises its deposit or widens its cancellation window changes
// nothing for the bookings it already has.
type Terms struct {
	Rate            int64 // minor units of the booking's currency, per guest or per unit held
	PerGuest        bool
	FreeCancelHours int // a guest's cancellation refunds until this many hours before the start
}

// Deposit is what a booking of partySize on quantity units holds.
func (t Terms) Deposit(partySize, quantity int) int64 {
	if t.PerGuest {
		return t.Rate * int64(partySize)
	}
	return t.Rate * int64(quantity)
}

// FreeCancel reports whether a guest cancelling at now gets the deposit
// back: before the free-cancellation window closes.
func (t Terms) FreeCancel(start, now time.Time) bool {
	return now.Before(start.Add(-time.Duration(t.FreeCancelHours) * time.Hour))
}
