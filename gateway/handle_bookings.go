package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
)

// The booking service judges every value (grid, opening hours, the past,
// party sizes, who may do what) and names the field at fault; the schema
// below checks types, rejects unknown fields and caps sizes, nothing more.

// SlotOut is a free [start, end).
type SlotOut struct {
	Start time.Time `json:"start" doc:"RFC 3339"`
	End   time.Time `json:"end" doc:"RFC 3339; start plus the vendor's stay (restaurants) or check-out (hotels)"`
}

// AvailabilityOut lists a day's free slots for a party.
type AvailabilityOut struct {
	VendorID string    `json:"vendor_id"`
	Date     string    `json:"date" doc:"YYYY-MM-DD in the vendor's time zone"`
	Timezone string    `json:"timezone" doc:"The vendor's IANA time zone" example:"Europe/Berlin"`
	Slots    []SlotOut `json:"slots" nullable:"false" doc:"Free slots, in time order; [] when none"`
}

type availabilityInput struct {
	ID        string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Date      string `query:"date" maxLength:"32" doc:"YYYY-MM-DD in the vendor's time zone" example:"2027-05-01"`
	PartySize int    `query:"party_size" doc:"Guests, 1..100" example:"2"`
}

type availabilityOutput struct {
	Body AvailabilityOut
}

func (s *Server) handleAvailability(ctx context.Context, in *availabilityInput) (*availabilityOutput, error) {
	a, err := s.bookings.Availability(ctx, booking.AvailabilityRequest{VendorID: in.ID, Date: in.Date, PartySize: in.PartySize})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &availabilityOutput{Body: AvailabilityOut{VendorID: a.VendorID, Date: a.Date, Timezone: a.Timezone,
		Slots: make([]SlotOut, len(a.Slots))}}
	for i, sl := range a.Slots {
		out.Body.Slots[i] = SlotOut(sl)
	}
	return out, nil
}

// HeldUnitOut is a table or room a booking holds.
type HeldUnitOut struct {
	ID       string `json:"id" doc:"Unit id (UUID)"`
	Name     string `json:"name" example:"T12"`
	Capacity int    `json:"capacity" doc:"Seats or beds"`
}

// DepositOut is a booking's deposit and what became of it.
type DepositOut struct {
	Amount   int64  `json:"amount" doc:"Minor units (cents); 0 when the vendor asks none" example:"2000"`
	Currency string `json:"currency" doc:"ISO 4217 code" example:"EUR"`
	Status   string `json:"status" doc:"none | pending | charged | refund_pending | refunded | kept | void_pending | voided | failed"`
}

// RefundOut says what a cancellation, a settled bill or a no-show gave back.
type RefundOut struct {
	Amount   int64  `json:"amount" doc:"Minor units (cents) given back; 0 when the deposit is kept"`
	Currency string `json:"currency" doc:"ISO 4217 code"`
	Status   string `json:"status" doc:"refunded | pending (retried until it goes through) | none (the deposit is kept)"`
	Reason   string `json:"reason,omitempty" doc:"Why, for humans"`
}

