// Package app is the archive's application layer: archiving a booking event
// and the two queries, over a Store that a driver (postgres, cassandra)
// implements.
package app

import (
	"context"
	"strings"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/archive/domain"
)

// Store is archive_db: the portable interface every driver implements and
// services/archive/adapters/archivetest checks.
//
// Put stores the final record of a booking. It is idempotent: the same
// record twice is one row, and of two versions of one booking the higher
// Version is kept whatever order they arrive in.
//
// List pages through one user's (UserID) or one vendor's (VendorID)
// records, newest Start first, then booking id descending, with the
// optional filters From (start >= From), To (start < To) and Status. The
// request has been validated and Limit is in 1..wire.MaxLimit. Cursor is
// the driver's own opaque NextCursor; one it cannot read is an
// invalid_input error on field "cursor". NextCursor is empty on the last page.
//
// Get reads one record; an unknown id is a not_found error.
type Store interface {
	Put(ctx context.Context, b booking.Booking) error
	List(ctx context.Context, r archive.ListRequest) (archive.Page, error)
	Get(ctx context.Context, id string) (booking.Booking, error)
}

// App is the archive's use cases.
type App struct {
	Store Store
}

// Archive handles one booking event from Kafka: it stores the booking it
// carries. Data that is undecodable, or a booking that is not final or lacks
// its keys, is invalid_input: the consumer moves it to the dead-letter topic.
func (a *App) Archive(ctx context.Context, e contracts.Event) error {
	var c booking.Changed
	if err := e.Decode(&c); err != nil {
		return apperr.E(apperr.InvalidInput, "event %s (%s): undecodable booking data: %v", e.ID, e.Type, err)
	}
	if err := domain.Check(c.Booking); err != nil {
		ae, _ := apperr.As(err)
		return apperr.E(apperr.InvalidInput, "event %s (%s): %s", e.ID, e.Type, ae.Message).With("fields", ae.Details["fields"])
	}
	return a.Store.Put(ctx, normalize(c.Booking))
}

// normalize stores times in UTC so every driver returns the same bytes.
func normalize(b booking.Booking) booking.Booking {
	b.Start, b.End = b.Start.UTC(), b.End.UTC()
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	if b.ExpiresAt != nil {
		t := b.ExpiresAt.UTC()
		b.ExpiresAt = &t
	}
	return b
}

// List validates r (every problem at once, by field name), applies the
// default limit and asks the store.
func (a *App) List(ctx context.Context, r archive.ListRequest) (archive.Page, error) {
	if err := ValidateList(&r); err != nil {
		return archive.Page{}, err
	}
	p, err := a.Store.List(ctx, r)
	if p.Items == nil {
		p.Items = []booking.Booking{}
	}
	return p, err
}

// ValidateList checks r and sets its default limit.
func ValidateList(r *archive.ListRequest) error {
	var f apperr.Fields
	r.UserID, r.VendorID = strings.TrimSpace(r.UserID), strings.TrimSpace(r.VendorID)
	switch {
	case r.UserID == "" && r.VendorID == "":
		f.Add("user_id", "exactly one of user_id and vendor_id is required")
	case r.UserID != "" && r.VendorID != "":
		f.Add("vendor_id", "exactly one of user_id and vendor_id is allowed")
	}
	if r.Limit == 0 {
		r.Limit = archive.DefaultLimit
	}
	if r.Limit < 1 || r.Limit > archive.MaxLimit {
		f.Add("limit", "must be in 1..%d", archive.MaxLimit)
	}
	if r.Status != "" && !domain.IsFinal(r.Status) {
		f.Add("status", "must be one of %s", strings.Join(domain.FinalStatuses, ", "))
	}
	if r.From != nil && r.To != nil && !r.From.Before(*r.To) {
		f.Add("to", "must be after from")
	}
	if r.From != nil {
		t := r.From.UTC()
		r.From = &t
	}
	if r.To != nil {
		t := r.To.UTC()
		r.To = &t
	}
	return f.Err()
}

// Get reads one archived booking.
func (a *App) Get(ctx context.Context, id string) (booking.Booking, error) {
	if strings.TrimSpace(id) == "" {
		return booking.Booking{}, apperr.Field("id", "required")
	}
	return a.Store.Get(ctx, id)
}

// BadCursor is the error a driver returns for a cursor it cannot read.
func BadCursor() error {
	return apperr.Field("cursor", "not a cursor this service gave out")
}