// BookingOut is a booking as its user and the vendor's managers see it.
type BookingOut struct {
	ID        string        `json:"id" doc:"Booking id (UUID)"`
	Status    string        `json:"status" doc:"BLOCKED (payment outcome unknown) | CONFIRMED | FAILED | EXPIRED | CANCELLED | AVAILED | NO_SHOW"`
	VendorID  string        `json:"vendor_id"`
	UserID    string        `json:"user_id" doc:"Who booked"`
	Start     time.Time     `json:"start" doc:"RFC 3339"`
	End       time.Time     `json:"end" doc:"RFC 3339"`
	PartySize int           `json:"party_size"`
	Units     []HeldUnitOut `json:"units" nullable:"false" doc:"The units held"`
	Deposit   DepositOut    `json:"deposit"`
	Refund    *RefundOut    `json:"refund,omitempty" doc:"After a cancellation, a settled bill or a no-show, when there was a deposit"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty" doc:"While BLOCKED: when the hold ends unless the payment lands"`
	Version   int64         `json:"version" doc:"Goes up with every change"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func bookingOut(b booking.Booking) BookingOut {
	out := BookingOut{
		ID: b.ID, Status: b.Status, VendorID: b.VendorID, UserID: b.UserID, Start: b.Start, End: b.End,
		PartySize: b.PartySize, Units: make([]HeldUnitOut, len(b.Units)), Deposit: DepositOut(b.Deposit),
		ExpiresAt: b.ExpiresAt, Version: b.Version, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
	}
	for i, u := range b.Units {
		out.Units[i] = HeldUnitOut(u)
	}
	if b.Refund != nil {
		r := RefundOut(*b.Refund)
		out.Refund = &r
	}
	return out
}

func bookingsOut(in []booking.Booking) []BookingOut {
	out := make([]BookingOut, len(in))
	for i, b := range in {
		out[i] = bookingOut(b)
	}
	return out
}

type bookingOutput struct {
	Body BookingOut
}

type createBookingInput struct {
	IdempotencyKey string `header:"Idempotency-Key" required:"true" maxLength:"1024" doc:"Required: a key of yours, unique per booking you intend (e.g. a UUID), at most 200 characters. The same key again answers the first outcome; the same key with a different body is 422 idempotency_mismatch." example:"5f0c2a9e-6d7b-4b1e-9a43-3c2f1d0e8b7a"`
	Body           struct {
		VendorID      string     `json:"vendor_id" maxLength:"64" doc:"Vendor id (UUID)"`
		Start         time.Time  `json:"start" doc:"RFC 3339; restaurants: a start on the vendor's slot grid; hotels: the check-in date" example:"2027-05-01T19:00:00+02:00"`
		End           *time.Time `json:"end,omitempty" doc:"RFC 3339; default: start plus the vendor's stay (restaurants), one night (hotels)"`
		PartySize     int        `json:"party_size" doc:"Guests, 1..100" example:"2"`
		Quantity      int        `json:"quantity,omitempty" doc:"Units to hold, 1..20; default 1" example:"1"`
		PaymentMethod string     `json:"payment_method" maxLength:"1000" doc:"A payment method token, or a test card: pm_card_visa succeeds, pm_card_chargeDeclined declines" example:"pm_card_visa"`
	}
}

type createBookingOutput struct {
	Status int // 201 CONFIRMED, or 202 while BLOCKED (the payment's outcome is not known yet)
	Body   BookingOut
}

func (s *Server) handleCreateBooking(ctx context.Context, in *createBookingInput) (*createBookingOutput, error) {
	ctx = natsrpc.WithIdempotencyKey(ctx, in.IdempotencyKey)
	b := in.Body
	res, err := s.bookings.Create(ctx, booking.CreateRequest{VendorID: b.VendorID, Start: b.Start, End: b.End,
		PartySize: b.PartySize, Quantity: b.Quantity, PaymentMethod: b.PaymentMethod})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &createBookingOutput{Status: http.StatusCreated, Body: bookingOut(res)}
	if res.Status == booking.StatusBlocked {
		out.Status = http.StatusAccepted // the payment's outcome is not known yet
	}
	return out, nil
}

type bookingPath struct {
	ID string `path:"id" maxLength:"64" doc:"Booking id (UUID)"`
}

func (s *Server) handleGetBooking(ctx context.Context, in *bookingPath) (*bookingOutput, error) {
	b, err := s.bookings.Get(ctx, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &bookingOutput{Body: bookingOut(b)}, nil
}

type updateBookingInput struct {
	ID             string `path:"id" maxLength:"64" doc:"Booking id (UUID)"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"1024" doc:"Optional: a key of yours for this change (e.g. a UUID), at most 200 characters. The same key and body again answer the booking as that change left it (or the same error); the same key with another body is 422 idempotency_mismatch. Without it every request is a change of its own."`
	Body           struct {
		Start     *time.Time `json:"start,omitempty" doc:"RFC 3339; a new start on the vendor's grid"`
		End       *time.Time `json:"end,omitempty" doc:"RFC 3339; default: the new start plus the vendor's stay"`
		PartySize *int       `json:"party_size,omitempty" doc:"Guests, 1..100"`
	}
}

func (s *Server) handleUpdateBooking(ctx context.Context, in *updateBookingInput) (*bookingOutput, error) {
	if in.IdempotencyKey != "" {
		ctx = natsrpc.WithIdempotencyKey(ctx, in.IdempotencyKey)
	}
	b, err := s.bookings.Update(ctx, booking.UpdateRequest{ID: in.ID, Start: in.Body.Start, End: in.Body.End, PartySize: in.Body.PartySize})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &bookingOutput{Body: bookingOut(b)}, nil
}

type transitionInput struct {
	ID             string `path:"id" maxLength:"64" doc:"Booking id (UUID)"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"1024" doc:"Optional: a key of yours for this change (e.g. a UUID), at most 200 characters. The same key again answers the booking as the change left it; without it, or with another key, a booking already in that state is 409 invalid_state."`
}

// transition makes the handler of a cancel, avail or no-show.
func (s *Server) transition(call func(context.Context, string) (booking.Booking, error)) func(context.Context, *transitionInput) (*bookingOutput, error) {
	return func(ctx context.Context, in *transitionInput) (*bookingOutput, error) {
		if in.IdempotencyKey != "" {
			ctx = natsrpc.WithIdempotencyKey(ctx, in.IdempotencyKey)
		}
		b, err := call(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &bookingOutput{Body: bookingOut(b)}, nil
	}
}

type listBookingsOutput struct {
	Body struct {
		Items      []BookingOut `json:"items" nullable:"false"`
		NextCursor string       `json:"next_cursor,omitempty" doc:"Absent on the last page"`
	}
}

func listOut(p booking.Page) *listBookingsOutput {
	out := &listBookingsOutput{}
	out.Body.Items, out.Body.NextCursor = bookingsOut(p.Items), p.NextCursor
	return out
}

type myBookingsInput struct {
	Scope  string `query:"scope" enum:"current,past" doc:"current (default): BLOCKED or CONFIRMED, soonest first; past: finished (AVAILED, CANCELLED, NO_SHOW, EXPIRED, FAILED), newest first, from the archive, moments after they finish" example:"current"`
	Status string `query:"status" maxLength:"32" doc:"Only this status, e.g. CONFIRMED; a finished status implies scope=past"`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" doc:"Page size, 1..200; default 50"`
}

func (s *Server) handleMyBookings(ctx context.Context, in *myBookingsInput) (*listBookingsOutput, error) {
	p, err := s.manage.User(ctx, bookingquery.ListRequest{Scope: in.Scope, Status: in.Status, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return listOut(p), nil
}

type vendorBookingsInput struct {
	ID     string    `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Scope  string    `query:"scope" enum:"current,past" doc:"current (default): BLOCKED or CONFIRMED, soonest first; past: finished, newest first, from the archive"`
	From   time.Time `query:"from" doc:"RFC 3339: bookings ending after this instant"`
	To     time.Time `query:"to" doc:"RFC 3339: bookings starting before this instant"`
	Status string    `query:"status" maxLength:"32" doc:"Only this status, e.g. CONFIRMED; a finished status (e.g. CANCELLED) implies scope=past"`
	Cursor string    `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page"`
	Limit  int       `query:"limit" doc:"Page size, 1..200; default 50"`
}

func (s *Server) handleVendorBookings(ctx context.Context, in *vendorBookingsInput) (*listBookingsOutput, error) {
	r := bookingquery.ListRequest{VendorID: in.ID, Scope: in.Scope, Status: in.Status, Cursor: in.Cursor, Limit: in.Limit}
	if !in.From.IsZero() {
		r.From = &in.From
	}
	if !in.To.IsZero() {
		r.To = &in.To
	}
	p, err := s.manage.Vendor(ctx, r)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return listOut(p), nil
}
